#!/bin/bash
# Debian 12's kernel as distributed, its xen-netfront module on xenlet's
# netback (host trap path), tests/user/net-guest.sh in the initramfs:
# 1. --net user,hostfwd=tcp:127.0.0.1:HP-:80: eth0 gets 10.0.2.15 by DHCP
#    (busybox udhcpc), fetches a token the test wrote from an HTTP server
#    on the host's loopback through http://10.0.2.2:PORT/; it serves a
#    token of its own with busybox httpd on port 80, which the test fetches
#    through the port forward; the guest powers off when it finds the
#    "done" the test then puts on its server (no fixed waits).
# 2. Two user vifs (the second on net=10.0.3.0/24, each its own forward):
#    eth0 and eth1 both get their addresses by DHCP, each fetches through
#    its own network, and the guest's token comes back through both
#    forwards.
# 3. --net tap,ifname=xt0,bridge=br0 inside a network namespace the test
#    makes (unshare --net; this script again, with --tap-in-netns): the
#    bridge is 10.9.0.1/24, the guest 10.9.0.2/24 from its command line;
#    it fetches from a server on 10.9.0.1 and the test from the guest's.
#    Skipped, with the reason, only where namespaces or /dev/net/tun
#    cannot be had.
# Each run's --stats must show frames both ways on each vif and no
# malformed requests.  A guest not in user space after XENLET_BOOT_WAIT
# seconds (300; a boot takes 40-90 s here) fails and is stopped: boots
# with a vif have been seen to hang for good in the kernel's xenstore
# requests, and that must fail in minutes, not at the run's timeout.
self=$(realpath "$0") # run again in the namespace, after lib.sh's cd
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_launcher
RUN_TIMEOUT=${XENLET_KERNEL_TIMEOUT:-600}
BOOT_WAIT=${XENLET_BOOT_WAIT:-300} # about 40-90 s here
require_debian build/initramfs-net.cpio.gz tests/user/net-guest.sh modules
BUSYBOX=$(scripts/fetch-busybox.sh)
if ! command -v ss >/dev/null || ! command -v ip >/dev/null; then
	echo "skip: ip and ss (iproute2) are not installed"
	exit 77
fi

bg_pids=()
cleanup() {
	for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT

token() { echo "$1-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"; }

# A TCP port nobody listens on now, and none this run took already.
taken=" "
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		case $taken in *" $p "*) continue ;; esac
		if ! ss -Hltn "( sport = :$p )" | grep -q .; then
			taken="$taken$p "
			echo "$p"
			return
		fi
	done
}

# busybox httpd serving $WORK/www on ADDR; sets HTTP_PORT once it listens
# (another port if it lost a race for the first).
mkdir -p "$WORK/www"
start_httpd() { # ADDR
	local i pid
	for _ in 1 2 3 4 5; do
		HTTP_PORT=$(free_port)
		"$BUSYBOX" httpd -f -p "$1:$HTTP_PORT" -h "$WORK/www" &
		pid=$!
		for ((i = 0; i < 50; i++)); do
			if ss -Hltn "( sport = :$HTTP_PORT )" | grep -q .; then
				bg_pids+=("$pid")
				return 0
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill "$pid" 2>/dev/null
	done
	echo "FAIL: busybox httpd would not listen on $1"
	exit 1
}

# The body of URL from the host, at most 20 s (busybox wget's own -T
# crashes in Debian's 1.35).
host_fetch() { timeout 20 "$BUSYBOX" wget -Y off -q -O - "$1" 2>/dev/null; }

# xenlet in the background as run NAME (OUT, ERR as run_xenlet's), so that
# the test can talk to the guest while it runs.
start_xenlet() { # NAME ARGS...
	RUN=$1
	shift
	OUT=$WORK/$RUN.out
	ERR=$WORK/$RUN.err
	: >"$OUT" # wait_out may look before the shell in the background made it
	timeout "$RUN_TIMEOUT" "$XENLET" run "$@" </dev/null >"$OUT" 2>"$ERR" &
	VM=$!
}

