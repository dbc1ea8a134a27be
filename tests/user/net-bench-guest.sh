#!/bin/busybox sh
# Run by the initramfs's /init for scripts/bench-net.sh, the same in a
# xenlet guest (xen-netfront) and a QEMU one (virtio-net), both on
# user-mode networking: eth0 by DHCP, then /bin/net-bench against the
# host (10.0.2.2, or xt.host=), steered by the kernel command line:
#   xt.seconds=S    each measurement's length (default 5)
#   xt.tcp=PORT     TCP stream guest->host, to the host's tcp-recv on PORT
#   xt.rx=PORT      TCP stream host->guest: tcp-recv on PORT here, which the
#                   host reaches through its port forward once it saw
#                   "net-bench: listening tcp PORT"
#   xt.udp=PORT     UDP datagrams of xt.size= bytes (default 64) to PORT
# in that order; without them only the boot and DHCP (the bench's
# baseline for exits).  net-bench's own lines say how each went.
bb=/bin/busybox
[ -e /dev/null ] || $bb mount -t devtmpfs devtmpfs /dev
$bb mount -t sysfs sysfs /sys 2>/dev/null
$bb mkdir -p /tmp

arg() { # KEY [DEFAULT]: the value of xt.KEY= on the kernel command line
	v=$2
	for w in $($bb cat /proc/cmdline); do
		case $w in "xt.$1="*) v=${w#xt."$1"=} ;; esac
	done
	echo "$v"
}

i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do $bb usleep 100000; i=$((i + 1)); done
$bb ip link set lo up
$bb ip link set eth0 up
# timeout: on a link that is down, udhcpc 1.35 retries forever.
if ! $bb timeout 60 $bb udhcpc -i eth0 -n -q -t 10 -T 2 >/tmp/udhcpc 2>&1; then
	$bb sed 's/^/net-bench-guest: /' /tmp/udhcpc
	echo "net-bench-guest: no address"
	exit 1
fi
echo "net-bench-guest: eth0 address $($bb ip -4 -o addr show dev eth0 | $bb awk '{ print $4 }')"

# Only eth0's own network is to be reached: slirp would carry a packet
# for any other address to that address, from the host.
$bb ip route del default 2>/dev/null

host=$(arg host 10.0.2.2)
secs=$(arg seconds 5)
port=$(arg tcp)
[ -n "$port" ] && /bin/net-bench tcp-send "$host" "$port" "$secs"
port=$(arg rx)
[ -n "$port" ] && /bin/net-bench tcp-recv "$port" 60
port=$(arg udp)
[ -n "$port" ] && /bin/net-bench udp-send "$host" "$port" "$secs" "$(arg size 64)"
echo "net-bench-guest: finished"
