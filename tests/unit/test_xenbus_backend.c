/*
 * The xenbus backend framework against the real embedded xenstore, with a
 * fake frontend that is domain 1 on its own ring (fake_xs_guest: its
 * permissions and quotas, exactly) and a test double of backend_host.h
 * whose ports the test allocates and sends on. A small device type
 * ("vtest") reads a ring-ref, an event channel and a protocol as blkback
 * does, answers each event, and counts what the framework calls.
 *
 * Waits are on dom0 watches of the node expected to change, never sleeps.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "backends/xenbus_backend.h"
#include "backends/xenbus_parse.h"
#include "backends/xenbus_step.h"
#include "tests/unit/fake_backend_host.h"
#include "tests/unit/fake_xs_guest.h"
#include "xenstore/daemon.h"
#include "xenstore/store.h"

#define DOMID 1
#define DEVID 5
#define PORT 7
#define BACK "/local/domain/0/backend/vtest/1/5"
#define FRONT "/local/domain/1/device/vtest/5"
#define ERROR_NODE "/local/domain/0/error/backend/vtest/1/5/error"

/* ---- The test device type -------------------------------------------------- */

struct vtest {
	int probes, connects, disconnects, frees, events, kicks; /* atomic */
	int option_reads; /* atomic: on_option ran */
	int fail_probe;
	int kick_fd; /* an fd of the device's own, as io_uring's would be */
	uint32_t port;
	char protocol[32];
};

static int get(int *counter)
{
	return __atomic_load_n(counter, __ATOMIC_SEQ_CST);
}

static int bump(int *counter)
{
	return __atomic_add_fetch(counter, 1, __ATOMIC_SEQ_CST);
}

static void on_event(struct xenbus_device *dev, void *arg)
{
	struct vtest *v = arg;

	/* The answer first: the test waits for the node. */
	xenbus_notify(dev, v->port);
	xenbus_write_backend(dev, "events", "%d", bump(&v->events));
}

static void on_kick(struct xenbus_device *dev, void *arg)
{
	struct vtest *v = arg;
	uint64_t n;

	if (read(v->kick_fd, &n, sizeof(n)) != sizeof(n))
		return;
	xenbus_write_backend(dev, "kicks", "%d", bump(&v->kicks));
}

/* The watched frontend node "option": its value copied to ours. */
static void on_option(struct xenbus_device *dev, void *arg)
{
	struct vtest *v = arg;
	char val[16];

	if (xenbus_read_frontend(dev, "option", val, sizeof(val)))
		strcpy(val, "none");
	xenbus_write_backend(dev, "option-seen", "%s/%d", val,
			     bump(&v->option_reads));
}

static int vtest_probe(struct xenbus_device *dev)
{
	struct vtest *v = xenbus_device_priv(dev);

	bump(&v->probes);
	if (v->fail_probe)
		return -ENODEV;
	int err = xenbus_write_backend(dev, "feature-test", "%d", 1);

	return err ? err : xenbus_add_fd(dev, v->kick_fd, on_kick, v);
}

/* As blkback's connect_ring: names the node at fault itself, except for
 * the event channel, left to the framework's report. */
static int vtest_connect(struct xenbus_device *dev)
{
	struct vtest *v = xenbus_device_priv(dev);
	uint64_t ref, port;
	int err = xenbus_read_frontend_uint(dev, "ring-ref", UINT32_MAX, &ref);

	if (err) {
		xenbus_report_fatal(dev, err, "reading %s/ring-ref",
				    xenbus_device_frontend_path(dev));
		return err;
	}
	err = xenbus_read_frontend_uint(dev, "event-channel", UINT32_MAX, &port);
	if (err)
		return err;
	err = xenbus_read_frontend(dev, "protocol", v->protocol,
				   sizeof(v->protocol));
	if (err == -ENOENT)
		strcpy(v->protocol, "x86_64-abi");
	else if (err) {
		xenbus_report_fatal(dev, err, "reading protocol");
		return err;
	}
	err = xenbus_bind_evtchn(dev, (uint32_t)port, on_event, v);
	err = err ?: xenbus_watch_frontend(dev, "option", on_option, v);
	if (err)
		return err;
	v->port = (uint32_t)port;
	bump(&v->connects);
	return xenbus_write_backend(dev, "connected-ref", "%" PRIu64, ref);
}

