/*
 * XENMEM_exchange, as Xen's memory_exchange does it for a PV domU: the
 * guest hands in extents of its frames (machine frame numbers) and gets
 * the same amount back in extents of another order, new frames whose
 * numbers are written over the out list's entries, each new frame's M2P
 * entry set to the pfn that entry held, each old frame's made invalid;
 * the guest updates its own p2m.  The work goes in chunks of the larger
 * order: all of a chunk's input frames are taken (each must be the
 * domain's and unused, as Xen's steal_page wants it), its output extents
 * found, and only then are the old frames given back, so a new frame is
 * never one of the chunk's old ones.  nr_exchanged counts the input
 * extents done; a failed chunk leaves its frames as they were and the
 * count at the chunks before it, and a long exchange continues with the
 * count written back, as Xen continues it.
 *
 * Where this departs from Xen: new frames come from those the domain
 * gave back (mm_reservation.h), so a domain that gave none gets -ENOMEM;
 * the out list's address-bits limit is applied to the frame numbers, the
 * only addresses there are here.
 */
#include "pv-shim/core/xen_abi.h"
#include <xen/memory.h>
#include "pv-shim/core/core.h"
#include "pv-shim/core/mm/mm.h"
#include "pv-shim/core/mm/mm_reservation.h"
#include "pv-shim/core/departure.h"

#define CHUNK_MAX        (1u << MM_DOMU_MAX_ORDER) /* extents of one side */
#define FRAMES_PER_CALL  512                       /* then it continues */
#define NO_NODE          0xffu                     /* Xen's NUMA_NO_NODE */
#define DOMID_DOM0       0
#define NOTHING_TO_DO    1

/* The frames of one chunk: the input extents taken, the output found. */
struct chunk {
	uint64_t in[CHUNK_MAX], out[CHUNK_MAX];
	uint64_t nr_in, nr_out;
};

static long write_nr_exchanged(struct core *c, uint64_t arg, uint64_t n)
{
	return copy_to_guest(c, arg + offsetof(struct xen_memory_exchange, nr_exchanged),
			     &n, sizeof n) ? -XEN_EFAULT : 0;
}

/* Frame pfn of an input extent, taken for the chunk: the domain's and
 * unused (no type, no reference, not taken twice).  0 or -XEN_EINVAL. */
static int take_frame(struct core *c, uint64_t pfn)
{
	struct mm_frame *f = mm_frame(c, pfn);
	if (!f || f->type_count || f->ref_count || (f->flags & MM_FRAME_EXCHANGING))
		return -XEN_EINVAL;
	f->flags |= MM_FRAME_EXCHANGING;
	return 0;
}

static void release_frames(struct core *c, const struct xen_memory_exchange *x,
			   const struct chunk *ch, uint64_t frames_taken)
{
	for (uint64_t n = 0; n < frames_taken; n++) {
		uint64_t pfn = ch->in[n >> x->in.extent_order] +
			       (n & ((1ULL << x->in.extent_order) - 1));
		mm_frame(c, pfn)->flags &= (uint8_t)~MM_FRAME_EXCHANGING;
	}
}

/* Takes chunk i's input frames, reading the in list once.  0, or a
 * negative errno with nothing taken. */
static int take_inputs(struct core *c, const struct xen_memory_exchange *x,
		       struct chunk *ch, uint64_t i, unsigned in_chunk_order)
{
	uint64_t list = (uint64_t)(uintptr_t)x->in.extent_start.p;
	uint64_t per = 1ULL << x->in.extent_order, taken = 0;
	ch->nr_in = 1ULL << in_chunk_order;
	for (uint64_t j = 0; j < ch->nr_in; j++) {
		uint64_t at = ((i << in_chunk_order) + j) * sizeof(uint64_t);
		int rc = copy_from_guest(c, &ch->in[j], list + at, sizeof ch->in[j])
			 ? -XEN_EFAULT : 0;
		for (uint64_t k = 0; !rc && k < per; k++) {
			rc = ch->in[j] + k < ch->in[j] ? -XEN_EINVAL
						       : take_frame(c, ch->in[j] + k);
			taken += !rc;
		}
		if (rc) {
			release_frames(c, x, ch, taken);
			return rc;
		}
	}
	return 0;
}

/* Finds chunk i's output extents among the free frames and hands them
 * out.  0, or -XEN_ENOMEM with none handed out. */
static int find_outputs(struct core *c, const struct xen_memory_exchange *x,
			struct chunk *ch, unsigned out_chunk_order)
{
	uint64_t limit = mm_address_bits_limit(x->out.mem_flags), per = 1ULL << x->out.extent_order;
	ch->nr_out = 1ULL << out_chunk_order;
	for (uint64_t j = 0; j < ch->nr_out; j++) {
		if (limit == 0 || mm_find_free_extent(c, x->out.extent_order, limit, &ch->out[j])) {
			/* Back to the pool: free again, as they were. */
			for (uint64_t k = 0; k < j; k++)
				for (uint64_t n = 0; n < per; n++)
					mm_give_back(c, ch->out[k] + n);
			core_departure(c, DEPARTURE_EXCHANGE_SHORT, "XENMEM_exchange: no "
				       "frames the domain gave back fit its outputs: -ENOMEM");
			return -XEN_ENOMEM;
		}
		/* Out of the pool now, so the next search passes over it;
		 * its M2P entries are set once the chunk is certain. */
		mm_hand_out(c, ch->out[j], per, 0, 0);
	}
	return 0;
}

