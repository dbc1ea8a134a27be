# tests: rules added by this directory

# ---- Test guests: freestanding x86_64 PV kernels, one per directory under
# tests/guests/ (each with a main.c), linked with the framework in
# tests/guests/lib/.  Output: $(BUILD)/tests/guests/<name>.elf
GUEST_DIR := tests/guests
GUEST_BUILD := $(BUILD)/tests/guests
GUEST_CFLAGS := -std=c11 -O2 -g $(WARNINGS) $(XEN_CPPFLAGS) -I$(GUEST_DIR)/lib -MMD -MP \
	-ffreestanding -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone \
	-fno-stack-protector -mgeneral-regs-only -fno-asynchronous-unwind-tables \
	-fcf-protection=none -fno-tree-loop-distribute-patterns -nostdlib -static
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,$(GUEST_DIR)/lib/guest.ld \
	-Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack

GUEST_NAMES := $(patsubst $(GUEST_DIR)/%/main.c,%,$(wildcard $(GUEST_DIR)/*/main.c))
GUEST_LIB_OBJS := $(patsubst $(GUEST_DIR)/%,$(GUEST_BUILD)/%.o, \
	$(wildcard $(GUEST_DIR)/lib/*.c) $(GUEST_DIR)/lib/entry.S)
TEST_GUESTS := $(foreach g,$(GUEST_NAMES),$(GUEST_BUILD)/$(g).elf)

$(GUEST_BUILD)/%.c.o: $(GUEST_DIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_BUILD)/%.S.o: $(GUEST_DIR)/%.S
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -D__ASSEMBLY__ -c $< -o $@

define GUEST_template
$(GUEST_BUILD)/$(1).elf: $(patsubst $(GUEST_DIR)/%,$(GUEST_BUILD)/%.o,$(wildcard $(GUEST_DIR)/$(1)/*.c)) \
		$(GUEST_LIB_OBJS) $(GUEST_DIR)/lib/guest.ld
	$$(CC) $$(GUEST_CFLAGS) $$(GUEST_LDFLAGS) -o $$@ $$(filter %.o,$$^)
endef
$(foreach g,$(GUEST_NAMES),$(eval $(call GUEST_template,$(g))))

PROGRAMS += $(TEST_GUESTS)

# The framework's pure C parts, tested on the host.
GUEST_LIB_HOST_SRCS := $(addprefix $(GUEST_DIR)/lib/,format.c cmdline.c sort.c cksum.c)
GUEST_LIB_TEST := $(BUILD)/tests/guests/guest_lib_test
$(GUEST_LIB_TEST): $(GUEST_DIR)/lib-unit/guest_lib_test.c $(GUEST_LIB_HOST_SRCS)
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) $(CHECK_CFLAGS) -I$(GUEST_DIR)/lib \
		-o $@ $^ $(CHECK_LIBS) -fsanitize=address,undefined
UNIT_TESTS += $(GUEST_LIB_TEST)

# ---- Guests booted under ./xenlet in both trap paths.
INTEGRATION_TESTS += tests/integration/guest-start-info.sh \
	tests/integration/guest-shutdown-modes.sh \
	tests/integration/guest-hypercall-bench.sh
INTEGRATION_TESTS += tests/integration/guest-mmu.sh
INTEGRATION_TESTS += tests/integration/guest-traps.sh
INTEGRATION_TESTS += tests/integration/guest-compat32.sh
INTEGRATION_TESTS += tests/integration/guest-abi.sh
INTEGRATION_TESTS += tests/integration/guest-privops.sh
INTEGRATION_TESTS += tests/integration/guest-events.sh
INTEGRATION_TESTS += tests/integration/guest-console-in.sh
INTEGRATION_TESTS += tests/integration/guest-hostile.sh
INTEGRATION_TESTS += tests/integration/guest-preempt.sh
INTEGRATION_TESTS += tests/integration/guest-smp.sh
INTEGRATION_TESTS += tests/integration/guest-blkfront.sh
INTEGRATION_TESTS += tests/integration/trace.sh
INTEGRATION_TESTS += tests/integration/guest-grant.sh
INTEGRATION_TESTS += tests/integration/guest-netfront.sh
BENCHES += scripts/bench-hypercall.sh
BENCHES += scripts/bench-events.sh
BENCHES += scripts/bench-smp.sh
BENCHES += scripts/bench-disk.sh
BENCHES += scripts/bench-net.sh
BENCHES += scripts/bench-boot.sh

# ---- Programs for a guest's user space: static, with glibc's libc.a, put
# into a busybox initramfs (scripts/make-initramfs.sh) by the tests that
# boot Debian's kernel with them.
USER_PROGRAMS := $(BUILD)/tests/user/user-state $(BUILD)/tests/user/disk-bench \
	$(BUILD)/tests/user/net-bench
$(BUILD)/tests/user/%: tests/user/%.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 $(WARNINGS) -static -o $@ $<
PROGRAMS += $(USER_PROGRAMS)
# A 32-bit static program without a C library (debian-compat32.sh).
$(BUILD)/tests/user/hello32: tests/user/hello32.S
	@mkdir -p $(@D)
	$(CC) -m32 -c $< -o $@.o
	$(LD) -m elf_i386 -static -o $@ $@.o
PROGRAMS += $(BUILD)/tests/user/hello32
INTEGRATION_TESTS += tests/integration/user-state.sh
INTEGRATION_TESTS += tests/integration/debian-live.sh
INTEGRATION_TESTS += tests/integration/debian-compat32.sh
INTEGRATION_TESTS += tests/integration/debian-smp.sh
INTEGRATION_TESTS += tests/integration/debian-disk.sh
INTEGRATION_TESTS += tests/integration/pvgrub.sh
INTEGRATION_TESTS += tests/integration/debian-net.sh
INTEGRATION_TESTS += tests/integration/console-terminal.sh
INTEGRATION_TESTS += tests/integration/demo-shell.sh
include tests/unit/unit.mk
include tests/fuzz/fuzz.mk
