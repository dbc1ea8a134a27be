/* Shared by the store engine's unit tests (tests/unit/test_xs_store*.c). */
#ifndef XENLET_TEST_XS_STORE_H
#define XENLET_TEST_XS_STORE_H

#include <check.h>
#include <stdlib.h>

#include "xenstore/store.h"

#define MAX_EVENTS 64

struct event {
	void *watcher;
	char path[128];
	char token[32];
};

/* What the store's fire callback saw. */
struct recorder {
	struct event ev[MAX_EVENTS];
	int n;
};

/* A fresh store whose watch events land in rec (cleared). */
struct xs_store *new_store(struct recorder *rec);

int write_str(struct xs_store *s, unsigned int domid, uint32_t txid,
	      const char *path, const char *val);
/* The value as a string, or NULL with *rc set. Caller frees. */
char *read_str(struct xs_store *s, unsigned int domid, uint32_t txid,
	       const char *path, int *rc);
/* perms in wire form with '\0' written as ',': "n1,r2". */
int set_perms_str(struct xs_store *s, unsigned int domid, uint32_t txid,
		  const char *path, const char *perms);
/* The perms in the same comma form; NULL with *rc set on error. */
char *get_perms_str(struct xs_store *s, unsigned int domid, uint32_t txid,
		    const char *path, int *rc);
/* Children joined with ',' ("" for none); NULL with *rc set on error. */
char *dir_str(struct xs_store *s, unsigned int domid, uint32_t txid,
	      const char *path, int *rc);
/* Every node, value and perms below path as one string, read as dom0. */
char *dump_tree(struct xs_store *s, const char *path);

bool saw_event(const struct recorder *rec, void *watcher, const char *path,
	       const char *token);

#define ck_read_eq(s, domid, txid, path, expect)                       \
	do {                                                           \
		int rc_;                                               \
		char *v_ = read_str(s, domid, txid, path, &rc_);       \
		ck_assert_msg(v_, "read %s: errno %d", path, rc_);     \
		ck_assert_str_eq(v_, expect);                          \
		free(v_);                                              \
	} while (0)

#define ck_read_err(s, domid, txid, path, err)                         \
	do {                                                           \
		int rc_;                                               \
		char *v_ = read_str(s, domid, txid, path, &rc_);       \
		ck_assert_ptr_null(v_);                                \
		ck_assert_int_eq(rc_, err);                            \
	} while (0)

Suite *xs_store_txn_suite(void);
Suite *xs_store_watch_suite(void);
Suite *xs_store_quota_suite(void);
Suite *xs_store_random_suite(void);
Suite *xs_store_target_suite(void);

#endif
