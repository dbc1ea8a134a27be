/*
 * Where each setting of an xl config is.  libxlutil parses the file but
 * offers no way to list the keys it read or the lines they were on, and
 * xenlet must name every key it does not use and the line of every key it
 * refuses; this finds them in text libxlutil has already accepted.
 */
#ifndef XENLET_XL_KEYS_H
#define XENLET_XL_KEYS_H

#include <stddef.h>

#define XL_KEY_MAX_NAME 64

struct xl_key_place {
	char name[XL_KEY_MAX_NAME]; /* longer names are cut (and still listed) */
	unsigned line;              /* 1-based, in the text given */
	size_t offset;              /* of the name, in the text given */
};

/*
 * Calls found(place, opaque) for each `NAME =` or `NAME +=` at the start
 * of a statement, in order (a key set twice is found twice).  text must
 * be text libxlutil accepted: the scan does not check the grammar, only
 * steps over comments, quoted strings and bracketed lists.
 */
void xl_keys_scan(const char *text, size_t len,
		  void (*found)(const struct xl_key_place *place, void *opaque),
		  void *opaque);

#endif
