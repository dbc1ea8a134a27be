/* shared_info lives in the shim region, outside guest RAM, as Xen's own
 * page does: the guest maps it by its machine address. */
#include "pv-shim/shim_abi.h"
#include "pv-shim/core/platform.h"
#include "pv-shim/core/shared_info.h"

struct shared_info *core_shared_info(struct core *c)
{
	return platform_shim_page(c, SHIM_OFF_SHARED);
}
