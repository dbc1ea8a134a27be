/*
 * xl configs as xl reads them (toolstack/xl_config.h): real-world files of
 * several styles (Debian's xen-tools, key=value disks, old xm files),
 * KEY=VALUE overrides, and hostile or broken ones (syntax errors, wrong
 * types, huge values, unknown keys), asserting the exact config made and
 * the exact messages said.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "toolstack/xl_config.h"

/* One parse: the config, what it said, and its result. */
struct parsed {
	struct xl_config cfg;
	char *diag;
	size_t diag_len;
	int ret;
};

static struct parsed *parse_with(const char *text, char *const *overrides, unsigned nr)
{
	struct parsed *p = calloc(1, sizeof *p);
	ck_assert_ptr_nonnull(p);
	FILE *diag = open_memstream(&p->diag, &p->diag_len);
	ck_assert_ptr_nonnull(diag);
	p->ret = xl_config_parse(&p->cfg, "t.cfg", text, strlen(text), overrides, nr, diag);
	fclose(diag);
	return p;
}

static struct parsed *parse(const char *text)
{
	return parse_with(text, NULL, 0);
}

static void done(struct parsed *p)
{
	xl_config_free(&p->cfg);
	free(p->diag);
	free(p);
}

static const struct xl_key_note *note(const struct parsed *p, const char *key)
{
	for (unsigned i = 0; i < p->cfg.nr_keys; i++)
		if (!strcmp(p->cfg.keys[i].name, key))
			return &p->cfg.keys[i];
	ck_abort_msg("no note for %s", key);
	return NULL;
}

static void verdict_is(const struct parsed *p, const char *key, enum xl_key_verdict v,
		       const char *why)
{
	const struct xl_key_note *n = note(p, key);
	ck_assert_msg(n->verdict == v, "%s: verdict %s, expected %s", key,
		      xl_key_verdict_name(n->verdict), xl_key_verdict_name(v));
	ck_assert_str_eq(n->why, why);
}

static void mac_is(const struct net_spec *n, const char *mac)
{
	char s[18];
	net_mac_format(n->mac, s);
	ck_assert_str_eq(s, mac);
}

/* As Debian's xen-create-image writes them (xen-tools 4.9). */
static const char xen_tools_cfg[] =
	"#\n"
	"# Configuration file for the Xen instance web1, created\n"
	"# by xen-tools 4.9 on Thu Jan  1 00:00:00 2026.\n"
	"#\n"
	"\n"
	"#\n"
	"#  Kernel + memory size\n"
	"#\n"
	"kernel      = '/boot/vmlinuz-6.1.0-13-amd64'\n"
	"extra       = 'elevator=noop'\n"
	"ramdisk     = '/boot/initrd.img-6.1.0-13-amd64'\n"
	"\n"
	"vcpus       = '2'\n"
	"memory      = '256'\n"
	"\n"
	"#\n"
	"#  Disk device(s).\n"
	"#\n"
	"root        = '/dev/xvda2 ro'\n"
	"disk        = [\n"
	"                  'file:/srv/xen/domains/web1/disk.img,xvda2,w',\n"
	"                  'file:/srv/xen/domains/web1/swap.img,xvda1,w',\n"
	"              ]\n"
	"\n"
	"#\n"
	"#  Hostname\n"
	"#\n"
	"name        = 'web1'\n"
	"\n"
	"#\n"
	"#  Networking\n"
	"#\n"
	"dhcp        = 'dhcp'\n"
	"vif         = [ 'mac=00:16:3E:6A:4B:2C' ]\n"
	"\n"
	"#\n"
	"#  Behaviour\n"
	"#\n"
	"on_poweroff = 'destroy'\n"
	"on_reboot   = 'restart'\n"
	"on_crash    = 'restart'\n";

