# emu: rules added by this directory

# ---- Xen PV kernel loader: ELF64, bzImage, Xen notes --------------------
# The integrator links LOADER_SRCS with LOADER_LIBS into ./xenlet.
LOADER_SRCS := $(addprefix emu/loader/,xen_image.c bzimage.c xen_notes.c set_error.c)
LOADER_LIBS := -llzma -lz -lzstd -llz4

LOADER_SAN_OBJS := $(patsubst emu/loader/%.c,$(BUILD)/emu/loader-san/%.o,$(LOADER_SRCS))
LOADER_FUZZ_OBJS := $(patsubst emu/loader/%.c,$(BUILD)/emu/loader-fuzz/%.o,$(LOADER_SRCS))

$(LOADER_SAN_OBJS): $(BUILD)/emu/loader-san/%.o: emu/loader/%.c
	@mkdir -p $(dir $@)
	$(CC) $(SAN_CFLAGS) -c $< -o $@

# A smaller decompression cap keeps the fuzzer under libFuzzer's RSS limit.
$(LOADER_FUZZ_OBJS): $(BUILD)/emu/loader-fuzz/%.o: emu/loader/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DBZIMAGE_MAX_OUTPUT=0x4000000UL -c $< -o $@

$(BUILD)/tests/unit/test_xen_image.o: tests/unit/test_xen_image.c
	@mkdir -p $(dir $@)
	$(CC) $(SAN_CFLAGS) $(CHECK_CFLAGS) -c $< -o $@

$(BUILD)/tests/unit/test_xen_image: $(BUILD)/tests/unit/test_xen_image.o $(LOADER_SAN_OBJS)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(LOADER_LIBS) $(CHECK_LIBS)

# Only sources and objects: the generated .d adds headers to the prerequisites.
$(BUILD)/fuzz/fuzz-xen-image: tests/fuzz/fuzz_xen_image.c $(LOADER_FUZZ_OBJS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(filter %.c %.o,$^) -o $@ $(LOADER_LIBS)

UNIT_TESTS += $(BUILD)/tests/unit/test_xen_image
FUZZERS += $(BUILD)/fuzz/fuzz-xen-image
# ---- end of the loader's block -------------------------------------------

# ---- the launcher: ./xenlet ------------------------------------------------
# backend_host.h's grants stand on the core's grant tables (grant.h): until
# their sources are in pv-shim/core/grant/, the launcher is built without.
LAUNCHER_SRCS := emu/main.c emu/run.c emu/launcher_options.c emu/stats.c emu/memory_use.c \
	emu/exit_kind_name.c emu/trace/trace_writer.c \
	emu/stop_report.c emu/loader/boot_disk.c \
	$(addprefix emu/build/,kvm_vm.c domain_layout.c domain_build.c hypercall_page.c \
		shim_setup.c cpuid_table.c host_xstate.c) \
	$(addprefix emu/vcpu/,vcpu_loop.c kvm_regs.c kvm_counters.c cpu_ops_chain.c \
		host_trap.c platform_host.c vcpu_clock.c vcpu_events.c vcpu_smp.c) \
	$(addprefix emu/dom0/,dom0_core.c dom0_xenstore.c dom0_console.c \
		dom0_backends.c dom0_evtchn.c dom0_grants.c dom0_devices.c) \
	$(BACKENDS_SRCS) $(TOOLSTACK_SRCS) $(BOOTLOADER_SRCS)
LAUNCHER_OBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(LAUNCHER_SRCS) $(LOADER_SRCS)) \
	$(CORE_HOST_OBJS) $(BUILD)/host/emu/build/shim_blob.o \
	$(BUILD)/host/emu/build/trampoline_head.o $(XSD_OBJS) $(XS_STORE_OBJS)

$(BUILD)/host/emu/build/shim_blob.o: emu/build/shim_blob.S $(BUILD)/shim/shim.bin
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@

# Guest code, kept as data in the launcher (shim_write_trampoline).
$(BUILD)/host/emu/build/trampoline_head.o: emu/build/trampoline_head.S pv-shim/shim_abi.h
	@mkdir -p $(dir $@)
	$(CC) -I. -c $< -o $@

xenlet: $(LAUNCHER_OBJS)
	$(CC) $(LAUNCHER_OBJS) -o $@ $(LOADER_LIBS) $(BACKENDS_LIBS) $(LAUNCHER_EXTRA_LIBS) $(BOOTLOADER_LIBS) -pthread

PROGRAMS += xenlet

# The launcher's own integration tests: refusals, and Debian's real kernel.
INTEGRATION_TESTS += tests/integration/launcher-errors.sh \
	tests/integration/real-kernel.sh
INTEGRATION_TESTS += tests/integration/xenstore-embedded.sh
INTEGRATION_TESTS += tests/integration/trap-path-auto.sh

# The launcher built with ASan/UBSan, for integration runs that look for
# memory errors and leaks in the launcher itself on real guests.
LAUNCHER_SAN_OBJS := $(patsubst %.c,$(BUILD)/san/%.o,$(LAUNCHER_SRCS)) \
	$(LOADER_SAN_OBJS) $(CORE_SAN_OBJS) $(BUILD)/host/emu/build/shim_blob.o \
	$(BUILD)/host/emu/build/trampoline_head.o \
	$(XSD_SAN_OBJS) $(XS_STORE_SAN_OBJS)
XENLET_SAN := $(BUILD)/xenlet-san
$(XENLET_SAN): $(LAUNCHER_SAN_OBJS)
	$(CC) -fsanitize=address,undefined $(LAUNCHER_SAN_OBJS) -o $@ \
		$(LOADER_LIBS) $(BACKENDS_LIBS) $(LAUNCHER_EXTRA_LIBS) $(BOOTLOADER_LIBS) -pthread
PROGRAMS += $(XENLET_SAN)
INTEGRATION_TESTS += tests/integration/launcher-sanitized.sh
