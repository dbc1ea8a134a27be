/*
 * The keys of an xl config that xenlet does not read: those xl knows
 * that xenlet does without, each with the reason, and any other key
 * (xl_parse.h).
 */
#include <string.h>
#include "toolstack/xl_parse.h"

/* Keys xl knows that xenlet does without, and why; the guest starts. */
static const struct {
	const char *key;
	enum xl_key_verdict verdict;
	const char *why;
} known_keys[] = {
	{ "cpus", XL_KEY_IGNORED, "vCPUs are host threads placed by the host's scheduler" },
	{ "cpus_soft", XL_KEY_IGNORED, "vCPUs are host threads placed by the host's scheduler" },
	{ "cpu_weight", XL_KEY_IGNORED, "vCPUs are host threads placed by the host's scheduler" },
	{ "cap", XL_KEY_IGNORED, "vCPUs are host threads placed by the host's scheduler" },
	{ "pool", XL_KEY_IGNORED, "no CPU pools: one domain per xenlet" },
	{ "on_watchdog", XL_KEY_IGNORED, "no watchdog device" },
	{ "on_soft_reset", XL_KEY_IGNORED, "no soft reset" },
	{ "vfb", XL_KEY_IGNORED, "no framebuffer: the console is stdout and stdin" },
	{ "vkb", XL_KEY_IGNORED, "no PV keyboard: the console is stdout and stdin" },
	{ "vnc", XL_KEY_IGNORED, "no framebuffer: the console is stdout and stdin" },
	{ "vnclisten", XL_KEY_IGNORED, "no framebuffer: the console is stdout and stdin" },
	{ "vncpasswd", XL_KEY_IGNORED, "no framebuffer: the console is stdout and stdin" },
	{ "sdl", XL_KEY_IGNORED, "no framebuffer: the console is stdout and stdin" },
	{ "keymap", XL_KEY_IGNORED, "no framebuffer: the console is stdout and stdin" },
	{ "serial", XL_KEY_IGNORED, "an HVM option: the PV console is stdout and stdin" },
	{ "max_grant_frames", XL_KEY_IGNORED, "the grant table has a fixed size (32 frames)" },
	{ "max_maptrack_frames", XL_KEY_IGNORED, "the grant table has a fixed size" },
	{ "max_event_channels", XL_KEY_IGNORED, "the event channels have fixed limits" },
	{ "seclabel", XL_KEY_IGNORED, "no XSM/FLASK security labels" },
	{ "init_seclabel", XL_KEY_IGNORED, "no XSM/FLASK security labels" },
	{ "claim_mode", XL_KEY_IGNORED, "guest RAM is host memory, taken as it is used" },
	{ "e820_host", XL_KEY_IGNORED, "no PCI passthrough, so no host memory map" },
	{ "driver_domain", XL_KEY_IGNORED, "xenlet is the only driver domain" },
	{ "tsc_mode", XL_KEY_IGNORED, "the TSC is the host's" },
	{ "nomigrate", XL_KEY_IGNORED, "no migration" },
	{ "dhcp", XL_KEY_IGNORED, "an xm option: the guest configures its own network" },
	{ "on_xend_start", XL_KEY_IGNORED, "an xm option: xend is gone" },
	{ "on_xend_stop", XL_KEY_IGNORED, "an xm option: xend is gone" },
	{ "device_model_version", XL_KEY_IGNORED, "an HVM option: no device model" },
	{ "device_model_override", XL_KEY_IGNORED, "an HVM option: no device model" },
	{ "boot", XL_KEY_IGNORED, "an HVM option" },
	{ "acpi", XL_KEY_IGNORED, "an HVM option" },
	{ "apic", XL_KEY_IGNORED, "an HVM option" },
	{ "pae", XL_KEY_IGNORED, "an HVM option" },
	{ "hap", XL_KEY_IGNORED, "an HVM option" },
	{ "viridian", XL_KEY_IGNORED, "an HVM option" },
	{ "videoram", XL_KEY_IGNORED, "an HVM option" },
	{ "stdvga", XL_KEY_IGNORED, "an HVM option" },
	{ "usbdevice", XL_KEY_IGNORED, "an HVM option" },
	{ "pci", XL_KEY_UNSUPPORTED, "no PCI passthrough: the guest starts without the devices" },
	{ "vtpm", XL_KEY_UNSUPPORTED, "no vTPM: the guest starts without it" },
	{ "usbctrl", XL_KEY_UNSUPPORTED, "no PV USB: the guest starts without it" },
	{ "usbdev", XL_KEY_UNSUPPORTED, "no PV USB: the guest starts without it" },
	{ "channel", XL_KEY_UNSUPPORTED, "no PV channels: the guest starts without them" },
	{ "p9", XL_KEY_UNSUPPORTED, "no 9pfs: the guest starts without it" },
	{ "vdispl", XL_KEY_UNSUPPORTED, "no PV display: the guest starts without it" },
	{ "vsnd", XL_KEY_UNSUPPORTED, "no PV sound: the guest starts without it" },
	{ "iomem", XL_KEY_UNSUPPORTED, "no host memory passthrough" },
	{ "ioports", XL_KEY_UNSUPPORTED, "no host I/O port passthrough" },
	{ "irqs", XL_KEY_UNSUPPORTED, "no host IRQ passthrough" },
	{ "cpuid", XL_KEY_UNSUPPORTED, "xenlet's CPUID policy is fixed" },
	{ "vnuma", XL_KEY_UNSUPPORTED, "no virtual NUMA: one node" },
};

void xl_parse_other_keys(struct xl_parse *p)
{
	for (unsigned i = 0; i < p->cfg->nr_keys; i++) {
		struct xl_key_note *n = &p->cfg->keys[i];
		if (n->judged)
			continue;
		const char *why = "not an xl key xenlet knows";
		enum xl_key_verdict verdict = XL_KEY_IGNORED;
		for (size_t k = 0; k < sizeof known_keys / sizeof known_keys[0]; k++)
			if (!strcmp(known_keys[k].key, n->name)) {
				why = known_keys[k].why;
				verdict = known_keys[k].verdict;
			}
		xl_parse_verdict(p, n->name, verdict, "%s", why);
		xl_parse_warning(p, n->name, "%s: %s", xl_key_verdict_name(verdict), why);
	}
}