/* The chunk is certain: the old frames go, the new ones get the out
 * list's pfns in the M2P and their numbers written over them. */
static int commit(struct core *c, const struct xen_memory_exchange *x,
		  const struct chunk *ch, uint64_t i, unsigned out_chunk_order)
{
	uint64_t per_in = 1ULL << x->in.extent_order, per_out = 1ULL << x->out.extent_order;
	for (uint64_t j = 0; j < ch->nr_in; j++)
		for (uint64_t k = 0; k < per_in; k++)
			mm_give_back(c, ch->in[j] + k);
	uint64_t list = (uint64_t)(uintptr_t)x->out.extent_start.p;
	int rc = 0;
	for (uint64_t j = 0; j < ch->nr_out; j++) {
		uint64_t at = ((i << out_chunk_order) + j) * sizeof(uint64_t), gpfn = 0;
		/* As Xen: an unreadable entry is not an error, an unwritable
		 * one is (the frames are the domain's either way). */
		(void)copy_from_guest(c, &gpfn, list + at, sizeof gpfn);
		for (uint64_t n = 0; n < per_out; n++)
			mm_set_m2p(c, ch->out[j] + n, gpfn + n);
		if (copy_to_guest(c, list + at, &ch->out[j], sizeof ch->out[j]))
			rc = -XEN_EFAULT;
	}
	return rc;
}

/* Xen's checks before any work, in its order: 0, NOTHING_TO_DO or a
 * negative errno. */
static long check_exchange(struct core *c, const struct xen_memory_exchange *x)
{
	const struct xen_memory_reservation *in = &x->in, *out = &x->out;
	unsigned max = in->extent_order > out->extent_order ? in->extent_order
							     : out->extent_order;
	if (max > MM_DOMU_MAX_ORDER)
		return -XEN_EPERM;
	if (x->nr_exchanged > in->nr_extents || in->domid != out->domid ||
	    (UINT64_MAX >> in->extent_order) < in->nr_extents ||
	    (UINT64_MAX >> out->extent_order) < out->nr_extents ||
	    (in->nr_extents << in->extent_order) != (out->nr_extents << out->extent_order))
		return -XEN_EINVAL;
	if (x->nr_exchanged == in->nr_extents)
		return NOTHING_TO_DO;
	if (XENMEMF_get_node(out->mem_flags) != NO_NODE &&
	    (out->mem_flags & XENMEMF_exact_node_request))
		return -XEN_EINVAL; /* a domU may not insist on a node */
	if (in->domid != DOMID_SELF && in->domid != c->st->evtchn.domid)
		return in->domid == DOMID_DOM0 ? -XEN_EPERM : -XEN_ESRCH;
	return 0;
}

long mm_exchange(struct core *c, uint64_t arg)
{
	struct xen_memory_exchange x;
	if (copy_from_guest(c, &x, arg, sizeof x))
		return -XEN_EFAULT;
	long rc = check_exchange(c, &x);
	if (rc == NOTHING_TO_DO)
		return 0;
	if (rc) {
		long wrc = write_nr_exchanged(c, arg, x.nr_exchanged);
		return wrc ? wrc : rc;
	}
	unsigned in_chunk_order = 0, out_chunk_order = 0;
	if (x.in.extent_order <= x.out.extent_order)
		in_chunk_order = x.out.extent_order - x.in.extent_order;
	else
		out_chunk_order = x.in.extent_order - x.out.extent_order;
	unsigned chunk_order = in_chunk_order + x.in.extent_order;
	uint64_t first = x.nr_exchanged >> in_chunk_order;
	uint64_t end = x.in.nr_extents >> in_chunk_order;
	/* 8 KiB of scratch, off the trap stack: the domain lock keeps one
	 * vCPU in the core at a time (platform.h). */
	static struct chunk chunk;
	struct chunk *ch = &chunk;
	for (uint64_t i = first; i < end; i++) {
		if (i != first && ((i - first) << chunk_order) >= FRAMES_PER_CALL) {
			if (write_nr_exchanged(c, arg, i << in_chunk_order))
				return -XEN_EFAULT;
			const uint64_t args[5] = { XENMEM_exchange, arg, 0, 0, 0 };
			mm_continue(c, args);
			return 0;
		}
		rc = take_inputs(c, &x, ch, i, in_chunk_order);
		if (!rc) {
			rc = find_outputs(c, &x, ch, out_chunk_order);
			if (rc)
				release_frames(c, &x, ch, ch->nr_in << x.in.extent_order);
		}
		if (!rc)
			rc = commit(c, &x, ch, i, out_chunk_order);
		if (rc) {
			/* This chunk's exchange is done if only its list write
			 * failed, but Xen counts it out too. */
			long wrc = write_nr_exchanged(c, arg, i << in_chunk_order);
			return wrc ? wrc : rc;
		}
	}
	long wrc = write_nr_exchanged(c, arg, x.in.nr_extents);
	return wrc ? wrc : 0;
}
