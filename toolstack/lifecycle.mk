# toolstack/lifecycle.mk: the lifecycle CLI (list, shutdown, pause, ...),
# the control socket each running domain serves, and their tests.
# Included from the top Makefile after emu/module.mk (the launcher's object
# lists are extended here; their link recipes expand them when they run)
# and tests/module.mk (fuzz.mk's fuzz_target).

LIFECYCLE_SRCS := toolstack/control_proto.c toolstack/control_socket.c \
	toolstack/control_server.c toolstack/runtime_dir.c toolstack/daemonize.c \
	toolstack/domain_control.c toolstack/lifecycle_cmds.c toolstack/console_attach.c
LIFECYCLE_LIBS := -ljansson

LIFECYCLE_OBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(LIFECYCLE_SRCS))
LIFECYCLE_SAN_OBJS := $(patsubst %.c,$(BUILD)/san/%.o,$(LIFECYCLE_SRCS))
LAUNCHER_OBJS += $(LIFECYCLE_OBJS)
LAUNCHER_SAN_OBJS += $(LIFECYCLE_SAN_OBJS)
LAUNCHER_EXTRA_LIBS += $(LIFECYCLE_LIBS)
xenlet: $(LIFECYCLE_OBJS)
$(XENLET_SAN): $(LIFECYCLE_SAN_OBJS)

# The request parser against hostile lines.
$(BUILD)/tests/unit/test_control_proto: $(BUILD)/san/tests/unit/test_control_proto.o \
		$(BUILD)/san/toolstack/control_proto.o
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(LIFECYCLE_LIBS) $(CHECK_LIBS)
UNIT_TESTS += $(BUILD)/tests/unit/test_control_proto

# The server loop against misbehaving clients.
$(BUILD)/tests/unit/test_control_server: $(BUILD)/san/tests/unit/test_control_server.o \
		$(BUILD)/san/toolstack/control_server.o $(BUILD)/san/toolstack/control_proto.o
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(LIFECYCLE_LIBS) $(CHECK_LIBS) -pthread
UNIT_TESTS += $(BUILD)/tests/unit/test_control_server

# fuzz-control-proto: any bytes as a request line (seeds in
# tests/fuzz/fuzz-control-proto/).
$(eval $(call fuzz_target,fuzz-control-proto,$(call fuzz_objs, \
	toolstack/control_proto.c tests/fuzz/fuzz_control_proto.c),$(LIFECYCLE_LIBS)))

INTEGRATION_TESTS += tests/integration/lifecycle.sh
# `xenlet console` and `create -c` against detached domains.
INTEGRATION_TESTS += tests/integration/console-attach.sh
