# Unit tests of the hypercall/trap core and the domain builder, linked
# with the sanitized core, the launcher's platform and the loader.

CORE_TEST_OBJS := $(CORE_SAN_OBJS) $(BUILD)/san/emu/vcpu/platform_host.o \
	$(BUILD)/san/emu/vcpu/kvm_regs.o $(BUILD)/san/emu/build/cpuid_table.o \
	$(BUILD)/san/emu/build/domain_layout.o $(BUILD)/san/emu/build/domain_build.o \
	$(BUILD)/san/emu/build/hypercall_page.o \
	$(BUILD)/san/tests/unit/fake_guest.o $(LOADER_SAN_OBJS)
CORE_UNIT_TESTS := $(BUILD)/tests/unit/test_core $(BUILD)/tests/unit/test_domain_build \
	$(BUILD)/tests/unit/test_mm
CORE_UNIT_TESTS += $(BUILD)/tests/unit/test_traps
CORE_UNIT_TESTS += $(BUILD)/tests/unit/test_evtchn $(BUILD)/tests/unit/test_time
CORE_UNIT_TESTS += $(BUILD)/tests/unit/test_evtchn_fifo
CORE_UNIT_TESTS += $(BUILD)/tests/unit/test_mm_ptwr
CORE_UNIT_TESTS += $(BUILD)/tests/unit/test_smp
CORE_UNIT_TESTS += $(BUILD)/tests/unit/test_grant

$(CORE_UNIT_TESTS): $(BUILD)/tests/unit/%: $(BUILD)/san/tests/unit/%.o $(CORE_TEST_OBJS)
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(LOADER_LIBS) $(CHECK_LIBS)

UNIT_TESTS += $(CORE_UNIT_TESTS)

# The host trap path's resume chain, from a queue of CPU operations.
$(BUILD)/tests/unit/test_cpu_ops_chain: $(BUILD)/san/tests/unit/test_cpu_ops_chain.o \
		$(BUILD)/san/emu/vcpu/cpu_ops_chain.o
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(CHECK_LIBS)
UNIT_TESTS += $(BUILD)/tests/unit/test_cpu_ops_chain

# The console backend's ring reader and writer alone.
$(BUILD)/tests/unit/test_console_ring: $(BUILD)/san/tests/unit/test_console_ring.o \
		$(BUILD)/san/backends/console/console_ring.o
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(CHECK_LIBS)
UNIT_TESTS += $(BUILD)/tests/unit/test_console_ring

# The attached `xenlet console` client and the output drain writing to it.
$(BUILD)/tests/unit/test_console_client: $(BUILD)/san/tests/unit/test_console_client.o \
		$(addprefix $(BUILD)/san/backends/console/,console_client.o console_output.o \
		console_ring.o)
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(CHECK_LIBS) -pthread
UNIT_TESTS += $(BUILD)/tests/unit/test_console_client

# The launcher against every word of the core state corrupted: the
# fuzz-hostile-shim target's domain and calls, run deterministically.
HOSTILE_SHIM_TEST := $(BUILD)/tests/unit/test_hostile_shim
$(HOSTILE_SHIM_TEST): $(BUILD)/san/tests/unit/test_hostile_shim.o $(CORE_SAN_OBJS) \
		$(patsubst %,$(BUILD)/san/emu/%.o,vcpu/platform_host vcpu/host_trap \
			vcpu/kvm_regs vcpu/cpu_ops_chain stats exit_kind_name stop_report) $(BUILD)/san/backends/console/console_ring.o
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(CHECK_LIBS)
UNIT_TESTS += $(HOSTILE_SHIM_TEST)

# blkback's disk names (xl's vdev numbering) and --disk's value.
$(BUILD)/tests/unit/test_vdev: $(BUILD)/san/tests/unit/test_vdev.o $(BUILD)/san/backends/blk/vdev.o \
		$(BUILD)/san/backends/blk/disk_spec.o
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(CHECK_LIBS)
UNIT_TESTS += $(BUILD)/tests/unit/test_vdev

