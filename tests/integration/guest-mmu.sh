#!/bin/bash
# Boots the mmu guest (its own page tables pinned and switched to, remaps
# by update_va_mapping and mmu_update read back at once, its tables read
# through a read-only L4 self-map (a linear page table), the M2P table,
# Xen's errors for illegal updates, ballooning and XENMEM_exchange) in
# each trap path, with guest memory small and large enough for a frame
# table and M2P of several 2 MiB pages.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher

GUEST=$GUESTS/mmu.elf

for path in guest host; do
	for mib in 40 1100; do
		run_xenlet "$path-$mib" "$GUEST" --trap-path "$path" --memory "$mib"
		expect_rc 0
		expect_result SUCCESS
		expect_out_line "mmu: running on the new tables"
		expect_out_line "mmu: a read-only L4 self-map shows the page tables"
		expect_out_line "mmu: balloon: a frame given back and taken again"
		expect_out_line "mmu: exchange: a frame traded for a new one, M2P and out list updated"
	done
done

finish