static void vtest_disconnect(struct xenbus_device *dev)
{
	bump(&((struct vtest *)xenbus_device_priv(dev))->disconnects);
}

static void vtest_free(struct xenbus_device *dev)
{
	bump(&((struct vtest *)xenbus_device_priv(dev))->frees);
}

static const struct xenbus_device_ops vtest_ops = {
	.type = "vtest",
	.probe = vtest_probe,
	.connect = vtest_connect,
	.disconnect = vtest_disconnect,
	.free = vtest_free,
};

/* ---- Fixture --------------------------------------------------------------- */

static struct xs_daemon *xs;
static struct backend_domain bd;
static struct fake_xs_guest fe; /* domain 1's xenstore client: the frontend */
static struct xenbus_backends *bus;
static struct vtest vt;

static void setup(void)
{
	/* dom0_xenstore.c's home for the guest: dom0 owns, the guest reads. */
	const struct xs_store_perm ro[] = { { 0, XS_STORE_PERM_NONE },
					    { DOMID, XS_STORE_PERM_READ } };

	xs = xs_daemon_create();
	ck_assert_ptr_nonnull(xs);
	ck_assert_int_eq(xs_daemon_start(xs), 0);
	ck_assert_int_eq(xs_daemon_write_dom0(xs, "/local/domain/1", "", ro, 2), 0);
	ck_assert_int_eq(xs_daemon_write_dom0(xs, "/local/domain/1/name", "guest",
					      ro, 2), 0);
	ck_assert_int_eq(xs_daemon_write_dom0(xs, "/local/domain/1/device", "",
					      ro, 2), 0);
	fake_backend_init(&bd, DOMID);
	ck_assert_int_eq(fake_xs_guest_start(&fe, xs, DOMID), 0);
	bus = xenbus_backends_create(xs, &bd);
	ck_assert_ptr_nonnull(bus);
	memset(&vt, 0, sizeof(vt));
	vt.kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ck_assert_int_ge(vt.kick_fd, 0);
}

static void teardown(void)
{
	xenbus_backends_destroy(bus);
	close(vt.kick_fd);
	ck_assert_uint_eq(bd.bad_calls, 0);
	fake_xs_guest_stop(&fe);
	xs_daemon_stop(xs);
	xs_daemon_join(xs);
	xs_daemon_destroy(xs);
	fake_backend_fini(&bd);
}

static struct xenbus_device *add(struct vtest *v, unsigned int devid)
{
	static const struct xenbus_node back[] = { { "mode", "w" },
						   { "device-type", "disk" } };
	char vdev[16];
	struct xenbus_node front[] = { { "virtual-device", vdev } };
	struct xenbus_device_config cfg = {
		.ops = &vtest_ops, .devid = devid,
		.backend_nodes = back, .n_backend_nodes = 2,
		.frontend_nodes = front, .n_frontend_nodes = 1, .priv = v,
	};
	struct xenbus_device *dev;

	snprintf(vdev, sizeof(vdev), "%u", devid);
	ck_assert_int_eq(xenbus_device_add(bus, &cfg, &dev), 0);
	return dev;
}

/* ---- Reading and waiting ------------------------------------------------------ */

/* The node's value, or NULL if absent; the caller frees it. */
static char *value(const char *path)
{
	char *val;
	size_t len;
	int err = xs_daemon_read_dom0(xs, path, &val, &len);

	if (err == ENOENT)
		return NULL;
	ck_assert_int_eq(err, 0);
	return val;
}

static int matches(const char *path, const char *want)
{
	char *val = value(path);
	int same = want ? val && !strcmp(val, want) : !val;

	free(val);
	return same;
}