# The backends' shared rings, against io/ring.h's frontend macros.
$(BUILD)/tests/unit/test_shared_ring: $(BUILD)/san/tests/unit/test_shared_ring.o \
		$(BUILD)/san/backends/shared_ring.o
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(CHECK_LIBS)
UNIT_TESTS += $(BUILD)/tests/unit/test_shared_ring

# dom0's handle on the core, on a fake domain: the launcher's own objects
# (all but main() and run.c, which would build a real one, the xl
# commands that call it, and the boot loader run.c uses) with vCPU
# threads of the test's.
DOM0_CORE_TEST_OBJS := $(filter-out $(BUILD)/san/emu/main.o $(BUILD)/san/emu/run.o \
	$(patsubst %.c,$(BUILD)/san/%.o,$(TOOLSTACK_SRCS)) \
	$(BUILD)/san/emu/loader/boot_disk.o $(BOOTLOADER_SRCS:%.c=$(BUILD)/san/%.o), \
	$(LAUNCHER_SAN_OBJS)) $(BUILD)/san/tests/unit/fake_guest.o $(BUILD)/san/tests/unit/fake_domain.o
$(BUILD)/tests/unit/test_dom0_core: $(BUILD)/san/tests/unit/test_dom0_core.o $(DOM0_CORE_TEST_OBJS)
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(LOADER_LIBS) $(BACKENDS_LIBS) \
		$(CHECK_LIBS) -pthread
UNIT_TESTS += $(BUILD)/tests/unit/test_dom0_core

# The xenbus backend framework against the running xenstore daemon, a
# frontend on domain 1's ring and a test double of backend_host.h.
XENBUS_TEST := $(BUILD)/tests/unit/test_xenbus_backend
$(XENBUS_TEST): $(BUILD)/san/tests/unit/test_xenbus_backend.o \
		$(BUILD)/san/tests/unit/fake_backend_host.o \
		$(BUILD)/san/tests/unit/fake_xs_guest.o \
		$(XENBUS_SRCS:%.c=$(BUILD)/san/%.o) $(XSD_SAN_OBJS) $(XS_STORE_SAN_OBJS)
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(CHECK_LIBS) -pthread
UNIT_TESTS += $(XENBUS_TEST)

# backend_host.h's grants against stand-ins for the core's grant_acquire/
# grant_release and the domain lock (the test defines both): the
# launcher's checks, whatever the core answers.
$(BUILD)/tests/unit/test_dom0_grants: $(BUILD)/san/tests/unit/test_dom0_grants.o \
		$(BUILD)/san/emu/dom0/dom0_grants.o $(BUILD)/san/emu/vcpu/platform_host.o \
		$(BUILD)/san/emu/vcpu/kvm_regs.o $(BUILD)/san/pv-shim/core/hypercall_trace_line.o \
		$(BUILD)/san/pv-shim/core/hypercall_names.o $(BUILD)/san/pv-shim/core/format.o
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(CHECK_LIBS)
UNIT_TESTS += $(BUILD)/tests/unit/test_dom0_grants

# backend_host.h's grants on the core's own grant tables, through dom0's
# real handle.
$(BUILD)/tests/unit/test_dom0_grants_core: $(BUILD)/san/tests/unit/test_dom0_grants_core.o \
		$(DOM0_CORE_TEST_OBJS)
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(LOADER_LIBS) $(BACKENDS_LIBS) \
		$(CHECK_LIBS) -pthread
UNIT_TESTS += $(BUILD)/tests/unit/test_dom0_grants_core

# --net's value.
$(BUILD)/tests/unit/test_net_spec: $(BUILD)/san/tests/unit/test_net_spec.o \
		$(BUILD)/san/backends/net/net_spec.o
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(CHECK_LIBS)
UNIT_TESTS += $(BUILD)/tests/unit/test_net_spec
