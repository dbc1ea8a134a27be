/*
 * `xenlet run`: load the kernel, build the domain, place the shim, start
 * the vCPU, and tear everything down whatever happens.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "pv-shim/shim_abi.h"
#include "emu/loader/boot_disk.h"
#include "emu/domain.h"
#include "emu/memory_use.h"
#include "emu/vcpu/kvm_counters.h"
#include "emu/build/domain_build.h"
#include "emu/loader/xen_image.h"
#include "emu/build/host_xstate.h"
#include "pv-shim/core/emulate/guest_cr4.h"
#include "pv-shim/core/grant/grant.h"
#include "toolstack/daemonize.h"
#include "toolstack/domain_control.h"

#define CALIBRATE_ROUNDS 4
#define XENLET_GUEST_DOMID 1
#define STORE_EVTCHN 1
#define CONSOLE_EVTCHN 2
#define RAMDISK_MAX (1ULL << 32)

static int read_file(const char *path, uint8_t **buf, size_t *len,
		     char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > RAMDISK_MAX) {
		snprintf(err, errlen, "%s: not a regular file of at most 4 GiB", path);
		close(fd);
		return -1;
	}
	*len = (size_t)st.st_size;
	*buf = malloc(*len ? *len : 1);
	size_t got = 0;
	while (*buf && got < *len) {
		ssize_t n = read(fd, *buf + got, *len - got);
		if (n <= 0) {
			snprintf(err, errlen, "%s: %s", path,
				 n < 0 ? strerror(errno) : "file shrank while reading");
			free(*buf);
			*buf = NULL;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	if (!*buf && !err[0])
		snprintf(err, errlen, "%s: out of memory", path);
	return *buf ? 0 : -1;
}

static void *map_memfd(const char *name, uint64_t size, int *fd_out)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, (off_t)size) < 0) {
		close(fd);
		return NULL;
	}
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return NULL;
	}
	*fd_out = fd;
	return p;
}

static int setup(struct domain *d, const struct xen_image *img,
		 const uint8_t *ramdisk, size_t ramdisk_len, char *err, size_t errlen)
{
	const struct xenlet_config *cfg = d->cfg;
	d->ram_bytes = cfg->memory_mib << 20;
	uint64_t nr_pages = d->ram_bytes / PAGE_SIZE;
	if (xen_image_check_fits(img, d->ram_bytes, err, errlen))
		return -1;
	d->ram = map_memfd("xenlet-guest-ram", d->ram_bytes, &d->ram_fd);
	int shim_fd = -1;
	d->shim.nr_pages = nr_pages;
	d->shim.nr_vcpus = cfg->vcpus;
	d->shim.region = map_memfd("xenlet-shim", shim_region_size(nr_pages), &shim_fd);
	if (shim_fd >= 0)
		close(shim_fd); /* the mapping keeps it; nothing else needs it */
	if (!d->ram || !d->shim.region) {
		snprintf(err, errlen, "allocating %llu MiB of guest memory: %s",
			 (unsigned long long)cfg->memory_mib, strerror(errno));
		return -1;
	}
	d->shim.region_gpa = (d->ram_bytes + (1ULL << 30) - 1) & ~((1ULL << 30) - 1);
	if (shim_setup_region(&d->shim, err, errlen))
		return -1;

	struct domain_build_input bi = {
		.image = img, .ramdisk = ramdisk, .ramdisk_len = ramdisk_len,
		.cmdline = cfg->cmdline, .nr_pages = nr_pages,
		.shared_info_maddr = d->shim.region_gpa + SHIM_OFF_SHARED,
		.shim_l3_maddr = shim_l3_maddr(&d->shim),
		.physmap_l3_maddr = shim_physmap_l3_maddr(&d->shim),
		.store_evtchn = STORE_EVTCHN, .console_evtchn = CONSOLE_EVTCHN,
	};
	struct domain_build_result br;
	if (domain_build(&bi, d->ram, &br, err, errlen))
		return -1;
	d->hypercall_page_va = br.hypercall_page_va;
	d->hypercall_page_maddr = br.hypercall_page_maddr;

	struct core_state *st = (struct core_state *)(d->shim.region + SHIM_OFF_CORE);
	_Static_assert(sizeof(struct core_state) <= SHIM_CORE_SIZE, "core state");
	st->magic = CORE_STATE_MAGIC;
	st->trace_flags = (cfg->trace_path ? CORE_TRACE_ENTRIES : 0) |
			  (cfg->trace_hypercalls ? CORE_TRACE_HYPERCALLS : 0) |
			  (cfg->strict ? CORE_TRACE_STRICT : 0);
	uint64_t xcr0;
	uint32_t xsave_size, xsavec_size;
	host_xstate(&xcr0, &xsave_size, &xsavec_size);
	const struct core_layout layout = {
		.nr_pages = nr_pages,
		.shared_info_mfn = (d->shim.region_gpa + SHIM_OFF_SHARED) >> PAGE_SHIFT,
		.grant_mfn = (d->shim.region_gpa + SHIM_OFF_GRANT) >> PAGE_SHIFT,
		.syscall_trampoline = SHIM_VA(SHIM_OFF_TRAMPOLINE),
		.xcr0 = xcr0, .xsave_size = xsave_size, .xsavec_size = xsavec_size,
		.nr_vcpus = cfg->vcpus,
	};
	for (unsigned n = 0; n < cfg->vcpus; n++) {
		struct vcpu *v = &d->vcpu[n];
		v->plat = (struct host_platform){
			.ram = d->ram, .ram_bytes = d->ram_bytes, .ram_in_kvm_slot = 1,
			.console = stdout, .log = stderr,
			.console_copy = dom0_console_copy_cb, .console_copy_opaque = d,
			.cpu_ops = (struct shim_cpu_ops *)(d->shim.region + shim_off_cpu_ops(n)),
			.shim_region = d->shim.region,
			.notify_backend = dom0_notify_backend_cb, .notify_opaque = d,
			.block = vcpu_clock_block,
		};
		v->core = (struct core){ .st = st, .plat = &v->plat, .layout = layout, .vcpu = n };
		v->plat.block_opaque = v;
		vcpu_smp_init(v);
		v->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (v->wake_fd < 0) {
			snprintf(err, errlen, "eventfd: %s", strerror(errno));
			return -1;
		}
	}
	struct vcpu *v0 = &d->vcpu[0];
	/* vCPU 0 starts on the builder's tables in kernel mode, as Xen's
	 * toolstack leaves a PV domain; the others wait for VCPUOP_up. */
	struct core_vcpu *cv0 = core_vcpu(&v0->core);
	cv0->cr3 = br.l4_maddr;
	cv0->kernel_mode = 1;
	cv0->initialised = cv0->up = cv0->started = 1;
	cv0->cr4_guest = guest_cr4_initial(&layout);
	d->store_evtchn = STORE_EVTCHN;
	d->console_evtchn = CONSOLE_EVTCHN;
	evtchn_domain_init(&v0->core, XENLET_GUEST_DOMID, STORE_EVTCHN, CONSOLE_EVTCHN,
			   cfg->evtchn_abi == EVTCHN_ABI_FIFO);
	grant_domain_init(&v0->core, XENLET_GUEST_DOMID, br.layout.console_pfn,
			  br.layout.xenstore_pfn);

	/* The frame table for the builder's tables: stored before the vCPU
	 * first runs, so nothing needs queueing for the shim. */
	struct host_platform boot_plat = v0->plat;
	boot_plat.cpu_ops = NULL;
	boot_plat.smp = NULL;
	struct core boot_core = v0->core;
	boot_core.plat = &boot_plat;
	if (mm_domain_init(&boot_core, br.l4_maddr, shim_m2p_l4e(&d->shim))) {
		snprintf(err, errlen, "the bootstrap page tables do not validate");
		return -1;
	}
	/* The xenstore daemon and the console backend write these two for
	 * the domain's life: held writable, they never become page tables. */
	if (mm_hold_for_dom0(&boot_core, br.layout.xenstore_pfn) ||
	    mm_hold_for_dom0(&boot_core, br.layout.console_pfn)) {
		snprintf(err, errlen, "the xenstore or console ring is not plain RAM");
		return -1;
	}

	struct shim_boot_params *bp = (void *)(d->shim.region + SHIM_OFF_BOOT);
	*bp = (struct shim_boot_params){
		.magic = SHIM_BOOT_MAGIC,
		.calibrate = cfg->trap_path == TRAP_PATH_AUTO,
		.calibrate_rounds = CALIBRATE_ROUNDS,
		.guest_entry = br.entry, .guest_stack = br.stack,
		.guest_start_info = br.start_info_va,
		.guest_rflags = 0x202, /* IF: the guest masks events, not the CPU */
		.nr_pages = nr_pages, .shared_info_mfn = layout.shared_info_mfn,
		.grant_mfn = layout.grant_mfn,
		.nr_vcpus = cfg->vcpus,
		.xcr0 = xcr0, .xsave_size = xsave_size, .xsavec_size = xsavec_size,
	};
	/* Until READY fixes the path, LSTAR leads nowhere useful: ud2. */
	shim_write_trampoline(&d->shim, 0);

	if (kvm_vm_create(&d->vm, err, errlen) ||
	    kvm_vm_add_memory(&d->vm, 0, 0, d->ram, d->ram_bytes, err, errlen) ||
	    kvm_vm_add_memory(&d->vm, 1, d->shim.region_gpa, d->shim.region,
			      shim_region_size(nr_pages), err, errlen))
		return -1;
	d->vcpu_start = (struct kvm_vcpu_start){
		.rip = SHIM_VIRT_BASE,
		.rsp = SHIM_VA(shim_off_stack_top(0)),
		.cr3 = br.l4_maddr,
		.gdt_base = shim_gdt_window(0), .idt_base = SHIM_VA(SHIM_OFF_IDT),
		/* Each vCPU starts in the guest's kernel. */
		.lstar = SHIM_VA(SHIM_OFF_TRAMPOLINE) + SHIM_TRAMPOLINE_KERNEL_ENTRY,
		/* sysret base 0x23 (user CS32; SS 0x2b, CS64 0x33), kernel 0x10 */
		.star = ((uint64_t)SHIM_SEL_USER_CS32 << 48) |
			((uint64_t)SHIM_SEL_KERNEL_CS << 32),
		.xstate = { .xcr0 = xcr0, .size = xsave_size, .compacted_size = xsavec_size,
			    .osxsave = (cv0->cr4_guest & GUEST_CR4_OSXSAVE) != 0 },
	};
	if (kvm_vm_create_vcpu(&d->vm, 0, &d->vcpu_start, &v0->kvm, err, errlen))
		return -1;
	v0->plat.kvm = &v0->kvm;
	for (unsigned n = 0; n < cfg->vcpus; n++)
		d->vcpu[n].plat.cpuid = d->vm.cpuid;
	v0->launched = 1;
	if (vcpu_clock_start(d, err, errlen) || vcpu_events_start(v0, err, errlen))
		return -1;
	dom0_core_init(d, XENLET_GUEST_DOMID); /* the backends' handle */

	const struct domain_layout *l = &br.layout;
	struct dom0_xenstore_config xc = {
		.domid = XENLET_GUEST_DOMID,
		.name = d->name,
		.uuid = cfg->uuid,
		.memory_kib = d->ram_bytes >> 10,
		.ring_page = d->ram + (l->xenstore_pfn << PAGE_SHIFT),
		.ring_mfn = l->xenstore_pfn, .ring_evtchn = STORE_EVTCHN,
		.console_mfn = l->console_pfn, .console_evtchn = CONSOLE_EVTCHN,
		.socket_path = cfg->xenstore_socket,
		.signal_guest = dom0_signal_store_cb, .signal_opaque = d,
	};
	if (dom0_xenstore_start(&d->xenstore, &xc, err, errlen) ||
	    dom0_devices_start(d, err, errlen))
		return -1;
	return dom0_console_start(d, d->ram + (l->console_pfn << PAGE_SHIFT), err, errlen);
}