START_TEST(debian_xen_tools)
{
	struct parsed *p = parse(xen_tools_cfg);
	ck_assert_str_eq(p->diag, "t.cfg:33: warning: dhcp: ignored: an xm option: the "
			 "guest configures its own network\n");
	ck_assert_int_eq(p->ret, 0);
	const struct xl_config *c = &p->cfg;
	ck_assert_str_eq(c->name, "web1");
	ck_assert_str_eq(c->kernel, "/boot/vmlinuz-6.1.0-13-amd64");
	ck_assert_str_eq(c->ramdisk, "/boot/initrd.img-6.1.0-13-amd64");
	/* xl: "root=ROOT EXTRA" */
	ck_assert_str_eq(c->cmdline, "root=/dev/xvda2 ro elevator=noop");
	ck_assert_uint_eq(c->memory_mib, 256);
	ck_assert_uint_eq(c->maxmem_mib, 256);
	ck_assert_uint_eq(c->vcpus, 2);
	ck_assert_ptr_null(c->uuid);
	ck_assert_uint_eq(c->nr_disks, 2);
	ck_assert_str_eq(c->disks[0].target, "/srv/xen/domains/web1/disk.img");
	ck_assert_str_eq(c->disks[0].vdev, "xvda2");
	ck_assert_uint_eq(c->disks[0].devid, 51714);
	ck_assert(!c->disks[0].readonly);
	ck_assert_str_eq(c->disks[1].target, "/srv/xen/domains/web1/swap.img");
	ck_assert_uint_eq(c->disks[1].devid, 51713);
	ck_assert_uint_eq(c->nr_nets, 1);
	ck_assert_int_eq(c->nets[0].kind, NET_KIND_USER);
	mac_is(&c->nets[0], "00:16:3e:6a:4b:2c");
	ck_assert_int_eq(c->on_poweroff, XL_ACTION_DESTROY);
	ck_assert_int_eq(c->on_reboot, XL_ACTION_RESTART);
	ck_assert_int_eq(c->on_crash, XL_ACTION_RESTART);

	/* What xenlet_run is given. */
	ck_assert_str_eq(c->run.kernel, c->kernel);
	ck_assert_str_eq(c->run.ramdisk, c->ramdisk);
	ck_assert_str_eq(c->run.cmdline, c->cmdline);
	ck_assert_str_eq(c->run.name, "web1");
	ck_assert_uint_eq(c->run.memory_mib, 256);
	ck_assert_uint_eq(c->run.vcpus, 2);
	ck_assert_ptr_eq(c->run.disks, c->disks);
	ck_assert_uint_eq(c->run.nr_disks, 2);
	ck_assert_ptr_eq(c->run.nets, c->nets);
	ck_assert_uint_eq(c->run.nr_nets, 1);

	/* Every key, on the line of its setting, in the file's order. */
	static const struct { const char *key; unsigned line; } order[] = {
		{ "kernel", 9 }, { "extra", 10 }, { "ramdisk", 11 }, { "vcpus", 13 },
		{ "memory", 14 }, { "root", 19 }, { "disk", 20 }, { "name", 28 },
		{ "dhcp", 33 }, { "vif", 34 }, { "on_poweroff", 39 }, { "on_reboot", 40 },
		{ "on_crash", 41 },
	};
	ck_assert_uint_eq(c->nr_keys, sizeof order / sizeof order[0]);
	for (unsigned i = 0; i < c->nr_keys; i++) {
		ck_assert_str_eq(c->keys[i].name, order[i].key);
		ck_assert_uint_eq(c->keys[i].line, order[i].line);
		ck_assert(!c->keys[i].from_command_line);
	}
	verdict_is(p, "kernel", XL_KEY_USED, "");
	verdict_is(p, "root", XL_KEY_USED, "the command line's root=");
	verdict_is(p, "extra", XL_KEY_USED, "the command line");
	verdict_is(p, "disk", XL_KEY_USED, "2 disks");
	verdict_is(p, "vif", XL_KEY_USED, "0 on a bridge's tap, 1 on user-mode networking");
	verdict_is(p, "dhcp", XL_KEY_IGNORED, "an xm option: the guest configures its own network");
	done(p);
}
END_TEST

