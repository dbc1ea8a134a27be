/*
 * What the store engine's files share; nothing outside xenstore/store*.c
 * includes this.
 *
 * The tree is persistent (copy-on-write): nodes are reference counted and a
 * node with more than one reference is never changed in place, so a
 * transaction can keep the tree as it was at its start for the price of one
 * reference, and a commit can build its result beside the live tree and
 * switch to it only when every step succeeded.
 */
#ifndef XENLET_XENSTORE_STORE_INTERNAL_H
#define XENLET_XENSTORE_STORE_INTERNAL_H

#include <stdint.h>

#include <xen/xen.h>

#include "xenstore/store.h"

struct node {
	unsigned int refs;
	unsigned int nperms;
	unsigned int nchildren;
	unsigned int cap;	/* slots in children */
	size_t len;		/* value bytes */
	uint64_t gen;		/* last change of value, perms or children */
	char *value;		/* NULL when len is 0 */
	struct xs_store_perm *perms;
	struct node **children;	/* sorted by name */
	char name[];		/* last path component; "" for the root */
};

struct owner_count {
	unsigned int domid;
	unsigned int nodes;
};

struct watch {
	void *watcher;
	unsigned int domid;
	size_t strip;
	char *path;
	char *token;
};

/* One change a transaction made, replayed on the live tree at commit. */
enum tx_op_kind { TX_WRITE, TX_MKDIR, TX_RM, TX_SET_PERMS };

struct tx_op {
	enum tx_op_kind kind;
	char *path;
	char *value;			/* TX_WRITE */
	size_t len;
	struct xs_store_perm *perms;	/* TX_SET_PERMS */
	unsigned int nperms;
};

/* A path a transaction looked at and its generation when it started. */
struct tx_access {
	char *path;
	uint64_t gen;		/* 0: absent */
};

struct xs_tx {
	uint32_t id;
	unsigned int domid;
	void *owner;
	struct node *base;	/* the live tree when the transaction started */
	struct node *root;	/* base plus this transaction's changes */
	struct tx_access *acc;
	size_t nacc, acc_cap;
	struct tx_op *ops;
	size_t nops, ops_cap;
	long nodes_delta;	/* nodes owned by domid created minus removed */
	struct xs_tx *next;
};

enum special_path { SPECIAL_INTRODUCE, SPECIAL_RELEASE, SPECIAL_COUNT };

struct xs_store {
	xs_store_fire_fn *fire;
	void *opaque;
	struct node *root;
	uint64_t gen;
	unsigned int quota[XS_QUOTA_COUNT];
	struct owner_count *owners;	/* sorted by domid */
	size_t nowners, owners_cap;
	struct watch **watches;
	size_t nwatches, watches_cap;
	struct xs_tx *txs;
	uint32_t next_txid;
	struct xs_store_perm *special_perms[SPECIAL_COUNT];
	unsigned int special_nperms[SPECIAL_COUNT];
	uint8_t introduced[DOMID_FIRST_RESERVED / 8];
	/* 1 + the domain whose node permissions domain d also has
	 * (SET_TARGET), 0 for none: 0 is a valid target, as in xenstored. */
	uint16_t target_of[DOMID_FIRST_RESERVED];
	size_t live_nodes;
	size_t node_bytes;
};

/* A watch event found while a change is made, sent when the change holds. */
struct pending_event {
	struct watch *w;
	char *path;
};

/* Permissions that may let a watcher see an event. */
struct perm_set {
	const struct xs_store_perm *p;
	unsigned int n;
};

struct owner_delta {
	unsigned int domid;
	long nodes;
};

/*
 * One request against one tree. On the live tree (tx NULL) node-count
 * changes and watch events are gathered and applied only when the whole
 * request (or commit) succeeded; in a transaction, looked-at paths are
 * recorded for conflict detection instead.
 */
