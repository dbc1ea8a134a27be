#!/bin/bash
# Boots the netfront guest, a Xen network frontend, against xenlet's
# netback on the vif every guest gets without --net (libslirp's
# user-mode network), in both trap paths:
#
#   good:    DHCP, ARP, a wrong UDP checksum dropped by slirp, csum_blank
#            frames completed by netback (in one slot and split), ICMP
#            echoes in 5 and 18 slots and in a 65535-byte frame, TCP GSO
#            packets (IPv4, IPv6) cut by netback, multicast control (at connect, and
#            while connected where offered), csum_blank over IPv6 (DHCPv6),
#            RX pages written only where the response says, closing;
#   hostile: RX buffers no backend may write, malformed TX chains and bad
#            TX grants (each answered NETIF_RSP_ERROR, the vif still
#            working), a flood of ARP requests, three fatal ring
#            states (the backend closes, the guest reconnects), and
#            handshakes with a spoilt node, each refused.
#
# The hostile run goes once more under the sanitized launcher
# (build/xenlet-san, ASan/UBSan with leak checks), where any report fails.
#
# Both must end "Test result: SUCCESS" and power off; then netback's
# --stats line for vif0 must agree with what the guest says it did:
# every malformed chain in tx_malformed, every bad RX buffer in
# rx_dropped, every frame it sent in tx_packets (or tx_dropped).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher

GUEST=$GUESTS/netfront.elf

# No sign of a crash on stderr: sanitizer reports (a leak included), a
# signal's death, an assertion, KVM's internal error, a guest fault.
expect_no_crash() {
	if grep -qE 'Sanitizer|runtime error:|Segmentation fault|Aborted|core dumped|Assertion .* failed|KVM internal error|xenlet: .*(fault|triple)' "$ERR"; then
		fail "xenlet's stderr shows a crash"
	else
		pass "no crash on xenlet's stderr"
	fi
}

# vif_stat KEY: netback's count KEY on its --stats line for vif0.
vif_stat() {
	sed -n "s/^xenlet-stats: vif0:.* $1 \([0-9][0-9]*\).*/\1/p" "$ERR" | head -n 1
}

# expect_stat KEY OP N [WHY]: the count compared with test(1)'s OP.
expect_stat() {
	local v
	v=$(vif_stat "$1")
	if [ -z "$v" ]; then
		fail "no '$1' on a 'xenlet-stats: vif0:' line"
	elif test "$v" "$2" "$3"; then
		pass "vif0 $1 $v $2 $3${4:+ ($4)}"
	else
		fail "vif0 $1 is $v, expected $2 $3${4:+ ($4)}"
	fi
}

# guest_count REGEX [GROUP]: the number the guest printed in the last
# line matching the sed REGEX, its group GROUP (default \1); 0 if none.
guest_count() {
	local n
	n=$(sed -n "s/$1/${2:-\\1}/p" "$OUT" | tail -n 1)
	echo "${n:-0}"
}

good_checks() {
	local line sent received
	for line in "netfront: dhcp ok (offer 10.0.2.15)" "netfront: arp ok" \
		"netfront: wrong udp checksum dropped ok" "netfront: csum_blank ok" \
		"netfront: csum_blank split ok" "netfront: multi-slot icmp ok" \
		"netfront: 18-slot icmp ok" "netfront: 65535-byte icmp ok" \
		"netfront: gso-tcpv4 ok (3 segments)" "netfront: gso-tcpv6 ok (3 segments)" \
		"netfront: multicast without filter ok" \
		"netfront: multicast filter switched on while connected ok" \
		"netfront: multicast filter at connect ok" "netfront: ipv6 csum_blank ok" \
		"netfront: vif 0 closed"; do
		expect_out_line "$line"
	done
	expect_out_has "netfront: rx no leak ok"
	sent=$(guest_count '^netfront: sent \([0-9]*\) frames, received [0-9]*$')
	received=$(guest_count '^netfront: sent [0-9]* frames, received \([0-9]*\)$')
	expect_stat tx_packets -ge "$sent" "frames the guest sent"
	expect_stat rx_packets -ge "$received" "frames the guest received"
	expect_stat tx_malformed -eq 0
	expect_stat tx_dropped -eq 0
	expect_stat rx_dropped -eq 0
	expect_stat tx_segmented -eq 2 "the GSO packets, cut by netback for slirp"
	expect_stat events -gt 0
	expect_stat notifies -gt 0
	expect_stat grant_copies -ge $((sent + received))
}

hostile_checks() {
	local totals malformed bad_rx fatal sent tx
	totals='^netfront: hostile: malformed chains \([0-9]*\), bad rx buffers \([0-9]*\), fatal errors \([0-9]*\), bad handshakes [0-9]*, frames sent \([0-9]*\)$'
	malformed=$(guest_count "${totals}" '\1')
	bad_rx=$(guest_count "${totals}" '\2')
	fatal=$(guest_count "${totals}" '\3')
	sent=$(guest_count "${totals}" '\4')
	if [ "$malformed" = 0 ] || [ "$fatal" != 3 ]; then
		fail "the guest's totals line is missing or counts ${fatal:-no} fatal errors, not 3"
		return
	fi
	expect_out_has "netfront: hostile: flood: 4096 frames queued, 4096 answered"
	expect_stat tx_malformed -ge "$malformed" "malformed chains the guest sent"
	expect_stat rx_dropped -ge "$bad_rx" "RX buffers the backend could not write"
	local packets dropped
	packets=$(vif_stat tx_packets)
	dropped=$(vif_stat tx_dropped)
	tx=$((${packets:-0} + ${dropped:-0}))
	if [ "$tx" -ge "$sent" ]; then
		pass "vif0 tx_packets + tx_dropped $tx >= $sent (frames the guest sent)"
	else
		fail "vif0 tx_packets + tx_dropped is $tx, the guest sent $sent"
	fi
	# Each fatal error is reported on stderr (the framework logs a
	# device's first 8, then only writes its error node).
	local reported
	reported=$(grep -cE '^xenlet: /local/domain/0/backend/vif/[0-9]+/0: ' "$ERR")
	if [ "$reported" -ge "$fatal" ]; then
		pass "$reported errors of vif0 reported on stderr (>= $fatal fatal ring errors)"
	else
		fail "$reported errors of vif0 reported on stderr, not the $fatal fatal ring errors"
	fi
}

# run_netfront PATH MODE [NAME]: NAME (default PATH-MODE) names the run.
run_netfront() {
	local path=$1 mode=$2 name=${3:-$1-$2}
	run_xenlet "$name" "$GUEST" --trap-path "$path" --stats --cmdline "xt.mode=$mode"
	expect_rc 0
	expect_result "SUCCESS"
	expect_no_crash
	if [ "$mode" = good ]; then
		good_checks
	else
		hostile_checks
	fi
}

for path in host guest; do
	run_netfront "$path" good
	run_netfront "$path" hostile
done
if [ -x build/xenlet-san ]; then
	XENLET=build/xenlet-san ASAN_OPTIONS=detect_leaks=1:exitcode=99 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=99 \
		run_netfront host hostile sanitized-host-hostile
else
	RUN=sanitized
	fail "build/xenlet-san is not built (run make)"
fi

finish
