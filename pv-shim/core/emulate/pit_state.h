/*
 * The one PIT (8254) channel a PV domain sees counting: channel 2, per
 * domain (pit_channel2.c says why and how much of it).
 */
#ifndef XENLET_CORE_PIT_STATE_H
#define XENLET_CORE_PIT_STATE_H

#include <stdint.h>

struct pit_channel2 {
	uint64_t load_ns;   /* system time its count was last loaded */
	uint16_t count;     /* the count loaded (0: 65536) */
	uint16_t latch;     /* the count a latch command held */
	uint8_t access;     /* 0: never programmed, 1 LSB, 2 MSB, 3 LSB then MSB */
	uint8_t mode;       /* 0-5, from the control word */
	uint8_t latched;    /* bytes of latch still to be read (0: none) */
	uint8_t read_msb;   /* LSB then MSB: the next read is the MSB */
	uint8_t write_msb;  /* LSB then MSB: the next write is the MSB */
	uint8_t lsb_written; /* LSB then MSB: the LSB of the count being written */
	uint8_t pad[2];
};

#endif
