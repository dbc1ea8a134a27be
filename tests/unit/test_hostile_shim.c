/*
 * The launcher against a corrupt shim region, deterministically: each
 * 8-byte word of struct core_state in turn takes a few hostile values (0,
 * all ones, the top bit, large and port-sized indexes in every lane), and
 * a fixed sequence of calls runs over it: every hypercall, trap and
 * launcher-side reader that fuzz-hostile-shim drives.  Nothing may crash,
 * and nothing outside guest RAM and the shim region may be touched: both
 * are allocated at their exact sizes with poisoned guards (ASan), and the
 * core-state slot past the struct is poisoned too.
 *
 * The domain, the calls and the input format are the fuzz target's own
 * (included, not copied), so both always run the same launcher code; the
 * test builds inputs whose state bytes turn the well-formed state's word
 * into the hostile value.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include "tests/fuzz/fuzz_hostile_shim.c"

static const uint64_t hostile[] = {
	0, ~0ULL, 0x8000000000000000ULL, 0x7fffffff7fffffffULL,
	0x0400040004000400ULL, /* EVTCHN_NR_PORTS in every 16-bit lane */
	0x00000000ffff0000ULL,
};

/* Every kind of call, a shim stop last (it ends a sequence). */
static const struct call script[][MAX_CALLS] = {
	{ { K_MMU_UPDATE, 1, 1, 0 }, { K_MMUEXT_OP, 1, 1, 0 },
	  { K_UPDATE_VA_MAPPING, 1, PG_DATA, PG_DATA | 0x700 },
	  { K_EVTCHN_OP, 1, 0, 0 }, { K_VCPU_OP, 1, 10, 0 },
	  { K_MEMORY_OP, 1, 12, 0 } },
	{ { K_SET_TRAP_TABLE, 1, 0, 0 }, { K_YIELD, 1, 0, 0 },
	  { K_POLL, 1, 0, 0 }, { K_SET_TIMER, 1, 0, 5 },
	  { K_SEGMENT_BASE, 1, 3, 0xfff8 }, { K_IRET, 1, 0, 0 } },
	{ { K_PAGE_FAULT, 1, 0, 0x1000 }, { K_GP, 0, 0, 0 }, { K_UD, 1, 0, 0 },
	  { K_PAGE_FAULT, 0, 0, 0 }, { K_GP, 1, 0, 0 }, { K_UD, 0, 0, 0 } },
	{ { K_BACKEND_EVENT, 1, 0, 3 }, { K_CLOCK, 1, 0, 1000000 },
	  { K_CONSOLE, 1, 0, 0 }, { K_EVTCHN_OP, 1, 3, 0 },
	  { K_CLOCK, 1, 0, 0xffffffff }, { K_SHIM_STOP, 1, 0, 0 } },
	{ { K_GRANT_OP, 1, 2 /* setup_table */, 0 }, { K_GRANT_OP, 1, 0 /* map */, 1 },
	  { K_GRANT_PIN, 1, 0 /* console ring */, 0x0001 },
	  { K_GRANT_OP, 1, 5 /* copy */, 2 }, { K_GRANT_OP, 1, 8 /* set_version */, 0 },
	  { K_GRANT_OP, 1, 1 /* unmap */, 3 } },
};

/* Arguments the hypercalls read: an mmu_update request, an event channel
 * port, a trap table with three gates, an iret frame. */
static void script_args(uint8_t *arg)
{
	const uint64_t req[2] = { PG_L1 * PAGE + PG_DATA * 8,
				  PG_DATA * PAGE | PTE_P | PTE_US };
	memcpy(arg, req, sizeof req);
	const uint64_t iret[8] = { 0, 0, 0, VA_BASE + PG_CODE * PAGE, 0xe033,
				   0x246, ARG_VA + PAGE - 8, 0xe02b };
	memcpy(arg + 64, iret, sizeof iret);
}

static uint8_t input[1 + MAX_CALLS * sizeof(struct call) + ARG_BYTES +
		     sizeof(struct trap_frame) + CPU_OPS_IN +
		     sizeof(struct core_state)];

START_TEST(every_word_of_core_state_corrupted)
{
	LLVMFuzzerInitialize(NULL, NULL);
	uint8_t *calls = input + 1;
	uint8_t *arg = calls + MAX_CALLS * sizeof(struct call);
	uint8_t *frame = arg + ARG_BYTES;
	uint8_t *state = frame + sizeof(struct trap_frame) + CPU_OPS_IN;
	const struct trap_frame tf = {
		.rip = VA_BASE + PG_CODE * PAGE, .cs = SHIM_SEL_USER_CS,
		.rflags = 0x246, .rsp = ARG_VA + PAGE - 64, .ss = SHIM_SEL_USER_DS,
	};
	memcpy(frame, &tf, sizeof tf);
	script_args(arg);
	input[0] = MAX_CALLS - 1;
	const uint8_t *good = (const uint8_t *)good_state;
	/* Every word but those of the vCPUs the domain does not have (one
	 * here): nothing may read them, and each would cost as much time. */
	const size_t absent = offsetof(struct core_state, vcpu[1]) / 8,
		     present = offsetof(struct core_state, vcpu[CORE_MAX_VCPUS]) / 8;
	for (size_t w = 0; w < sizeof(struct core_state) / 8; w++) {
		if (w == absent)
			w = present;
		for (size_t v = 0; v < sizeof hostile / sizeof hostile[0]; v++) {
			memset(state, 0, sizeof(struct core_state));
			for (unsigned b = 0; b < 8; b++)
				state[w * 8 + b] = good[w * 8 + b] ^
						   (uint8_t)(hostile[v] >> (8 * b));
			for (size_t s = 0; s < sizeof script / sizeof script[0]; s++) {
				memcpy(calls, script[s], sizeof script[s]);
				LLVMFuzzerTestOneInput(input, sizeof input);
			}
		}
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hostile_shim");
	TCase *t = tcase_create("core");
	tcase_set_timeout(t, 480); /* about 60 s of CPU here (more on a loaded machine): 2,600 words x 6 values x 5 scripts, each run copying a 156 KiB state (and the 448 KiB grant area after grant calls) */
	tcase_add_test(t, every_word_of_core_state_corrupted);
	suite_add_tcase(s, t);
	return check_run(s);
}
