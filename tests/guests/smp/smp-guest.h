/* Shared by the smp guest's parts: main.c (bring-up and the checks) and
 * bench.c (the measurements make bench asks for with xt.bench=). */
#ifndef SMP_GUEST_H
#define SMP_GUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/xen.h>

#define MS 1000000ull
/* How long vCPU 0 waits for an AP to carry out a command. */
#define COMMAND_NS (5000 * MS)

/* What vCPU 0 asks of an AP (post); the AP then says it is done. */
enum command { CMD_NONE, CMD_TIMER, CMD_STRESS, CMD_SHOOT, CMD_BENCH };

extern struct shared_info *shared;
extern unsigned nr_vcpus;

/* ---- main.c's helpers. */
uint64_t tsc_budget(uint64_t ns); /* ns in TSC ticks, whole milliseconds */
uint64_t now_ns(unsigned cpu);
/* Spins until *w == want or ns pass; false if they passed. */
bool wait_u32(const uint32_t *w, uint32_t want, uint64_t ns);
/* Unmasks cpu's events; a pending upcall comes at once. */
void events_on(unsigned cpu);
/* The port notifies cpu: its upcalls take it (before it is unmasked). */
void own(unsigned cpu, uint32_t port);
void unmask_fresh(uint32_t port);
long bind_ipi(unsigned vcpu, uint32_t *port);
/* Hands AP cpu a command and wakes it; wait_all waits for every AP's. */
void post(unsigned cpu, enum command cmd);
bool wait_all(const char *what, uint64_t ns);
/* The event stress (xt.events, xt.ports): binds its ports, then runs. */
void stress_setup(void);
void stress(void);

/* ---- bench.c. */
enum bench_mode { BENCH_NONE, BENCH_IPI, BENCH_EVENTS, BENCH_IDLE };
/* xt.bench from the command line (ends the test if it names no mode). */
enum bench_mode bench_mode(void);
/* Runs on vCPU 0 once the APs are up; only idle works with one vCPU. */
void bench_run(enum bench_mode mode);
/* From any vCPU's upcall: true if port was the bench's to take. */
bool bench_port(uint32_t port);
/* An AP's CMD_BENCH. */
void bench_ap(void);

#endif
