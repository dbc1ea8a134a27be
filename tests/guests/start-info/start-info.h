/* What the start-info guest's files share. */
#ifndef START_INFO_GUEST_H
#define START_INFO_GUEST_H

#include <stdint.h>

#define PAGE_SIZE 4096ul
#define VIRT_BASE 0xffffffff80000000ul

/* Linker symbols: the loaded image, page-aligned. */
extern char _image_start[], _image_end[];

/* Index of mfn in start_info's mfn_list, or -1. */
long pfn_of_mfn(uint64_t mfn);

/* Walks the bootstrap page tables; returns the end of the mapping that
 * starts at VIRT_BASE (0 if the walk could not be done). */
uint64_t check_pagetables(void);

void check_hypercalls(void);

#endif
