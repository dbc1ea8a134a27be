/*
 * user-state: runs as a process of a guest's user space (the busybox
 * initramfs runs it from /init) and checks that guest processes do not
 * see each other's register state.
 *
 * N processes each load their own pattern into xmm0-15, call sched_yield
 * many times (there is no preemption of spinning guest code yet, so the
 * guest kernel switches processes at syscalls) and check after each batch
 * that the registers still hold their pattern.  A shared counter shows
 * that other processes really ran in between.  The same again with the
 * whole ymm0-15 when an AVX instruction runs (whatever CPUID says: the
 * CPU may run it at CPL3 regardless, and then the kernel must save it),
 * and with zmm0-31 and k0-7 when CPUID says AVX-512F and XCR0 enables
 * its state.
 *
 * It also prints what plain `cpuid` says (the launcher gives the vCPU the
 * PV CPUID policy: XSAVE and AVX as far as XCR0 goes, no FSGSBASE) and
 * the XCR0 user space runs with (`xgetbv`), which must be what the kernel
 * enabled.
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

/* The same with zmm0-31 and k0-7 (only called when AVX-512F is enabled). */
__attribute__((target("avx512f")))
static void avx512_yield(const uint8_t in[32][64], const uint64_t kin[8],
			 uint8_t out[32][64], uint64_t kout[8])
{
	__asm__ volatile(
		".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,"
		"24,25,26,27,28,29,30,31\n\t"
		"vmovdqu64 \\r*64(%[in]), %%zmm\\r\n\t"
		".endr\n\t"
		".irp r,0,1,2,3,4,5,6,7\n\t"
		"kmovw \\r*8(%[kin]), %%k\\r\n\t"
		".endr\n\t"
		"mov %[n], %%r8d\n"
		"1:\tmov %[nr], %%eax\n\tsyscall\n\tlock incq (%[sw])\n\tdec %%r8d\n\tjnz 1b\n\t"
		".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,"
		"24,25,26,27,28,29,30,31\n\t"
		"vmovdqu64 %%zmm\\r, \\r*64(%[out])\n\t"
		".endr\n\t"
		".irp r,0,1,2,3,4,5,6,7\n\t"
		"kmovw %%k\\r, \\r*8(%[kout])\n\t"
		".endr\n\t"
		"vzeroupper\n\t"
		:
		: [in] "r"(in), [kin] "r"(kin), [out] "r"(out), [kout] "r"(kout),
		  [n] "i"(YIELDS), [nr] "i"(SYS_SCHED_YIELD), [sw] "r"(switches)
		: "rax", "rcx", "r8", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3",
		  "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
		  "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18",
		  "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25",
		  "xmm26", "xmm27", "xmm28", "xmm29", "xmm30", "xmm31",
		  "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7");
}

/* Fills buf with bytes that name the process, the round and the byte. */
static void pattern(uint8_t *buf, size_t n, unsigned proc, unsigned round)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(0x11 * (proc + 1) ^ (round * 7) ^ (i * 13));
}

enum regs { REGS_XMM, REGS_YMM, REGS_ZMM };

/* One process's work; returns how many checks failed, and through
 * *others how many of its batches saw another process's yields. */
