/*
 * blkfront: a Xen block frontend of the disk device/vbd/51712 (xvda), as
 * Linux's xen-blkfront talks to Xen's blkback (vbd.c, ring.c,
 * request.c), in one of two runs:
 *
 *   xt.mode=good     reads and writes a well-behaved frontend makes
 *                    (good.c), then closes the device;
 *   xt.mode=hostile  malformed and malicious requests, each of which must
 *                    fail alone while the device goes on working, and at
 *                    last a ring index no frontend could produce
 *                    (hostile.c).
 *
 * xt.rodisk=1: xvdb (51728) is a read-only disk too (good: readable;
 * hostile: writes refused).  xt.sectors=N: xvda must have N sectors.
 * The images must start as `yes UNIT | head -c SIZE` writes them, UNIT
 * "xenlet-initial." for xvda and "xenlet-readonly" for xvdb.  Each write
 * that succeeded is reported as "blkfront: xvda: wrote sectors S count N"
 * (and a discard as "blkfront: xvda: discarded sectors S count N"), so
 * the host can check the image holds exactly that.
 */
#include "blkfront.h"

#include "cmdline.h"
#include "evtchn.h"
#include "grant_table.h"
#include "pvclock.h"
#include "test.h"

const char test_title[] = "blkfront: a Xen block frontend, well-behaved or hostile";

struct shared_info *shared;

uint64_t now_ns(void)
{
	return pvclock_read(&shared->vcpu_info[0].time);
}

void test_main(void)
{
	char mode[16];
	uint64_t rodisk = 0, sectors = 0;
	const char *cmdline = test_cmdline();
	require(cmdline_str(cmdline, "xt.mode", mode, sizeof mode) == CMDLINE_OK &&
			(strcmp(mode, "good") == 0 || strcmp(mode, "hostile") == 0),
		"xt.mode=good or xt.mode=hostile is required");
	require(cmdline_u64(cmdline, "xt.rodisk", &rodisk) != CMDLINE_BAD, "bad xt.rodisk");
	require(cmdline_u64(cmdline, "xt.sectors", &sectors) != CMDLINE_BAD, "bad xt.sectors");

	shared = shared_info_map();
	grant_table_setup(1);

	static struct vbd xvda;
	vbd_connect(&xvda, "xvda", XVDA, PG_RING_XVDA);
	if (sectors)
		check_eq(xvda.sectors, sectors);
	check_msg(!(xvda.info & VDISK_READONLY), "xvda: info 0x%x says read-only", xvda.info);
	if (strcmp(mode, "good") == 0)
		good_run(&xvda, rodisk != 0);
	else
		hostile_run(&xvda, rodisk != 0);
}
