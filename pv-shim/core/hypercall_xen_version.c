/*
 * HYPERVISOR_xen_version.  xenlet presents itself as Xen 4.17 (the ABI of
 * the headers it is built against) with the x86_64 PV capability only.
 *
 * The feature bitmap is the one Xen 4.17 reports to every PV domU.  Linux
 * panics at its first hypercall without gnttab_map_avail_bits, so these
 * are not optional: each bit is a promise about how mmu_update and grant
 * mapping behave, which those hypercalls must keep when they land.
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/hypercall.h"

#define XENLET_XEN_MAJOR 4
#define XENLET_XEN_MINOR 17

/* Writes s into a fixed-size guest field, NUL-padded to its full size as
 * Xen's fixed arrays are. */
static long put_string(struct core *c, uint64_t va, const char *s, size_t field)
{
	char buf[64];
	if (va + (field - 1) < va)
		return -XEN_EFAULT; /* copied in chunks: check the whole */
	for (size_t off = 0; off < field; off += sizeof buf) {
		size_t n = field - off < sizeof buf ? field - off : sizeof buf;
		core_memset(buf, 0, sizeof buf);
		for (size_t i = 0; i < n && off + i + 1 < field && *s; i++)
			buf[i] = *s++;
		if (copy_to_guest(c, va + off, buf, n))
			return -XEN_EFAULT;
	}
	return 0;
}

long hypercall_xen_version(struct core *c, const uint64_t args[5])
{
	uint64_t cmd = args[0], arg = args[1];
	switch (cmd) {
	case XENVER_version:
		return (XENLET_XEN_MAJOR << 16) | XENLET_XEN_MINOR;
	case XENVER_extraversion:
		return put_string(c, arg, ".0-xenlet", sizeof(xen_extraversion_t));
	case XENVER_compile_info: {
		struct xen_compile_info info;
		core_memset(&info, 0, sizeof info);
		core_memcpy(info.compiler, "xenlet", 7);
		core_memcpy(info.compile_by, "xenlet", 7);
		core_memcpy(info.compile_domain, "xenlet", 7);
		return copy_to_guest(c, arg, &info, sizeof info) ? -XEN_EFAULT : 0;
	}
	case XENVER_capabilities:
		return put_string(c, arg, "xen-3.0-x86_64",
				  sizeof(xen_capabilities_info_t));
	case XENVER_changeset:
		return put_string(c, arg, "xenlet", sizeof(xen_changeset_info_t));
	case XENVER_platform_parameters: {
		struct xen_platform_parameters p = {
			.virt_start = HYPERVISOR_VIRT_START,
		};
		return copy_to_guest(c, arg, &p, sizeof p) ? -XEN_EFAULT : 0;
	}
	case XENVER_get_features: {
		struct xen_feature_info fi;
		if (copy_from_guest(c, &fi, arg, sizeof fi))
			return -XEN_EFAULT;
		if (fi.submap_idx >= XENFEAT_NR_SUBMAPS)
			return -XEN_EINVAL;
		fi.submap = (1U << XENFEAT_memory_op_vnode_supported) |
			    (1U << XENFEAT_mmu_pt_update_preserve_ad) |
			    (1U << XENFEAT_highmem_assist) |
			    (1U << XENFEAT_gnttab_map_avail_bits) |
			    (1U << XENFEAT_direct_mapped);
		return copy_to_guest(c, arg, &fi, sizeof fi) ? -XEN_EFAULT : 0;
	}
	case XENVER_pagesize:
		return 4096;
	case XENVER_guest_handle: {
		xen_domain_handle_t handle;
		core_memset(handle, 0, sizeof handle);
		return copy_to_guest(c, arg, handle, sizeof handle) ? -XEN_EFAULT : 0;
	}
	case XENVER_commandline:
	case XENVER_build_id:
		return -XEN_EPERM; /* Xen gives these to privileged domains only */
	default:
		return -XEN_ENOSYS;
	}
}
