/* Node permissions: what a domain may do, and their wire form. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore/store_internal.h"

static const char perm_letters[] = "nrwb";	/* indexed by XS_STORE_PERM_* */

/*
 * As xenstored, where a domain given a target by SET_TARGET matches both
 * its own domid and the target's: domain 0 and the owner may do anything;
 * otherwise the first entry after the owner's that matches decides (so
 * "n0,r5,w7" gives a domain 7 acting also as 5 read only); everybody else
 * gets the owner entry's perm.
 */
unsigned int perm_for(const struct xs_store *s, unsigned int domid,
		      const struct xs_store_perm *perms, unsigned int nperms)
{
	unsigned int also = domain_acts_also_as(s, domid);

	if (perm_is_owner(s, domid, perms))
		return XS_STORE_PERM_BOTH;
	for (unsigned int i = 1; i < nperms; i++)
		if (perms[i].domid == domid || perms[i].domid == also)
			return perms[i].perm;
	return perms[0].perm;
}

bool perm_is_owner(const struct xs_store *s, unsigned int domid,
		   const struct xs_store_perm *perms)
{
	return domid == 0 || perms[0].domid == domid ||
	       perms[0].domid == domain_acts_also_as(s, domid);
}

/* A permission list a request may set: valid entries, within the quota. */
int perms_check(const struct xs_store *s, unsigned int domid,
		const struct xs_store_perm *perms, unsigned int n)
{
	if (!n)
		return EINVAL;
	for (unsigned int i = 0; i < n; i++)
		if (perms[i].perm > XS_STORE_PERM_BOTH ||
		    perms[i].domid > 65535)
			return EINVAL;
	return xs_store_quota_check(s, domid, XS_QUOTA_PERMS, n);
}

static int parse_one(const char *s, struct xs_store_perm *p)
{
	const char *letter = *s ? strchr(perm_letters, *s) : NULL;
	unsigned long domid = 0;
	size_t digits = 0;

	if (!letter)
		return EINVAL;
	for (s++; *s >= '0' && *s <= '9' && digits < 6; s++, digits++)
		domid = domid * 10 + (unsigned long)(*s - '0');
	if (!digits || *s || domid > 65535)
		return EINVAL;
	p->perm = (unsigned int)(letter - perm_letters);
	p->domid = (unsigned int)domid;
	return 0;
}

int xs_store_perms_parse(const char *buf, size_t len,
			 struct xs_store_perm **perms, unsigned int *n)
{
	unsigned int count = 0;
	struct xs_store_perm *p;
	size_t off = 0;

	if (!len || buf[len - 1] != '\0')
		return EINVAL;
	for (size_t i = 0; i < len; i++)
		count += buf[i] == '\0';
	p = calloc(count, sizeof(*p));
	if (!p)
		return ENOMEM;
	for (unsigned int i = 0; i < count; i++) {
		if (parse_one(buf + off, &p[i])) {
			free(p);
			return EINVAL;
		}
		off += strlen(buf + off) + 1;
	}
	*perms = p;
	*n = count;
	return 0;
}

int xs_store_perms_format(const struct xs_store_perm *perms, unsigned int n,
			  char **buf, size_t *len)
{
	/* One letter, up to 10 digits and a NUL each. */
	char *b = malloc((size_t)n * 12 + 1), *p = b;

	if (!b)
		return ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		if (perms[i].perm > XS_STORE_PERM_BOTH) {
			free(b);
			return EINVAL;
		}
		p += sprintf(p, "%c%u", perm_letters[perms[i].perm],
			     perms[i].domid) + 1;
	}
	*buf = b;
	*len = (size_t)(p - b);
	return 0;
}
