/*
 * `xenlet create [OPTIONS] FILE [KEY=VALUE...]`: as `xl create -F`, the
 * domain in the foreground with its console on stdout, run by the same
 * xenlet_run() as `xenlet run`; on_reboot=restart boots it again inside
 * xenlet_run (name and control socket kept), on_crash/on_poweroff=restart
 * by exec'ing this command afresh, so that nothing of the ended domain
 * outlives it.
 *
 * Disks in a format blkback does not read (qcow2...) are served by a
 * qemu-nbd each, for as long as the domain runs.
 *
 * `xenlet check-config FILE [KEY=VALUE...]`: every key's verdict, then
 * whether the kernel, ramdisk and disks it names are ones xenlet can use.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "emu/loader/boot_disk.h"
#include "emu/domain.h"
#include "emu/launcher_options.h"
#include "emu/loader/xen_image.h"
#include "toolstack/nbd_server.h"
#include "toolstack/xl_commands.h"
#include "toolstack/xl_config.h"

static void create_usage(FILE *out)
{
	fprintf(out,
		"usage: xenlet create [options] FILE [KEY=VALUE...]\n"
		"  FILE                  an xl domain config (PV: kernel=, ramdisk=,\n"
		"                        memory=, vcpus=, disk=, vif=, ...)\n"
		"  KEY=VALUE             appended to FILE, as xl create takes them\n"
		"                        (memory=1024 'extra=\"console=hvc0\"')\n"
		"  --trap-path PATH      guest, host or auto (default)\n"
		"  --evtchn ABI          fifo (default) or 2l\n"
		"  --stats               print transitions and VM exits at exit\n"
		"  --trace FILE          record every VM exit into FILE\n"
		"  --trace-hypercalls    print each hypercall and its result\n"
		"  --strict              print each kind of departure from Xen\n"
		"  --timer-gap MS        least time between one-shot timer events\n"
		"                        (default 20 in the guest trap path, else 0)\n"
		"  --xenstore-socket P   serve the embedded xenstore to dom0 tools\n"
		"  -d, --daemonize       detach once the domain runs; its console and\n"
		"                        xenlet's messages go to the log\n"
		"  --log FILE            the log (default NAME.log in the runtime dir)\n"
		"  -c, --console         detach as -d, then attach this terminal to the\n"
		"                        guest's console (Ctrl-] or the end of stdin\n"
		"                        detaches; the domain runs on)\n"
		"The guest runs in the foreground unless -d or -c, its console on stdout\n"
		"and stdin; it is managed by name (xenlet list, shutdown...); exit\n"
		"statuses as `xenlet run`'s.\n");
}

static enum xl_action action_for(const struct xl_config *cfg, int status)
{
	switch (status) {
	case XENLET_EXIT_POWEROFF:
		return cfg->on_poweroff;
	case XENLET_EXIT_REBOOT:
		return cfg->on_reboot;
	case XENLET_EXIT_CRASH:
	case XENLET_EXIT_FAULT:
		return cfg->on_crash;
	default:
		return XL_ACTION_DESTROY;
	}
}

/* Splits argv after the options into FILE and its KEY=VALUE overrides. */
static int file_and_overrides(int argc, char **argv, const char *cmd,
			      const char **file, char ***overrides, unsigned *nr)
{
	if (optind >= argc) {
		fprintf(stderr, "xenlet: %s needs an xl config FILE\n", cmd);
		return -1;
	}
	*file = argv[optind];
	*overrides = argv + optind + 1;
	*nr = (unsigned)(argc - optind - 1);
	for (unsigned i = 0; i < *nr; i++)
		if (!strchr((*overrides)[i], '=')) {
			fprintf(stderr, "xenlet: '%s' is not KEY=VALUE (one file only)\n",
				(*overrides)[i]);
			return -1;
		}
	return 0;
}

/* qemu-nbd for each disk that needs one; its target becomes the URI. */
static int start_nbd_servers(struct xl_config *cfg, const char *file,
			     struct nbd_server servers[XENLET_MAX_DISKS])
{
	for (unsigned i = 0; i < cfg->nr_disks; i++) {
		struct disk_spec *d = &cfg->disks[i];
		char image[DISK_SPEC_MAX_TARGET], err[512];
		if (!cfg->disk_formats[i])
			continue;
		snprintf(image, sizeof image, "%s", d->target);
		if (nbd_server_start(&servers[i], image, cfg->disk_formats[i], d->readonly,
				     d->target, sizeof d->target, err, sizeof err)) {
			fprintf(stderr, "xenlet: %s: disk %s: %s: not started\n", file,
				d->vdev, err);
			return -1;
		}
	}
	return 0;
}

static void stop_nbd_servers(struct nbd_server servers[XENLET_MAX_DISKS])
{
	for (unsigned i = 0; i < XENLET_MAX_DISKS; i++)
		nbd_server_stop(&servers[i]);
}

