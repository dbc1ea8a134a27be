#include "evtchn.h"

#include <xen/callback.h>

#include "hypercall.h"
#include "pv_mmu.h"
#include "test.h"

struct shared_info *shared_info_map(void)
{
	static uint8_t window[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
	long rc = update_va(window, boot_start_info->shared_info | PTE_P | PTE_RW |
			    PTE_A | PTE_D, UVMF_INVLPG);
	require(rc == 0, "update_va_mapping of shared_info: %ld", rc);
	struct shared_info *s = (struct shared_info *)window;
	for (unsigned i = 0; i < sizeof s->evtchn_mask / sizeof s->evtchn_mask[0]; i++)
		s->evtchn_mask[i] = ~0UL;
	return s;
}

uint64_t evtchn_take_pending(struct shared_info *s)
{
	struct vcpu_info *v = &s->vcpu_info[0];
	v->evtchn_upcall_pending = 0;
	uint64_t sel = __atomic_exchange_n(&v->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	uint64_t word0 = 0;
	while (sel) {
		unsigned w = (unsigned)__builtin_ctzl(sel);
		sel &= sel - 1;
		uint64_t p = s->evtchn_pending[w] & ~s->evtchn_mask[w];
		__atomic_fetch_and(&s->evtchn_pending[w], ~p, __ATOMIC_SEQ_CST);
		if (w == 0)
			word0 = p;
	}
	return word0;
}

long evtchn_op(int cmd, void *arg)
{
	return hypercall_via_syscall(__HYPERVISOR_event_channel_op, (unsigned long)cmd,
				     (unsigned long)arg, 0, 0, 0);
}

long evtchn_send(evtchn_port_t port)
{
	struct evtchn_send s = { .port = port };
	return evtchn_op(EVTCHNOP_send, &s);
}

long evtchn_unmask(evtchn_port_t port)
{
	struct evtchn_unmask um = { .port = port };
	return evtchn_op(EVTCHNOP_unmask, &um);
}

evtchn_port_t evtchn_alloc_unbound(domid_t remote)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = remote };
	long rc = evtchn_op(EVTCHNOP_alloc_unbound, &au);
	require(rc == 0, "EVTCHNOP_alloc_unbound for domain %u: %ld", remote, rc);
	return au.port;
}

evtchn_port_t evtchn_timer_upcalls(const void *callback)
{
	struct callback_register cb = {
		.type = CALLBACKTYPE_event, .flags = CALLBACKF_mask_events,
		.address = (unsigned long)callback,
	};
	require(hypercall_via_syscall(__HYPERVISOR_callback_op, CALLBACKOP_register,
				      (unsigned long)&cb, 0, 0, 0) == 0,
		"CALLBACKOP_register of the event callback");
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
	require(evtchn_op(EVTCHNOP_bind_virq, &bv) == 0, "EVTCHNOP_bind_virq(VIRQ_TIMER)");
	require(evtchn_unmask(bv.port) == 0, "EVTCHNOP_unmask(%u)", bv.port);
	return bv.port;
}
