/* A Xen shared ring over separately granted pages (shared_ring.h). */
#include <string.h>
#include "backends/shared_ring.h"

#define RING_PAGE 4096u

/* The four indexes, each a 32-bit word at the start of page 0. */
enum { REQ_PROD, REQ_EVENT, RSP_PROD, RSP_EVENT };

static uint32_t *index_word(struct shared_ring *r, int which)
{
	return (uint32_t *)(void *)(r->page[0] + 4 * which);
}

static uint32_t load(struct shared_ring *r, int which)
{
	return __atomic_load_n(index_word(r, which), __ATOMIC_ACQUIRE);
}

static void store(struct shared_ring *r, int which, uint32_t v)
{
	__atomic_store_n(index_word(r, which), v, __ATOMIC_RELEASE);
}

int shared_ring_init(struct shared_ring *r, uint8_t *const *pages, unsigned n,
		     size_t entry_size)
{
	if (n == 0 || n > SHARED_RING_MAX_PAGES || entry_size == 0)
		return -1;
	memset(r, 0, sizeof *r);
	size_t fit = (n * (size_t)RING_PAGE - SHARED_RING_HEADER) / entry_size;
	if (fit == 0)
		return -1;
	uint32_t size = 1;
	while ((size_t)size * 2 <= fit)
		size *= 2;
	for (unsigned i = 0; i < n; i++)
		r->page[i] = pages[i];
	r->nr_pages = n;
	r->entry_size = entry_size;
	r->nr_entries = size;
	/* The frontend initialised the ring (SHARED_RING_INIT) before it
	 * granted it: our indexes start at 0, as Linux's BACK_RING_INIT. */
	r->req_cons = r->rsp_prod_pvt = r->rsp_published = 0;
	return 0;
}

/* Copies len bytes at byte offset off of the ring (header included) out
 * of or into the pages it spans. */
static void copy_at(struct shared_ring *r, size_t off, void *buf, size_t len, int out)
{
	uint8_t *b = buf;
	while (len) {
		size_t in_page = RING_PAGE - off % RING_PAGE;
		size_t n = len < in_page ? len : in_page;
		uint8_t *p = r->page[off / RING_PAGE] + off % RING_PAGE;
		if (out)
			memcpy(b, p, n);
		else
			memcpy(p, b, n);
		b += n;
		off += n;
		len -= n;
	}
}

static size_t entry_offset(const struct shared_ring *r, uint32_t idx)
{
	return SHARED_RING_HEADER + (size_t)(idx & (r->nr_entries - 1)) * r->entry_size;
}

int shared_ring_unconsumed(struct shared_ring *r)
{
	uint32_t n = load(r, REQ_PROD) - r->req_cons;
	return n > r->nr_entries ? -1 : (int)n;
}

void shared_ring_take(struct shared_ring *r, void *req, size_t len)
{
	if (len > r->entry_size)
		len = r->entry_size;
	copy_at(r, entry_offset(r, r->req_cons), req, len, 1);
	r->req_cons++;
}

void shared_ring_peek(struct shared_ring *r, uint32_t i, void *req, size_t len)
{
	if (len > r->entry_size)
		len = r->entry_size;
	copy_at(r, entry_offset(r, r->req_cons + i), req, len, 1);
}

void shared_ring_skip(struct shared_ring *r, uint32_t n)
{
	r->req_cons += n;
}

int shared_ring_full(const struct shared_ring *r)
{
	return r->req_cons - r->rsp_prod_pvt >= r->nr_entries;
}

void shared_ring_put(struct shared_ring *r, const void *rsp, size_t len)
{
	if (len > r->entry_size)
		len = r->entry_size;
	copy_at(r, entry_offset(r, r->rsp_prod_pvt), (void *)rsp, len, 0);
	r->rsp_prod_pvt++;
}

int shared_ring_push(struct shared_ring *r)
{
	uint32_t old = r->rsp_published, new = r->rsp_prod_pvt;
	if (old == new)
		return 0;
	/* The entries before the index, the index before reading rsp_event. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	store(r, RSP_PROD, new);
	r->rsp_published = new;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint32_t event = load(r, RSP_EVENT);
	return (uint32_t)(new - event) < (uint32_t)(new - old);
}

int shared_ring_final_check_for(struct shared_ring *r, uint32_t need)
{
	int n = shared_ring_unconsumed(r);
	if (n < 0 || (uint32_t)n >= need)
		return n < 0 ? -1 : 1;
	store(r, REQ_EVENT, r->req_cons + need);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	n = shared_ring_unconsumed(r);
	return n < 0 ? -1 : (uint32_t)n >= need;
}

int shared_ring_final_check(struct shared_ring *r)
{
	return shared_ring_final_check_for(r, 1);
}
