/*
 * Grant table v1 as a PV kernel keeps it (the granting side of Xen's
 * grant_table.h): the table's frames, which belong to the hypervisor, are
 * found with GNTTABOP_setup_table and mapped into the kernel's address
 * space; an entry is granted by writing its frame and domid before its
 * flags (the hypervisor reads the flags first and trusts the rest once
 * it sees GTF_permit_access) and revoked only while no user holds it
 * (GTF_reading / GTF_writing clear), with a compare-and-exchange so that
 * a user pinning it meanwhile is seen rather than overwritten.
 *
 * Entries below GNTTAB_NR_RESERVED_ENTRIES are the toolstack's (console,
 * xenstore); a kernel starts handing out refs after them.
 */
#ifndef GUEST_GRANT_TABLE_H
#define GUEST_GRANT_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/grant_table.h>

#define GRANT_TABLE_MAX_FRAMES 4 /* what the guests map at most */

long grant_table_op(unsigned cmd, void *uop, unsigned count);

/* Asks for a v1 table of at least nr_frames frames (at most
 * GRANT_TABLE_MAX_FRAMES) for DOMID_SELF and maps them; ends the test if
 * the hypervisor refuses.  Once per guest. */
void grant_table_setup(unsigned nr_frames);

/* Entries in the domain's table as the hypervisor reports it after the
 * set-up (it may hold more frames than were asked for and mapped), and
 * in the largest table it would let it grow to (GNTTABOP_query_size's
 * nr_frames and max_nr_frames). */
uint32_t grant_table_entries(void);
uint32_t grant_table_max_entries(void);

/* The entry itself, for guests that write one by hand (ref in a mapped
 * frame). */
volatile grant_entry_v1_t *grant_entry(grant_ref_t ref);

/* Lets domid use the guest frame pfn (read-only if asked) through ref:
 * its machine frame and domid first, then, once those are visible, the
 * flags. */
void grant_access(grant_ref_t ref, domid_t domid, uint64_t pfn, bool readonly);

/* Revokes ref unless its user holds it (GTF_reading or GTF_writing set):
 * true when revoked (flags now 0), false when still in use. */
bool grant_end(grant_ref_t ref);

#endif
