/*
 * The balloon's frame pool (mm_reservation.c), shared with
 * XENMEM_exchange (mm_exchange.c): frames the domain gave back are
 * flagged free in the frame table, and frames it takes again come from
 * them (the domain never grows past the RAM it was built with).
 */
#ifndef XENLET_CORE_MM_RESERVATION_H
#define XENLET_CORE_MM_RESERVATION_H

#include <stdint.h>

struct core;

#define MM_DOMU_MAX_ORDER 9            /* x86: PAGETABLE_ORDER */
#define MM_INVALID_M2P_ENTRY (~0ULL)

/* Takes frame pfn from the domain (free, its M2P entry invalid), or
 * returns -1 if it is not the domain's to give (not RAM, given back
 * already, or still in use). */
int mm_give_back(struct core *c, uint64_t pfn);

/* The first frame past what XENMEMF_address_bits in mem_flags allows
 * (UINT64_MAX: no limit), or 0 if it allows none. */
uint64_t mm_address_bits_limit(unsigned mem_flags);

/* The first run of 2^order free frames, aligned to its size and below
 * limit, searched from the cursor round; *pfn its first.  0 or -1. */
int mm_find_free_extent(struct core *c, unsigned order, uint64_t limit, uint64_t *pfn);

/* Hands frames [pfn, pfn + n) to the domain again, zeroed; their M2P
 * entries are gpfn.. (set_m2p) or left invalid. */
void mm_hand_out(struct core *c, uint64_t pfn, uint64_t n, int set_m2p, uint64_t gpfn);

#endif
