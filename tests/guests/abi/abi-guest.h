/* Shared by the abi guest's assembly (segments.c) and its tests (main.c). */
#ifndef ABI_GUEST_H
#define ABI_GUEST_H

#include <stdint.h>

/* What probe_ds(sel, p) ... return when loading sel faulted (the #GP
 * handler resumes at probe_faulted). */
#define PROBE_FAULTED 0xfa017ed5e1ec7042

/* Each loads sel into its segment register, reads the word at p through
 * it, puts the old selector back and returns the word. */
uint64_t probe_ds(uint64_t sel, const uint64_t *p);
uint64_t probe_es(uint64_t sel, const uint64_t *p);
uint64_t probe_fs(uint64_t sel, const uint64_t *p);
uint64_t probe_gs(uint64_t sel, const uint64_t *p);
uint64_t probe_ss(uint64_t sel, const uint64_t *p);
extern const char probe_faulted[];

/* Loads sel into %ds and returns what `mov %ds` then reads. */
uint64_t read_back_ds(uint64_t sel);

/* A far return to sel (at the same privilege, 64-bit code), then one
 * back to the cs it came from: 1, or 0 if the first one faulted (the
 * handler resumes at far_faulted). */
uint64_t far_return_via(uint64_t sel);
extern const char far_faulted[];

/* HYPERVISOR_iret to rip (guest kernel mode, this stack): returns when a
 * fault there resumes at iret_faulted. */
void iret_to(uint64_t rip);
extern const char iret_faulted[];

/* multicall(list, nr) by a bare `syscall` with an iret_context on the
 * stack whose rip returns from this function and whose %rax is
 * MULTICALL_IRET_RAX: what it returns is what the iret restored, or, if
 * no entry irets, the multicall's result (then it never returns: ud2). */
#define MULTICALL_IRET_RAX 0x1ce7
uint64_t multicall_iret(const void *list, uint64_t nr);

/* User code for user_enter_selectors: loads FLAT_RING3_DS32 into %ds,
 * reads user_word through it into %rbx and makes a syscall. */
extern const char user_code[];
extern uint64_t user_word;

#endif
