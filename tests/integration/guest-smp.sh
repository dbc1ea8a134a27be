#!/bin/bash
# Boots the smp guest with several vCPUs: APs brought up with
# VCPUOP_initialise and VCPUOP_up as Linux brings them up, a periodic
# VIRQ_TIMER on every vCPU at once, events in both directions between
# vCPU 0 and each AP over IPI ports (every one received exactly once),
# and TLB shootdowns (update_va_mapping with a vcpumask, MMUEXT
# INVLPG_MULTI, TLB_FLUSH_MULTI, TLB_FLUSH_ALL) after which no AP may
# still read the unmapped page.  (Here KVM's shadow page tables drop
# stale translations by themselves, so only EPT/NPT hosts can catch a
# missing shootdown in the guest: the guest's comment says more.  So the
# launcher's count of flushes asked of other vCPUs, tlb_shootdowns in
# --stats, must show at least the four.)
#
# The host path runs a million events on 2 vCPUs and fewer on 4 (three
# APs share vCPU 0's sends and may share the host's CPUs).  The guest
# path runs 20000: there the core's code runs as emulated CPL0
# instructions, about 300 us for a null hypercall, and every send in a
# multicall adds its own share (about 0.5 ms an event, measured with
# one vCPU sending to itself), so a million would take many minutes.
# A note line gives the events per second.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher

GUEST=$GUESTS/smp.elf

# The guest's stress line: "smp: events: sent N received N duplicates 0
# lost 0 in MS ms".
events_note() {
	local n ms
	read -r n ms < <(sed -n 's/^smp: events: sent \([0-9]*\) .* in \([0-9]*\) ms$/\1 \2/p' \
		"$OUT" | head -n 1)
	if [ -n "${n:-}" ] && [ "${ms:-0}" -gt 0 ]; then
		echo "note [$RUN]: $n events in $ms ms: $((n * 1000 / ms)) events/s"
	fi
}

run_smp() {
	local path=$1 vcpus=$2 events=$3
	run_xenlet "$path-$vcpus" "$GUEST" --trap-path "$path" --vcpus "$vcpus" \
		--stats --cmdline "xt.events=$events"
	expect_rc 0
	expect_result "SUCCESS"
	expect_out_line "smp: $vcpus vCPUs"
	expect_out_has "smp: events: sent $events received $events duplicates 0 lost 0 in "
	for variant in "update_va_mapping UVMF_INVLPG vcpumask" \
		"mmu_update + MMUEXT_INVLPG_MULTI" "mmu_update + MMUEXT_TLB_FLUSH_MULTI" \
		"mmu_update + MMUEXT_TLB_FLUSH_ALL"; do
		expect_out_line "smp: shootdown: $variant ok"
	done
	local n
	# The guest's 4096 VCPUOP_is_up probes past the domain are answered in
	# guest code, and no other part of it makes as many vcpu_op calls.
	n=$(sed -n 's/^xenlet-stats: hypercall\.vcpu_op \([0-9]*\)$/\1/p' "$ERR")
	if [ -n "$n" ] && [ "$n" -lt 4096 ]; then
		pass "[$RUN] vcpu_op calls that reached the core: $n"
	else
		fail "[$RUN] vcpu_op calls that reached the core: '${n:-}', expected fewer than 4096"
	fi
	n=$(sed -n 's/^xenlet-stats: tlb_shootdowns \([0-9]*\)$/\1/p' "$ERR")
	if [ "${n:-0}" -ge 4 ]; then
		pass "[$RUN] tlb_shootdowns $n"
	else
		fail "[$RUN] tlb_shootdowns '${n:-}', expected at least 4"
	fi
	events_note
}

run_smp host 2 1000000
run_smp host 4 200000
run_smp guest 2 20000

finish
