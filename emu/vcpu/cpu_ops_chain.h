/*
 * The chain that resumes a vCPU from the host trap path's CPL0 stub
 * (pv-shim/shim_abi.h, SHIM_CHAIN_*): the launcher's queue of page-table
 * stores and TLB, CR3 and LDT operations, as handler addresses and
 * operands for the shim's CPL0 code to pop.
 */
#ifndef XENLET_CPU_OPS_CHAIN_H
#define XENLET_CPU_OPS_CHAIN_H

#include <stddef.h>
#include <stdint.h>
#include "pv-shim/shim_abi.h"

/* Longer queues go to SHIM_CHAIN_APPLY_QUEUE, whose C loop reads the
 * queue's page (a chain holds at most three words for each operation). */
#define CPU_OPS_CHAIN_MAX_OPS   64
#define CPU_OPS_CHAIN_MAX_WORDS (2 * CPU_OPS_CHAIN_MAX_OPS + 4)

/*
 * Writes into words[] the chain that makes ops[0..count) (then the whole
 * flush, if flush), and returns to the guest with rax: the words the
 * vCPU's stack holds right below the CPU's frame, the first at the
 * stack pointer.  Returns how many there are and sets *first to the
 * address of the handler the vCPU resumes at.  ops are the launcher's
 * own copy; count > CPU_OPS_CHAIN_MAX_OPS gives SHIM_CHAIN_APPLY_QUEUE.
 */
size_t cpu_ops_chain_build(const struct shim_cpu_op *ops, uint32_t count, int flush,
			   uint64_t rax, uint64_t words[CPU_OPS_CHAIN_MAX_WORDS],
			   uint64_t *first);

#endif
