#!/bin/busybox sh
# Run by the initramfs's /init inside Debian's kernel, its xen-netfront
# module loaded (tests/integration/debian-net.sh; also a QEMU guest's
# virtio-net, the same script), steered by the kernel command line:
#   xt.ifs=eth0=dhcp,eth1=10.9.0.2/24  each interface comes up, by DHCP
#                               (busybox udhcpc and the initramfs's hook)
#                               or with the address given;
#   xt.get=URL,URL...           each is fetched, its body printed;
#   xt.serve=1                  busybox httpd on port 80 serves /token.txt,
#                               a token made here and printed, for the host
#                               to fetch through a port forward or a bridge;
#   xt.done=URL                 polled until it answers (the host made it
#                               once it had checked what it wanted), at
#                               most xt.wait= seconds (default 300); then
#                               the guest powers off.
# Lines: "net-guest: ETH address A", "net-guest: ETH has no address",
# "net-guest: fetched URL: BODY", "net-guest: cannot fetch URL",
# "net-guest: serving token T", "net-guest: done after N s",
# "net-guest: no done after N s".
bb=/bin/busybox
[ -e /dev/null ] || $bb mount -t devtmpfs devtmpfs /dev
$bb mount -t sysfs sysfs /sys 2>/dev/null
$bb mkdir -p /tmp

arg() { # KEY: the value of xt.KEY= on the kernel command line
	for w in $($bb cat /proc/cmdline); do
		case $w in "xt.$1="*) echo "${w#xt."$1"=}" ;; esac
	done
}

# Debian's busybox 1.35 wget crashes (SIGSEGV) when given -T: its
# deadline comes from timeout instead.
fetch() { # URL: its body on stdout; non-zero when it could not be had
	$bb timeout 15 $bb wget -q -O - "$1" 2>/dev/null
}

$bb ip link set lo up
for spec in $(arg ifs | $bb tr , ' '); do
	eth=${spec%%=*}
	how=${spec#*=}
	# The frontend finds its vif asynchronously, through xenstore.
	i=0
	while [ ! -e /sys/class/net/"$eth" ] && [ $i -lt 100 ]; do $bb usleep 100000; i=$((i + 1)); done
	$bb ip link set "$eth" up
	if [ "$how" = dhcp ]; then
		# -n: give up (after -t tries, -T s apart) rather than go on in
		# the background; -q: exit once the hook configured the lease.
		# timeout: on a link that is down, udhcpc 1.35 retries forever.
		$bb timeout 60 $bb udhcpc -i "$eth" -n -q -t 10 -T 2 >/tmp/udhcpc-"$eth" 2>&1 ||
			$bb sed "s/^/net-guest: $eth: /" /tmp/udhcpc-"$eth"
	else
		$bb ip addr add "$how" dev "$eth"
	fi
	addr=$($bb ip -4 -o addr show dev "$eth" 2>/dev/null | $bb awk '{ print $4; exit }')
	if [ -n "$addr" ]; then
		echo "net-guest: $eth address $addr"
	else
		echo "net-guest: $eth has no address"
	fi
done

# Only the interfaces' own networks are to be reached: slirp would carry a
# packet for any other address to that address, from the host.
$bb ip route del default 2>/dev/null

if [ "$(arg serve)" = 1 ]; then
	$bb mkdir -p /www
	token=guest-$($bb head -c 12 /dev/urandom | $bb od -An -tx1 | $bb tr -d ' \n')
	echo "$token" >/www/token.txt
	# Without -f it goes to the background, listening before it does.
	if $bb httpd -p 80 -h /www; then
		echo "net-guest: serving token $token"
	else
		echo "net-guest: httpd failed"
	fi
fi

for url in $(arg get | $bb tr , ' '); do
	if body=$(fetch "$url"); then
		echo "net-guest: fetched $url: $body"
	else
		echo "net-guest: cannot fetch $url"
	fi
done

done_url=$(arg "done")
if [ -n "$done_url" ]; then
	wait=$(arg wait)
	start=$($bb date +%s)
	while :; do
		now=$($bb date +%s)
		if fetch "$done_url" >/dev/null; then
			echo "net-guest: done after $((now - start)) s"
			break
		fi
		if [ $((now - start)) -ge "${wait:-300}" ]; then
			echo "net-guest: no done after $((now - start)) s"
			break
		fi
		$bb usleep 200000
	done
fi
