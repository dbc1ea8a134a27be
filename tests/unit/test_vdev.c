/*
 * Disk names to device ids as xl numbers them: the examples of Xen's
 * xl-disk-configuration and libxl's edge cases (the extended scheme past
 * disk 15 or partition 15, leading zeros, out-of-range letters); and the
 * --disk option's value.
 */
#include <check.h>
#include "tests/unit/check_run.h"
#include <string.h>
#include "backends/blk/disk_spec.h"
#include "backends/blk/vdev.h"

static uint32_t parse_ok(const char *name)
{
	uint32_t id = 0xdeadbeef;
	ck_assert_msg(vdev_parse(name, &id) == 0, "%s refused", name);
	return id;
}

static void refused(const char *name)
{
	uint32_t id;
	ck_assert_msg(vdev_parse(name, &id) == -1, "%s accepted", name);
}

START_TEST(xvd_names)
{
	ck_assert_uint_eq(parse_ok("xvda"), 51712);
	ck_assert_uint_eq(parse_ok("xvdb"), 51728);
	ck_assert_uint_eq(parse_ok("xvda1"), 51713);
	ck_assert_uint_eq(parse_ok("xvdp15"), (202u << 8) | (15 << 4) | 15);
	/* Past disk 15 or partition 15: the extended scheme. */
	ck_assert_uint_eq(parse_ok("xvdq"), (1u << 28) | (16 << 8));
	ck_assert_uint_eq(parse_ok("xvda16"), (1u << 28) | 16);
	ck_assert_uint_eq(parse_ok("xvdaa"), (1u << 28) | (26 << 8));
	ck_assert_uint_eq(parse_ok("d0p0"), 51712);
	ck_assert_uint_eq(parse_ok("d17p3"), (1u << 28) | (17 << 8) | 3);
}
END_TEST

START_TEST(other_names)
{
	ck_assert_uint_eq(parse_ok("hda"), 3u << 8);
	ck_assert_uint_eq(parse_ok("hdb2"), (3u << 8) | (1 << 6) | 2);
	ck_assert_uint_eq(parse_ok("hdc"), 22u << 8);
	ck_assert_uint_eq(parse_ok("sda"), 8u << 8);
	ck_assert_uint_eq(parse_ok("sdb3"), (8u << 8) | (1 << 4) | 3);
	ck_assert_uint_eq(parse_ok("51712"), 51712);
	ck_assert_uint_eq(parse_ok("0xca00"), 51712);
}
END_TEST

START_TEST(bad_names)
{
	refused("");
	refused("xvd");
	refused("xvdA");
	refused("xvda0");     /* no leading zero */
	refused("xvda01");
	refused("xvda256");
	refused("xvda1x");
	refused("hde");       /* hd has four disks */
	refused("hda64");
	refused("sdq");       /* sd has sixteen */
	refused("sda16");
	refused("d1");
	refused("d1p");
	refused("d1048576p0");
	refused("d0p256");
	refused("vda");
	refused("12abc");
	refused("99999999999");
}
END_TEST

START_TEST(default_names)
{
	char buf[8];
	vdev_default_name(0, buf, sizeof buf);
	ck_assert_str_eq(buf, "xvda");
	vdev_default_name(25, buf, sizeof buf);
	ck_assert_str_eq(buf, "xvdz");
	vdev_default_name(26, buf, sizeof buf);
	ck_assert_str_eq(buf, "xvdaa");
	for (unsigned n = 0; n < 60; n++) {
		uint32_t id;
		vdev_default_name(n, buf, sizeof buf);
		ck_assert_int_eq(vdev_parse(buf, &id), 0);
		/* The n-th disk: its index is in the id. */
		ck_assert_uint_eq(n < 16 ? (id >> 4) & 0xf : (id >> 8) & 0xfffff, n);
	}
}
END_TEST

START_TEST(disk_options)
{
	struct disk_spec d;
	char err[160];
	ck_assert_int_eq(disk_spec_parse("/img/a.raw", 0, &d, err, sizeof err), 0);
	ck_assert_str_eq(d.target, "/img/a.raw");
	ck_assert_str_eq(d.vdev, "xvda");
	ck_assert_uint_eq(d.devid, 51712);
	ck_assert(!d.readonly && !d.direct);
	ck_assert_int_eq(disk_spec_parse("b.img,ro", 1, &d, err, sizeof err), 0);
	ck_assert_str_eq(d.vdev, "xvdb");
	ck_assert(d.readonly);
	ck_assert_int_eq(disk_spec_parse("nbd+unix:///e?socket=/s,vdev=xvdc2,direct,ro",
					 0, &d, err, sizeof err), 0);
	ck_assert_str_eq(d.target, "nbd+unix:///e?socket=/s");
	ck_assert_uint_eq(d.devid, 51712 + 2 * 16 + 2);
	ck_assert(d.readonly && d.direct && !d.cdrom);
	ck_assert_int_eq(disk_spec_parse("/iso/debian.iso,vdev=hdc,cdrom", 2, &d, err,
					 sizeof err), 0);
	ck_assert(d.cdrom && d.readonly); /* a CD-ROM is read-only */
	ck_assert_str_eq(d.vdev, "hdc");
	ck_assert_int_eq(disk_spec_parse(",ro", 0, &d, err, sizeof err), -1);
	ck_assert_int_eq(disk_spec_parse("", 0, &d, err, sizeof err), -1);
	ck_assert_int_eq(disk_spec_parse("a,rw", 0, &d, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "rw"));
	ck_assert_int_eq(disk_spec_parse("a,vdev=vda", 0, &d, err, sizeof err), -1);
	ck_assert_int_eq(disk_spec_parse("a,vdev=", 0, &d, err, sizeof err), -1);
	ck_assert_int_eq(disk_spec_parse("a,vdev=xvdaaaaaaaaaaaaaaaaa", 0, &d, err, sizeof err), -1);
	ck_assert_int_eq(disk_spec_parse("a,", 0, &d, err, sizeof err), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vdev");
	TCase *t = tcase_create("vdev");
	tcase_add_test(t, xvd_names);
	tcase_add_test(t, other_names);
	tcase_add_test(t, bad_names);
	tcase_add_test(t, default_names);
	tcase_add_test(t, disk_options);
	suite_add_tcase(s, t);
	return check_run(s);
}
