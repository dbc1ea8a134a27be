# backends: dom0's device backends, linked into the launcher (emu/module.mk
# adds BACKENDS_SRCS and BACKENDS_LIBS to ./xenlet, so this comes first).
BACKENDS_SRCS := backends/shared_ring.c backends/blk/vdev.c backends/blk/disk_spec.c
BACKENDS_LIBS :=

# The xenbus backend framework (xenbus_backend.h), shared by every device
# type. It reaches the guest only through backend_host.h, so it joins
# BACKENDS_SRCS together with the launcher's implementation of that
# (emu/dom0/dom0_core.c); its unit test links a test double instead.
XENBUS_SRCS := $(addprefix backends/,xenbus_device.c xenbus_loop.c \
	xenbus_nodes.c xenbus_node_io.c xenbus_parse.c xenbus_step.c)
BACKENDS_SRCS += $(XENBUS_SRCS)

# ---- The console (backends/console/): the guest's console ring
# (console_ring.c, pure), its out[] to the launcher's stdout
# (console_output.c) and its in[] fed from stdin by a thread
# (console_input.c), both also with the attached `xenlet console` client
# (console_client.c).  Not a xenbus device: the launcher gives it the
# ring page and how to signal the port the builder bound to dom0
# (emu/dom0/dom0_console.c).
BACKENDS_SRCS += $(addprefix backends/console/,console_ring.c console_output.c \
	console_input.c console_client.c raw_terminal.c)

# ---- blkif request checking (backends/blk/blkif_request.c): pure, no
# I/O.  Link $(BLKIF_REQUEST_OBJS) into programs, the _SAN_ ones into
# unit tests; the fuzz target builds its own (tests/fuzz/fuzz.mk).
BLKIF_REQUEST_SRCS := backends/blk/blkif_request.c
BLKIF_REQUEST_OBJS := $(BLKIF_REQUEST_SRCS:%.c=$(BUILD)/host/%.o)
BLKIF_REQUEST_SAN_OBJS := $(BLKIF_REQUEST_SRCS:%.c=$(BUILD)/san/%.o)

BLKIF_REQUEST_TEST := $(BUILD)/tests/unit/test_blkif_request
$(BLKIF_REQUEST_TEST): $(BUILD)/san/tests/unit/test_blkif_request.o $(BLKIF_REQUEST_SAN_OBJS)
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(CHECK_LIBS)
UNIT_TESTS += $(BLKIF_REQUEST_TEST)

# ---- Block storage (backends/blk/storage*.c): files and block devices
# through io_uring or a thread pool, NBD exports through libnbd.  Link
# $(BLK_STORAGE_OBJS) with $(BLK_STORAGE_LIBS).
BLK_STORAGE_SRCS := $(addprefix backends/blk/,storage.c storage_file.c storage_threads.c \
	storage_uring.c storage_nbd.c)
BLK_STORAGE_OBJS := $(BLK_STORAGE_SRCS:%.c=$(BUILD)/host/%.o)
BLK_STORAGE_SAN_OBJS := $(BLK_STORAGE_SRCS:%.c=$(BUILD)/san/%.o)
BLK_STORAGE_CFLAGS = $(shell pkg-config --cflags liburing libnbd)
BLK_STORAGE_LIBS = $(shell pkg-config --libs liburing libnbd) -pthread

$(BLK_STORAGE_OBJS): $(BUILD)/host/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(BLK_STORAGE_CFLAGS) -c $< -o $@
$(BLK_STORAGE_SAN_OBJS) $(BUILD)/san/tests/unit/test_blk_storage.o: $(BUILD)/san/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) $(CHECK_CFLAGS) $(BLK_STORAGE_CFLAGS) -c $< -o $@

BLK_STORAGE_TEST := $(BUILD)/tests/unit/test_blk_storage
$(BLK_STORAGE_TEST): $(BUILD)/san/tests/unit/test_blk_storage.o $(BLK_STORAGE_SAN_OBJS)
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(BLK_STORAGE_LIBS) $(CHECK_LIBS)
UNIT_TESTS += $(BLK_STORAGE_TEST)

