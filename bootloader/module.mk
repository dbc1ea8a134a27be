# bootloader: booting a guest from its own disk, as xl's pygrub does
# (emu/module.mk links BOOTLOADER_SRCS into ./xenlet with BOOTLOADER_LIBS).

# The configuration parsers are pure functions on a buffer: unit-tested
# with the sanitizers and fuzzed (tests/fuzz/fuzz.mk) without the disk
# libraries.
GRUB_CFG_SRCS := $(addprefix bootloader/,grub_cfg.c grub_script_lex.c grub_condition.c \
	grubenv.c boot_entry.c)
MENU_LST_SRCS := bootloader/menu_lst.c bootloader/boot_entry.c
BOOTLOADER_PARSE_SRCS := $(sort $(GRUB_CFG_SRCS) $(MENU_LST_SRCS))

# The disk side: libblkid for the partition table and file-system types,
# libext2fs for ext2/3/4.
BOOTLOADER_DISK_SRCS := $(addprefix bootloader/,disk_parts.c ext_fs.c pygrub.c)
BOOTLOADER_SRCS := $(BOOTLOADER_PARSE_SRCS) $(BOOTLOADER_DISK_SRCS)
BOOTLOADER_CFLAGS = $(shell pkg-config --cflags blkid ext2fs com_err)
BOOTLOADER_LIBS = $(shell pkg-config --libs blkid ext2fs com_err)

$(BOOTLOADER_DISK_SRCS:%.c=$(BUILD)/host/%.o): HOST_CFLAGS += $(BOOTLOADER_CFLAGS)
$(BOOTLOADER_DISK_SRCS:%.c=$(BUILD)/san/%.o): SAN_CFLAGS += $(BOOTLOADER_CFLAGS)

BOOTLOADER_PARSE_SAN_OBJS := $(BOOTLOADER_PARSE_SRCS:%.c=$(BUILD)/san/%.o)

# Unit tests of both parsers, on real-world and hostile files.
$(BUILD)/tests/unit/test_grub_cfg: $(BUILD)/san/tests/unit/test_grub_cfg.o \
		$(GRUB_CFG_SRCS:%.c=$(BUILD)/san/%.o)
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(CHECK_LIBS)
$(BUILD)/tests/unit/test_menu_lst: $(BUILD)/san/tests/unit/test_menu_lst.o \
		$(MENU_LST_SRCS:%.c=$(BUILD)/san/%.o)
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(CHECK_LIBS)
UNIT_TESTS += $(BUILD)/tests/unit/test_grub_cfg $(BUILD)/tests/unit/test_menu_lst

INTEGRATION_TESTS += tests/integration/boot-disk.sh