static void teardown(struct domain *d)
{
	vcpu_loop_release_signals();
	dom0_console_stop(d);   /* before guest RAM goes: it writes the ring */
	dom0_devices_stop(d);   /* before the store and dom0's handle go */
	dom0_xenstore_stop(&d->xenstore);
	/* After the backends have stopped, before guest RAM goes: what they
	 * bound is unbound, and none may hold a grant any more. */
	dom0_core_destroy(d);
	vcpu_events_stop(&d->vcpu[0]);
	for (unsigned n = 0; n < SHIM_MAX_VCPUS; n++) {
		kvm_vcpu_destroy(&d->vcpu[n].kvm);
		if (d->vcpu[n].wake_fd >= 0)
			close(d->vcpu[n].wake_fd);
	}
	kvm_vm_destroy(&d->vm);
	if (d->ram)
		munmap(d->ram, d->ram_bytes);
	if (d->ram_fd >= 0)
		close(d->ram_fd);
	if (d->shim.region)
		munmap(d->shim.region, shim_region_size(d->shim.nr_pages));
}

/* vCPU 0 runs on this thread, the others on their own from VCPUOP_up;
 * the domain's status is the one of whichever vCPU ended it. */
static int run_vcpus(struct domain *d)
{
	vcpu_loop_catch_signals(d);
	int status = vcpu_loop_run(&d->vcpu[0]);
	if (status >= 0)
		domain_stop(d, status);
	vcpu_smp_join(d);
	return d->stop_status;
}