struct xs_op {
	struct xs_store *s;
	unsigned int domid;
	struct node **rootp;
	struct xs_tx *tx;
	struct owner_delta *deltas;
	size_t ndeltas, deltas_cap;
	size_t new_owners;	/* deltas for domains owning nothing yet */
	struct pending_event *events;
	size_t nevents, events_cap;
};

/* store_node.c */
struct node *node_new(struct xs_store *s, const char *name, size_t name_len,
		      const struct xs_store_perm *perms, unsigned int nperms);
void node_unref(struct xs_store *s, struct node *n);
struct node *node_lookup(struct node *root, const char *path, size_t len,
			 struct node **parent);
int node_own(struct xs_store *s, struct node **slot);
int node_own_path(struct xs_store *s, struct node **rootp, const char *path,
		  size_t len, struct node **out);
int node_reserve_child(struct xs_store *s, struct node *parent);
void node_insert_child(struct node *parent, struct node *child);
struct node *node_remove_child(struct xs_store *s, struct node *parent,
			       const char *name);
int node_set_value(struct xs_store *s, struct node *n, const void *val,
		   size_t len);
int node_set_perms(struct xs_store *s, struct node *n,
		   const struct xs_store_perm *perms, unsigned int nperms);
uint64_t store_next_gen(struct xs_store *s);

/* store_path.c */
const char *path_last(const char *path);
bool path_is_within(const char *path, const char *ancestor);
int special_index(const char *path);
const char *special_name(enum special_path sp);

/* store_domain.c */
unsigned int domain_acts_also_as(const struct xs_store *s, unsigned int domid);

/* store_perms.c */
unsigned int perm_for(const struct xs_store *s, unsigned int domid,
		      const struct xs_store_perm *perms, unsigned int nperms);
bool perm_is_owner(const struct xs_store *s, unsigned int domid,
		   const struct xs_store_perm *perms);
int perms_check(const struct xs_store *s, unsigned int domid,
		const struct xs_store_perm *perms, unsigned int n);

/* store_quota.c */
void quota_init(struct xs_store *s);
void owner_add(struct xs_store *s, unsigned int domid, long nodes);
int op_count_node(struct xs_op *op, unsigned int owner, long nodes);
int op_check_node_quota(struct xs_op *op, unsigned int nodes);
bool quota_exempt(unsigned int domid);

/* store_watch.c */
int watch_collect_change(struct xs_op *op, const char *path,
			 const struct perm_set *sets, unsigned int nsets);
int watch_collect_rm(struct xs_op *op, const char *path, struct node *n,
		     const struct node *parent);
int watch_collect_special(struct xs_op *op, enum special_path sp);
void watch_fire_pending(struct xs_op *op);
void watch_free_all(struct xs_store *s);

/* store_ops.c: the operations on whatever tree op points at */
void op_init(struct xs_op *op, struct xs_store *s, unsigned int domid,
	     struct node **rootp, struct xs_tx *tx);
void op_done(struct xs_op *op);
void op_finish(struct xs_op *op);
int op_get(struct xs_op *op, const char *path, unsigned int want,
	   struct node **out);
int tree_write(struct xs_op *op, const char *path, const void *val,
	       size_t len, bool mkdir_only);
int tree_rm(struct xs_op *op, const char *path);
int tree_set_perms(struct xs_op *op, const char *path,
		   const struct xs_store_perm *perms, unsigned int n);

/* store_txn.c */
struct xs_tx *tx_find(struct xs_store *s, unsigned int domid, uint32_t txid);
int tx_note_access(struct xs_tx *tx, struct xs_store *s, const char *path,
		   size_t len);
void tx_free_all(struct xs_store *s);
struct tx_op *tx_log_prepare(struct xs_tx *tx, enum tx_op_kind kind,
			     const char *path, const void *val, size_t len,
			     const struct xs_store_perm *perms,
			     unsigned int nperms);
void tx_log_keep(struct xs_tx *tx);
void tx_op_clear(struct tx_op *o);

#endif