# ---- blkback (backends/blk/blkback*.c): the block backend of --disk.
BLKBACK_SRCS := $(addprefix backends/blk/,blkback_xenbus.c blkback_ring.c blkback_persistent.c)
BACKENDS_SRCS += $(BLKBACK_SRCS) $(BLKIF_REQUEST_SRCS) $(BLK_STORAGE_SRCS)
BACKENDS_LIBS += $(BLK_STORAGE_LIBS)

# ---- The host side of a vif (backends/net/net_link.h): user-mode
# networking through libslirp, or a tap.  Link $(NET_LINK_OBJS) with
# $(NET_LINK_LIBS); the fuzz target builds its own (tests/fuzz/fuzz.mk).
NET_LINK_SRCS := $(addprefix backends/net/,net_link.c link_slirp.c link_tap.c)
NET_LINK_OBJS := $(NET_LINK_SRCS:%.c=$(BUILD)/host/%.o)
NET_LINK_SAN_OBJS := $(NET_LINK_SRCS:%.c=$(BUILD)/san/%.o)
NET_LINK_CFLAGS = $(shell pkg-config --cflags slirp)
NET_LINK_LIBS = $(shell pkg-config --libs slirp) -pthread

$(NET_LINK_OBJS): $(BUILD)/host/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(NET_LINK_CFLAGS) -c $< -o $@
$(NET_LINK_SAN_OBJS): $(BUILD)/san/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) $(NET_LINK_CFLAGS) -c $< -o $@

NET_LINK_TEST := $(BUILD)/tests/unit/test_net_link
$(NET_LINK_TEST): $(BUILD)/san/tests/unit/test_net_link.o $(NET_LINK_SAN_OBJS)
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(NET_LINK_LIBS) $(CHECK_LIBS)
UNIT_TESTS += $(NET_LINK_TEST)
BACKENDS_SRCS += $(NET_LINK_SRCS)
BACKENDS_LIBS += $(NET_LINK_LIBS)

# ---- netif TX request chains (backends/net/netif_tx.c): pure, no I/O.
# Link $(NETIF_TX_OBJS) into programs, the _SAN_ ones into unit tests;
# the fuzz target builds its own (tests/fuzz/fuzz.mk).
NETIF_TX_SRCS := backends/net/netif_tx.c
NETIF_TX_OBJS := $(NETIF_TX_SRCS:%.c=$(BUILD)/host/%.o)
NETIF_TX_SAN_OBJS := $(NETIF_TX_SRCS:%.c=$(BUILD)/san/%.o)

NETIF_TX_TEST := $(BUILD)/tests/unit/test_netif_tx
$(NETIF_TX_TEST): $(BUILD)/san/tests/unit/test_netif_tx.o $(NETIF_TX_SAN_OBJS)
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(CHECK_LIBS)
UNIT_TESTS += $(NETIF_TX_TEST)

# ---- Frame offloads (net_offload.h): finding the headers
# (net_headers.c), Internet checksum sums (net_sum.c), checksum
# completion and checking (net_csum.c), GSO segmentation (net_gso.c).
# Pure, no I/O; objects as NETIF_TX's.
NET_OFFLOAD_SRCS := $(addprefix backends/net/,net_headers.c net_sum.c net_csum.c net_gso.c)
NET_OFFLOAD_OBJS := $(NET_OFFLOAD_SRCS:%.c=$(BUILD)/host/%.o)
NET_OFFLOAD_SAN_OBJS := $(NET_OFFLOAD_SRCS:%.c=$(BUILD)/san/%.o)

NET_OFFLOAD_TEST := $(BUILD)/tests/unit/test_net_offload
$(NET_OFFLOAD_TEST): $(BUILD)/san/tests/unit/test_net_offload.o $(NET_OFFLOAD_SAN_OBJS)
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(CHECK_LIBS)
UNIT_TESTS += $(NET_OFFLOAD_TEST)

# ---- netback (backends/net/netback*.c): the network backend of --net,
# with --net's parser; its host links and packet work come with
# NET_LINK_SRCS, NETIF_TX_SRCS and NET_OFFLOAD_SRCS.
NETBACK_SRCS := $(addprefix backends/net/,net_spec.c netback_xenbus.c netback_tx.c \
	netback_rx.c netback_mcast.c)
BACKENDS_SRCS += $(NETBACK_SRCS) $(NETIF_TX_SRCS) $(NET_OFFLOAD_SRCS)
