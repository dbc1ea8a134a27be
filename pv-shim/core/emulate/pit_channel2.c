/*
 * PIT (8254) channel 2 at ports 0x42 and 0x43, counting at 1.193182 MHz
 * on the domain's system time.
 *
 * Xen gives a domU all ones at every port it was not granted, channel 2's
 * included.  Linux 6.1 reads that channel to calibrate the TSC early
 * (quick_pit_calibrate, reached because Xen's CPUID policy has no leaf
 * 0x16): it loads 0xffff in mode 0, then reads the count (LSB, MSB) until
 * its MSB leaves 0xff, and gives up on the PIT when that took 5 reads or
 * fewer.  An MSB that never changes makes it read 2 x 50,000 times first:
 * ~0.1 s under Xen's ~1 us emulation, ~8 s on hosts where each read is a
 * #GP and a VM exit.  A counter that runs makes the MSB leave 0xff after
 * 256 counts (215 us): a handful of reads at such trap costs, after which
 * the calibration gives up as it does under Xen (or succeeds where reads
 * are fast, as on hardware), and the kernel takes the TSC rate from the
 * pvclock either way.
 *
 * Modelled: channel 2's control words (counter latch; access LSB, MSB or
 * LSB then MSB; the mode) and byte reads and writes of its count.  Modes 2
 * and 3 reload at the count; the others count through 0 and wrap at 65536.
 * Not modelled: mode 3's counting by two, BCD counting, the read-back
 * command, the output and the gate (port 0x61 stays all ones as under Xen,
 * which says the gate is high and lets the counter run), channels 0 and 1.
 * Until the guest writes a control word for channel 2, 0x42 reads as all
 * ones, as under Xen.
 */
#include "pv-shim/core/emulate/emulate.h"
#include "pv-shim/core/sched/vtime.h"
#include "pv-shim/core/departure.h"

#define PIT_PORT_CHANNEL2 0x42
#define PIT_PORT_CONTROL  0x43
#define PIT_HZ            1193182ULL
#define NS_PER_SEC        1000000000ULL

#define CONTROL_CHANNEL(cw) ((cw) >> 6)
#define CONTROL_ACCESS(cw)  (((cw) >> 4) & 3)
#define CONTROL_MODE(cw)    (((cw) >> 1) & 7)
#define ACCESS_LATCH 0
#define ACCESS_LSB   1
#define ACCESS_MSB   2
#define ACCESS_BOTH  3

/* PIT counts in ns of system time, without overflow for any uptime. */
static uint64_t pit_ticks(uint64_t ns)
{
	return ns / NS_PER_SEC * PIT_HZ + ns % NS_PER_SEC * PIT_HZ / NS_PER_SEC;
}

static uint16_t pit_counter_now(struct core *c, const struct pit_channel2 *p)
{
	uint64_t ticks = pit_ticks(vtime_now_ns(c) - p->load_ns);
	if (p->mode == 2 || p->mode == 3) {
		uint64_t period = p->count ? p->count : 65536;
		return (uint16_t)(period - ticks % period); /* period..1 */
	}
	return (uint16_t)(p->count - ticks);
}

static void pit_load(struct core *c, struct pit_channel2 *p, uint16_t count)
{
	p->count = count;
	p->load_ns = vtime_now_ns(c);
}

static void pit_control(struct core *c, struct pit_channel2 *p, uint8_t cw)
{
	if (CONTROL_CHANNEL(cw) != 2)
		return; /* channels 0 and 1, read-back: not modelled */
	if (CONTROL_ACCESS(cw) == ACCESS_LATCH) {
		if (p->access && !p->latched) { /* a second latch is ignored */
			p->latch = pit_counter_now(c, p);
			p->latched = p->access == ACCESS_BOTH ? 2 : 1;
		}
		return;
	}
	unsigned mode = CONTROL_MODE(cw);
	p->mode = (uint8_t)(mode > 5 ? mode - 4 : mode); /* 6, 7 are 2, 3 */
	p->access = (uint8_t)CONTROL_ACCESS(cw);
	p->latched = 0;
	p->read_msb = 0;
	p->write_msb = 0;
}

uint8_t pit_read_port(struct core *c, uint16_t port)
{
	struct pit_channel2 *p = &c->st->pit;
	if (port != PIT_PORT_CHANNEL2 || !p->access)
		return 0xff;
	core_departure(c, DEPARTURE_PIT_CHANNEL2, "a read of PIT channel 2 "
		       "answered by its model (Xen: all ones, the port not granted)");
	uint16_t value = p->latched ? p->latch : pit_counter_now(c, p);
	int msb = p->access == ACCESS_MSB || (p->access == ACCESS_BOTH && p->read_msb);
	if (p->access == ACCESS_BOTH)
		p->read_msb ^= 1;
	if (p->latched)
		p->latched--;
	return (uint8_t)(msb ? value >> 8 : value);
}

void pit_write_port(struct core *c, uint16_t port, uint8_t value)
{
	struct pit_channel2 *p = &c->st->pit;
	if (port == PIT_PORT_CONTROL) {
		pit_control(c, p, value);
		return;
	}
	if (port != PIT_PORT_CHANNEL2 || !p->access)
		return;
	switch (p->access) {
	case ACCESS_LSB:
		pit_load(c, p, value);
		break;
	case ACCESS_MSB:
		pit_load(c, p, (uint16_t)(value << 8));
		break;
	default: /* LSB then MSB: counting (re)starts once both are in */
		if (p->write_msb)
			pit_load(c, p, (uint16_t)(value << 8 | p->lsb_written));
		else
			p->lsb_written = value;
		p->write_msb ^= 1;
		break;
	}
}
