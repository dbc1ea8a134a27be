/*
 * The --net option's value: QEMU's user-network and hostfwd syntax, tap
 * names and bridges, MACs given or generated in Xen's 00:16:3e range, and
 * every malformed value refused with a reason.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "backends/net/net_spec.h"

static struct net_spec parse_ok(const char *arg)
{
	struct net_spec n;
	char err[256] = "";
	ck_assert_msg(net_spec_parse(arg, 2, &n, err, sizeof err) == 0, "%s refused: %s",
		      arg, err);
	return n;
}

static void refused(const char *arg, const char *reason_has)
{
	struct net_spec n;
	char err[256] = "";
	ck_assert_msg(net_spec_parse(arg, 0, &n, err, sizeof err) == -1, "%s accepted", arg);
	ck_assert_msg(strstr(err, reason_has), "%s: reason '%s' lacks '%s'", arg, err,
		      reason_has);
}

static const char *addr(struct in_addr a)
{
	static char buf[4][INET_ADDRSTRLEN];
	static int next;
	char *b = buf[next++ % 4];
	return inet_ntop(AF_INET, &a, b, INET_ADDRSTRLEN);
}

START_TEST(user_defaults)
{
	struct net_spec n = parse_ok("user");
	ck_assert_int_eq(n.kind, NET_KIND_USER);
	ck_assert_uint_eq(n.handle, 2);
	ck_assert_str_eq(addr(n.net_addr), "10.0.2.0");
	ck_assert_uint_eq(n.net_prefix, 24);
	ck_assert(n.gso);
	ck_assert(!n.restrict_guest);
	ck_assert_uint_eq(n.nr_hostfwd, 0);
	/* xl's generated MAC: Xen's OUI, the fourth byte below 0x80. */
	ck_assert_uint_eq(n.mac[0], 0x00);
	ck_assert_uint_eq(n.mac[1], 0x16);
	ck_assert_uint_eq(n.mac[2], 0x3e);
	ck_assert_uint_lt(n.mac[3], 0x80);
}
END_TEST

START_TEST(hostfwd_forms)
{
	struct net_spec n = parse_ok("user,hostfwd=tcp::2222-:22,hostfwd=udp:127.0.0.1:5353-"
				     "10.0.2.20:53,hostfwd=::8080-:80");
	ck_assert_uint_eq(n.nr_hostfwd, 3);
	ck_assert(!n.hostfwd[0].udp);
	ck_assert_str_eq(addr(n.hostfwd[0].host_addr), "0.0.0.0");
	ck_assert_uint_eq(n.hostfwd[0].host_port, 2222);
	ck_assert_str_eq(addr(n.hostfwd[0].guest_addr), "10.0.2.15");
	ck_assert_uint_eq(n.hostfwd[0].guest_port, 22);
	ck_assert(n.hostfwd[1].udp);
	ck_assert_str_eq(addr(n.hostfwd[1].host_addr), "127.0.0.1");
	ck_assert_str_eq(addr(n.hostfwd[1].guest_addr), "10.0.2.20");
	ck_assert_uint_eq(n.hostfwd[1].guest_port, 53);
	ck_assert(!n.hostfwd[2].udp);
	ck_assert_uint_eq(n.hostfwd[2].host_port, 8080);
}
END_TEST

/* net= moves the default guest address of forwards, even given after. */
START_TEST(other_network)
{
	struct net_spec n = parse_ok("user,hostfwd=tcp::2222-:22,net=10.0.3.0/24,restrict=on,"
				     "mac=00:16:3e:01:02:03,gso=off");
	ck_assert_str_eq(addr(n.net_addr), "10.0.3.0");
	ck_assert_str_eq(addr(n.hostfwd[0].guest_addr), "10.0.3.15");
	ck_assert(n.restrict_guest);
	ck_assert(!n.gso);
	char mac[18];
	net_mac_format(n.mac, mac);
	ck_assert_str_eq(mac, "00:16:3e:01:02:03");
	n = parse_ok("user,net=192.168.0.0/16");
	ck_assert_uint_eq(n.net_prefix, 16);
}
END_TEST

START_TEST(tap_options)
{
	struct net_spec n = parse_ok("tap,ifname=xt%d,bridge=xenbr0,queues=2");
	ck_assert_int_eq(n.kind, NET_KIND_TAP);
	ck_assert_str_eq(n.ifname, "xt%d");
	ck_assert_str_eq(n.bridge, "xenbr0");
	ck_assert_uint_eq(n.queues, 2);
	n = parse_ok("tap");
	ck_assert_str_eq(n.ifname, "");
	ck_assert_str_eq(n.bridge, "");
	ck_assert_uint_eq(n.queues, 1);
	ck_assert_int_eq(parse_ok("none").kind, NET_KIND_NONE);
}
END_TEST

START_TEST(malformed)
{
	refused("", "not a network kind");
	refused("vde", "not a network kind");
	refused("none,mac=00:16:3e:00:00:01", "no options");
	refused("user,hostfwd=tcp::0-:22", "hostfwd");
	refused("user,hostfwd=tcp::65536-:22", "hostfwd");
	refused("user,hostfwd=tcp::22", "hostfwd");
	refused("user,hostfwd=:8080-:80", "hostfwd"); /* QEMU wants ::8080 */
	refused("user,hostfwd=sctp::1-:2", "hostfwd");
	refused("user,hostfwd=tcp:999.0.0.1:1-:2", "hostfwd");
	refused("user,hostfwd=tcp::-5-:2", "hostfwd");
	refused("user,net=10.0.2.1/24", "net=");
	refused("user,net=10.0.0.0/30", "net=");
	refused("user,net=10.0.2.0/", "net=");
	refused("user,mac=01:16:3e:00:00:01", "unicast MAC");
	refused("user,mac=00:16:3e:00:00", "unicast MAC");
	refused("user,mac=00:16:3e:00:00:01:02", "unicast MAC");
	refused("user,restrict=maybe", "restrict=");
	refused("user,gso=2", "gso=");
	refused("user,ifname=x", "unknown user network option");
	refused("tap,hostfwd=tcp::1-:2", "unknown tap option");
	refused("tap,ifname=", "interface name");
	refused("tap,ifname=abcdefghijklmnop", "interface name");
	refused("tap,bridge=a/b", "interface name");
	refused("tap,queues=0", "queues=");
	refused("tap,queues=9", "queues=");
	char many[1024] = "user";
	for (int i = 0; i <= NET_SPEC_MAX_HOSTFWD; i++)
		snprintf(many + strlen(many), sizeof many - strlen(many),
			 ",hostfwd=tcp::%d-:1", 1000 + i);
	refused(many, "at most");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("net_spec");
	TCase *t = tcase_create("net_spec");
	tcase_add_test(t, user_defaults);
	tcase_add_test(t, hostfwd_forms);
	tcase_add_test(t, other_network);
	tcase_add_test(t, tap_options);
	tcase_add_test(t, malformed);
	suite_add_tcase(s, t);
	return check_run(s);
}
