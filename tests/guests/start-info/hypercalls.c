/*
 * Each hypercall the launcher implements so far, once through the
 * hypercall page and once as a raw `syscall`, plus calls it does not
 * implement, which must fail with -ENOSYS.
 */
#include <stdint.h>
#include <xen/errno.h>
#include <xen/features.h>
#include <xen/version.h>

#include "format.h"
#include "hypercall.h"
#include "libc.h"
#include "start-info.h"
#include "test.h"

#define UNIMPLEMENTED_HYPERCALL 48

typedef long hypercall_fn(unsigned nr, unsigned long a1, unsigned long a2,
			  unsigned long a3, unsigned long a4, unsigned long a5);

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; *p;) {
		size_t len = 0;
		while (p[len] && p[len] != ' ')
			len++;
		if (len == n && !memcmp(p, word, n))
			return true;
		p += len;
		while (*p == ' ')
			p++;
	}
	return false;
}

static void check_version_ops(const char *via, hypercall_fn *call)
{
	xen_extraversion_t extra;
	xen_capabilities_info_t caps;
	struct xen_feature_info fi;
	struct xen_platform_parameters pp;
	long rc;

	check_eq(call(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0),
		 (4 << 16) | 17);

	memset(extra, 0xff, sizeof(extra));
	rc = call(__HYPERVISOR_xen_version, XENVER_extraversion,
		  (unsigned long)extra, 0, 0, 0);
	check_msg(rc == 0 && strnlen(extra, sizeof(extra)) < sizeof(extra),
		  "%s: extraversion rc %ld, NUL-terminated", via, rc);

	memset(caps, 0xff, sizeof(caps));
	rc = call(__HYPERVISOR_xen_version, XENVER_capabilities,
		  (unsigned long)caps, 0, 0, 0);
	check_msg(rc == 0 && strnlen(caps, sizeof(caps)) < sizeof(caps) &&
		  has_word(caps, "xen-3.0-x86_64"),
		  "%s: capabilities rc %ld lists xen-3.0-x86_64", via, rc);

	fi.submap_idx = 0;
	rc = call(__HYPERVISOR_xen_version, XENVER_get_features,
		  (unsigned long)&fi, 0, 0, 0);
	check_msg(rc == 0, "%s: get_features submap 0: rc %ld", via, rc);
	fi.submap_idx = XENFEAT_NR_SUBMAPS;
	rc = call(__HYPERVISOR_xen_version, XENVER_get_features,
		  (unsigned long)&fi, 0, 0, 0);
	check_msg(rc == -XEN_EINVAL, "%s: get_features submap %u: rc %ld",
		  via, XENFEAT_NR_SUBMAPS, rc);

	check_eq(call(__HYPERVISOR_xen_version, XENVER_pagesize, 0, 0, 0, 0),
		 4096);

	pp.virt_start = 0;
	rc = call(__HYPERVISOR_xen_version, XENVER_platform_parameters,
		  (unsigned long)&pp, 0, 0, 0);
	check_msg(rc == 0 && pp.virt_start == 0xffff800000000000ul,
		  "%s: platform_parameters rc %ld virt_start 0x%lx", via, rc,
		  (unsigned long)pp.virt_start);
}

static void check_one_path(const char *via, hypercall_fn *call)
{
	char line[64];
	int n = fmt_snprintf(line, sizeof(line), "start-info: console_io via %s\n",
			     via);
	long rc = call(__HYPERVISOR_console_io, CONSOLEIO_write, (unsigned long)n,
		       (unsigned long)line, 0, 0);
	check_msg(rc == 0, "%s: console_io write rc %ld", via, rc);

	check_version_ops(via, call);

	rc = call(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	check_msg(rc == 0, "%s: SCHEDOP_yield rc %ld", via, rc);

	rc = call(UNIMPLEMENTED_HYPERCALL, 0, 0, 0, 0, 0);
	check_msg(rc == -XEN_ENOSYS, "%s: hypercall %d rc %ld, want -ENOSYS",
		  via, UNIMPLEMENTED_HYPERCALL, rc);
}

void check_hypercalls(void)
{
	check_one_path("page", hypercall_via_page);
	check_one_path("syscall", hypercall_via_syscall);

	/* Past the end of the hypercall table: only reachable by syscall. */
	long rc = hypercall_via_syscall(1000, 0, 0, 0, 0, 0);
	check_msg(rc == -XEN_ENOSYS, "syscall: hypercall 1000 rc %ld", rc);
}