/* One boot of the domain, from loading the kernel to tearing it down. */
static int run_domain(const struct xenlet_config *cfg, struct domain_control *dc,
		      int ready_fd)
{
	struct domain d = { .cfg = cfg, .name = dc->name, .ram_fd = -1, .trace_fd = -1,
			    .console_client = &dc->console,
			    .core_lock = PTHREAD_MUTEX_INITIALIZER,
			    .stop_lock = PTHREAD_MUTEX_INITIALIZER };
	for (unsigned n = 0; n < SHIM_MAX_VCPUS; n++)
		d.vcpu[n] = (struct vcpu){ .d = &d, .id = n, .kvm = { .fd = -1 },
					   .wake_fd = -1 };
	d.stats.start_ns = stats_now_ns();
	char err[256] = "";
	struct xen_image img;
	uint8_t *ramdisk = NULL;
	size_t ramdisk_len = 0;
	int status = XENLET_EXIT_SETUP;

	if (xen_image_load_file(cfg->kernel, &img, err, sizeof err)) {
		fprintf(stderr, "xenlet: %s\n", err);
		return XENLET_EXIT_SETUP;
	}
	if (cfg->ramdisk && read_file(cfg->ramdisk, &ramdisk, &ramdisk_len,
				      err, sizeof err))
		goto out;
	if (setup(&d, &img, ramdisk, ramdisk_len, err, sizeof err) ||
	    domain_control_serve(dc, err, sizeof err))
		goto out;
	domain_control_attach(dc, &d);
	if (domain_control_destroy_asked(dc)) { /* while it was rebooting */
		fprintf(stderr, "xenlet: domain %s destroyed (xenlet destroy)\n", d.name);
		domain_stop(&d, 128 + SIGTERM);
	}
	daemonize_ready(ready_fd);
	free(ramdisk);
	ramdisk = NULL;
	xen_image_free(&img); /* copied into guest RAM */
	if (cfg->trace_path) {
		d.trace_fd = trace_file_open(cfg->trace_path, stats_measure_tsc_khz(),
					     cfg->vcpus);
		if (d.trace_fd < 0) {
			snprintf(err, sizeof err, "--trace %s: %s", cfg->trace_path,
				 strerror(errno));
			status = XENLET_EXIT_SETUP;
			goto out;
		}
	}
	status = run_vcpus(&d);
	if (d.trace_fd >= 0)
		close(d.trace_fd); /* every vCPU loop has written its records */
	/* Before anything it answers about goes. */
	domain_control_detach(dc);
	/* What a dying guest wrote without a send. */
	console_output_drain(&d.console_out);
	dom0_devices_stop(&d);  /* their counts are final after it */
	d.stats.end_ns = stats_now_ns();
	if (cfg->strict)
		departures_print(stderr, d.vcpu[0].core.st);
	if (cfg->stats) {
		d.stats.tsc_khz = stats_measure_tsc_khz();
		for (unsigned n = 0; n < cfg->vcpus; n++) {
			d.vcpu[n].stats.entries_stored_direct = d.vcpu[n].plat.entries_stored_direct;
			d.vcpu[n].stats.frames_forgotten = d.vcpu[n].plat.frames_forgotten;
			stats_add(&d.stats, &d.vcpu[n].stats);
		}
		stats_print(stderr, &d.stats, d.vcpu[0].core.st);
		struct kvm_counters kc = { 0 };
		for (unsigned n = 0; n < cfg->vcpus; n++)
			if (kvm_counters_add(d.vcpu[n].kvm.fd, &kc) < 0)
				fprintf(stderr, "xenlet: KVM's statistics of vCPU %u: %s\n",
					n, strerror(errno));
		kvm_counters_print(stderr, &kc);
		fprintf(stderr, "xenlet-stats: xcr0_offered 0x%llx\n",
			(unsigned long long)d.vcpu[0].core.layout.xcr0);
		fprintf(stderr, "xenlet-stats: kvm_sync_regs %d\n", d.vcpu[0].kvm.sync_regs);
		fprintf(stderr, "xenlet-stats: kvm_sync_sregs %d\n", d.vcpu[0].kvm.sync_sregs);
		fprintf(stderr, "xenlet-stats: xenstore_notifications %llu\n",
			(unsigned long long)__atomic_load_n(&d.xenstore.notifications,
							    __ATOMIC_RELAXED));
		dom0_devices_print_stats(&d, stderr);
		struct memory_use mem;
		if (memory_use_measure(&mem, d.shim.region, shim_region_size(d.shim.nr_pages),
				       d.ram, d.ram_bytes) == 0)
			memory_use_print(stderr, &mem);
		else
			fprintf(stderr, "xenlet: the launcher's memory use: %s\n", strerror(errno));
	}
	teardown(&d);
	return status;
out:
	if (err[0])
		fprintf(stderr, "xenlet: %s\n", err);
	domain_control_detach(dc);
	free(ramdisk);
	xen_image_free(&img);
	teardown(&d);
	return status;
}

