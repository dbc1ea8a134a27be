/* Places the shim in its region of guest-physical memory (shim_abi.h). */
#ifndef XENLET_SHIM_SETUP_H
#define XENLET_SHIM_SETUP_H

#include <stddef.h>
#include <stdint.h>

struct shim_setup {
	uint8_t *region;        /* launcher mapping of the shim region */
	uint64_t region_gpa;    /* where it sits in guest-physical space */
	uint64_t nr_pages;      /* guest RAM frames the physmap covers */
	unsigned nr_vcpus;      /* per-vCPU blocks mapped for the shim */
};

/* Copies the embedded shim image, builds the shim's page tables and fills
 * the M2P table (the region is shim_region_size(nr_pages) bytes).
 * Returns 0, or -1 and a reason in err. */
int shim_setup_region(const struct shim_setup *s, char *err, size_t errlen);

uint64_t shim_l3_maddr(const struct shim_setup *s);
uint64_t shim_physmap_l3_maddr(const struct shim_setup *s);
/* The L4 entry for SHIM_M2P_SLOT, installed in every guest top-level table. */
uint64_t shim_m2p_l4e(const struct shim_setup *s);

/* The trampoline page LSTAR points into, for one trap path or the other
 * (and the hypercall port in every vCPU's TSS I/O bitmap to go with it). */
void shim_write_trampoline(const struct shim_setup *s, int host_path);

#endif