START_TEST(key_value_disks)
{
	struct parsed *p = parse(
		"name = \"kv\"\n"
		"type = \"pv\"\n"
		"kernel = \"/k\"\n"
		"cmdline = \"console=hvc0 root=/dev/xvda\"\n"
		"uuid = \"3F2504E0-4F89-11D3-9A0C-0305E82C3301\"\n"
		"disk = [ 'format=raw, vdev=xvda, access=rw, target=/images/x.img',\n"
		"         'vdev=xvdb,access=ro,target=/images/y,with,commas.img',\n"
		"         'phy:/dev/vg0/data,xvdc,r',\n"
		"         '/plain.img,raw,hdd,w' ]\n"
		"memory = 1024\n"
		"maxmem = 1024\n"
		"vcpus = 4\n"
		"maxvcpus = 4\n"
		"localtime = 0\n");
	ck_assert_str_eq(p->diag, "");
	ck_assert_int_eq(p->ret, 0);
	const struct xl_config *c = &p->cfg;
	ck_assert_str_eq(c->cmdline, "console=hvc0 root=/dev/xvda");
	ck_assert_str_eq(c->uuid, "3f2504e0-4f89-11d3-9a0c-0305e82c3301");
	ck_assert_str_eq(c->run.uuid, c->uuid);
	ck_assert_uint_eq(c->nr_disks, 4);
	ck_assert_str_eq(c->disks[0].target, "/images/x.img");
	ck_assert_str_eq(c->disks[0].vdev, "xvda");
	ck_assert_uint_eq(c->disks[0].devid, 51712);
	ck_assert(!c->disks[0].readonly);
	/* target= takes the rest of the spec, commas and all, as in xl */
	ck_assert_str_eq(c->disks[1].target, "/images/y,with,commas.img");
	ck_assert(c->disks[1].readonly);
	ck_assert_str_eq(c->disks[2].target, "/dev/vg0/data");
	ck_assert(c->disks[2].readonly);
	ck_assert_str_eq(c->disks[3].target, "/plain.img");
	ck_assert_str_eq(c->disks[3].vdev, "hdd");
	ck_assert_uint_eq(c->disks[3].devid, 22 << 8 | 64); /* hdc, hdd: major 22 */
	for (unsigned i = 0; i < c->nr_disks; i++)
		ck_assert(!c->disks[i].cdrom);
	ck_assert_uint_eq(c->memory_mib, 1024);
	ck_assert_uint_eq(c->vcpus, 4);
	ck_assert_uint_eq(c->maxvcpus, 4);
	ck_assert_uint_eq(c->nr_nets, 0); /* no vif=: no vif, as xl */
	verdict_is(p, "type", XL_KEY_USED, "");
	verdict_is(p, "maxmem", XL_KEY_USED, "");
	verdict_is(p, "localtime", XL_KEY_USED, "");
	done(p);
}
END_TEST

/* devtype=cdrom and xl's positional ":cdrom": read-only CD-ROM drives,
 * even when the spec says w (libxl makes them read-only too). */
START_TEST(cdrom_disks)
{
	struct parsed *p = parse(
		"name = \"cd\"\n"
		"kernel = \"/k\"\n"
		"disk = [ '/x.img,raw,xvda,w',\n"
		"         '/iso/debian.iso,raw,hdc,r,devtype=cdrom',\n"
		"         'format=raw, vdev=xvdd, access=rw, devtype=cdrom, target=/d.iso',\n"
		"         'file:/e.iso,hdb:cdrom,r' ]\n");
	ck_assert_str_eq(p->diag, "");
	ck_assert_int_eq(p->ret, 0);
	const struct xl_config *c = &p->cfg;
	ck_assert_uint_eq(c->nr_disks, 4);
	ck_assert(!c->disks[0].cdrom && !c->disks[0].readonly);
	ck_assert_str_eq(c->disks[1].target, "/iso/debian.iso");
	ck_assert_str_eq(c->disks[1].vdev, "hdc");
	ck_assert(c->disks[1].cdrom && c->disks[1].readonly);
	ck_assert_str_eq(c->disks[2].target, "/d.iso");
	ck_assert(c->disks[2].cdrom && c->disks[2].readonly);
	ck_assert_str_eq(c->disks[3].target, "/e.iso");
	ck_assert_str_eq(c->disks[3].vdev, "hdb");
	ck_assert(c->disks[3].cdrom && c->disks[3].readonly);
	verdict_is(p, "disk", XL_KEY_USED, "4 disks");
	done(p);
}
END_TEST

/* localtime = 1: the host's UTC offset (here a zone 5 h east of UTC)
 * added to the wallclock; 0 (and no key): none. */
START_TEST(localtime_offset)
{
	setenv("TZ", "XLT-5", 1);
	tzset();
	struct parsed *p = parse("name='t'\nkernel='/k'\nlocaltime=1\n");
	ck_assert_str_eq(p->diag, "");
	ck_assert_int_eq(p->ret, 0);
	ck_assert(p->cfg.localtime);
	ck_assert_int_eq(p->cfg.run.wallclock_offset_s, 5 * 3600);
	verdict_is(p, "localtime", XL_KEY_USED, "the wallclock is the host's local time "
		   "(UTC+18000 s)");
	done(p);
	p = parse("name='t'\nkernel='/k'\nlocaltime=0\n");
	ck_assert_int_eq(p->ret, 0);
	ck_assert_int_eq(p->cfg.run.wallclock_offset_s, 0);
	done(p);
	unsetenv("TZ");
	tzset();
}
END_TEST

