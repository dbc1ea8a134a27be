/*
 * user-state: runs as a process of a guest's user space (the busybox
 * initramfs runs it from /init) and checks that guest processes do not
 * see each other's register state.
 *
 * N processes each load their own pattern into xmm0-15, call sched_yield
 * many times (there is no preemption of spinning guest code yet, so the
 * guest kernel switches processes at syscalls) and check after each batch
 * that the registers still hold their pattern.  A shared counter shows
 * that other processes really ran in between.
 *
 * It also prints what plain `cpuid` says (the launcher gives the vCPU the
 * PV CPUID policy: no XSAVE/AVX/FSGSBASE) and whether an AVX instruction
 * runs anyway: a PV kernel without XSAVE saves only the legacy SSE state
 * on a process switch, so if the CPU runs AVX at CPL3 regardless, the
 * upper halves of the ymm registers are shared between processes; that is
 * measured and reported, not hidden.
 *
 * Output: lines starting "user-state:", the last one
 * "user-state: result PASS" or "user-state: result FAIL (...)".
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define NPROC 4
#define ROUNDS 40
#define YIELDS 16            /* sched_yield calls between checks */
#define SYS_SCHED_YIELD 24

static volatile uint64_t *switches; /* shared: yields of all processes */

/* Loads xmm0-15 (or ymm0-15) from in, yields YIELDS times with the raw
 * syscall (no libc code between the load and the check), stores them to
 * out. */
static void sse_yield(const uint8_t in[16][16], uint8_t out[16][16])
{
	__asm__ volatile(
		"movdqu 0*16(%[in]), %%xmm0\n\tmovdqu 1*16(%[in]), %%xmm1\n\t"
		"movdqu 2*16(%[in]), %%xmm2\n\tmovdqu 3*16(%[in]), %%xmm3\n\t"
		"movdqu 4*16(%[in]), %%xmm4\n\tmovdqu 5*16(%[in]), %%xmm5\n\t"
		"movdqu 6*16(%[in]), %%xmm6\n\tmovdqu 7*16(%[in]), %%xmm7\n\t"
		"movdqu 8*16(%[in]), %%xmm8\n\tmovdqu 9*16(%[in]), %%xmm9\n\t"
		"movdqu 10*16(%[in]), %%xmm10\n\tmovdqu 11*16(%[in]), %%xmm11\n\t"
		"movdqu 12*16(%[in]), %%xmm12\n\tmovdqu 13*16(%[in]), %%xmm13\n\t"
		"movdqu 14*16(%[in]), %%xmm14\n\tmovdqu 15*16(%[in]), %%xmm15\n\t"
		"mov %[n], %%r8d\n"
		"1:\tmov %[nr], %%eax\n\tsyscall\n\tlock incq (%[sw])\n\tdec %%r8d\n\tjnz 1b\n\t"
		"movdqu %%xmm0, 0*16(%[out])\n\tmovdqu %%xmm1, 1*16(%[out])\n\t"
		"movdqu %%xmm2, 2*16(%[out])\n\tmovdqu %%xmm3, 3*16(%[out])\n\t"
		"movdqu %%xmm4, 4*16(%[out])\n\tmovdqu %%xmm5, 5*16(%[out])\n\t"
		"movdqu %%xmm6, 6*16(%[out])\n\tmovdqu %%xmm7, 7*16(%[out])\n\t"
		"movdqu %%xmm8, 8*16(%[out])\n\tmovdqu %%xmm9, 9*16(%[out])\n\t"
		"movdqu %%xmm10, 10*16(%[out])\n\tmovdqu %%xmm11, 11*16(%[out])\n\t"
		"movdqu %%xmm12, 12*16(%[out])\n\tmovdqu %%xmm13, 13*16(%[out])\n\t"
		"movdqu %%xmm14, 14*16(%[out])\n\tmovdqu %%xmm15, 15*16(%[out])\n\t"
		:
		: [in] "r"(in), [out] "r"(out), [n] "i"(YIELDS), [nr] "i"(SYS_SCHED_YIELD),
		  [sw] "r"(switches)
		: "rax", "rcx", "r8", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3",
		  "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
		  "xmm12", "xmm13", "xmm14", "xmm15");
}

/* The same with the whole ymm registers (only called when AVX runs). */
static void avx_yield(const uint8_t in[16][32], uint8_t out[16][32])
{
	__asm__ volatile(
		".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
		"vmovdqu \\r*32(%[in]), %%ymm\\r\n\t"
		".endr\n\t"
		"mov %[n], %%r8d\n"
		"1:\tmov %[nr], %%eax\n\tsyscall\n\tlock incq (%[sw])\n\tdec %%r8d\n\tjnz 1b\n\t"
		".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
		"vmovdqu %%ymm\\r, \\r*32(%[out])\n\t"
		".endr\n\t"
		"vzeroupper\n\t"
		:
		: [in] "r"(in), [out] "r"(out), [n] "i"(YIELDS), [nr] "i"(SYS_SCHED_YIELD),
		  [sw] "r"(switches)
		: "rax", "rcx", "r8", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3",
		  "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
		  "xmm12", "xmm13", "xmm14", "xmm15");
}

