/*
 * The request loop mmu_update and mmuext_op share: requests read one at a
 * time from the guest's array, the count of those done reported through
 * pdone, and a continuation (Xen's MMU_UPDATE_PREEMPTED encoding of the
 * count) when the launcher's CPU-ops queue fills or a call has done many.
 */
#ifndef XENLET_CORE_MM_BATCH_H
#define XENLET_CORE_MM_BATCH_H

#include <stddef.h>
#include <stdint.h>

struct core;

/* Requests one call handles before it continues (keeps calls short). */
#define MM_BATCH_MAX 512
/* CPU ops a request may need without validating new tables. */
#define MM_BATCH_OPS_RESERVE 4
#define MM_UPDATE_PREEMPTED 0x80000000u

struct mm_batch {
	uint64_t args[5];  /* reqs, count, pdone, foreigndom */
	uint64_t size;     /* of one request */
	uint32_t count, i, done;
	int continued;
	uint64_t ptr;      /* guest address of request i */
};

void mm_batch_start(struct core *c, struct mm_batch *b, const uint64_t args[5],
		    uint64_t size);
/* Sets b->ptr to the next request; 0 when there is none to do now. */
int mm_batch_next(struct core *c, struct mm_batch *b);
/* Accounts request b->i's result; returns the error that ends the call. */
long mm_batch_result(struct core *c, struct mm_batch *b, int rc);
/* Writes pdone, asks for the continuation if any; returns rc. */
long mm_batch_end(struct core *c, struct mm_batch *b, long rc);

int mm_foreign_ok(uint64_t foreigndom);
/* The vCPU set (bit n: vCPU n) of a *_MULTI flush, read from the guest's
 * bitmap at va; only the domain's vCPUs count.  0 or -XEN_EFAULT. */
int mm_read_vcpumask(struct core *c, uint64_t va, uint64_t *mask);

#endif
