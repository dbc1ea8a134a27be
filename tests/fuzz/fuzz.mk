# tests/fuzz: libFuzzer targets owned by tests/ (corpus seeds beside them).

# ---- fuzz-core: the hypercall/trap core against hostile registers and
# guest memory.  The core and the launcher's platform are built again with
# the fuzzer's instrumentation; platform_guest_ram is wrapped so the target
# can check which guest pages the core reached.
CORE_FUZZ := $(BUILD)/tests/fuzz/fuzz-core
CORE_FUZZ_OBJS := $(patsubst %.c,$(BUILD)/core-fuzz/%.o, \
	$(CORE_SRCS) emu/vcpu/platform_host.c tests/fuzz/fuzz_core.c)

$(CORE_FUZZ_OBJS): $(BUILD)/core-fuzz/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(CORE_FUZZ_WFLAGS) -c $< -o $@

# clang, unlike gcc, warns about the MSR ioctl's header-plus-entry struct.
$(BUILD)/core-fuzz/emu/vcpu/platform_host.o: \
	CORE_FUZZ_WFLAGS := -Wno-gnu-variable-sized-type-not-at-end

$(CORE_FUZZ): $(CORE_FUZZ_OBJS) $(BUILD)/core-fuzz/emu/vcpu/kvm_regs.o
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wl,--wrap=platform_guest_ram -o $@ $^

FUZZERS += $(CORE_FUZZ)

# ---- fuzz-hostile-shim: the launcher's readers of the shim region (core
# state, CPU-ops page, trap frame) against any bytes there.  The launcher
# files that read it are built with the core and the platform.
SHIM_FUZZ := $(BUILD)/tests/fuzz/fuzz-hostile-shim
SHIM_FUZZ_OBJS := $(patsubst %.c,$(BUILD)/core-fuzz/%.o, \
	$(CORE_SRCS) emu/vcpu/platform_host.c emu/vcpu/host_trap.c emu/vcpu/kvm_regs.c \
	emu/vcpu/cpu_ops_chain.c emu/stats.c emu/exit_kind_name.c emu/stop_report.c backends/console/console_ring.c \
	tests/fuzz/fuzz_hostile_shim.c)

$(BUILD)/core-fuzz/emu/vcpu/host_trap.o $(BUILD)/core-fuzz/emu/vcpu/kvm_regs.o \
$(BUILD)/core-fuzz/emu/vcpu/cpu_ops_chain.o $(BUILD)/core-fuzz/emu/stats.o $(BUILD)/core-fuzz/emu/exit_kind_name.o \
$(BUILD)/core-fuzz/emu/stop_report.o $(BUILD)/core-fuzz/backends/console/console_ring.o \
$(BUILD)/core-fuzz/tests/fuzz/fuzz_hostile_shim.o: $(BUILD)/core-fuzz/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(SHIM_FUZZ): $(SHIM_FUZZ_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^

FUZZERS += $(SHIM_FUZZ)

# ---- The targets below link objects built with the fuzzer's
# instrumentation: fuzz_target NAME, OBJECTS[, LIBS] makes
# build/tests/fuzz/NAME.
define fuzz_target
$(BUILD)/tests/fuzz/$(1): $(2)
	@mkdir -p $$(@D)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) -o $$@ $$^ $(3)
FUZZERS += $(BUILD)/tests/fuzz/$(1)
endef

# Sources a small target tests, alone.
$(BUILD)/fuzz-objs/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@
fuzz_objs = $(patsubst %.c,$(BUILD)/fuzz-objs/%.o,$(1))

# fuzz-xenbus-parse: the xenbus backend framework's reading of
# frontend-written values (and the state machine's answer to any state).
$(eval $(call fuzz_target,fuzz-xenbus-parse,$(call fuzz_objs, \
	backends/xenbus_parse.c backends/xenbus_step.c tests/fuzz/fuzz_xenbus_parse.c)))

# fuzz-blkif-request: blkif request checking against any ring slot, disk
# and indirect page contents.
$(eval $(call fuzz_target,fuzz-blkif-request,$(call fuzz_objs, \
	$(BLKIF_REQUEST_SRCS) tests/fuzz/fuzz_blkif_request.c)))

# fuzz-grant: grant tables (grant_acquire/release from a dom0 handle,
# grant_table_op, the guest's entries and PTEs) against a hostile guest,
# with the pins' meaning checked after every operation; on fuzz-core's
# instrumented core.
$(BUILD)/core-fuzz/tests/fuzz/fuzz_grant.o: $(BUILD)/core-fuzz/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@
$(eval $(call fuzz_target,fuzz-grant,$(patsubst %.c,$(BUILD)/core-fuzz/%.o, \
	$(CORE_SRCS) emu/vcpu/platform_host.c tests/fuzz/fuzz_grant.c) \
	$(BUILD)/core-fuzz/emu/vcpu/kvm_regs.o))

# fuzz-net-link: the slirp link (and libslirp, not instrumented, behind it)
# against any frames a guest sends.
NET_LINK_FUZZ_OBJS := $(call fuzz_objs,$(NET_LINK_SRCS) tests/fuzz/fuzz_net_link.c)
$(NET_LINK_FUZZ_OBJS): FUZZ_CFLAGS += $(NET_LINK_CFLAGS)
$(eval $(call fuzz_target,fuzz-net-link,$(NET_LINK_FUZZ_OBJS),$$(NET_LINK_LIBS)))

# fuzz-netif-tx: netif TX chain checking against any ring slots and any
# count of published slots.
$(eval $(call fuzz_target,fuzz-netif-tx,$(call fuzz_objs, \
	$(NETIF_TX_SRCS) tests/fuzz/fuzz_netif_tx.c)))

# fuzz-net-offload: checksum locate/complete/verify and GSO segmentation
# against any frame and meta.
$(eval $(call fuzz_target,fuzz-net-offload,$(call fuzz_objs, \
	$(NET_OFFLOAD_SRCS) tests/fuzz/fuzz_net_offload.c)))

# fuzz-xl-config: an xl config file through libxlutil and every key's
# reading into struct xenlet_config (toolstack/).
$(eval $(call fuzz_target,fuzz-xl-config,$(call fuzz_objs, \
	$(XL_CONFIG_SRCS) tests/fuzz/fuzz_xl_config.c),$(TOOLSTACK_LIBS)))

# fuzz-grub-cfg, fuzz-menu-lst: the boot loader's configuration parsers
# (bootloader/) against any grub.cfg, grubenv and menu.lst a guest's disk
# can hold.
$(eval $(call fuzz_target,fuzz-grub-cfg,$(call fuzz_objs, \
	$(GRUB_CFG_SRCS) tests/fuzz/fuzz_grub_cfg.c)))
$(eval $(call fuzz_target,fuzz-menu-lst,$(call fuzz_objs, \
	$(MENU_LST_SRCS) tests/fuzz/fuzz_menu_lst.c)))
