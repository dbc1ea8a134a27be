# backends: dom0's device backends, linked into the launcher (emu/module.mk
# adds BACKENDS_SRCS and BACKENDS_LIBS to ./xenlet, so this comes first).
BACKENDS_SRCS := backends/shared_ring.c backends/blk/vdev.c backends/blk/disk_spec.c
BACKENDS_LIBS :=

# The xenbus backend framework (xenbus_backend.h), shared by every device
# type. It reaches the guest only through backend_host.h, so it joins
# BACKENDS_SRCS together with the launcher's implementation of that
# (emu/dom0_core.c); its unit test links a test double instead.
XENBUS_SRCS := $(addprefix backends/,xenbus_device.c xenbus_loop.c \
	xenbus_nodes.c xenbus_node_io.c xenbus_parse.c xenbus_step.c)
BACKENDS_SRCS += $(XENBUS_SRCS)

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
