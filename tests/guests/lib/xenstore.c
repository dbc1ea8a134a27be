#include "xenstore.h"

#include <stdarg.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/io/xs_wire.h>

#include "evtchn.h"
#include "format.h"
#include "hypercall.h"
#include "libc.h"
#include "pv_mmu.h"
#include "test.h"

static struct xenstore_domain_interface *ring(void)
{
	return (struct xenstore_domain_interface *)(VIRT_BASE +
						    boot_start_info->store_mfn * PAGE_SIZE);
}

static void yield(void)
{
	(void)HYPERVISOR_sched_op(SCHEDOP_yield, 0);
}

static void put_bytes(const void *data, size_t len)
{
	struct xenstore_domain_interface *r = ring();
	const char *p = data;
	while (len) {
		XENSTORE_RING_IDX prod = r->req_prod;
		if (prod - __atomic_load_n(&r->req_cons, __ATOMIC_ACQUIRE) >= XENSTORE_RING_SIZE) {
			evtchn_send(boot_start_info->store_evtchn);
			yield();
			continue;
		}
		r->req[MASK_XENSTORE_IDX(prod)] = *p++;
		len--;
		__atomic_store_n(&r->req_prod, prod + 1, __ATOMIC_RELEASE);
	}
}

static void get_bytes(void *data, size_t len)
{
	struct xenstore_domain_interface *r = ring();
	char *p = data;
	while (len) {
		XENSTORE_RING_IDX cons = r->rsp_cons;
		if (cons == __atomic_load_n(&r->rsp_prod, __ATOMIC_ACQUIRE)) {
			yield();
			continue;
		}
		*p++ = r->rsp[MASK_XENSTORE_IDX(cons)];
		len--;
		__atomic_store_n(&r->rsp_cons, cons + 1, __ATOMIC_RELEASE);
	}
	evtchn_send(boot_start_info->store_evtchn); /* room again */
}

/* One request (payload: parts, each with its NUL if the protocol wants
 * it) and its answer; the answer's type, its payload in reply. */
static uint32_t transact(uint32_t type, const char *a, size_t alen, const char *b,
			 size_t blen, char *reply, size_t len)
{
	static uint32_t req_id;
	struct xsd_sockmsg m = { .type = type, .req_id = ++req_id, .tx_id = 0,
				 .len = (uint32_t)(alen + blen) };
	put_bytes(&m, sizeof m);
	put_bytes(a, alen);
	put_bytes(b, blen);
	evtchn_send(boot_start_info->store_evtchn);
	struct xsd_sockmsg r;
	get_bytes(&r, sizeof r);
	/* Watch events are not asked for here; an answer longer than the
	 * buffer is read whole and cut. */
	size_t n = r.len;
	for (size_t i = 0; i < n; i++) {
		char ch;
		get_bytes(&ch, 1);
		if (i + 1 < len)
			reply[i] = ch;
	}
	if (len)
		reply[n < len ? n : len - 1] = 0;
	return r.type;
}

int xs_read(const char *path, char *buf, size_t len)
{
	uint32_t t = transact(XS_READ, path, strlen(path) + 1, "", 0, buf, len);
	return t == XS_READ ? (int)strlen(buf) : -1;
}

int xs_write(const char *path, const char *value)
{
	char reply[32];
	uint32_t t = transact(XS_WRITE, path, strlen(path) + 1, value, strlen(value),
			      reply, sizeof reply);
	if (t != XS_WRITE) {
		printk("xenstore: write %s refused: %s\n", path, reply);
		return -1;
	}
	return 0;
}

int xs_printf(const char *path, const char *fmt, ...)
{
	char value[64];
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(value, sizeof value, fmt, ap);
	va_end(ap);
	return xs_write(path, value);
}

long xs_read_long(const char *path)
{
	char buf[24];
	if (xs_read(path, buf, sizeof buf) <= 0)
		return -1;
	long v = 0;
	for (const char *p = buf; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v;
}

int xs_wait_long(const char *path, long want, unsigned tries)
{
	long v = -1;
	for (unsigned i = 0; i < tries; i++) {
		v = xs_read_long(path);
		if (v == want)
			return 0;
		yield();
	}
	printk("xenstore: %s is %ld, not %ld\n", path, v, want);
	return -1;
}
