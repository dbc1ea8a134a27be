# xenstore: rules added by this directory

# ---- Store engine (xenstore/store*.c): the pure tree/perms/transactions/
# watches/quotas engine behind xenstore/store.h. Link $(XS_STORE_OBJS) into
# programs and $(XS_STORE_SAN_OBJS) into unit tests.
XS_STORE_SRCS := $(addprefix xenstore/,store.c store_domain.c store_node.c \
	store_ops.c store_path.c store_perms.c store_quota.c store_txn.c \
	store_watch.c)
XS_STORE_OBJS := $(XS_STORE_SRCS:xenstore/%.c=$(BUILD)/xenstore/%.o)
XS_STORE_SAN_OBJS := $(XS_STORE_SRCS:xenstore/%.c=$(BUILD)/xenstore/san/%.o)

$(XS_STORE_OBJS): $(BUILD)/xenstore/%.o: xenstore/%.c
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -c $< -o $@

$(XS_STORE_SAN_OBJS): $(BUILD)/xenstore/san/%.o: xenstore/%.c
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -c $< -o $@

XS_STORE_TEST := $(BUILD)/tests/unit/test-xs-store
XS_STORE_TEST_OBJS := $(addprefix $(BUILD)/tests/unit/xs_store/,test_xs_store.o \
	test_xs_store_txn.o test_xs_store_watch.o test_xs_store_quota.o \
	test_xs_store_random.o test_xs_store_target.o)

$(XS_STORE_TEST_OBJS): $(BUILD)/tests/unit/xs_store/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) $(CHECK_CFLAGS) -c $< -o $@

$(XS_STORE_TEST): $(XS_STORE_TEST_OBJS) $(XS_STORE_SAN_OBJS)
	$(CC) $(SAN_CFLAGS) -o $@ $^ $(CHECK_LIBS) -fsanitize=address,undefined
UNIT_TESTS += $(XS_STORE_TEST)

XS_STORE_BENCH := $(BUILD)/xenstore/bench-store-memory
$(XS_STORE_BENCH): $(BUILD)/xenstore/store_bench_memory.o $(XS_STORE_OBJS)
	$(CC) $(HOST_CFLAGS) -o $@ $^
$(BUILD)/xenstore/store_bench_memory.o: xenstore/store_bench_memory.c
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -c $< -o $@
BENCHES += $(XS_STORE_BENCH)

XS_STORE_FUZZ := $(BUILD)/tests/fuzz/fuzz-xs-store
XS_STORE_FUZZ_OBJS := $(XS_STORE_SRCS:xenstore/%.c=$(BUILD)/xenstore/fuzz/%.o) \
	$(BUILD)/xenstore/fuzz/store_fuzz.o
$(XS_STORE_FUZZ_OBJS): $(BUILD)/xenstore/fuzz/%.o: xenstore/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@
$(XS_STORE_FUZZ): $(XS_STORE_FUZZ_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^
FUZZERS += $(XS_STORE_FUZZ)

# ---- Protocol, transports and daemon (wire*, conn, transport_*, daemon,
# xenstored_main): xenlet-xenstored, its unit test, fuzzer and bench.
# Link $(XSD_OBJS) + $(XS_STORE_OBJS) to embed the daemon (see daemon.h).
XSD_SRCS := $(addprefix xenstore/,wire.c wire_dispatch.c wire_ops_node.c \
	wire_ops_session.c wire_ops_domain.c wire_ops_control.c conn.c \
	transport_ring.c transport_socket.c daemon.c daemon_dom0.c daemon_log.c)
XSD_OBJS := $(XSD_SRCS:%.c=$(BUILD)/xsd/%.o)
XSD_SAN_OBJS := $(XSD_SRCS:%.c=$(BUILD)/xsd-san/%.o)
XSD_FUZZ_OBJS := $(XSD_SRCS:%.c=$(BUILD)/xsd-fuzz/%.o) \
	$(XS_STORE_SRCS:%.c=$(BUILD)/xsd-fuzz/%.o)

$(BUILD)/xsd/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -c $< -o $@
$(BUILD)/xsd-san/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) $(CHECK_CFLAGS) -c $< -o $@
$(BUILD)/xsd-fuzz/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

XENSTORED := $(BUILD)/xenstore/xenlet-xenstored
$(XENSTORED): $(BUILD)/xsd/xenstore/xenstored_main.o $(XSD_OBJS) $(XS_STORE_OBJS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -o $@ $^ -pthread
PROGRAMS += $(XENSTORED)

XSD_UNIT := $(BUILD)/tests/unit/test-xs-wire
$(XSD_UNIT): $(BUILD)/xsd-san/tests/unit/test_xs_wire.o $(XSD_SAN_OBJS) \
		$(XS_STORE_SAN_OBJS)
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -o $@ $^ $(CHECK_LIBS) -fsanitize=address,undefined
UNIT_TESTS += $(XSD_UNIT)

XSD_FUZZ := $(BUILD)/tests/fuzz/fuzz-xs-wire
$(XSD_FUZZ): $(BUILD)/xsd-fuzz/tests/fuzz/fuzz_xs_wire.o $(XSD_FUZZ_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ -pthread
FUZZERS += $(XSD_FUZZ)

XSD_BENCH := $(BUILD)/xenstore/bench-xs-wire
$(XSD_BENCH): $(BUILD)/xsd/xenstore/bench_xs_wire.o $(XSD_OBJS) $(XS_STORE_OBJS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -o $@ $^ -pthread
BENCHES += $(XSD_BENCH)

INTEGRATION_TESTS += tests/integration/xenstore-utils.sh \
	tests/integration/xenstore-test-xenstore.sh

# Domain 0's in-process calls and watches, against the running daemon, with
# a guest on its ring (tests/unit/fake_xs_guest.c).
XSD_DOM0_UNIT := $(BUILD)/tests/unit/test-xs-daemon-dom0
$(XSD_DOM0_UNIT): $(BUILD)/xsd-san/tests/unit/test_xs_daemon_dom0.o \
		$(BUILD)/xsd-san/tests/unit/fake_xs_guest.o $(XSD_SAN_OBJS) \
		$(XS_STORE_SAN_OBJS)
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -o $@ $^ $(CHECK_LIBS) -fsanitize=address,undefined -pthread
UNIT_TESTS += $(XSD_DOM0_UNIT)
