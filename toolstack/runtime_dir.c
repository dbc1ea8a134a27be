/* The runtime directory's place and the names of the files in it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "toolstack/runtime_dir.h"

int runtime_dir_path(char *buf, size_t len, char *err, size_t errlen)
{
	const char *env = getenv("XENLET_RUNTIME_DIR");
	int n;
	if (env && *env)
		n = snprintf(buf, len, "%s", env);
	else if (geteuid() == 0)
		n = snprintf(buf, len, "/run/xenlet");
	else if ((env = getenv("XDG_RUNTIME_DIR")) && *env)
		n = snprintf(buf, len, "%s/xenlet", env);
	else {
		snprintf(err, errlen, "no runtime directory: set XENLET_RUNTIME_DIR "
			 "or XDG_RUNTIME_DIR");
		return -1;
	}
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "runtime directory path too long");
		return -1;
	}
	return 0;
}

int runtime_dir_create(char *buf, size_t len, char *err, size_t errlen)
{
	if (runtime_dir_path(buf, len, err, errlen))
		return -1;
	if (mkdir(buf, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "creating %s: %s", buf, strerror(errno));
		return -1;
	}
	struct stat st;
	if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", buf);
		return -1;
	}
	return 0;
}

void runtime_dir_remove_if_empty(const char *dir)
{
	if (rmdir(dir) < 0) {
		/* ENOTEMPTY: other domains, or a detached domain's log */
	}
}

bool domain_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > DOMAIN_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

int runtime_file(char *buf, size_t len, const char *dir, const char *name,
		 const char *suffix)
{
	int n = snprintf(buf, len, "%s/%s.%s", dir, name, suffix);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