static void count_event(void *opaque, const char *path, const char *token)
{
	uint64_t one = 1;

	(void)path;
	(void)token;
	if (write(*(int *)opaque, &one, sizeof(one)) != sizeof(one))
		abort();
}

/* Waits (5 s at most) until path holds want, or is absent for NULL. */
static void wait_node(const char *path, const char *want)
{
	int efd = eventfd(0, EFD_CLOEXEC);
	struct xs_dom0_watch *w = xs_daemon_watch_dom0(xs, path, "wait",
						       count_event, &efd);

	ck_assert_ptr_nonnull(w);
	while (!matches(path, want)) {
		struct pollfd pfd = { .fd = efd, .events = POLLIN };
		uint64_t n;
		char *now = value(path);

		if (poll(&pfd, 1, 5000) != 1)
			ck_abort_msg("%s is \"%s\", not \"%s\"", path,
				     now ? now : "(absent)",
				     want ? want : "(absent)");
		free(now);
		ck_assert_int_eq(read(efd, &n, sizeof(n)), sizeof(n));
	}
	xs_daemon_unwatch_dom0(xs, w);
	close(efd);
}

static void assert_node(const char *path, const char *want)
{
	char *val = value(path);

	ck_assert_msg(want ? val && !strcmp(val, want) : !val,
		      "%s is \"%s\", not \"%s\"", path, val ? val : "(absent)",
		      want ? want : "(absent)");
	free(val);
}

static void assert_perms(const char *path, unsigned owner, unsigned reader)
{
	struct xs_store_perm *p;
	unsigned int n;

	ck_assert_int_eq(xs_daemon_get_perms_dom0(xs, path, &p, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(p[0].domid, owner);
	ck_assert_uint_eq(p[0].perm, XS_STORE_PERM_NONE);
	ck_assert_uint_eq(p[1].domid, reader);
	ck_assert_uint_eq(p[1].perm, XS_STORE_PERM_READ);
	free(p);
}

/* The frontend (domain 1) writes one of its nodes. */
static void fe_write(const char *node, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), FRONT "/%s", node);
	ck_assert_int_eq(fake_xs_guest_write(&fe, path, val), 0);
}

/* What a frontend does to connect: ring, port, Initialised. */
static void fe_connect(uint32_t port)
{
	char buf[16];

	fake_backend_alloc_unbound(&bd, port);
	fe_write("ring-ref", "8");
	snprintf(buf, sizeof(buf), "%u", port);
	fe_write("event-channel", buf);
	fe_write("state", "3");
	wait_node(BACK "/state", "4");
}

/* After a failed connect: Closed, then starting over, as a frontend
 * does when its backend closes on it. */
static void fe_restart(void)
{
	fe_write("state", "6");
	wait_node(BACK "/state", "6");
	fe_write("state", "1");
	wait_node(BACK "/state", "2");
}

/* A fatal error: its message in the error node (taken away again, so
 * that the next one can be seen), Closing, and the frontend starting
 * over. */
static void expect_fatal(const char *msg)
{
	wait_node(ERROR_NODE, msg);
	wait_node(BACK "/state", "5");
	ck_assert_int_eq(xs_daemon_rm_dom0(xs, ERROR_NODE), 0);
	fe_restart();
}

/* ---- The nodes ------------------------------------------------------------------ */