/* One boot.  With a boot loader the disk is read again each time, as xl
 * runs pygrub again when a domain reboots: a kernel the guest installed
 * meanwhile is the one that boots. */
static int boot_once(const struct xenlet_config *cfg, struct domain_control *dc,
		     int ready_fd)
{
	if (!cfg->bootloader)
		return run_domain(cfg, dc, ready_fd);
	struct xenlet_config booted;
	struct pygrub_boot boot;
	if (boot_disk_configure(cfg, &booted, &boot))
		return XENLET_EXIT_SETUP;
	int status = run_domain(&booted, dc, ready_fd);
	pygrub_boot_release(&boot);
	return status;
}

int xenlet_run(const struct xenlet_config *cfg)
{
	struct domain_control dc;
	char err[256] = "";
	if (domain_control_claim(&dc, cfg->name, err, sizeof err)) {
		/* Only those who asked for what needs it must have it: a
		 * plain run goes on where there is no runtime directory. */
		if (cfg->name || cfg->daemonize) {
			fprintf(stderr, "xenlet: %s\n", err);
			return XENLET_EXIT_SETUP;
		}
		fprintf(stderr, "xenlet: no control socket: %s\n", err);
	}
	int ready_fd = -1;
	if (cfg->daemonize) {
		char log[PATH_MAX];
		if (cfg->log_path)
			snprintf(log, sizeof log, "%s", cfg->log_path);
		else if (runtime_file(log, sizeof log, dc.dir, dc.name, "log")) {
			fprintf(stderr, "xenlet: log path too long\n");
			domain_control_remove(&dc);
			return XENLET_EXIT_SETUP;
		}
		ready_fd = daemonize(log, dc.name, cfg->attach_console, err, sizeof err);
		if (ready_fd < 0) {
			fprintf(stderr, "xenlet: %s\n", err);
			domain_control_remove(&dc);
			return XENLET_EXIT_SETUP;
		}
	}
	int status;
	for (;;) {
		status = boot_once(cfg, &dc, ready_fd);
		if (ready_fd >= 0)
			close(ready_fd); /* a failed start: the parent sees it closed */
		ready_fd = -1;       /* told once, at the first boot */
		if (status != XENLET_EXIT_REBOOT || !cfg->restart_on_reboot)
			break;
		/* Stopped as it rebooted: it ends as stopped, not restarted. */
		if (vcpu_loop_stop_signal()) {
			status = 128 + vcpu_loop_stop_signal();
			break;
		}
		if (domain_control_destroy_asked(&dc)) {
			status = 128 + SIGTERM;
			break;
		}
		fprintf(stderr, "xenlet: domain %s rebooted: starting it again\n", dc.name);
	}
	if (cfg->daemonize)
		fprintf(stderr, "xenlet: domain %s ended with status %d\n", dc.name, status);
	domain_control_remove(&dc);
	return status;
}
