/*
 * HYPERVISOR_console_io: the guest's emergency console.  Writes go to the
 * launcher's stdout.  (A release Xen refuses this to a domU unless built
 * with verbose debugging; xenlet always allows it, as a debug Xen does,
 * because it is the only console a guest has before its drivers run.)
 */
#include "pv-shim/core/xen_abi.h"
#include "pv-shim/core/hypercall.h"
#include "pv-shim/core/platform.h"

/* Xen bounds each write the same way: it is output, not a transfer. */
#define CONSOLE_WRITE_MAX (64 * 1024)

long hypercall_console_io(struct core *c, const uint64_t args[5])
{
	uint64_t cmd = args[0], count = args[1], buffer = args[2];
	switch (cmd) {
	case CONSOLEIO_write: {
		if (count > CONSOLE_WRITE_MAX)
			return -XEN_EINVAL;
		if (count && buffer + (count - 1) < buffer)
			return -XEN_EFAULT; /* copied in chunks: check the whole */
		char chunk[128];
		while (count) {
			size_t n = count < sizeof chunk ? count : sizeof chunk;
			if (copy_from_guest(c, chunk, buffer, n))
				return -XEN_EFAULT;
			platform_console_write(c, chunk, n);
			buffer += n;
			count -= n;
		}
		return 0;
	}
	case CONSOLEIO_read:
		return 0; /* no input yet: zero bytes read */
	default:
		return -XEN_ENOSYS;
	}
}
