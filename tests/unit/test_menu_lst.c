/*
 * grub legacy's menu.lst: the file Debian's update-grub wrote for Xen
 * guests (xen-tools, pygrub's early days), `default` forms, '=' and tab
 * separators, device prefixes, and hostile files.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bootloader/menu_lst.h"

/* Exact-size heap copies without a NUL, so ASan sees any overread. */
static int choose(const char *cfg, size_t len, struct boot_entry *e, char *err,
		  size_t errlen)
{
	char *c = malloc(len ? len : 1);
	memcpy(c, cfg, len);
	err[0] = '\0';
	int rc = menu_lst_choose(c, len, e, err, errlen);
	free(c);
	return rc;
}

static struct boot_entry chosen(const char *cfg)
{
	struct boot_entry e;
	char err[256];
	ck_assert_msg(choose(cfg, strlen(cfg), &e, err, sizeof err) == 0, "refused: %s", err);
	return e;
}

static void refused(const char *cfg, const char *reason_has)
{
	struct boot_entry e;
	char err[256];
	ck_assert_msg(choose(cfg, strlen(cfg), &e, err, sizeof err) == -1, "accepted: '%s'",
		      e.title);
	ck_assert_msg(strstr(err, reason_has), "reason '%s' lacks '%s'", err, reason_has);
}

/* The shape of Debian 5's /boot/grub/menu.lst in a xen-tools guest. */
#define DEBIAN_LENNY(default_line) \
	"# menu.lst - See: grub(8), info grub, update-grub(8)\n" \
	"#            grub-install(8), grub-floppy(8),\n" \
	"#            grub-md5-crypt, /usr/share/doc/grub\n" \
	"#            and /usr/share/doc/grub-doc/.\n\n" \
	"## default num\n# Set the default entry to the entry number NUM.\n" \
	default_line "\n\n" \
	"## timeout sec\ntimeout\t\t5\n\n" \
	"# Pretty colours\n#color cyan/blue white/blue\n\n" \
	"### BEGIN AUTOMAGIC KERNELS LIST\n" \
	"## ## Start Default Options ##\n" \
	"# kopt=root=/dev/xvda2 ro console=hvc0\n" \
	"# groot=(hd0,0)\n" \
	"## ## End Default Options ##\n\n" \
	"title\t\tDebian GNU/Linux, kernel 2.6.26-2-xen-amd64\n" \
	"root\t\t(hd0,0)\n" \
	"kernel\t\t/boot/vmlinuz-2.6.26-2-xen-amd64 root=/dev/xvda2 ro console=hvc0\n" \
	"initrd\t\t/boot/initrd.img-2.6.26-2-xen-amd64\n\n" \
	"title\t\tDebian GNU/Linux, kernel 2.6.26-2-xen-amd64 (single-user mode)\n" \
	"root\t\t(hd0,0)\n" \
	"kernel\t\t/boot/vmlinuz-2.6.26-2-xen-amd64 root=/dev/xvda2 ro console=hvc0 single\n" \
	"initrd\t\t/boot/initrd.img-2.6.26-2-xen-amd64\n\n" \
	"title\t\tDebian GNU/Linux, kernel 2.6.18-6-xen-amd64\n" \
	"root\t\t(hd0,0)\n" \
	"kernel\t\t/boot/vmlinuz-2.6.18-6-xen-amd64 root=/dev/xvda2 ro console=hvc0\n" \
	"initrd\t\t/boot/initrd.img-2.6.18-6-xen-amd64\n" \
	"savedefault\n\n" \
	"### END DEBIAN AUTOMAGIC KERNELS LIST\n"

START_TEST(debian_xen_guest)
{
	struct boot_entry e = chosen(DEBIAN_LENNY("default\t\t0"));
	ck_assert_str_eq(e.title, "Debian GNU/Linux, kernel 2.6.26-2-xen-amd64");
	ck_assert_str_eq(e.kernel, "/boot/vmlinuz-2.6.26-2-xen-amd64");
	ck_assert_str_eq(e.args, "root=/dev/xvda2 ro console=hvc0");
	ck_assert_uint_eq(e.nr_initrds, 1);
	ck_assert_str_eq(e.initrds[0], "/boot/initrd.img-2.6.26-2-xen-amd64");

	e = chosen(DEBIAN_LENNY("default\t\t2"));
	ck_assert_str_eq(e.kernel, "/boot/vmlinuz-2.6.18-6-xen-amd64");
	ck_assert_str_eq(e.initrds[0], "/boot/initrd.img-2.6.18-6-xen-amd64");

	e = chosen(DEBIAN_LENNY("default 1 # the single-user one"));
	ck_assert_str_eq(e.args, "root=/dev/xvda2 ro console=hvc0 single");
}
END_TEST

