/*
 * The core's SMP services inside the guest (guest trap path): the domain
 * lock, kicks and starts through the launcher, and TLB shootdowns.
 *
 * The lock and the flush counts are the shim region's struct shim_smp
 * (shim_abi.h), shared by every vCPU's shim and by the launcher's dom0
 * handle, which takes the same lock and asks the same flushes for the
 * backends (emu/dom0/dom0_core.c); the shim region is out of the guest's
 * reach, so none of it can be forged.  A shootdown asks each target for a flush by bumping its
 * request count and kicking it (the launcher makes it take the event
 * interrupt if it runs guest code); the target flushes and acknowledges
 * on its way into the shim (shim_trap) and while it spins for the lock,
 * the only places a vCPU waits in here, so the requester, which holds the
 * lock, always gets its answer.  Every CPL0 instruction is emulated here,
 * so the spins yield to the launcher now and then rather than burn the
 * time slice of the vCPU they wait for.
 */
#include "pv-shim/shim_abi.h"
#include "pv-shim/core/core.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/arch/x86_64/cpu.h"
#include "pv-shim/arch/x86_64/shim.h"

#define SPINS_BEFORE_YIELD 64

#define SMP ((struct shim_smp *)SHIM_VA(SHIM_OFF_SMP))

static void spin_pause(unsigned *spins)
{
	__builtin_ia32_pause();
	if (++*spins % SPINS_BEFORE_YIELD == 0)
		outl(SHIM_PORT_YIELD, 0);
}

void shim_serve_flush(unsigned vcpu)
{
	vcpu %= SHIM_MAX_VCPUS;
	uint32_t req = __atomic_load_n(&SMP->flush_req[vcpu], __ATOMIC_SEQ_CST);
	if (req == __atomic_load_n(&SMP->flush_done[vcpu], __ATOMIC_SEQ_CST))
		return;
	write_cr3(read_cr3()); /* no global pages: everything */
	__atomic_store_n(&SMP->flush_done[vcpu], req, __ATOMIC_SEQ_CST);
}

void platform_lock(struct core *c)
{
	unsigned spins = 0;
	while (__atomic_exchange_n(&SMP->domain_lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&SMP->domain_lock, __ATOMIC_RELAXED)) {
			shim_serve_flush(c->vcpu);
			spin_pause(&spins);
		}
}

void platform_unlock(struct core *c)
{
	(void)c;
	__atomic_store_n(&SMP->domain_lock, 0, __ATOMIC_RELEASE);
}

void platform_kick_vcpu(struct core *c, unsigned vcpu, int interrupt)
{
	(void)c;
	outl(SHIM_PORT_KICK, vcpu | (interrupt ? SHIM_KICK_INTERRUPT : 0));
}

void platform_vcpu_up(struct core *c, unsigned vcpu)
{
	(void)c;
	outl(SHIM_PORT_VCPU_UP, vcpu);
}

void platform_tlb_shootdown(struct core *c, uint64_t mask)
{
	uint32_t want[SHIM_MAX_VCPUS];
	mask &= c->layout.nr_vcpus >= 64 ? ~0ULL : (1ULL << c->layout.nr_vcpus) - 1;
	for (unsigned v = 0; v < SHIM_MAX_VCPUS; v++)
		if (mask >> v & 1) {
			want[v] = __atomic_add_fetch(&SMP->flush_req[v], 1, __ATOMIC_SEQ_CST);
			platform_kick_vcpu(c, v, 1);
		}
	unsigned spins = 0;
	for (unsigned v = 0; v < SHIM_MAX_VCPUS; v++)
		while ((mask >> v & 1) &&
		       (int32_t)(__atomic_load_n(&SMP->flush_done[v], __ATOMIC_SEQ_CST) - want[v]) < 0)
			spin_pause(&spins);
}