/* Old xm files: Python-looking assignments xl still reads. */
START_TEST(xm_style)
{
	struct parsed *p = parse(
		"# -*- mode: python; -*-\n"
		"kernel = \"/boot/vmlinuz-2.6.18-xen\"\n"
		"ramdisk = \"/boot/initrd-2.6.18-xen.img\"\n"
		"memory = 512\n"
		"name = \"old\"\n"
		"vif = [ 'mac=00:16:3e:00:00:01, bridge=xenbr0',\n"
		"        'bridge=xenbr1,vifname=old-eth1, script=vif-bridge' ]\n"
		"disk = [ 'phy:/dev/vg0/old-root,sda1,w', 'tap:aio:/srv/old-swap.img,sda2,w' ]\n"
		"root = \"/dev/sda1 ro\"\n"
		"extra = \"4\"\n"
		"on_reboot = 'restart'; on_crash = 'destroy'\n"
		"builder = 'linux'\n");
	ck_assert_str_eq(p->diag,
		"t.cfg:6: warning: vif: vif[1]: script=vif-bridge ignored: xenlet attaches "
		"the tap to the bridge itself\n");
	ck_assert_int_eq(p->ret, 0);
	const struct xl_config *c = &p->cfg;
	ck_assert_str_eq(c->cmdline, "root=/dev/sda1 ro 4");
	ck_assert_uint_eq(c->nr_disks, 2);
	ck_assert_str_eq(c->disks[0].target, "/dev/vg0/old-root");
	ck_assert_uint_eq(c->disks[0].devid, 8 << 8 | 1);
	ck_assert_str_eq(c->disks[1].target, "/srv/old-swap.img");
	ck_assert_uint_eq(c->nr_nets, 2);
	ck_assert_int_eq(c->nets[0].kind, NET_KIND_TAP);
	ck_assert_str_eq(c->nets[0].bridge, "xenbr0");
	ck_assert_str_eq(c->nets[0].ifname, "");
	mac_is(&c->nets[0], "00:16:3e:00:00:01");
	ck_assert_uint_eq(c->nets[0].handle, 0);
	ck_assert_int_eq(c->nets[1].kind, NET_KIND_TAP);
	ck_assert_str_eq(c->nets[1].bridge, "xenbr1");
	ck_assert_str_eq(c->nets[1].ifname, "old-eth1");
	ck_assert_uint_eq(c->nets[1].handle, 1);
	ck_assert_int_eq(c->on_crash, XL_ACTION_DESTROY);
	/* two statements on line 11 */
	ck_assert_uint_eq(note(p, "on_reboot")->line, 11);
	ck_assert_uint_eq(note(p, "on_crash")->line, 11);
	verdict_is(p, "builder", XL_KEY_USED, "a PV domain");
	done(p);
}
END_TEST

START_TEST(cmdline_wins_over_root_and_extra)
{
	struct parsed *p = parse("name='a'\nkernel='/k'\nroot='/dev/xvda1'\nextra='quiet'\n"
				 "cmdline='console=hvc0'\n");
	ck_assert_str_eq(p->diag,
		"t.cfg:3: warning: root: ignored in favour of cmdline=, as xl does\n"
		"t.cfg:4: warning: extra: ignored in favour of cmdline=, as xl does\n");
	ck_assert_int_eq(p->ret, 0);
	ck_assert_str_eq(p->cfg.cmdline, "console=hvc0");
	verdict_is(p, "root", XL_KEY_IGNORED, "cmdline= wins, as in xl");
	done(p);

	p = parse("name='a'\nkernel='/k'\nroot='/dev/xvda1'\n");
	ck_assert_str_eq(p->cfg.cmdline, "root=/dev/xvda1");
	done(p);
	p = parse("name='a'\nkernel='/k'\nextra='console=hvc0 quiet'\n");
	ck_assert_str_eq(p->cfg.cmdline, "console=hvc0 quiet");
	done(p);
	p = parse("name='a'\nkernel='/k'\n");
	ck_assert_str_eq(p->cfg.cmdline, "");
	ck_assert_str_eq(p->cfg.run.cmdline, "");
	ck_assert_uint_eq(p->cfg.memory_mib, XENLET_DEFAULT_MEMORY_MIB);
	ck_assert_uint_eq(p->cfg.vcpus, 1);
	ck_assert_int_eq(p->cfg.on_reboot, XL_ACTION_RESTART); /* xl's defaults */
	ck_assert_int_eq(p->cfg.on_crash, XL_ACTION_DESTROY);
	done(p);
}
END_TEST

