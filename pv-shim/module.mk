# pv-shim: the in-guest shim (freestanding, CPL0) and the portable core,
# which is also built hosted for the launcher and the unit tests.

CORE_SRCS := $(wildcard pv-shim/core/*.c pv-shim/core/*/*.c)
SHIM_ARCH_SRCS := $(wildcard pv-shim/arch/x86_64/*.c)
SHIM_ASM_SRCS := $(wildcard pv-shim/arch/x86_64/*.S)

# Built as kernels are: no SSE (the CPL0 emulator here lacks most of it,
# and the shim saves no FPU state), no red zone (traps push on the stack).
# The shim sits far from the top 2 GiB the kernel code model needs, but
# its image is small: RIP-relative code (-fpie, small model) reaches all of
# it, where the large model spent three emulated instructions on each call
# (movabs, call through a register) and two on each global.
SHIM_CFLAGS := -std=c11 -O2 -g $(WARNINGS) $(XEN_CPPFLAGS) -I. -MMD -MP \
	-ffreestanding -fpie -mcmodel=small -mno-red-zone \
	-mgeneral-regs-only -fno-stack-protector -fno-builtin \
	-fno-tree-loop-distribute-patterns -fno-asynchronous-unwind-tables \
	-fcf-protection=none

SHIM_OBJS := $(patsubst %.c,$(BUILD)/shim/%.o,$(CORE_SRCS) $(SHIM_ARCH_SRCS)) \
	$(patsubst %.S,$(BUILD)/shim/%.o,$(SHIM_ASM_SRCS))

$(BUILD)/shim/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(SHIM_CFLAGS) -c $< -o $@

$(BUILD)/shim/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(SHIM_CFLAGS) -c $< -o $@

$(BUILD)/shim/shim.elf: $(SHIM_OBJS) pv-shim/arch/x86_64/shim.ld
	$(CC) -nostdlib -static -no-pie -Wl,--build-id=none \
		-Wl,--no-warn-rwx-segments -T pv-shim/arch/x86_64/shim.ld $(SHIM_OBJS) -o $@

$(BUILD)/shim/shim.bin: $(BUILD)/shim/shim.elf
	objcopy -O binary $< $@

# The core, hosted: linked into the launcher, and sanitized for unit tests.
CORE_HOST_OBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(CORE_SRCS))
CORE_SAN_OBJS := $(patsubst %.c,$(BUILD)/san/%.o,$(CORE_SRCS))
