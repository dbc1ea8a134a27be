/*
 * netfront: a Xen network frontend (tests/guests/lib/netfront.c) on the
 * vif every guest gets without --net (device/vif/0: libslirp's user-mode
 * network, QEMU's 10.0.2.0/24), in one of two runs:
 *
 *   xt.mode=good     what a well-behaved frontend sends, every answer
 *                    checked (good.c), then closing the vif;
 *   xt.mode=hostile  RX buffers no backend may write, malformed TX
 *                    chains, bad grants, a flood, and fatal ring
 *                    indexes, each refused alone while the vif goes on
 *                    working (hostile.c); xt.flood=N sets the flood's
 *                    frames (default 4096).
 *
 * Each check that passes prints a "netfront: ..." line; the last lines
 * give the totals the host compares with netback's --stats.
 */
#include "netguest.h"

#include "cmdline.h"
#include "evtchn.h"
#include "grant_table.h"
#include "libc.h"
#include "test.h"

const char test_title[] = "netfront: a Xen network frontend, well-behaved or hostile";

void test_main(void)
{
	char mode[16];
	require(cmdline_str(test_cmdline(), "xt.mode", mode, sizeof mode) == CMDLINE_OK &&
			(strcmp(mode, "good") == 0 || strcmp(mode, "hostile") == 0),
		"xt.mode=good or xt.mode=hostile is required");
	shared = shared_info_map();
	grant_table_setup(1);
	if (strcmp(mode, "good") == 0)
		good_run();
	else
		hostile_run();
}
