/* Feeds arbitrary bytes to the kernel loader as an ELF or bzImage file. */
#include <stdint.h>
#include <stdlib.h>

#include "emu/loader/xen_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xen_image img;
	char err[256];

	if (xen_image_parse(data, size, &img, err, sizeof(err)))
		return 0;
	/* What the domain builder does next, for images of a sane size. */
	if (xen_image_check_fits(&img, 16 << 20, err, sizeof(err)) == 0) {
		uint8_t *dst = malloc(img.virt_kend - img.virt_kstart);

		if (dst)
			xen_image_copy_segments(&img, dst);
		free(dst);
	}
	xen_image_free(&img);
	return 0;
}