# Until stdout has STR (0), or the guest is gone or SECONDS (default
# RUN_TIMEOUT) passed (1).
wait_out() { # STR [SECONDS]
	local i
	for ((i = 0; i < ${2:-$RUN_TIMEOUT} * 10; i++)); do
		grep -qF -- "$1" "$OUT" && return 0
		kill -0 "$VM" 2>/dev/null || break
		sleep 0.1
	done
	grep -qF -- "$1" "$OUT"
}

# The guest reached user space within BOOT_WAIT seconds (0); else it is
# failed and stopped (1): a boot that hangs fails in minutes, not at the
# run's timeout.
booted() {
	UP=true
	if wait_out "xenlet-initramfs: hello from user space" "$BOOT_WAIT"; then
		return 0
	fi
	UP=false
	kill "$VM" 2>/dev/null
	wait "$VM"
	fail "no user space after ${BOOT_WAIT}s"
	return 1
}

# The rest of a run's checks are only for one that came up.
end_xenlet() {
	$UP || return 1
	wait "$VM"
	RC=$?
	if [ "$RC" = 124 ]; then
		fail "timed out after ${RUN_TIMEOUT}s"
	fi
}

# What the guest printed after PREFIX on its line (the console's \r gone).
guest_says() { tr -d '\r' <"$OUT" | sed -n "s/^$1//p" | head -1; }

# The guest's token fetched from the host through URL.
expect_guest_token() { # URL WHAT
	local want got
	want=$(guest_says "net-guest: serving token ")
	got=$(host_fetch "$1")
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		pass "the host fetched the guest's token $2"
	else
		fail "the host fetched '$got' $2 ($1), the guest serves '$want'"
	fi
}

expect_vif_stats() { # VIF
	local line tx rx bad
	line=$(grep "^xenlet-stats: $1: " "$ERR" | head -1)
	tx=$(echo "$line" | sed -n 's/.* tx_packets \([0-9]*\).*/\1/p')
	rx=$(echo "$line" | sed -n 's/.* rx_packets \([0-9]*\).*/\1/p')
	bad=$(echo "$line" | sed -n 's/.* tx_malformed \([0-9]*\).*/\1/p')
	if [ "${tx:-0}" -gt 0 ] && [ "${rx:-0}" -gt 0 ] && [ "$bad" = 0 ]; then
		pass "$1: $tx frames from the guest, $rx to it, none malformed"
	else
		fail "$1's --stats: '${line:-no line}'"
	fi
}

# 3, inside the namespace unshare made: this script again.
tap_in_netns() {
	RUN=tap
	ip link set lo up
	if ! ip link add br0 type bridge 2>"$WORK/br.err"; then
		echo "FAIL [tap]: cannot make a bridge in the namespace: $(cat "$WORK/br.err")"
		exit 1
	fi
	ip addr add 10.9.0.1/24 dev br0
	ip link set br0 up
	start_httpd 10.9.0.1
	local host_token
	host_token=$(token tap)
	echo "$host_token" >"$WORK/www/token.txt"
	start_xenlet tap "$KERNEL" --trap-path host --stats --ramdisk "$INITRD" \
		--cmdline "console=hvc0 xt.ifs=eth0=10.9.0.2/24 xt.serve=1 xt.get=http://10.9.0.1:$HTTP_PORT/token.txt xt.done=http://10.9.0.1:$HTTP_PORT/done-tap xt.wait=120" \
		--net tap,ifname=xt0,bridge=br0
	if ! booted; then
		:
	elif wait_out "net-guest: serving token"; then
		if ip -o link show xt0 2>/dev/null | grep -q "master br0"; then
			pass "xt0 exists and is in br0"
		else
			fail "xt0 is not in br0: $(ip -o link show xt0 2>&1)"
		fi
		expect_guest_token "http://10.9.0.2/token.txt" "across the bridge"
	else
		fail "the guest never served its token"
	fi
	touch "$WORK/www/done-tap"
	if end_xenlet; then
		expect_rc 0
		expect_out_has "net-guest: eth0 address 10.9.0.2/24"
		expect_out_has "net-guest: fetched http://10.9.0.1:$HTTP_PORT/token.txt: $host_token"
		expect_out_has "net-guest: done after"
		expect_vif_stats vif0
		echo "note [tap]: $(grep '^xenlet-stats: vif0:' "$ERR")"
	fi
	finish
}
if [ "${1:-}" = --tap-in-netns ]; then
	tap_in_netns