/* KEY=VALUE after the file, as `xl create FILE memory=1024` appends them. */
START_TEST(command_line_overrides)
{
	char *ov[] = { "memory=1024", "extra=\"console=hvc0 quiet\"",
		       "vif=['bridge=br9']", "bogus=1" };
	struct parsed *p = parse_with("name='a'\nkernel='/k'\nmemory=256\nextra='x'\n", ov, 4);
	ck_assert_str_eq(p->diag,
		"t.cfg: command line: warning: bogus: ignored: not an xl key xenlet knows\n");
	ck_assert_int_eq(p->ret, 0);
	ck_assert_uint_eq(p->cfg.memory_mib, 1024);
	ck_assert_str_eq(p->cfg.cmdline, "console=hvc0 quiet");
	ck_assert_uint_eq(p->cfg.nr_nets, 1);
	ck_assert_str_eq(p->cfg.nets[0].bridge, "br9");
	ck_assert(note(p, "memory")->from_command_line);
	ck_assert(!note(p, "name")->from_command_line);
	done(p);

	/* A file without a final newline still ends before the override. */
	char *ov2[] = { "vcpus=3" };
	p = parse_with("name='a'\nkernel='/k'\nvcpus=1", ov2, 1);
	ck_assert_int_eq(p->ret, 0);
	ck_assert_uint_eq(p->cfg.vcpus, 3);
	done(p);
}
END_TEST

START_TEST(warnings_for_what_is_not_done)
{
	struct parsed *p = parse(
		"name='w'\nkernel='/k'\nmemory=255\nmaxmem=2048\nvcpus=2\nmaxvcpus=8\n"
		"on_poweroff='preserve'\non_crash='coredump-restart'\n"
		"on_reboot='rename-restart'\nlocaltime=0\nbootloader='pygrub'\n"
		"vfb=['vnc=1']\npci=['01:00.0']\n"
		"vif=['ip=192.0.2.9, rate=10Mb/s, vifname=v0, frob=2']\n");
	/* In the order the keys are read, each naming its line. */
	ck_assert_str_eq(p->diag,
		"t.cfg:11: warning: bootloader: 'pygrub' not run: kernel= is booted directly\n"
		"t.cfg:3: warning: memory: 255 MiB rounded up to 256: xenlet gives guests an "
		"even number of MiB\n"
		"t.cfg:4: warning: maxmem: no growing past memory=: the guest has memory= (256 MiB) and "
		"cannot grow to 2048 MiB\n"
		"t.cfg:6: warning: maxvcpus: no vCPU hot-plug: the guest has vcpus= (2) and "
		"cannot bring up 8\n"
		"t.cfg:7: warning: on_poweroff: preserve not supported: the domain is destroyed "
		"instead\n"
		"t.cfg:8: warning: on_crash: no core dump is written: the guest restarts\n"
		"t.cfg:14: warning: vif: vif[0]: rate=10Mb/s ignored: no rate limit\n"
		"t.cfg:14: warning: vif: vif[0]: frob=2 ignored: not a vif option xenlet knows\n"
		"t.cfg:14: warning: vif: vif[0]: vifname=v0 ignored: without bridge= the vif is "
		"on user-mode networking, with no host interface\n"
		"t.cfg:14: warning: vif: vif[0]: ip=192.0.2.9 noted only: the guest sets its own "
		"address (user-mode networking offers 10.0.2.15 by DHCP)\n"
		"t.cfg:12: warning: vfb: ignored: no framebuffer: the console is stdout and stdin\n"
		"t.cfg:13: warning: pci: not supported: no PCI passthrough: the guest starts "
		"without the devices\n");
	/* Warnings only: the guest starts. */
	ck_assert_int_eq(p->ret, 0);
	const struct xl_config *c = &p->cfg;
	ck_assert_uint_eq(c->memory_mib, 256);
	ck_assert_uint_eq(c->maxmem_mib, 2048);
	ck_assert_uint_eq(c->vcpus, 2);
	ck_assert_uint_eq(c->maxvcpus, 8);
	ck_assert_int_eq(c->on_poweroff, XL_ACTION_DESTROY);
	ck_assert_int_eq(c->on_reboot, XL_ACTION_RESTART);
	ck_assert_int_eq(c->on_crash, XL_ACTION_RESTART);
	ck_assert_str_eq(c->bootloader, "pygrub");
	ck_assert_int_eq(c->nets[0].kind, NET_KIND_USER);
	verdict_is(p, "bootloader", XL_KEY_IGNORED, "kernel= is booted directly");
	verdict_is(p, "maxmem", XL_KEY_IGNORED, "no growing past memory=: the guest keeps memory= (256 MiB)");
	verdict_is(p, "on_reboot", XL_KEY_USED, "as restart: nothing is kept to rename");
	verdict_is(p, "on_poweroff", XL_KEY_UNSUPPORTED, "preserve: the domain is destroyed instead");
	verdict_is(p, "pci", XL_KEY_UNSUPPORTED, "no PCI passthrough: the guest starts without "
		   "the devices");
	done(p);
}
END_TEST


