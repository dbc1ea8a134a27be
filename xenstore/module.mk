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
	test_xs_store_txn.o test_xs_store_watch.o test_xs_store_quota.o)

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
