/*
 * Where running domains are found: one directory holding, per domain NAME,
 * NAME.sock (its control socket), NAME.pid and, when detached, NAME.log.
 */
#ifndef XENLET_RUNTIME_DIR_H
#define XENLET_RUNTIME_DIR_H

#include <stdbool.h>
#include <stddef.h>

#define DOMAIN_NAME_MAX 64

/* $XENLET_RUNTIME_DIR, else /run/xenlet as root, else
 * $XDG_RUNTIME_DIR/xenlet. 0, or -1 with a reason in err. */
int runtime_dir_path(char *buf, size_t len, char *err, size_t errlen);
/* The same, created (mode 0700, parents of the last component must
 * exist) if absent. */
int runtime_dir_create(char *buf, size_t len, char *err, size_t errlen);
/* Removes the directory if nothing is left in it. */
void runtime_dir_remove_if_empty(const char *dir);

/* A name is 1 to DOMAIN_NAME_MAX of [A-Za-z0-9_.-], not starting with
 * '.' or '-': it is a file name in the directory and an argument. */
bool domain_name_valid(const char *name);

/* DIR/NAME.SUFFIX into buf; -1 if it does not fit (sun_path is short). */
int runtime_file(char *buf, size_t len, const char *dir, const char *name,
		 const char *suffix);

#endif