/* One broken file: exactly these messages, and no guest. */
static void refused(const char *text, const char *diag)
{
	struct parsed *p = parse(text);
	ck_assert_str_eq(p->diag, diag);
	ck_assert_int_eq(p->ret, -1);
	ck_assert_uint_gt(p->cfg.nr_errors, 0);
	done(p);
}

START_TEST(syntax_errors)
{
	/* libxlutil's own words, with file and line. */
	refused("name='a'\nkernel='/k'\nmemory = 12 34\n",
		"t.cfg:3: config parsing error near `34': syntax error, unexpected NUMBER, "
		"expecting $end\n");
	refused("name='a'\nkernel='/k'\ndisk = [ 'x'\n",
		"t.cfg:4: config parsing error near `': syntax error, unexpected $end, "
		"expecting ']'\n");
	refused("name='unterminated\n",
		"t.cfg:1: config parsing error near `'unterminated': lexical error\n");
	refused("= 3\n", "t.cfg:1: config parsing error near `=': syntax error, unexpected "
		"'=', expecting $end or IDENT or NEWLINE or ';'\n");
	/* Python, as old xm files could hold: libxlutil says so. */
	refused("name='a'\nkernel='/k'\nmemory = -8\n",
		"t.cfg:3: config parsing error near `-8': lexical error\n"
		"warning: Config file looks like it contains Python code.\n"
		"warning:  Arbitrary Python is no longer supported.\n"
		"warning:  See https://wiki.xen.org/wiki/PythonInXlConfig\n");
	refused("import os\nname='a'\n",
		"t.cfg:1: config parsing error near `os': syntax error, unexpected IDENT, "
		"expecting += or '='\n");
	/* A NUL would end libxlutil's reading early, silently. */
	static const char nul[] = "name='a'\0kernel='/k'\n";
	struct parsed *p = calloc(1, sizeof *p);
	FILE *diag = open_memstream(&p->diag, &p->diag_len);
	p->ret = xl_config_parse(&p->cfg, "t.cfg", nul, sizeof nul - 1, NULL, 0, diag);
	fclose(diag);
	ck_assert_str_eq(p->diag, "t.cfg: error: holds a NUL byte: not an xl config\n");
	ck_assert_int_eq(p->ret, -1);
	done(p);
}
END_TEST

START_TEST(wrong_types_and_ranges)
{
	refused("name='a'\nkernel='/k'\nmemory='lots'\nvcpus=[1]\n"
		"maxvcpus=99999999999999999999999\n",
		"t.cfg:3: error: memory: wants a number of MiB, not 'lots'\n"
		"t.cfg:4: error: vcpus: wants a number of vCPUs, not a list\n"
		"t.cfg:5: error: maxvcpus: wants a number of vCPUs from 1 to 2147483647, "
		"not 99999999999999999999999\n");
	refused("name='a'\nkernel='/k'\nvcpus=33\ndisk='file:/x,xvda,w'\nvif=[['a']]\n",
		"t.cfg:3: error: vcpus: wants a number of vCPUs from 1 to 32, not 33\n"
		"t.cfg:4: error: disk: wants a list of disk specs: disk = [ '...', ... ]\n"
		"t.cfg:5: error: vif: vif[0]: wants a string, not a list\n");
	refused("name=['a']\nkernel='/k'\nmemory=600000\nmaxmem=100\n",
		"t.cfg:1: error: name: wants a string, not a list\n"
		"t.cfg:3: error: memory: wants a number of MiB from 4 to 512000, not 600000\n"
		"t.cfg:4: error: maxmem: 100 MiB is less than memory= (512 MiB)\n");
	refused("name='a'\nkernel='/k'\nvcpus=4\nmaxvcpus=2\nmemory='-8'\n",
		"t.cfg:5: error: memory: wants a number of MiB from 4 to 512000, not -8\n"
		"t.cfg:4: error: maxvcpus: 2 is less than vcpus= (4)\n");
	refused("name='a'\nkernel='/k'\nuuid='nope'\non_crash='explode'\nlocaltime=2\n"
		"vif=['mac=01:00:00:00:00:00']\n",
		"t.cfg:3: error: uuid: 'nope' is not a UUID (8-4-4-4-12 hex digits)\n"
		"t.cfg:4: error: on_crash: 'explode' is not an action (destroy, restart, "
		"rename-restart, preserve, coredump-destroy, coredump-restart, soft-reset)\n"
		"t.cfg:5: error: localtime: wants a number from 0 to 1, not 2\n"
		"t.cfg:6: error: vif: vif[0]: mac=01:00:00:00:00:00: expected a unicast MAC "
		"like 00:16:3e:12:34:56\n");
}
END_TEST

