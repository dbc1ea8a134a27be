/*
 * The xenstore store engine: the node tree, permissions, transactions,
 * watches, domain bookkeeping and quotas, with the semantics of Xen's
 * xenstored. It does no I/O: the protocol layer parses requests, resolves
 * relative paths against /local/domain/<domid>, calls these functions and
 * turns their results into replies.
 *
 * Conventions
 *  - Every int-returning function returns 0 or a positive errno, always one
 *    that xs_wire.h's xsd_errors table lists (EINVAL, EACCES, EEXIST, ENOENT,
 *    ENOMEM, ENOSPC, E2BIG, EAGAIN, EBUSY, EPERM ...), so the protocol layer
 *    can send it as an XS_ERROR string unchanged. On error nothing changed.
 *  - Paths given to the engine are canonical absolute paths ("/a/b", or "/"),
 *    validated here (EINVAL): characters [A-Za-z0-9/_@-], no "//", no
 *    trailing '/', length within XS_QUOTA_PATH_LEN (counted after a leading
 *    "/local/domain/<N>/", as xenstored does) and XENSTORE_ABS_PATH_MAX.
 *    Paths starting with '@' are special and only valid for watches and
 *    get/set_perms ("@introduceDomain", "@releaseDomain").
 *  - domid is the caller's domain. Domain 0 is privileged: it bypasses
 *    permission checks and every quota.
 *  - txid 0 means "no transaction"; otherwise it must be a transaction this
 *    domid started and has not ended (else ENOENT).
 *  - Results handed back (values, lists, perms) are malloc'd; the caller
 *    frees them.
 *  - Not thread-safe: one thread drives a store.
 */
#ifndef XENLET_XENSTORE_STORE_H
#define XENLET_XENSTORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xs_store;

/*
 * Called once per watch that an event reaches, after the change that caused
 * it is complete (for a transaction: after a successful commit). path is the
 * changed path as the watcher should see it (the watch's strip prefix
 * removed); token is the one given at registration. The callback may read
 * the store but must not change it (queue a WATCH_EVENT message instead).
 */
typedef void xs_store_fire_fn(void *opaque, void *watcher, const char *path,
			      const char *token);

struct xs_store *xs_store_new(xs_store_fire_fn *fire, void *opaque);
/* Frees the store, all nodes, transactions and watches. NULL is a no-op. */
void xs_store_free(struct xs_store *s);

/* ---- Permissions ------------------------------------------------------ */

/* Values match the wire letters: 'n' none, 'r' read, 'w' write, 'b' both. */
enum {
	XS_STORE_PERM_NONE = 0,
	XS_STORE_PERM_READ = 1,
	XS_STORE_PERM_WRITE = 2,
	XS_STORE_PERM_BOTH = 3,
};

/*
 * A node's permissions are a list of these. The first entry names the owner
 * (who may do anything) and its perm is what every domain not listed gets;
 * later entries grant a specific domain its perm.
 */
struct xs_store_perm {
	unsigned int domid;
	unsigned int perm;	/* XS_STORE_PERM_* */
};

/*
 * Parses the wire form ("b0\0r5\0", each entry NUL-terminated, at least one)
 * into a malloc'd array. EINVAL on any malformed entry or domid > 65535.
 */
int xs_store_perms_parse(const char *buf, size_t len,
			 struct xs_store_perm **perms, unsigned int *n);
/* Formats perms into the wire form, malloc'd, *len counting every NUL. */
int xs_store_perms_format(const struct xs_store_perm *perms, unsigned int n,
			  char **buf, size_t *len);

/* ---- Paths ------------------------------------------------------------ */

/*
 * 0 if path is a valid canonical node path for domid (quota on its length
 * applied unless domid is 0), or also a special '@' path when allow_special;
 * EINVAL otherwise.
 */
int xs_store_path_check(const struct xs_store *s, unsigned int domid,
			const char *path, bool allow_special);

/* Writes "/local/domain/<domid>" into buf; EINVAL if it does not fit. */
int xs_store_domain_path(unsigned int domid, char *buf, size_t size);

/* ---- Node operations -------------------------------------------------- */

/*
 * The node's value, malloc'd with one extra NUL after *len bytes (values are
 * binary and may contain NULs or be empty). Needs read permission.
 * ENOENT if absent — or EACCES if the caller cannot read the closest
 * existing ancestor, so existence does not leak (as xenstored).
 */
int xs_store_read(struct xs_store *s, unsigned int domid, uint32_t txid,
		  const char *path, char **val, size_t *len);

