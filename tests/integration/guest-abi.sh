#!/bin/bash
# Boots the abi guest in each trap path: Xen's flat selectors from its
# reserved GDT page loaded at guest CPL3 (data segment registers, a far
# return, user mode entered by iret on them) and Xen's ring 0, empty and
# past-the-limit selectors refused with #GP(selector); the guest's set_gdt
# descriptors loaded at CPL3, its frame kept from writable mappings and
# changed by update_descriptor; an LDT installed by MMUEXT_SET_LDT, its
# selectors loaded, refused or dropped; an iret to a rip in Xen's hole
# faulting in the guest; an iret ending a multicall; update_descriptor's
# DPL fix-ups and refused call gate; the syscall32 and sysenter callbacks
# taken; sysctl/domctl -EPERM and MARK_SUPER -EOPNOTSUPP.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher

GUEST=$GUESTS/abi.elf

for path in guest host; do
	run_xenlet "$path" "$GUEST" --trap-path "$path"
	expect_rc 0
	expect_result "SUCCESS"
	expect_out_line "abi: FLAT_KERNEL_DS loads into ds es fs gs ss; Xen's ring 0, empty and past-the-limit selectors give #GP(selector)"
	expect_out_line "abi: far return to FLAT_RING3_CS64 runs on; to ring 0 or data selectors #GP(selector)"
	expect_out_line "abi: MMUEXT_SET_LDT installs an LDT whose selectors load"
	expect_out_line "abi: set_gdt's descriptors load at CPL3; its frame is read-only but for update_descriptor"
	expect_out_line "abi: iret to a rip in Xen's hole faults there in the guest"
	expect_out_line "abi: iret inside a multicall runs and ends the batch"
	expect_out_line "abi: iret to user mode on FLAT_RING3_CS64/SS64 and back by syscall"
	expect_out_line "abi: update_descriptor fixes DPLs up and refuses a call gate to ring 0"
	expect_out_line "abi: syscall32 and sysenter callbacks registered"
	expect_out_line "abi: sysctl and domctl -EPERM, MARK_SUPER -EOPNOTSUPP"
	# A platform limit shown, not hidden: this KVM answers `mov %ds`
	# with its own selector for a GDT one (Xen's hardware gives 0xe02b).
	back=$(sed -n 's/^abi: %ds loaded with 0xe02b reads back as \(0x[0-9a-f]*\)$/\1/p' "$OUT")
	empty=$(sed -n "s/^abi: the guest's empty GDT entry 5 (0x2b) \(.*\)$/\1/p" "$OUT")
	if [ -z "$empty" ]; then
		fail "the guest did not say whether its empty 0x2b loads"
	elif [ "$empty" != faults ]; then
		echo "note [$path]: platform limit: an empty guest GDT entry at 0x2b $empty"
	fi
	if [ -z "$back" ]; then
		fail "the guest did not say what %ds reads back as"
	elif [ "$back" != 0xe02b ]; then
		echo "note [$path]: platform limit: %ds loaded with 0xe02b reads back as $back"
	fi
done

finish
