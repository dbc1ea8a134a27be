/*
 * xenlet: run Xen PV guests on KVM.  Commands are a table; `run` fills one
 * config struct from its options.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pv-shim/shim_abi.h"
#include "emu/config.h"
#include "toolstack/lifecycle_cmds.h"
#include "emu/launcher_options.h"
#include "toolstack/xl_commands.h"

static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: xenlet run KERNEL [options]\n"
		"       xenlet run --bootloader pygrub --disk IMAGE [options]\n"
		"  --bootloader pygrub   boot the first disk's default grub entry\n"
		"                        (grub.cfg or menu.lst; --cmdline replaces\n"
		"                        its arguments)\n"
		"  --ramdisk FILE        initial ramdisk (module 0)\n"
		"  --cmdline STR         kernel command line\n"
		"  --memory MIB          guest RAM in MiB (default %d)\n"
		"  --vcpus N             virtual CPUs, 1 to 32 (default 1)\n"
		"  --trap-path PATH      where the hypercall/trap core runs:\n"
		"                        guest (in the shim), host (in the launcher)\n"
		"                        or auto (measured at start-up; default)\n"
		"  --evtchn ABI          event channels offered: fifo (FIFO and\n"
		"                        2-level, the guest picks; default, as Xen)\n"
		"                        or 2l (FIFO's hypercalls say -ENOSYS)\n"
		"  --stats               print transitions and VM exits at exit\n"
		"  --trace FILE          record every VM exit into FILE (binary;\n"
		"                        read it with scripts/trace-report)\n"
		"  --trace-hypercalls    print each hypercall, its arguments and\n"
		"                        result on stderr\n"
		"  --strict              print each kind of departure from Xen the\n"
		"                        guest meets, and their counts at exit\n"
		"  --timer-gap MS        least time between a vCPU's one-shot timer\n"
		"                        events (default: 20 in the guest trap path,\n"
		"                        where each costs milliseconds; 0 elsewhere)\n"
		"  --xenstore-socket P   serve the embedded xenstore to dom0 tools\n"
		"                        (xenstore-ls etc. with XENSTORED_PATH=P)\n"
		"  --disk TARGET[,vdev=NAME][,ro][,cdrom][,direct]\n"
		"                        a PV disk (repeatable, up to %d): an image\n"
		"                        file, a block device, or an NBD URI\n"
		"                        (nbd://HOST[:PORT]/EXPORT,\n"
		"                        nbd+unix:///EXPORT?socket=PATH: qcow2 and\n"
		"                        other formats through qemu-nbd); vdev as xl\n"
		"                        names it (default xvda, xvdb, ...); ro: the\n"
		"                        guest cannot write it; cdrom: a read-only\n"
		"                        CD-ROM (xl's devtype=cdrom); direct: O_DIRECT\n"
		"  --net user[,hostfwd=[tcp|udp]:[HADDR]:HPORT-[GADDR]:GPORT][,net=A/P]\n"
		"        [,restrict=on][,mac=MAC][,gso=off]\n"
		"  --net tap[,ifname=NAME][,bridge=BR][,queues=N][,mac=MAC][,gso=off]\n"
		"  --net none\n"
		"                        a PV network interface (repeatable, up to\n"
		"                        %d: vif0, vif1...): user-mode networking\n"
		"                        (QEMU's: 10.0.2.0/24, host 10.0.2.2, DNS\n"
		"                        10.0.2.3, DHCP 10.0.2.15; the default) or a\n"
		"                        tap on the host, attached to bridge BR\n"
		"  --name NAME           the domain's name (default xenlet-guest,\n"
		"                        -2, -3... if taken): its control socket\n"
		"                        for `xenlet list`, `shutdown NAME` etc.\n"
		"  -d, --daemonize       detach once the domain runs; xenlet's\n"
		"                        messages and the console go to the log\n"
		"  --log FILE            the log of -d (default NAME.log in the\n"
		"                        runtime directory)\n"
		"  --on-reboot ACTION    when the guest reboots: exit (status 2;\n"
		"                        the default) or restart (boot it again\n"
		"                        in this process, as xl's on_reboot)\n"
		"console: the guest's hvc0 is xenlet's stdout and stdin (raw on a\n"
		"         terminal: Ctrl-C goes to the guest); Ctrl-] ends the session\n"
		"exit status: 0 poweroff, 1 set-up error, 2 reboot, 3 guest crash,\n"
		"             4 guest fault, 5 internal error, 6 Ctrl-] on the console,\n"
		"             128+N signal N\n",
		XENLET_DEFAULT_MEMORY_MIB, XENLET_MAX_DISKS, XENLET_MAX_NETS);
}

static int parse_number(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (!*s || *end || v < min || v > max || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

/* One --net: appended to nets, or "none" (which must stand alone). */
static int parse_net(const char *arg, struct net_spec *nets, struct xenlet_config *cfg,
		     bool *given, bool *none)
{
	char err[256];
	struct net_spec spec;
	if (net_spec_parse(arg, cfg->nr_nets, &spec, err, sizeof err)) {
		fprintf(stderr, "xenlet: --net %s: %s\n", arg, err);
		return -1;
	}
	if (spec.kind == NET_KIND_NONE ? *given : *none) {
		fprintf(stderr, "xenlet: --net none cannot go with other --net\n");
		return -1;
	}
	*given = true;
	if (spec.kind == NET_KIND_NONE) {
		*none = true;
		return 0;
	}
	if (cfg->nr_nets == XENLET_MAX_NETS) {
		fprintf(stderr, "xenlet: at most %d --net\n", XENLET_MAX_NETS);
		return -1;
	}
	nets[cfg->nr_nets] = spec;
	cfg->nets = nets;
	cfg->nr_nets++;
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ramdisk", required_argument, NULL, 'r' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "memory", required_argument, NULL, 'm' },
		{ "vcpus", required_argument, NULL, 'v' },
		LAUNCHER_LONG_OPTIONS,
		{ "disk", required_argument, NULL, 'k' },
		{ "net", required_argument, NULL, 'n' },
		{ "name", required_argument, NULL, 'N' },
		{ "on-reboot", required_argument, NULL, 'R' },
		{ "bootloader", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xenlet_config cfg = {
		.memory_mib = XENLET_DEFAULT_MEMORY_MIB,
		.vcpus = 1,
		.trap_path = TRAP_PATH_AUTO,
		.evtchn_abi = EVTCHN_ABI_FIFO,
		.cmdline = "",
	};
	static struct disk_spec disks[XENLET_MAX_DISKS];
	static struct net_spec nets[XENLET_MAX_NETS];
	bool net_given = false, net_none = false;
	char err[256];
	uint64_t n;
	int c;
	while ((c = getopt_long(argc, argv, LAUNCHER_SHORT_OPTIONS, opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			cfg.ramdisk = optarg;
			break;
		case 'c':
			cfg.cmdline = optarg;
			break;
		case 'm':
			/* at least room for a kernel; at most what one L4 slot
			 * of physmap (and our page-table budget) covers */
			if (parse_number(optarg, 4, 500 * 1024, &n) || n % 2) {
				fprintf(stderr, "xenlet: --memory wants an even number "
					"of MiB from 4 to 512000\n");
				return XENLET_EXIT_SETUP;
			}
			cfg.memory_mib = n;
			break;
		case 'v':
			if (parse_number(optarg, 1, SHIM_MAX_VCPUS, &n)) {
				fprintf(stderr, "xenlet: --vcpus wants a number from 1 "
					"to %u\n", SHIM_MAX_VCPUS);
				return XENLET_EXIT_SETUP;
			}
			cfg.vcpus = (unsigned)n;
			break;
		case LAUNCHER_OPT_TRAP_PATH:
		case LAUNCHER_OPT_EVTCHN:
		case LAUNCHER_OPT_STATS:
		case LAUNCHER_OPT_XENSTORE_SOCKET:
		case LAUNCHER_OPT_DAEMONIZE:
		case LAUNCHER_OPT_LOG:
		case LAUNCHER_OPT_TRACE:
		case LAUNCHER_OPT_TRACE_HYPERCALLS:
		case LAUNCHER_OPT_STRICT:
		case LAUNCHER_OPT_TIMER_GAP:
			if (launcher_option_apply(c, optarg, &cfg))
				return XENLET_EXIT_SETUP;
			break;
		case 'k':
			if (cfg.nr_disks == XENLET_MAX_DISKS) {
				fprintf(stderr, "xenlet: at most %d disks\n", XENLET_MAX_DISKS);
				return XENLET_EXIT_SETUP;
			}
			if (disk_spec_parse(optarg, cfg.nr_disks, &disks[cfg.nr_disks],
					    err, sizeof err)) {
				fprintf(stderr, "xenlet: --disk %s: %s\n", optarg, err);
				return XENLET_EXIT_SETUP;
			}
			for (unsigned i = 0; i < cfg.nr_disks; i++)
				if (disks[i].devid == disks[cfg.nr_disks].devid) {
					fprintf(stderr, "xenlet: --disk %s: %s is already "
						"disk %u's name\n", optarg,
						disks[cfg.nr_disks].vdev, i + 1);
					return XENLET_EXIT_SETUP;
				}
			cfg.disks = disks;
			cfg.nr_disks++;
			break;
		case 'n':
			if (parse_net(optarg, nets, &cfg, &net_given, &net_none))
				return XENLET_EXIT_SETUP;
			break;
		case 'N':
			cfg.name = optarg;
			break;
		case 'R':
			if (strcmp(optarg, "exit") && strcmp(optarg, "restart")) {
				fprintf(stderr, "xenlet: --on-reboot is exit or restart\n");
				return XENLET_EXIT_SETUP;
			}
			cfg.restart_on_reboot = !strcmp(optarg, "restart");
			break;
		case 'b':
			cfg.bootloader = optarg;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			run_usage(stderr);
			return XENLET_EXIT_SETUP;
		}
	}
	/* With a boot loader the kernel comes from the disk. */
	if (optind != argc - !cfg.bootloader) {
		run_usage(stderr);
		return XENLET_EXIT_SETUP;
	}
	cfg.kernel = cfg.bootloader ? NULL : argv[optind];
	if (!net_given) {
		/* As QEMU: one user-mode interface unless told otherwise. */
		if (net_spec_parse("user", 0, &nets[0], err, sizeof err)) {
			fprintf(stderr, "xenlet: the default network: %s\n", err);
			return XENLET_EXIT_SETUP;
		}
		cfg.nets = nets;
		cfg.nr_nets = 1;
	}
	return xenlet_run(&cfg);
}

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "run", cmd_run, "boot a Xen PV kernel" },
	LIFECYCLE_COMMANDS
	{ "create", xl_cmd_create, "boot the guest an xl config file describes" },
	{ "check-config", xl_cmd_check_config, "say what xenlet makes of an xl config file" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: xenlet COMMAND [args]\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return XENLET_EXIT_SETUP;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "xenlet: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return XENLET_EXIT_SETUP;
}
