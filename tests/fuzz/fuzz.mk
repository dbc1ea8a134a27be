# tests/fuzz: libFuzzer targets owned by tests/ (corpus seeds beside them).

# ---- fuzz-core: the hypercall/trap core against hostile registers and
# guest memory.  The core and the launcher's platform are built again with
# the fuzzer's instrumentation; platform_guest_ram is wrapped so the target
# can check which guest pages the core reached.
CORE_FUZZ := $(BUILD)/tests/fuzz/fuzz-core
CORE_FUZZ_OBJS := $(patsubst %.c,$(BUILD)/core-fuzz/%.o, \
	$(CORE_SRCS) emu/platform_host.c tests/fuzz/fuzz_core.c)

$(CORE_FUZZ_OBJS): $(BUILD)/core-fuzz/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(CORE_FUZZ_WFLAGS) -c $< -o $@

# clang, unlike gcc, warns about the MSR ioctl's header-plus-entry struct.
$(BUILD)/core-fuzz/emu/platform_host.o: \
	CORE_FUZZ_WFLAGS := -Wno-gnu-variable-sized-type-not-at-end

$(CORE_FUZZ): $(CORE_FUZZ_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wl,--wrap=platform_guest_ram -o $@ $^

FUZZERS += $(CORE_FUZZ)