/* Fills buf with bytes that name the process, the round and the byte. */
static void pattern(uint8_t *buf, size_t n, unsigned proc, unsigned round)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(0x11 * (proc + 1) ^ (round * 7) ^ (i * 13));
}

/* One process's work; returns how many checks failed, and through
 * *others how many of its batches saw another process's yields. */
static unsigned child(unsigned proc, int avx, unsigned *others)
{
	unsigned bad = 0;
	*others = 0;
	for (unsigned round = 0; round < ROUNDS; round++) {
		uint64_t before = *switches;
		if (avx) {
			uint8_t in[16][32], out[16][32];
			pattern(&in[0][0], sizeof in, proc, round);
			avx_yield(in, out);
			bad += memcmp(in, out, sizeof in) != 0;
		} else {
			uint8_t in[16][16], out[16][16];
			pattern(&in[0][0], sizeof in, proc, round);
			sse_yield(in, out);
			bad += memcmp(in, out, sizeof in) != 0;
		}
		*others += *switches - before > YIELDS;
	}
	return bad;
}

/* Runs NPROC processes at once; returns failed checks (~0u if the
 * processes could not be run) and sets *interleaved. */
static unsigned run_processes(int avx, unsigned *interleaved)
{
	pid_t pids[NPROC];
	*interleaved = 0;
	for (unsigned p = 0; p < NPROC; p++) {
		pids[p] = fork();
		if (pids[p] < 0)
			return ~0u;
		if (pids[p] == 0) {
			unsigned others, bad = child(p, avx, &others);
			/* exit status: failures (low 4 bits), interleaving seen */
			_exit((bad > 15 ? 15 : (int)bad) | (others ? 16 : 0));
		}
	}
	unsigned bad = 0;
	for (unsigned p = 0; p < NPROC; p++) {
		int st;
		if (waitpid(pids[p], &st, 0) < 0 || !WIFEXITED(st))
			return ~0u;
		bad += (unsigned)WEXITSTATUS(st) & 15;
		*interleaved += (WEXITSTATUS(st) & 16) != 0;
	}
	return bad;
}

static sigjmp_buf on_sigill;

static void sigill(int sig)
{
	(void)sig;
	siglongjmp(on_sigill, 1);
}

/* Whether the CPU runs an AVX instruction here (else SIGILL). */
static int avx_runs(void)
{
	struct sigaction sa = { .sa_handler = sigill }, old;
	sigaction(SIGILL, &sa, &old);
	int runs = 0;
	if (!sigsetjmp(on_sigill, 1)) {
		__asm__ volatile("vpxor %%ymm0, %%ymm0, %%ymm0\n\tvzeroupper" ::: "xmm0");
		runs = 1;
	}
	sigaction(SIGILL, &old, NULL);
	return runs;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	unsigned a, b, c, d;
	__cpuid(1, a, b, c, d);
	unsigned ecx1 = c;
	__cpuid_count(7, 0, a, b, c, d);
	unsigned ebx7 = b;
	int cpuid_avx = (ecx1 >> 28) & 1, cpuid_osxsave = (ecx1 >> 27) & 1;
	printf("user-state: cpuid xsave=%u osxsave=%u avx=%u avx2=%u fsgsbase=%u\n",
	       (ecx1 >> 26) & 1, cpuid_osxsave, cpuid_avx, (ebx7 >> 5) & 1, ebx7 & 1);
	/* The hypervisor leaves, as Xen's CPUID faulting shows them. */
	char sig[13] = { 0 };
	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	for (unsigned i = 0; i < 12; i++)
		if (sig[i] < 0x20 || sig[i] > 0x7e)
			sig[i] = '.';
	printf("user-state: cpuid 0x40000000 signature \"%s\"\n", sig);

	switches = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (switches == MAP_FAILED) {
		printf("user-state: result FAIL (no shared page)\n");
		return 1;
	}
	unsigned interleaved;
	unsigned bad = run_processes(0, &interleaved);
	printf("user-state: sse: %u processes x %u rounds x %u yields: %u mismatches, "
	       "%u processes saw others run\n", NPROC, ROUNDS, YIELDS, bad, interleaved);

	int avx = avx_runs();
	printf("user-state: avx instruction: %s\n", avx ? "executes" : "SIGILL");
	if (avx) {
		unsigned avx_interleaved, avx_bad = run_processes(1, &avx_interleaved);
		printf("user-state: avx: ymm0-15 across processes: %s (%u mismatches, "
		       "%u processes saw others run)\n", avx_bad ? "LEAKED" : "kept",
		       avx_bad, avx_interleaved);
	}

	const char *why = bad == ~0u ? "processes could not run" :
			  bad ? "xmm registers changed across yields" :
			  interleaved < 2 ? "processes did not interleave" :
			  cpuid_osxsave ? "cpuid says OSXSAVE" :
			  cpuid_avx && !avx ? "cpuid says AVX but it raises SIGILL" : NULL;
	if (why)
		printf("user-state: result FAIL (%s)\n", why);
	else
		printf("user-state: result PASS\n");
	return why != NULL;
}
