/*
 * The queue as a chain (cpu_ops_chain.h).  Every handler returns to the
 * word after its operands, so the handler of the next operation is
 * written there; the first handler's address goes in RIP instead.
 */
#include "emu/vcpu/cpu_ops_chain.h"

struct chain {
	uint64_t *words;
	size_t n;
	uint64_t *first;
};

/* The next handler: the vCPU's RIP for the first, a word after that. */
static void handler(struct chain *c, unsigned h)
{
	if (!*c->first)
		*c->first = SHIM_CHAIN_VA(h);
	else
		c->words[c->n++] = SHIM_CHAIN_VA(h);
}

static void operand(struct chain *c, uint64_t w)
{
	c->words[c->n++] = w;
}

size_t cpu_ops_chain_build(const struct shim_cpu_op *ops, uint32_t count, int flush,
			   uint64_t rax, uint64_t words[CPU_OPS_CHAIN_MAX_WORDS],
			   uint64_t *first)
{
	struct chain c = { .words = words, .first = first };
	*first = 0;
	if (count > CPU_OPS_CHAIN_MAX_OPS) {
		/* Its C loop takes the flush from the page too. */
		handler(&c, SHIM_CHAIN_APPLY_QUEUE);
		flush = 0;
		count = 0;
	}
	for (uint32_t i = 0; i < count; i++) {
		const struct shim_cpu_op *op = &ops[i];
		switch (op->kind) {
		case SHIM_CPU_OP_RESTORE_ENTRY:
			handler(&c, SHIM_CHAIN_RESTORE_ENTRY);
			operand(&c, SHIM_PHYSMAP_BASE + op->addr);
			break;
		case SHIM_CPU_OP_INVLPG:
			handler(&c, SHIM_CHAIN_INVLPG);
			operand(&c, op->addr);
			break;
		case SHIM_CPU_OP_LOAD_CR3:
			handler(&c, SHIM_CHAIN_LOAD_CR3);
			operand(&c, op->value);
			break;
		case SHIM_CPU_OP_RESTORE_PAGE:
			handler(&c, SHIM_CHAIN_RESTORE_PAGE);
			operand(&c, SHIM_PHYSMAP_BASE + op->addr);
			break;
		case SHIM_CPU_OP_LOAD_LDT:
			handler(&c, SHIM_CHAIN_LOAD_LDT);
			operand(&c, op->value);
			break;
		}
	}
	if (flush)
		handler(&c, SHIM_CHAIN_FLUSH_TLB);
	handler(&c, SHIM_CHAIN_END);
	operand(&c, rax);
	return c.n;
}