int xl_cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		LAUNCHER_LONG_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ "console", no_argument, NULL, 'c' },
		/* What the domain is comes from FILE, as under xl. */
		{ "ramdisk", required_argument, NULL, 'D' },
		{ "cmdline", required_argument, NULL, 'D' },
		{ "memory", required_argument, NULL, 'D' },
		{ "vcpus", required_argument, NULL, 'D' },
		{ "disk", required_argument, NULL, 'D' },
		{ "net", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	struct xenlet_config launcher = { 0 };
	bool attach_console = false;
	int c, idx;
	/* "+": KEY=VALUE after FILE are not options to permute. */
	while ((c = getopt_long(argc, argv, "+c" LAUNCHER_SHORT_OPTIONS, opts, &idx)) != -1) {
		if (c == 'h') {
			create_usage(stdout);
			return 0;
		}
		if (c == 'c') {
			attach_console = true;
			continue;
		}
		if (c == 'D') {
			fprintf(stderr, "xenlet: create takes the domain from FILE: give "
				"KEY=VALUE after it instead of --%s (ramdisk=, extra=, "
				"memory=, vcpus=, disk=[...], vif=[...])\n", opts[idx].name);
			return XENLET_EXIT_SETUP;
		}
		int r = launcher_option_apply(c, optarg, &launcher);
		if (r) {
			if (r > 0)
				create_usage(stderr);
			return XENLET_EXIT_SETUP;
		}
	}
	const char *file;
	char **overrides;
	unsigned nr;
	if (file_and_overrides(argc, argv, "create", &file, &overrides, &nr))
		return XENLET_EXIT_SETUP;

	struct xl_config *cfg = malloc(sizeof *cfg);
	if (!cfg) {
		perror("xenlet");
		return XENLET_EXIT_INTERNAL;
	}
	if (xl_config_read_file(cfg, file, overrides, nr, stderr)) {
		fprintf(stderr, "xenlet: %s: %u error%s: not started\n", file, cfg->nr_errors,
			cfg->nr_errors == 1 ? "" : "s");
		xl_config_free(cfg);
		free(cfg);
		return XENLET_EXIT_SETUP;
	}
	cfg->run.trap_path = launcher.trap_path;
	cfg->run.evtchn_abi = launcher.evtchn_abi;
	cfg->run.stats = launcher.stats;
	cfg->run.trace_path = launcher.trace_path;
	cfg->run.trace_hypercalls = launcher.trace_hypercalls;
	cfg->run.strict = launcher.strict;
	cfg->run.timer_gap_given = launcher.timer_gap_given;
	cfg->run.timer_gap_us = launcher.timer_gap_us;
	cfg->run.xenstore_socket = launcher.xenstore_socket;
	/* -c: as xl, detached with the console attached at once. */
	cfg->run.daemonize = launcher.daemonize || attach_console;
	cfg->run.attach_console = attach_console;
	cfg->run.log_path = launcher.log_path;
	/* A reboot restarts in this process, keeping the name and control
	 * socket (run.c); poweroff and crash restarts exec afresh below. */
	cfg->run.restart_on_reboot = cfg->on_reboot == XL_ACTION_RESTART;

	static struct nbd_server servers[XENLET_MAX_DISKS];
	int status = XENLET_EXIT_SETUP;
	if (start_nbd_servers(cfg, file, servers) == 0)
		status = xenlet_run(&cfg->run);
	/* Before a restart too: the new process starts its own. */
	stop_nbd_servers(servers);
	enum xl_action action = status == XENLET_EXIT_SETUP ? XL_ACTION_DESTROY :
				action_for(cfg, status);
	/* Stopped by a signal as it ended: the domain ends, as stopped
	 * (the exec would lose the signal). */
	if (action == XL_ACTION_RESTART && vcpu_loop_stop_signal()) {
		action = XL_ACTION_DESTROY;
		status = 128 + vcpu_loop_stop_signal();
	}
	if (action == XL_ACTION_RESTART) {
		static const char *const events[] = {
			[XENLET_EXIT_POWEROFF] = "powered off", [XENLET_EXIT_REBOOT] = "rebooted",
			[XENLET_EXIT_CRASH] = "crashed", [XENLET_EXIT_FAULT] = "faulted",
		};
		fprintf(stderr, "xenlet: %s %s: restarting it\n", cfg->name, events[status]);
		fflush(stdout);
		fflush(stderr);
		/* argv is main's from the command on: put the program back. */
		char **again = calloc((size_t)argc + 2, sizeof *again);
		if (again) {
			again[0] = "xenlet";
			memcpy(again + 1, argv, (size_t)argc * sizeof *argv);
			execv("/proc/self/exe", again);
		}
		perror("xenlet: restarting");
		status = XENLET_EXIT_INTERNAL;
	}
	xl_config_free(cfg);
	free(cfg);
	return status;
}

/* ---- check-config ---------------------------------------------------- */

