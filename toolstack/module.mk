# toolstack: what xl does before a domain runs, for xenlet: xl config
# files read by Xen's own parser (Debian's libxen-dev: libxlutil, which
# needs libxenlight for libxl's data types; neither is asked to reach a
# hypervisor).

TOOLSTACK_SRCS := toolstack/xl_keys.c toolstack/xl_parse.c toolstack/xl_config.c \
	toolstack/xl_other_keys.c toolstack/xl_disk.c toolstack/xl_vif.c \
	toolstack/nbd_server.c toolstack/xl_commands.c
# (nbd_server.c checks that qemu-nbd serves through libnbd, which blkback
# links for its NBD storage.)
TOOLSTACK_LIBS := -lxlutil -lxenlight -lnbd
LAUNCHER_EXTRA_LIBS += $(TOOLSTACK_LIBS)

# The parsing alone (no commands), for the unit test and the fuzzer.
XL_CONFIG_SRCS := toolstack/xl_keys.c toolstack/xl_parse.c toolstack/xl_config.c \
	toolstack/xl_other_keys.c toolstack/xl_disk.c toolstack/xl_vif.c \
	backends/blk/vdev.c backends/net/net_spec.c

$(BUILD)/tests/unit/test_xl_config: $(BUILD)/san/tests/unit/test_xl_config.o \
		$(patsubst %.c,$(BUILD)/san/%.o,$(XL_CONFIG_SRCS))
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(TOOLSTACK_LIBS) $(CHECK_LIBS)
UNIT_TESTS += $(BUILD)/tests/unit/test_xl_config

INTEGRATION_TESTS += tests/integration/xl-create.sh
