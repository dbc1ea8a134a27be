/* In-place heapsort: no recursion, no allocation, fixed stack use. */
#ifndef GUEST_SORT_H
#define GUEST_SORT_H

#include <stddef.h>
#include <stdint.h>

void sort_u64(uint64_t *v, size_t n);

#endif
