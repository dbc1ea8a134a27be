/*
 * HYPERVISOR_sysctl and HYPERVISOR_domctl: the toolstack's hypercalls,
 * which Xen's default XSM policy refuses a domU with -EPERM.  Xen reads
 * the request first, so the answers before the policy's are its own:
 * -EFAULT for an unreadable request, -EACCES for another interface
 * version, and for a domctl naming a domain that does not exist, -ESRCH
 * (only dom0, this domain and DOMID_IO do; DOMID_SELF is not a domain
 * id there).  Which domctls name no domain, or DOMID_INVALID for none,
 * is Xen 4.17's.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/hypercall.h"

/* The versions of Xen 4.17's <xen/sysctl.h> and <xen/domctl.h>, which
 * need __XEN_TOOLS__ and GNU C: the headers' first fields only. */
#define SYSCTL_INTERFACE_VERSION 0x15
#define DOMCTL_INTERFACE_VERSION 0x15
#define DOMCTL_createdomain       1
#define DOMCTL_assign_device      37
#define DOMCTL_test_assign_device 45
#define DOMCTL_deassign_device    47
#define DOMCTL_vm_event_op        56
#define SELF_DOMID                1

struct control_op_head {
	uint32_t cmd;
	uint32_t interface_version;
	domid_t domain; /* domctl only */
};

/* The request's head, read once, in the version the guest should speak:
 * 0 or Xen's error. */
static long read_head(struct core *c, uint64_t va, uint32_t version,
		      struct control_op_head *h)
{
	if (copy_from_guest(c, h, va, sizeof *h))
		return -XEN_EFAULT;
	return h->interface_version == version ? 0 : -XEN_EACCES;
}

/* sysctl(op) */
long hypercall_sysctl(struct core *c, const uint64_t args[5])
{
	struct control_op_head h;
	long rc = read_head(c, args[0], SYSCTL_INTERFACE_VERSION, &h);
	return rc ? rc : -XEN_EPERM;
}

/* Whether Xen finds the domain h names before asking the policy. */
static int domain_found(const struct control_op_head *h)
{
	if (h->cmd == DOMCTL_createdomain || h->domain == 0 || h->domain == SELF_DOMID)
		return 1;
	if ((h->cmd == DOMCTL_assign_device || h->cmd == DOMCTL_deassign_device) &&
	    h->domain == DOMID_IO)
		return 1;
	return (h->cmd == DOMCTL_test_assign_device || h->cmd == DOMCTL_vm_event_op) &&
	       h->domain == DOMID_INVALID;
}

/* domctl(op) */
long hypercall_domctl(struct core *c, const uint64_t args[5])
{
	struct control_op_head h;
	long rc = read_head(c, args[0], DOMCTL_INTERFACE_VERSION, &h);
	if (rc)
		return rc;
	if (!domain_found(&h))
		return -XEN_ESRCH;
	return -XEN_EPERM;
}
