/* SPDX-License-Identifier: MIT */
/*
 * A random configuration, built twice from the same draws: as the model's
 * configuration and as the policy that `ksctl up` would write. It also
 * keeps what frames should aim at: prefix edges, endpoints, resolvers,
 * ports and marks.
 */
#ifndef KSCTL_SCENARIO_H
#define KSCTL_SCENARIO_H

#include <stdio.h>

#include "model.h"
#include "policy.h"
#include "rng.h"

/* An address worth aiming at. */
struct target {
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16];
};

struct scenario {
	struct model_config model;
	struct policy policy;
	struct target *targets;
	size_t target_count, target_capacity;
	uint16_t ports[64]; /* endpoint and listen ports */
	unsigned int port_count;
};

/* The devices of the namespace that tunnels may be named after. */
struct scenario_devices {
	const char *eth, *l3;
};

/* How big the allowlist is: exactly @allow_count prefixes, or a random size when 0. */
bool scenario_generate(struct scenario *s, struct rng *r, const struct scenario_devices *dev, size_t allow_count);
/*
 * The next configuration as a later `up` or `allow add`/`del` makes it from
 * @prev: most prefixes kept and a few added or dropped, tunnels' marks and
 * listen ports changed now and then, endpoints and resolvers mostly kept.
 */
bool scenario_evolve(struct scenario *s, const struct scenario *prev, struct rng *r);
void scenario_free(struct scenario *s);
/* One line per part: tunnels, endpoints, resolvers, and the sizes and first entries of the prefix sets. */
void scenario_print(const struct scenario *s, FILE *out);

#endif