/*
 * Sets the value, creating the node and any missing parents. Needs write
 * permission on the node, or, when creating, on the closest existing
 * ancestor. A created node copies its parent's permissions, except that an
 * unprivileged creator becomes the owner (perms[0].domid). Fires watches on
 * path. ENOSPC (as xenstored) if len exceeds XS_QUOTA_VALUE_SIZE or the
 * caller's node quota would be exceeded.
 */
int xs_store_write(struct xs_store *s, unsigned int domid, uint32_t txid,
		   const char *path, const void *val, size_t len);

/*
 * Creates path (empty value) and missing parents like write; an existing
 * node is success and changes nothing (no watch fires).
 */
int xs_store_mkdir(struct xs_store *s, unsigned int domid, uint32_t txid,
		   const char *path);

/*
 * Removes path and its whole subtree. Needs write permission on the node.
 * A missing node whose parent exists is success (as xenstored); a missing
 * parent is ENOENT. "/" is EINVAL. Fires watches on path and, for watches
 * set below path, on their own path.
 */
int xs_store_rm(struct xs_store *s, unsigned int domid, uint32_t txid,
		const char *path);

/*
 * The children's names, each NUL-terminated, concatenated (the XS_DIRECTORY
 * payload; an empty list is *len 0 with a valid *list), sorted by name.
 * gen (may be NULL) receives the node's generation: it changes whenever the
 * node's value, permissions or list of children changes, which is what
 * XS_DIRECTORY_PART needs to detect a listing changed between parts.
 * Needs read permission.
 */
int xs_store_directory(struct xs_store *s, unsigned int domid, uint32_t txid,
		       const char *path, char **list, size_t *len,
		       uint64_t *gen);

/* Permissions of a node or special path, malloc'd. Needs read permission. */
int xs_store_get_perms(struct xs_store *s, unsigned int domid, uint32_t txid,
		       const char *path, struct xs_store_perm **perms,
		       unsigned int *n);

/*
 * Replaces the permissions of a node (or, for domain 0, a special path).
 * Needs write permission and to be the owner (or privileged), EACCES
 * otherwise; an unprivileged caller may not give the node away (EPERM).
 * n == 0 or perm values outside 0..3 are EINVAL; more than
 * XS_QUOTA_PERMS entries is ENOSPC. Fires watches on path.
 */
int xs_store_set_perms(struct xs_store *s, unsigned int domid, uint32_t txid,
		       const char *path, const struct xs_store_perm *perms,
		       unsigned int n);

/* ---- Transactions ----------------------------------------------------- */

/*
 * Starts a transaction for domid; owner is the connection it belongs to
 * (opaque, used only by xs_store_tx_owner and xs_store_tx_end_owner).
 * *txid is nonzero and unique in the store while the transaction lives.
 * ENOSPC when domid has XS_QUOTA_TRANSACTIONS open.
 *
 * Inside a transaction reads see a snapshot taken at start plus the
 * transaction's own changes; watches fire only when it commits.
 */
int xs_store_tx_start(struct xs_store *s, unsigned int domid, void *owner,
		      uint32_t *txid);

/*
 * Ends a transaction: commit (true) or abort. The transaction is gone
 * afterwards whatever the result. Commit returns EAGAIN if a node the
 * transaction read or changed was changed by someone else since it started
 * (the guest retries), or ENOSPC if applying it would now exceed a quota.
 */
int xs_store_tx_end(struct xs_store *s, unsigned int domid, uint32_t txid,
		    bool commit);

/* The owner given at start, or NULL if txid is not a live transaction. */
void *xs_store_tx_owner(const struct xs_store *s, uint32_t txid);

/* Aborts every transaction of owner (its connection closed). */
void xs_store_tx_end_owner(struct xs_store *s, void *owner);

/* ---- Watches ---------------------------------------------------------- */

/*
 * Registers (watcher, path, token) for domid. path is canonical absolute or
 * special ('@...'). strip is how many leading characters of a fired path to
 * drop when reporting it (strlen("/local/domain/<N>/") for a watch the guest
 * set with a relative path, 0 otherwise; special paths are never stripped;
 * a fired path no longer than strip is reported as "").
 * The event a watch gets right after registering is for the protocol layer
 * to send. EEXIST for a duplicate (watcher, path, token); E2BIG when domid
 * has XS_QUOTA_WATCHES watches.
 *
 * A watch fires for changes (write, mkdir creating, rm, set_perms) of its
 * node or any descendant, and when an ancestor is removed. As in xenstored
 * it fires only if domid can read the changed node or its parent (for rm:
 * as they were; for set_perms: under the old or the new perms), "read"
 * counting domid's SET_TARGET target as xs_store_set_target says.
 * Special watches fire on domain introduce/release, to watchers that can
 * read the special path's permissions (only domain 0 by default).
 */
