/*
 * HYPERVISOR_iret, the x86_64 PV guest's way back from a bounced trap.
 * The hypercall page's iret entry pushed rcx, r11 and rax over the frame
 * the guest built, so at the hypercall's %rsp lies Xen's struct
 * iret_context { rax, r11, rcx, flags, rip, cs, rflags, rsp, ss }.
 *
 * As in Xen: an RPL-3 cs means the guest kernel returns to its user mode
 * (page tables and GS base switch); IF in the saved rflags says whether
 * events are unmasked; with VGCF_in_syscall the return is the sysret one
 * (rcx and r11 come back as rip and rflags), otherwise rcx and r11 are
 * restored; rax is restored either way.  Xen takes rip and rsp
 * unchecked: a rip or stack the guest cannot use (in Xen's hole, or not
 * mapped) faults in the guest once it runs there, so the core takes any
 * canonical ones too.  A non-canonical one would fault in the shim's own
 * return (Xen then gives the guest its failsafe callback): that ends the
 * domain here, as does a frame the core cannot read, as Xen crashes it.
 *
 * A 32-bit code selector (the shim's 0x23, Linux's __USER32_CS, or Xen's
 * FLAT_USER_CS32) returns to compatibility mode, as Xen's iretq to it
 * does; ss must then be one of the two 32-bit data selectors every vCPU's
 * GDT has (0x2b, FLAT_USER_SS32), and rip below 4 GiB: other values would
 * fault in the shim's own iretq (Xen: its failsafe callback), so they end
 * the domain here as a non-canonical rip does.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/traps/traps.h"
#include "pv-shim/core/shared_info.h"
#include "pv-shim/core/departure.h"
#include "pv-shim/shim_abi.h"

#define RFLAGS_IF 0x200ULL
/* What a guest may set: CF PF AF ZF SF TF DF OF RF AC ID (no IOPL, NT, VM:
 * IF the CPU keeps set, it stands for the event mask). */
#define RFLAGS_IRET_MASK 0x00250fd5ULL
#define RFLAGS_FIXED     0x00000202ULL

#define COMPAT_RIP_LIMIT 0xffffffffULL
#define LINUX_USER32_DS  0x2b /* GDT entry 5: Linux's __USER32_DS */

/* A stack compat mode can run on here: Xen's FLAT_USER_SS32, or the
 * guest's own entry 5, which Linux returns to 32-bit processes with. */
static int is_compat_ss(uint64_t ss)
{
	uint16_t sel = (uint16_t)ss | 3;
	return sel == FLAT_USER_SS32 || sel == LINUX_USER32_DS;
}

void traps_iret(struct core *c, struct trap_frame *f)
{
	struct iret_context ic;
	char msg[160];
	if (copy_from_guest(c, &ic, f->rsp, sizeof ic)) {
		core_format(msg, sizeof msg, "guest iret: frame at rsp %#lx unreadable",
			    (unsigned long)f->rsp);
		core_stop_fault(c, f, msg);
		return;
	}
	if (!core_is_canonical(ic.rip) || !core_is_canonical(ic.rsp)) {
		core_format(msg, sizeof msg, "guest iret to rip %#lx rsp %#lx: not "
			    "canonical", (unsigned long)ic.rip, (unsigned long)ic.rsp);
		core_departure(c, DEPARTURE_IRET_ENDS_DOMAIN, msg);
		core_stop_fault(c, f, msg);
		return;
	}
	int compat = traps_is_compat_cs(c, (uint16_t)ic.cs);
	if (compat && (ic.rip > COMPAT_RIP_LIMIT || !is_compat_ss(ic.ss))) {
		core_format(msg, sizeof msg, "guest iret to 32-bit cs %#lx at rip %#lx "
			    "with ss %#lx: not a state compat mode can run in here",
			    (unsigned long)ic.cs, (unsigned long)ic.rip,
			    (unsigned long)ic.ss);
		core_departure(c, DEPARTURE_IRET_ENDS_DOMAIN, msg);
		core_stop_fault(c, f, msg);
		return;
	}
	if ((ic.cs & 3) == 3 && core_vcpu(c)->kernel_mode && traps_enter_user(c, f))
		return;

	traps_iret_loads_iopl(c, ic.rflags);
	f->rip = ic.rip;
	f->rsp = ic.rsp;
	f->rflags = (ic.rflags & RFLAGS_IRET_MASK) | RFLAGS_FIXED;
	f->cs = compat ? (uint16_t)(ic.cs | 3) : SHIM_SEL_USER_CS;
	f->ss = compat ? (uint16_t)(ic.ss | 3) : SHIM_SEL_USER_DS;
	f->rax = ic.rax;
	if (ic.flags & VGCF_in_syscall) {
		f->rcx = f->rip;
		f->r11 = f->rflags;
	} else {
		f->rcx = ic.rcx;
		f->r11 = ic.r11;
	}
	core_vcpu_info(c)->evtchn_upcall_mask = !(ic.rflags & RFLAGS_IF);
}
