/* SPDX-License-Identifier: MIT */
/*
 * Random and mutated Ethernet frames aimed at a scenario: IPv4 with options
 * and fragments, IPv6 with extension header chains, ARP, other ethertypes,
 * pure random bytes, mutations of recent frames, and now and then one frame
 * cut at every length in turn.
 */
#ifndef KSCTL_FRAMES_H
#define KSCTL_FRAMES_H

#include "../lib/frame.h"
#include "rng.h"
#include "scenario.h"

#define FRAMES_RECENT 32

struct frame_source {
	struct rng *rng;
	struct frame recent[FRAMES_RECENT]; /* what mutations start from */
	unsigned int recent_count;
	struct frame sweep; /* being cut at every length, down to nothing */
	__u32 sweep_mark;
	bool sweeping;
};

/* The next frame for @s (its Ethernet header included) and the mark it carries. */
void frame_source_next(struct frame_source *src, const struct scenario *s, struct frame *out, __u32 *mark);

#endif