START_TEST(guests_xenlet_cannot_run)
{
	refused("type='hvm'\nbuilder='hvm'\n",
		"t.cfg: error: name: missing: xl requires every domain to have a name\n"
		"t.cfg:1: error: type: 'hvm' guests cannot run here: xenlet runs PV guests "
		"only (type = \"pv\")\n"
		"t.cfg:2: warning: builder: ignored: type= decides\n"
		"t.cfg: error: kernel: missing: a PV guest needs kernel=\n");
	refused("name='a'\nbuilder='hvm'\nkernel='/k'\n",
		"t.cfg:2: error: builder: 'hvm' guests cannot run here: xenlet runs PV "
		"guests only\n");
	refused("name='a'\ntype='pvh'\nkernel='/k'\n",
		"t.cfg:2: error: type: 'pvh' guests cannot run here: xenlet runs PV guests "
		"only (type = \"pv\")\n");
	refused("name='a'\nbootloader='pygrub'\n",
		"t.cfg:2: error: bootloader: pygrub boots from the first disk: give disk= "
		"(or kernel=)\n");
	refused("name='a'\nbootloader='/usr/bin/pvgrub-legacy'\n",
		"t.cfg:2: error: bootloader: '/usr/bin/pvgrub-legacy': only pygrub is built "
		"in; give bootloader=\"pygrub\" or kernel= (and ramdisk=)\n");
}
END_TEST

/* pygrub (by name or by xl's path) without kernel=: the launcher reads
 * the disk, and extra= replaces the entry's arguments. */
START_TEST(pygrub_without_kernel)
{
	struct parsed *p = parse("name='g'\nbootloader='/usr/lib/xen-4.17/bin/pygrub'\n"
				 "extra='console=hvc0'\ndisk=['/d.img,raw,xvda,w']\n");
	ck_assert_str_eq(p->diag, "");
	ck_assert_int_eq(p->ret, 0);
	ck_assert_ptr_null(p->cfg.run.kernel);
	ck_assert_str_eq(p->cfg.run.bootloader, "/usr/lib/xen-4.17/bin/pygrub");
	ck_assert_str_eq(p->cfg.run.cmdline, "console=hvc0");
	verdict_is(p, "bootloader", XL_KEY_USED, "");
	done(p);
}
END_TEST

START_TEST(disks_refused)
{
	refused("name='a'\nkernel='/k'\n"
		"disk=[',hdc:cdrom,r','format=qcow2,vdev=xvda,target=/q.qcow2',"
		"'vdev=xvdb,target=/y','vdev=xvdb,target=/z','vdev=foo,target=/w','nonsense=1']\n",
		"t.cfg:3: error: disk: disk[0]: has no target (an empty drive: xenlet "
		"cannot change a CD-ROM's medium)\n"
		"t.cfg:3: error: disk: disk[3]: xvdb is already an earlier disk's name\n"
		"t.cfg:3: error: disk: disk[4]: 'foo' is not a disk name xl knows (xvda, xvdb1, "
		"hda, sdb, d0p1, or a device number)\n"
		"t.cfg:3: error: disk: disk[5]: config parsing error in disk specification: "
		"unknown parameter: near `nonsense=1' in `nonsense=1'\n");

	/* Seventeen disks: one more than blkback serves. */
	char text[2048] = "name='a'\nkernel='/k'\ndisk=[";
	for (int i = 0; i < 17; i++)
		snprintf(text + strlen(text), sizeof text - strlen(text),
			 "'/d%d.img,raw,xvd%c,w',", i, 'a' + i);
	strcat(text, "]\n");
	refused(text, "t.cfg:3: error: disk: disk[16]: xenlet serves at most 16 disks\n");
}
END_TEST

/* Images in other formats are kept with qemu's name of their format,
 * for create to serve through qemu-nbd. */