START_TEST(nodes_and_permissions_as_libxl)
{
	char buf[64];

	add(&vt, DEVID);
	wait_node(BACK "/state", "2"); /* InitWait after probe */
	assert_node(BACK "/frontend", FRONT);
	assert_node(BACK "/frontend-id", "1");
	assert_node(BACK "/online", "1");
	assert_node(BACK "/mode", "w");
	assert_node(BACK "/device-type", "disk");
	assert_node(BACK "/feature-test", "1");
	assert_node(FRONT "/backend", BACK);
	assert_node(FRONT "/backend-id", "0");
	assert_node(FRONT "/state", "1");
	assert_node(FRONT "/virtual-device", "5");
	assert_perms(BACK, 0, DOMID);
	assert_perms(BACK "/state", 0, DOMID);
	assert_perms(BACK "/feature-test", 0, DOMID);
	assert_perms(FRONT, DOMID, 0);
	assert_perms(FRONT "/state", DOMID, 0);
	ck_assert_int_eq(get(&vt.probes), 1);

	/* The guest reads the backend's directory and may change nothing
	 * in it; its own directory is its own. */
	ck_assert_int_eq(fake_xs_guest_read(&fe, BACK "/state", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2");
	ck_assert_int_eq(fake_xs_guest_write(&fe, BACK "/state", "4"), EACCES);
	ck_assert_int_eq(fake_xs_guest_write(&fe, BACK "/online", "0"), EACCES);
	ck_assert_int_eq(fake_xs_guest_write(&fe, BACK "/new", "x"), EACCES);
	ck_assert_int_eq(fake_xs_guest_rm(&fe, BACK), EACCES);
	ck_assert_int_eq(fake_xs_guest_write(&fe, FRONT "/ring-ref", "8"), 0);
	assert_node(BACK "/state", "2");
	ck_assert_int_eq(get(&vt.connects), 0);
}
END_TEST

/* ---- The state machine ------------------------------------------------------------ */

START_TEST(connect_close_and_connect_again)
{
	add(&vt, DEVID);
	fe_write("protocol", "x86_64-abi");
	fe_connect(PORT);
	ck_assert_int_eq(get(&vt.connects), 1);
	ck_assert_str_eq(vt.protocol, "x86_64-abi");
	assert_node(BACK "/connected-ref", "8");
	ck_assert_uint_eq(fake_backend_port(&bd, PORT).binds, 1);

	/* The guest's send reaches the device's handler, whose notify
	 * reaches the guest; the device's own fd works alike. */
	ck_assert(fake_backend_guest_send(&bd, PORT));
	wait_node(BACK "/events", "1");
	ck_assert_uint_eq(fake_backend_port(&bd, PORT).notifies, 1);
	uint64_t one = 1;
	ck_assert_int_eq(write(vt.kick_fd, &one, sizeof(one)), sizeof(one));
	wait_node(BACK "/kicks", "1");

	/* Connected after Initialised changes nothing; Closing disconnects. */
	fe_write("state", "4");
	fe_write("state", "5");
	wait_node(BACK "/state", "5");
	ck_assert_int_eq(get(&vt.connects), 1);
	ck_assert_int_eq(get(&vt.disconnects), 1);
	ck_assert_uint_eq(fake_backend_port(&bd, PORT).unbinds, 1);
	ck_assert(!fake_backend_guest_send(&bd, PORT));
	fe_write("state", "6");
	wait_node(BACK "/state", "6");
	ck_assert_int_eq(get(&vt.disconnects), 1);
	assert_node(BACK, ""); /* online: the device stays */

	/* The frontend starts again (kexec, module reload): served again. */
	fe_write("state", "1");
	wait_node(BACK "/state", "2");
	fe_write("state", "3");
	wait_node(BACK "/state", "4");
	ck_assert_int_eq(get(&vt.connects), 2);
	ck_assert_uint_eq(fake_backend_port(&bd, PORT).binds, 2);
	ck_assert(fake_backend_guest_send(&bd, PORT));
	wait_node(BACK "/events", "2");
	assert_node(ERROR_NODE, NULL);
}
END_TEST

/* A frontend node watched while connected: read once when the watch is
 * set, again after each change, never once disconnected. */
START_TEST(frontend_node_watched_while_connected)
{
	add(&vt, DEVID);
	fe_connect(PORT);
	wait_node(BACK "/option-seen", "none/1");
	fe_write("option", "1");
	wait_node(BACK "/option-seen", "1/2");
	fe_write("option", "0");
	wait_node(BACK "/option-seen", "0/3");

	fe_write("state", "5");
	wait_node(BACK "/state", "5");
	fe_write("option", "2");
	/* The watch went with the disconnect, before Closing was written.
	 * A watch left behind would fire within the round trip of the kick
	 * fd's answer (the same thread serves both). */
	uint64_t one = 1;
	ck_assert_int_eq(write(vt.kick_fd, &one, sizeof(one)), sizeof(one));
	wait_node(BACK "/kicks", "1");
	assert_node(BACK "/option-seen", "0/3");
	ck_assert_int_eq(get(&vt.option_reads), 3);

	/* Connected again: watched again, from the value it has now. */
	fe_write("state", "6");
	wait_node(BACK "/state", "6");
	fe_write("state", "1");
	wait_node(BACK "/state", "2");
	fe_write("state", "3");
	wait_node(BACK "/state", "4");
	wait_node(BACK "/option-seen", "2/4");
}
END_TEST

/* Straight from Closed to Connected, with no Initialising between (a
 * frontend whose watch events coalesced): connects. */
START_TEST(connected_straight_after_closed)
{
	add(&vt, DEVID);
	fe_connect(PORT);
	fe_write("state", "6");
	wait_node(BACK "/state", "6");
	fe_write("state", "4");
	wait_node(BACK "/state", "4");
	ck_assert_int_eq(get(&vt.connects), 2);
	ck_assert_int_eq(get(&vt.disconnects), 1);
}
END_TEST

START_TEST(hostile_frontend_values)
{
	static char long_digits[2001];
	static const char *bad_refs[] = {
		"abc", "-1", " 8", "8 ", "+8", "0x8", "", "8\n",
		"4294967296", "18446744073709551616", "000000000000000000008",
		long_digits,
	};

	memset(long_digits, '7', sizeof(long_digits) - 1);
	add(&vt, DEVID);
	fake_backend_alloc_unbound(&bd, PORT);
	fe_write("event-channel", "7");
	for (size_t i = 0; i < sizeof(bad_refs) / sizeof(bad_refs[0]); i++) {
		fe_write("ring-ref", bad_refs[i]);
		fe_write("state", "3");
		expect_fatal("22 reading " FRONT "/ring-ref");
	}
	fe_write("ring-ref", "4294967295");

	/* A port the guest did not allocate for dom0, and no port at all:
	 * the framework's own report, as the device left it to. */
	fe_write("event-channel", "9");
	fe_write("state", "3");
	expect_fatal("22 connecting to " FRONT);
	fe_write("event-channel", "99999999999");
	fe_write("state", "3");
	expect_fatal("22 connecting to " FRONT);
	fe_write("event-channel", "7");

	/* A protocol longer than the device reads, and one with a NUL. */
	fe_write("protocol", "x86_64-abi-but-much-longer-than-thirty-one");
	fe_write("state", "3");
	expect_fatal("7 reading protocol");
	ck_assert_int_eq(fake_xs_guest_request(&fe, XS_WRITE,
					       FRONT "/protocol\0x86\0_64",
					       sizeof(FRONT "/protocol") + 7,
					       NULL, 0), 0);
	fe_write("state", "3");
	expect_fatal("22 reading protocol");
	ck_assert_int_eq(get(&vt.connects), 0);
	ck_assert_uint_eq(fake_backend_port(&bd, PORT).binds, 0);

	/* Values a frontend really writes still work after all that. */
	fe_write("protocol", "x86_64-abi");
	fe_write("state", "3");
	wait_node(BACK "/state", "4");
	assert_node(BACK "/connected-ref", "4294967295");
	ck_assert_int_eq(get(&vt.connects), 1);
}
END_TEST

START_TEST(states_no_frontend_is_in)
{
	add(&vt, DEVID);
	wait_node(BACK "/state", "2");
	fe_write("state", "2");
	wait_node(ERROR_NODE, "22 saw state 2 at frontend");
	wait_node(BACK "/state", "5");
	fe_write("state", "9");
	wait_node(ERROR_NODE, "22 saw state 9 at frontend");
	fe_write("state", "2147483647");
	wait_node(ERROR_NODE, "22 saw state 2147483647 at frontend");

	/* A fatal error leaves the connection until the frontend closes. */
	fe_restart();
	fe_connect(PORT);
	fe_write("state", "7");
	wait_node(ERROR_NODE, "22 saw state 7 at frontend");
	wait_node(BACK "/state", "5");
	ck_assert_int_eq(get(&vt.disconnects), 0);
	/* ... or asks again, which starts from scratch. */
	fe_write("state", "4");
	wait_node(BACK "/state", "4");
	ck_assert_int_eq(get(&vt.disconnects), 1);
	ck_assert_int_eq(get(&vt.connects), 2);

	/* Not a number at all is no frontend: the device ends. */
	fe_write("state", "connected");
	wait_node(BACK, NULL);
	ck_assert_int_eq(get(&vt.disconnects), 2);
	assert_node(FRONT, NULL);
	ck_assert_int_eq(get(&vt.frees), 0);
}
END_TEST

/* ---- Teardown ------------------------------------------------------------------- */

START_TEST(remove_while_connected)
{
	struct xenbus_device *dev = add(&vt, DEVID);

	fe_connect(PORT);
	xenbus_device_remove(dev);
	ck_assert_int_eq(get(&vt.disconnects), 1);
	ck_assert_int_eq(get(&vt.frees), 1);
	ck_assert_uint_eq(fake_backend_port(&bd, PORT).unbinds, 1);
	ck_assert(!fake_backend_guest_send(&bd, PORT));
	/* As libxl's destroy: the directories, then their parents left
	 * empty. */
	assert_node(BACK, NULL);
	assert_node(FRONT, NULL);
	assert_node("/local/domain/0/backend", NULL);
	assert_node("/local/domain/1/device", NULL);
	assert_node("/local/domain/1/name", "guest");
	/* The same device may come again. */
	add(&vt, DEVID);
	wait_node(BACK "/state", "2");
	assert_node(FRONT "/state", "1");
}
END_TEST

START_TEST(frontend_directory_removed)
{
	struct xenbus_device *dev = add(&vt, DEVID);

	fe_connect(PORT);
	ck_assert_int_eq(fake_xs_guest_rm(&fe, FRONT), 0);
	wait_node(BACK, NULL);
	ck_assert_int_eq(get(&vt.disconnects), 1);
	ck_assert_uint_eq(fake_backend_port(&bd, PORT).unbinds, 1);
	ck_assert_int_eq(get(&vt.frees), 0);
	xenbus_device_remove(dev);
	ck_assert_int_eq(get(&vt.disconnects), 1);
	ck_assert_int_eq(get(&vt.frees), 1);
}
END_TEST

/* libxl's detach: online 0, then the frontend closes. */
START_TEST(closed_while_offline_ends)
{
	add(&vt, DEVID);
	fe_connect(PORT);
	ck_assert_int_eq(xs_daemon_write_dom0(xs, BACK "/online", "0", NULL, 0), 0);
	fe_write("state", "5");
	wait_node(BACK "/state", "5");
	ck_assert_int_eq(get(&vt.disconnects), 1);
	fe_write("state", "6");
	wait_node(BACK, NULL);
	assert_node(FRONT, NULL);
	ck_assert_int_eq(get(&vt.disconnects), 1);
}
END_TEST

START_TEST(destroy_stops_every_device)
{
	static struct vtest other;

	memset(&other, 0, sizeof(other));
	other.kick_fd = eventfd(0, EFD_CLOEXEC);
	add(&vt, DEVID);
	add(&other, 6);
	fe_connect(PORT);
	fake_backend_alloc_unbound(&bd, 8);
	ck_assert_int_eq(fake_xs_guest_write(&fe, "/local/domain/1/device/vtest/6/ring-ref", "3"), 0);
	ck_assert_int_eq(fake_xs_guest_write(&fe, "/local/domain/1/device/vtest/6/event-channel", "8"), 0);
	ck_assert_int_eq(fake_xs_guest_write(&fe, "/local/domain/1/device/vtest/6/state", "4"), 0);
	wait_node("/local/domain/0/backend/vtest/1/6/state", "4");

	xenbus_backends_destroy(bus);
	bus = NULL;
	ck_assert_int_eq(get(&vt.disconnects), 1);
	ck_assert_int_eq(get(&other.disconnects), 1);
	ck_assert_int_eq(get(&vt.frees), 1);
	ck_assert_int_eq(get(&other.frees), 1);
	ck_assert_uint_eq(fake_backend_port(&bd, PORT).unbinds, 1);
	ck_assert_uint_eq(fake_backend_port(&bd, 8).unbinds, 1);
	assert_node("/local/domain/0/backend", NULL);
	assert_node("/local/domain/1/device", NULL);
	close(other.kick_fd);
}
END_TEST

START_TEST(adds_refused_leave_nothing)
{
	struct xenbus_device_ops no_connect = vtest_ops, bad_type = vtest_ops;
	struct xenbus_device_config cfg = { .ops = &vtest_ops, .devid = DEVID,
					    .priv = &vt };
	const struct xenbus_node bad_node[] = { { "bad//name", "x" } };
	const struct xenbus_node no_value[] = { { "name", NULL } };

	no_connect.connect = NULL;
	bad_type.type = "bad/type";
	cfg.ops = &no_connect;
	ck_assert_int_eq(xenbus_device_add(bus, &cfg, NULL), -EINVAL);
	cfg.ops = &bad_type;
	ck_assert_int_eq(xenbus_device_add(bus, &cfg, NULL), -EINVAL);
	cfg.ops = &vtest_ops;
	cfg.backend_nodes = bad_node;
	cfg.n_backend_nodes = 1;
	ck_assert_int_eq(xenbus_device_add(bus, &cfg, NULL), -EINVAL);
	cfg.backend_nodes = no_value;
	ck_assert_int_eq(xenbus_device_add(bus, &cfg, NULL), -EINVAL);
	ck_assert_int_eq(get(&vt.probes), 0);
	assert_node("/local/domain/0/backend", NULL);

	vt.fail_probe = 1;
	cfg.n_backend_nodes = 0;
	ck_assert_int_eq(xenbus_device_add(bus, &cfg, NULL), -ENODEV);
	ck_assert_int_eq(get(&vt.probes), 1);
	ck_assert_int_eq(get(&vt.frees), 0);
	assert_node(BACK, NULL);
	assert_node(FRONT, NULL);

	vt.fail_probe = 0;
	ck_assert_int_eq(xenbus_device_add(bus, &cfg, NULL), 0);
	ck_assert_int_eq(xenbus_device_add(bus, &cfg, NULL), -EEXIST);
	ck_assert_int_eq(get(&vt.probes), 2);
	wait_node(BACK "/state", "2");
}
END_TEST

/* ---- The pure parts -------------------------------------------------------------- */

START_TEST(parse_uint_is_strict)
{
	static const struct {
		const char *s;
		uint64_t max;
		int ok;
		uint64_t v;
	} cases[] = {
		{ "0", 10, 1, 0 },
		{ "10", 10, 1, 10 },
		{ "11", 10, 0, 0 },
		{ "007", 10, 1, 7 },
		{ "4294967295", UINT32_MAX, 1, UINT32_MAX },
		{ "4294967296", UINT32_MAX, 0, 0 },
		{ "18446744073709551615", UINT64_MAX, 1, UINT64_MAX },
		{ "18446744073709551616", UINT64_MAX, 0, 0 },
		{ "99999999999999999999", UINT64_MAX, 0, 0 },
		{ "000000000000000000001", UINT64_MAX, 0, 0 },
		{ "", 10, 0, 0 },
		{ "-1", 10, 0, 0 },
		{ "+1", 10, 0, 0 },
		{ " 1", 10, 0, 0 },
		{ "1 ", 10, 0, 0 },
		{ "0x1", 10, 0, 0 },
		{ "1a", 10, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;
		int err = xenbus_parse_uint(cases[i].s, strlen(cases[i].s),
					    cases[i].max, &v);

		ck_assert_msg(cases[i].ok ? err == 0 : err == -EINVAL,
			      "\"%s\": %d", cases[i].s, err);
		ck_assert_uint_eq(v, cases[i].ok ? cases[i].v : 12345);
	}
	uint64_t v;

	/* A NUL inside, and the length (not the NUL) deciding the end. */
	ck_assert_int_eq(xenbus_parse_uint("1\0" "2", 3, 100, &v), -EINVAL);
	ck_assert_int_eq(xenbus_parse_uint("12", 1, 100, &v), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(xenbus_parse_state("4", 1), XenbusStateConnected);
	ck_assert_int_eq(xenbus_parse_state("9", 1), 9);
	ck_assert_int_eq(xenbus_parse_state("2147483648", 10), XenbusStateUnknown);
	ck_assert_int_eq(xenbus_parse_state("x", 1), XenbusStateUnknown);
	ck_assert_int_eq(xenbus_parse_state("", 0), XenbusStateUnknown);
}
END_TEST

START_TEST(step_table)
{
	/* Every backend state against the frontend's, as Linux answers. */
	for (int b = XenbusStateUnknown; b <= XenbusStateReconfigured; b++) {
		enum xenbus_state be = (enum xenbus_state)b;

		ck_assert_int_eq(xenbus_step(XenbusStateInitialising, be),
				 be == XenbusStateClosed ? XENBUS_STEP_INITWAIT
							 : XENBUS_STEP_NONE);
		ck_assert_int_eq(xenbus_step(XenbusStateInitialised, be),
				 be == XenbusStateConnected ? XENBUS_STEP_NONE
							    : XENBUS_STEP_CONNECT);
		ck_assert_int_eq(xenbus_step(XenbusStateConnected, be),
				 be == XenbusStateConnected ? XENBUS_STEP_NONE
							    : XENBUS_STEP_CONNECT);
		ck_assert_int_eq(xenbus_step(XenbusStateClosing, be),
				 XENBUS_STEP_CLOSING);
		ck_assert_int_eq(xenbus_step(XenbusStateClosed, be),
				 XENBUS_STEP_CLOSED);
		ck_assert_int_eq(xenbus_step(XenbusStateUnknown, be),
				 XENBUS_STEP_END);
		ck_assert_int_eq(xenbus_step(XenbusStateInitWait, be),
				 XENBUS_STEP_FATAL);
		ck_assert_int_eq(xenbus_step(XenbusStateReconfiguring, be),
				 XENBUS_STEP_FATAL);
		ck_assert_int_eq(xenbus_step(XenbusStateReconfigured, be),
				 XENBUS_STEP_FATAL);
		ck_assert_int_eq(xenbus_step(9, be), XENBUS_STEP_FATAL);
		ck_assert_int_eq(xenbus_step(-1, be), XENBUS_STEP_FATAL);
	}
}
END_TEST

static Suite *xenbus_suite(void)
{
	Suite *s = suite_create("xenbus_backend");
	TCase *t = tcase_create("pure");

	tcase_add_test(t, parse_uint_is_strict);
	tcase_add_test(t, step_table);
	suite_add_tcase(s, t);

	t = tcase_create("device");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, nodes_and_permissions_as_libxl);
	tcase_add_test(t, connect_close_and_connect_again);
	tcase_add_test(t, connected_straight_after_closed);
	tcase_add_test(t, frontend_node_watched_while_connected);
	tcase_add_test(t, hostile_frontend_values);
	tcase_add_test(t, states_no_frontend_is_in);
	tcase_add_test(t, remove_while_connected);
	tcase_add_test(t, frontend_directory_removed);
	tcase_add_test(t, closed_while_offline_ends);
	tcase_add_test(t, destroy_stops_every_device);
	tcase_add_test(t, adds_refused_leave_nothing);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(xenbus_suite());
}
