/* Path syntax as xenstored accepts it, and small helpers on valid paths. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xenstore/store_internal.h"

#include <xen/io/xs_wire.h>

static const char *const special_names[SPECIAL_COUNT] = {
	[SPECIAL_INTRODUCE] = "@introduceDomain",
	[SPECIAL_RELEASE] = "@releaseDomain",
};

int special_index(const char *path)
{
	for (int i = 0; i < SPECIAL_COUNT; i++)
		if (!strcmp(path, special_names[i]))
			return i;
	return -1;
}

const char *special_name(enum special_path sp)
{
	return special_names[sp];
}

static bool valid_chars(const char *p)
{
	for (; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '/' || c == '_' ||
		      c == '@' || c == '-'))
			return false;
	}
	return true;
}

/*
 * Length of a leading "/local/domain/<N>/": the quota on path length counts
 * only what a domain adds below a home, as xenstored does.
 */
static size_t home_prefix_len(const char *path)
{
	static const char home[] = "/local/domain/";
	size_t i = sizeof(home) - 1, digits = 0;

	if (strncmp(path, home, i))
		return 0;
	while (path[i] >= '0' && path[i] <= '9' && digits < 5) {
		i++;
		digits++;
	}
	return digits && path[i] == '/' ? i + 1 : 0;
}

int xs_store_path_check(const struct xs_store *s, unsigned int domid,
			const char *path, bool allow_special)
{
	size_t len;

	if (!path)
		return EINVAL;
	len = strlen(path);
	if (path[0] == '@')
		return allow_special && len <= XENSTORE_REL_PATH_MAX &&
		       valid_chars(path) ? 0 : EINVAL;
	if (path[0] != '/' || len > XENSTORE_ABS_PATH_MAX || !valid_chars(path))
		return EINVAL;
	if (len > 1 && path[len - 1] == '/')
		return EINVAL;
	if (strstr(path, "//"))
		return EINVAL;
	if (xs_store_quota_check(s, domid, XS_QUOTA_PATH_LEN,
				 len - home_prefix_len(path)))
		return EINVAL;
	return 0;
}

int xs_store_domain_path(unsigned int domid, char *buf, size_t size)
{
	int n = snprintf(buf, size, "/local/domain/%u", domid);

	return n < 0 || (size_t)n >= size ? EINVAL : 0;
}

const char *path_last(const char *path)
{
	return strrchr(path, '/') + 1;
}

/* True when path equals ancestor or lies below it (both canonical). */
bool path_is_within(const char *path, const char *ancestor)
{
	size_t n = strlen(ancestor);

	if (n == 1)
		return path[0] == '/';
	return !strncmp(path, ancestor, n) &&
	       (path[n] == '/' || path[n] == '\0');
}