int xs_store_watch_add(struct xs_store *s, void *watcher, unsigned int domid,
		       const char *path, size_t strip, const char *token);
/* ENOENT if no such (watcher, path, token). */
int xs_store_watch_remove(struct xs_store *s, void *watcher, const char *path,
			  const char *token);
/* Removes every watch of watcher (XS_RESET_WATCHES, connection closed). */
void xs_store_watch_reset(struct xs_store *s, void *watcher);

/* ---- Domains ---------------------------------------------------------- */

/*
 * Marks domid introduced and fires @introduceDomain. Only domain 0 may
 * (EACCES); EEXIST if already introduced; EINVAL for domid 0 or from
 * DOMID_FIRST_RESERVED up. Creates no node, as xenstored.
 */
int xs_store_domain_introduce(struct xs_store *s, unsigned int caller,
			      unsigned int domid);
/*
 * Marks domid released and fires @releaseDomain. Only domain 0 (EACCES);
 * ENOENT if not introduced. Nodes are left for the toolstack to remove; the
 * protocol layer drops the domain's connection, watches and transactions.
 */
int xs_store_domain_release(struct xs_store *s, unsigned int caller,
			    unsigned int domid);
/*
 * Lets domid (a device-model stub domain) act, for node permissions, also
 * as target, as xenstored's SET_TARGET: it has owner rights on nodes target
 * owns, and the first entry after the owner's naming either domid or target
 * decides its access. The same rule filters its watch events. Nodes it
 * creates are owned by, and count against the quota of, domid itself (as
 * xenstored: the creator). A second call replaces the target; releasing
 * either domain ends the relation. Only domain 0 (EACCES); ENOENT unless
 * both are introduced (domain 0 always is). domid == target is accepted
 * and changes nothing, as in xenstored.
 */
int xs_store_set_target(struct xs_store *s, unsigned int caller,
			unsigned int domid, unsigned int target);
/* Domain 0 always counts as introduced. */
bool xs_store_domain_is_introduced(const struct xs_store *s,
				   unsigned int domid);

/* ---- Quotas ----------------------------------------------------------- */

/* One table of limits, applied to every domain but 0. */
enum xs_quota {
	XS_QUOTA_NODES,		/* nodes a domain owns; ENOSPC */
	XS_QUOTA_VALUE_SIZE,	/* bytes in a node's value; ENOSPC */
	XS_QUOTA_WATCHES,	/* watches a domain has; E2BIG */
	XS_QUOTA_TRANSACTIONS,	/* transactions a domain has open; ENOSPC */
	XS_QUOTA_PATH_LEN,	/* path length below the domain's home; EINVAL */
	XS_QUOTA_REQUEST_SIZE,	/* request payload bytes (protocol layer); E2BIG */
	XS_QUOTA_TX_NODES,	/* paths one transaction touches; ENOSPC */
	XS_QUOTA_PERMS,		/* entries in one node's permissions; ENOSPC */
	XS_QUOTA_COUNT
};

/* The quota's short name ("nodes", "value-size", ...), NULL if out of range. */
const char *xs_quota_name(enum xs_quota q);
unsigned int xs_store_quota_get(const struct xs_store *s, enum xs_quota q);
void xs_store_quota_set(struct xs_store *s, enum xs_quota q,
			unsigned int limit);
/*
 * 0 if domid may have `amount` of q (domain 0 always may), else the errno
 * that quota returns. The protocol layer uses it for XS_QUOTA_REQUEST_SIZE.
 */
int xs_store_quota_check(const struct xs_store *s, unsigned int domid,
			 enum xs_quota q, unsigned long amount);

/* ---- Accounting ------------------------------------------------------- */

struct xs_store_stats {
	size_t nodes;		/* live node structures, snapshots included */
	size_t bytes;		/* bytes allocated for nodes (structs, names,
				   values, perms, child tables), without the
				   allocator's own overhead */
	size_t watches;
	size_t transactions;
};

void xs_store_stats(const struct xs_store *s, struct xs_store_stats *st);
/* Nodes of the committed tree owned by domid (what XS_QUOTA_NODES limits). */
unsigned int xs_store_domain_nodes(const struct xs_store *s,
				   unsigned int domid);

#endif