START_TEST(non_raw_disks)
{
	struct parsed *p = parse("name='a'\nkernel='/k'\n"
		"disk=['format=qcow2, vdev=xvda, target=/q.qcow2', '/r.img,raw,xvdb,w',\n"
		"      'format=vhd,vdev=xvdc,access=ro,target=/v.vhd', "
		"'/d.qed,qed,xvdd,w']\n");
	ck_assert_str_eq(p->diag, "");
	ck_assert_int_eq(p->ret, 0);
	ck_assert_uint_eq(p->cfg.nr_disks, 4);
	ck_assert_str_eq(p->cfg.disk_formats[0], "qcow2");
	ck_assert_str_eq(p->cfg.disks[0].target, "/q.qcow2");
	ck_assert_ptr_null(p->cfg.disk_formats[1]);
	ck_assert_str_eq(p->cfg.disk_formats[2], "vpc");
	ck_assert(p->cfg.disks[2].readonly);
	ck_assert_str_eq(p->cfg.disk_formats[3], "qed");
	verdict_is(p, "disk", XL_KEY_USED, "4 disks, 3 through qemu-nbd");
	done(p);
}
END_TEST

/* Odd but valid files: keys found wherever the grammar allows them. */
START_TEST(odd_layouts)
{
	struct parsed *p = parse(
		"name = 'a' # the name\n"
		"kernel = \"/k#not-a-comment\"; memory = 256 ; vcpus=1\n"
		"extra = \"say \\\"hi\\\" = x\"\n"
		"disk = [ 'vdev=xvda, target=/a#b.img', # first\n"
		"\n"
		"         'vdev=xvdb, target=/c.img' ]\n"
		"disk += [ 'vdev=xvdc, target=/d.img' ]\n"
		"\n\n"
		"a_very_long_key_name_that_goes_on_and_on_and_on_and_on_and_on_and_on = 1\n");
	ck_assert_str_eq(p->diag,
		"t.cfg:10: warning: a_very_long_key_name_that_goes_on_and_on_and_on_and_on_and_on_a: "
		"ignored: not an xl key xenlet knows\n");
	ck_assert_int_eq(p->ret, 0);
	ck_assert_str_eq(p->cfg.kernel, "/k#not-a-comment");
	ck_assert_str_eq(p->cfg.cmdline, "say \"hi\" = x");
	ck_assert_uint_eq(p->cfg.memory_mib, 256);
	ck_assert_uint_eq(p->cfg.nr_disks, 3);
	ck_assert_str_eq(p->cfg.disks[0].target, "/a#b.img");
	ck_assert_str_eq(p->cfg.disks[2].target, "/d.img");
	ck_assert_uint_eq(note(p, "disk")->line, 7);
	ck_assert_uint_eq(note(p, "vcpus")->line, 2);
	ck_assert_uint_eq(p->cfg.nr_keys, 7);
	done(p);
}
END_TEST

/* xl: without memory=, the guest starts with all of maxmem=. */
START_TEST(maxmem_alone)
{
	struct parsed *p = parse("name='a'\nkernel='/k'\nmaxmem=768\n");
	ck_assert_str_eq(p->diag, "");
	ck_assert_int_eq(p->ret, 0);
	ck_assert_uint_eq(p->cfg.memory_mib, 768);
	ck_assert_uint_eq(p->cfg.maxmem_mib, 768);
	verdict_is(p, "maxmem", XL_KEY_USED, "");
	done(p);
	refused("name='a'\nkernel='/k'\nmaxmem=1\n",
		"t.cfg:3: error: maxmem: wants a number of MiB from 4 to 512000, not 1\n");
}
END_TEST

START_TEST(unreadable_file)
{
	struct xl_config cfg;
	char *diag = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&diag, &len);
	ck_assert_int_eq(xl_config_read_file(&cfg, "/nonexistent/x.cfg", NULL, 0, f), -1);
	fclose(f);
	ck_assert_str_eq(diag, "/nonexistent/x.cfg: error: cannot open: No such file or "
			 "directory\n");
	xl_config_free(&cfg);
	free(diag);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("xl_config");
	TCase *t = tcase_create("styles");
	tcase_add_test(t, debian_xen_tools);
	tcase_add_test(t, key_value_disks);
	tcase_add_test(t, cdrom_disks);
	tcase_add_test(t, localtime_offset);
	tcase_add_test(t, xm_style);
	tcase_add_test(t, cmdline_wins_over_root_and_extra);
	tcase_add_test(t, command_line_overrides);
	suite_add_tcase(s, t);
	t = tcase_create("refusals");
	tcase_add_test(t, warnings_for_what_is_not_done);
	tcase_add_test(t, syntax_errors);
	tcase_add_test(t, wrong_types_and_ranges);
	tcase_add_test(t, guests_xenlet_cannot_run);
	tcase_add_test(t, pygrub_without_kernel);
	tcase_add_test(t, disks_refused);
	tcase_add_test(t, non_raw_disks);
	tcase_add_test(t, odd_layouts);
	tcase_add_test(t, maxmem_alone);
	tcase_add_test(t, unreadable_file);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