static unsigned child(unsigned proc, enum regs regs, unsigned *others)
{
	unsigned bad = 0;
	*others = 0;
	for (unsigned round = 0; round < ROUNDS; round++) {
		uint64_t before = *switches;
		if (regs == REGS_ZMM) {
			uint8_t in[32][64], out[32][64];
			uint64_t kin[8], kout[8] = { 0 };
			pattern(&in[0][0], sizeof in, proc, round);
			/* kmovw: 16 bits of each mask register */
			for (unsigned k = 0; k < 8; k++)
				kin[k] = (uint16_t)(0x1111 * (proc + 1) ^ (round * 257) ^ (k << 12));
			avx512_yield(in, kin, out, kout);
			for (unsigned k = 0; k < 8; k++)
				kout[k] &= 0xffff;
			bad += memcmp(in, out, sizeof in) != 0 || memcmp(kin, kout, sizeof kin) != 0;
		} else if (regs == REGS_YMM) {
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
static unsigned run_processes(enum regs regs, unsigned *interleaved)
{
	pid_t pids[NPROC];
	*interleaved = 0;
	for (unsigned p = 0; p < NPROC; p++) {
		pids[p] = fork();
		if (pids[p] < 0)
			return ~0u;
		if (pids[p] == 0) {
			unsigned others, bad = child(p, regs, &others);
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

/* Whether the kernel lists flag in /proc/cpuinfo's "flags" line (-1:
 * no such line). */
static int cpuinfo_flag(const char *flag)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	int found = -1;
	while (f && found < 0 && fgets(line, sizeof line, f)) {
		if (strncmp(line, "flags", 5))
			continue;
		found = 0;
		for (char *t = strtok(strchr(line, ':') + 1, " \n"); t; t = strtok(NULL, " \n"))
			found |= !strcmp(t, flag);
	}
	if (f)
		fclose(f);
	return found;
}

/* One run of NPROC processes over regs; returns whether it passed. */
static int check_regs(enum regs regs, const char *what)
{
	unsigned interleaved, bad = run_processes(regs, &interleaved);
	printf("user-state: %s: %u processes x %u rounds x %u yields: %u mismatches, "
	       "%u processes saw others run\n", what, NPROC, ROUNDS, YIELDS, bad,
	       interleaved);
	return bad == 0 && interleaved >= 2;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	unsigned a, b, c, d;
	__cpuid(1, a, b, c, d);
	unsigned ecx1 = c;
	__cpuid_count(7, 0, a, b, c, d);
	unsigned ebx7 = b;
	int cpuid_xsave = (ecx1 >> 26) & 1, cpuid_osxsave = (ecx1 >> 27) & 1;
	int cpuid_avx = (ecx1 >> 28) & 1, cpuid_avx512f = (ebx7 >> 16) & 1;
	printf("user-state: cpuid xsave=%u osxsave=%u avx=%u avx2=%u avx512f=%u "
	       "fsgsbase=%u\n", cpuid_xsave, cpuid_osxsave, cpuid_avx, (ebx7 >> 5) & 1,
	       cpuid_avx512f, ebx7 & 1);
	/* xgetbv is defined only with OSXSAVE (else #UD). */
	uint64_t xcr0 = 0;
	if (cpuid_osxsave) {
		uint32_t lo, hi;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		xcr0 = ((uint64_t)hi << 32) | lo;
		printf("user-state: xgetbv xcr0=%#llx\n", (unsigned long long)xcr0);
	}
	printf("user-state: /proc/cpuinfo avx=%d avx2=%d avx512f=%d\n", cpuinfo_flag("avx"),
	       cpuinfo_flag("avx2"), cpuinfo_flag("avx512f"));
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
	int sse_ok = check_regs(REGS_XMM, "sse: xmm0-15");
	int avx = avx_runs();
	printf("user-state: avx instruction: %s\n", avx ? "executes" : "SIGILL");
	int avx_ok = !avx || check_regs(REGS_YMM, "avx: ymm0-15");
	int avx512 = cpuid_avx512f && (xcr0 & 0xe6) == 0xe6;
	int avx512_ok = !avx512 || check_regs(REGS_ZMM, "avx512: zmm0-31 k0-7");
	if (!avx512)
		printf("user-state: avx512: not enabled (cpuid avx512f=%u, xcr0 %#llx)\n",
		       cpuid_avx512f, (unsigned long long)xcr0);

	const char *why = !sse_ok ? "xmm registers changed across yields" :
			  !avx_ok ? "ymm registers changed across yields" :
			  !avx512_ok ? "zmm or k registers changed across yields" :
			  cpuid_osxsave && !cpuid_xsave ? "cpuid says OSXSAVE without XSAVE" :
			  cpuid_avx && !avx ? "cpuid says AVX but it raises SIGILL" :
			  cpuid_avx && (xcr0 & 6) != 6 ?
				"cpuid says AVX but XCR0 does not enable it" : NULL;
	if (why)
		printf("user-state: result FAIL (%s)\n", why);
	else
		printf("user-state: result PASS\n");
	return why != NULL;
}