/* kernel (named as label) loads and fits in memory_mib. */
static bool check_image(const char *kernel, const char *label, uint64_t memory_mib)
{
	struct xen_image img;
	char err[256];
	if (xen_image_load_file(kernel, &img, err, sizeof err)) {
		printf("kernel %s: cannot run: %s\n", label, err);
		return false;
	}
	bool ok = !xen_image_check_fits(&img, memory_mib << 20, err, sizeof err);
	if (ok)
		printf("kernel %s: can run: a Xen PV kernel (guest_os %s, xen_version %s, "
		       "notes %s)\n", label, img.guest_os[0] ? img.guest_os : "-",
		       img.xen_version[0] ? img.xen_version : "-",
		       img.legacy_xen_guest ? "from __xen_guest" : "as ELF notes");
	else
		printf("kernel %s: cannot run in %llu MiB: %s\n", label,
		       (unsigned long long)memory_mib, err);
	xen_image_free(&img);
	return ok;
}

/* The kernel= given, or the one pygrub would boot from the first disk. */
static bool check_kernel(const struct xl_config *cfg)
{
	if (cfg->kernel)
		return check_image(cfg->kernel, cfg->kernel, cfg->memory_mib);
	if (!cfg->run.bootloader)
		return false;
	struct xenlet_config booted;
	struct pygrub_boot boot;
	if (boot_disk_configure(&cfg->run, &booted, &boot)) {
		printf("kernel: pygrub finds none to boot on the first disk (why above)\n");
		return false;
	}
	char label[BOOT_PATH_MAX + BOOT_TITLE_MAX + 64];
	snprintf(label, sizeof label, "%s (pygrub: '%s' on the first disk)",
		 boot.entry.kernel, boot.entry.title);
	bool ok = check_image(booted.kernel, label, cfg->memory_mib);
	pygrub_boot_release(&boot);
	return ok;
}

static bool on_path(const char *program)
{
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		char full[4096];
		snprintf(full, sizeof full, "%.*s/%s", (int)n, path, program);
		if (n && access(full, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

/* Files the guest needs at start: the ramdisk and the disks' targets. */
static bool check_files(const struct xl_config *cfg)
{
	bool ok = true;
	if (cfg->ramdisk && access(cfg->ramdisk, R_OK)) {
		printf("ramdisk %s: cannot be read: %m\n", cfg->ramdisk);
		ok = false;
	}
	for (unsigned i = 0; i < cfg->nr_disks; i++) {
		const struct disk_spec *d = &cfg->disks[i];
		if (!strncmp(d->target, "nbd:", 4) || !strncmp(d->target, "nbd+", 4))
			continue; /* an NBD server is reached at start */
		if (cfg->disk_formats[i]) {
			if (on_path("qemu-nbd"))
				printf("disk %s: %s (%s) is served through qemu-nbd\n", d->vdev,
				       d->target, cfg->disk_formats[i]);
			else {
				printf("disk %s: %s is %s: it needs qemu-nbd, which is not "
				       "installed (Debian: qemu-utils)\n", d->vdev, d->target,
				       cfg->disk_formats[i]);
				ok = false;
			}
		}
		if (access(d->target, d->readonly ? R_OK : R_OK | W_OK)) {
			printf("disk %s: %s cannot be %s: %m\n", d->vdev, d->target,
			       d->readonly ? "read" : "read and written");
			ok = false;
		}
	}
	return ok;
}

int xl_cmd_check_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		printf("usage: xenlet check-config FILE [KEY=VALUE...]\n"
		       "  one line per key: used, ignored (why) or not supported (why);\n"
		       "  then whether the kernel can run; exit 0 if the guest can start\n");
		return c == 'h' ? 0 : 1;
	}
	const char *file;
	char **overrides;
	unsigned nr;
	if (file_and_overrides(argc, argv, "check-config", &file, &overrides, &nr))
		return 1;
	struct xl_config *cfg = malloc(sizeof *cfg);
	if (!cfg) {
		perror("xenlet");
		return 1;
	}
	/* Messages and verdicts on one stream, in the order they arise. */
	int r = xl_config_read_file(cfg, file, overrides, nr, stdout);
	for (unsigned i = 0; i < cfg->nr_keys; i++) {
		const struct xl_key_note *n = &cfg->keys[i];
		if (n->from_command_line)
			printf("%s: command line: %s: %s", file, n->name,
			       xl_key_verdict_name(n->verdict));
		else
			printf("%s:%u: %s: %s", file, n->line, n->name,
			       xl_key_verdict_name(n->verdict));
		if (n->why[0])
			printf(" (%s)", n->why);
		putchar('\n');
	}
	bool can_start = r == 0;
	if (cfg->nr_keys || cfg->kernel || cfg->run.bootloader) {
		can_start &= check_kernel(cfg);
		can_start &= check_files(cfg);
	}
	if (can_start)
		printf("%s: the guest can start\n", file);
	else if (cfg->nr_errors)
		printf("%s: the guest cannot start (%u error%s in the file)\n", file,
		       cfg->nr_errors, cfg->nr_errors == 1 ? "" : "s");
	else
		printf("%s: the guest cannot start (the files above)\n", file);
	xl_config_free(cfg);
	free(cfg);
	return can_start ? 0 : 1;
}