START_TEST(default_forms)
{
	/* None, "saved" (its number lives in /boot/grub/default), past the
	 * end, negative: entry 0.  '=' may separate keyword and value. */
	ck_assert_str_eq(chosen(DEBIAN_LENNY("")).kernel, "/boot/vmlinuz-2.6.26-2-xen-amd64");
	ck_assert_str_eq(chosen(DEBIAN_LENNY("default saved")).args,
			 "root=/dev/xvda2 ro console=hvc0");
	ck_assert_str_eq(chosen(DEBIAN_LENNY("default 3")).args,
			 "root=/dev/xvda2 ro console=hvc0");
	ck_assert_str_eq(chosen(DEBIAN_LENNY("default -1")).args,
			 "root=/dev/xvda2 ro console=hvc0");
	ck_assert_str_eq(chosen(DEBIAN_LENNY("default=2")).kernel,
			 "/boot/vmlinuz-2.6.18-6-xen-amd64");
}
END_TEST

START_TEST(separators_and_devices)
{
	static const char cfg[] =
		"default=1\r\n"
		"title=CentOS 5 (2.6.18-8.el5xen)\r\n"
		"\troot (hd0,0)\r\n"
		"\tkernel /vmlinuz-2.6.18-8.el5xen ro root=/dev/VolGroup00/LogVol00\r\n"
		"\tinitrd /initrd-2.6.18-8.el5xen.img\r\n"
		"title   Separate /boot, device prefixed\n"
		"   kernel=(hd0,0)/vmlinuz-2.6.32 ro   root=LABEL=/  \n"
		"   initrd (hd0,0)/initrd-2.6.32.img\n";
	struct boot_entry e = chosen(cfg);
	ck_assert_str_eq(e.title, "Separate /boot, device prefixed");
	ck_assert_str_eq(e.kernel, "/vmlinuz-2.6.32");
	ck_assert_str_eq(e.args, "ro root=LABEL=/");
	ck_assert_str_eq(e.initrds[0], "/initrd-2.6.32.img");
	static const char no_initrd[] = "title a\nkernel /k\n";
	e = chosen(no_initrd);
	ck_assert_uint_eq(e.nr_initrds, 0);
	ck_assert_str_eq(e.args, "");
}
END_TEST

START_TEST(hostile_files)
{
	refused("", "no title entries");
	refused("default 0\ntimeout 5\nkernel /before-any-title\n", "no title entries");
	refused("title only a title\n", "has no kernel line");
	refused("title bad\nkernel (hd0,0\n", "too long");
	refused("title bad\nkernel\n", "too long");

	/* Without a final newline, with NULs, with a default far too big. */
	struct boot_entry e = chosen("title t\nkernel /k a");
	ck_assert_str_eq(e.args, "a");
	e = chosen("default 99999999999999999999999\ntitle t\nkernel /k");
	ck_assert_str_eq(e.kernel, "/k");
	static const char nul[] = "title n\0ul\nkernel /k\0 hidden\ninitrd /i\n";
	char err[256];
	ck_assert_int_eq(choose(nul, sizeof nul - 1, &e, err, sizeof err), 0);
	ck_assert_str_eq(e.title, "n");
	ck_assert_str_eq(e.kernel, "/k");
	ck_assert_str_eq(e.initrds[0], "/i");

	/* A line longer than any field, and arguments past the limit. */
	size_t n = 200000;
	char *big = malloc(n + 64);
	strcpy(big, "title big\nkernel /k ");
	size_t at = strlen(big);
	memset(big + at, 'a', n);
	strcpy(big + at + n, "\n");
	refused(big, "too long");
	at = strlen("title big\nkernel /k ");
	for (size_t i = 0; i < 3000; i++)
		memcpy(big + at + i * 3, "ab ", 3);
	strcpy(big + at + 9000, "\n");
	refused(big, "too long");
	free(big);

	/* Many entries: the default still found. */
	size_t count = 20000;
	char *many = malloc(count * 40 + 64);
	size_t used = (size_t)sprintf(many, "default 19999\n");
	for (size_t i = 0; i < count; i++)
		used += (size_t)sprintf(many + used, "title %zu\nkernel /k%zu\n", i, i);
	e = chosen(many);
	ck_assert_str_eq(e.kernel, "/k19999");
	free(many);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("menu_lst");
	TCase *t = tcase_create("menu_lst");
	tcase_set_timeout(t, 60);
	tcase_add_test(t, debian_xen_guest);
	tcase_add_test(t, default_forms);
	tcase_add_test(t, separators_and_devices);
	tcase_add_test(t, hostile_files);
	suite_add_tcase(s, t);
	return check_run(s);
}