fi

# 1. One user vif with a port forward.
start_httpd 127.0.0.1
host_token=$(token host)
echo "$host_token" >"$WORK/www/token.txt"
fwd=$(free_port)
start_xenlet user "$KERNEL" --trap-path host --stats --ramdisk "$INITRD" \
	--cmdline "console=hvc0 xt.ifs=eth0=dhcp xt.serve=1 xt.get=http://10.0.2.2:$HTTP_PORT/token.txt xt.done=http://10.0.2.2:$HTTP_PORT/done-user xt.wait=120" \
	--net "user,hostfwd=tcp:127.0.0.1:$fwd-:80"
if ! booted; then
	:
elif wait_out "net-guest: serving token"; then
	expect_guest_token "http://127.0.0.1:$fwd/token.txt" "through hostfwd"
else
	fail "the guest never served its token"
fi
touch "$WORK/www/done-user"
if end_xenlet; then
	expect_rc 0
	expect_out_has "net-guest: eth0 address 10.0.2.15/24"
	expect_out_has "net-guest: fetched http://10.0.2.2:$HTTP_PORT/token.txt: $host_token"
	expect_out_has "net-guest: done after"
	expect_vif_stats vif0
	echo "note [user]: $(grep -E '^xenlet-stats: (vif0:|vm_exits )' "$ERR" | tr '\n' ' ')"
fi

# 2. Two user vifs on two networks, each with its forward.
second_token=$(token second)
echo "$second_token" >"$WORK/www/token2.txt"
fwd2=$(free_port)
start_xenlet multi "$KERNEL" --trap-path host --stats --ramdisk "$INITRD" \
	--cmdline "console=hvc0 xt.ifs=eth0=dhcp,eth1=dhcp xt.serve=1 xt.get=http://10.0.2.2:$HTTP_PORT/token.txt,http://10.0.3.2:$HTTP_PORT/token2.txt xt.done=http://10.0.3.2:$HTTP_PORT/done-multi xt.wait=120" \
	--net "user,hostfwd=tcp:127.0.0.1:$fwd-:80" \
	--net "user,net=10.0.3.0/24,hostfwd=tcp:127.0.0.1:$fwd2-:80"
if ! booted; then
	:
elif wait_out "net-guest: serving token"; then
	expect_guest_token "http://127.0.0.1:$fwd/token.txt" "through vif0's forward"
	expect_guest_token "http://127.0.0.1:$fwd2/token.txt" "through vif1's forward"
else
	fail "the guest never served its token"
fi
touch "$WORK/www/done-multi"
if end_xenlet; then
	expect_rc 0
	expect_out_has "net-guest: eth0 address 10.0.2.15/24"
	expect_out_has "net-guest: eth1 address 10.0.3.15/24"
	expect_out_has "net-guest: fetched http://10.0.2.2:$HTTP_PORT/token.txt: $host_token"
	expect_out_has "net-guest: fetched http://10.0.3.2:$HTTP_PORT/token2.txt: $second_token"
	expect_out_has "net-guest: done after"
	expect_vif_stats vif0
	expect_vif_stats vif1
fi

# 3. A tap on a bridge, in a network namespace of the test's own.
RUN=tap
if [ ! -c /dev/net/tun ]; then
	echo "skip [tap]: /dev/net/tun does not exist"
elif ! unshare --net true 2>"$WORK/unshare.err"; then
	echo "skip [tap]: cannot make a network namespace (unshare --net):" \
		"$(head -1 "$WORK/unshare.err")"
elif ! unshare --net ip tuntap add dev xtprobe mode tap 2>"$WORK/tun.err"; then
	echo "skip [tap]: cannot make a tap in a network namespace: $(head -1 "$WORK/tun.err")"
else
	unshare --net -- "$self" --tap-in-netns
	case $? in
	0) ;;
	77) echo "skip [tap]: the run in the namespace skipped" ;;
	*) failures=$((failures + 1)) ;;
	esac
fi
finish
