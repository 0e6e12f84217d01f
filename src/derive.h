/* SPDX-License-Identifier: MIT */
/*
 * From what `ksctl up` was asked to the policy it puts in force. Facts that
 * the tunnels' wg-quick configurations already hold (the mark, the peers'
 * endpoints, the listen port, the destinations that belong to the tunnel)
 * are read there rather than asked for again.
 */
#ifndef KSCTL_DERIVE_H
#define KSCTL_DERIVE_H

#include <limits.h>
#include <net/if.h>

#include "endpoint.h"
#include "policy.h"

#define KS_CONFIGS_MAX 16

struct up_request {
	char tunnels[KS_TUNNELS_MAX][IFNAMSIZ]; /* --tunnel, in order */
	int tunnel_count;
	const char *configs[KS_CONFIGS_MAX];    /* --config FILE|DIR */
	int config_count;
	bool fwmark_given;
	uint32_t mark, mask;                    /* --fwmark; mask 0: off */
	struct wgconf_endpoint *endpoints;      /* --endpoint */
	size_t endpoint_count;
	uint16_t listen_ports[KS_TUNNELS_MAX];  /* --listen-port */
	int listen_port_count;
	struct prefix_list lan_dns;             /* --lan-dns */
	struct prefix_list allow;               /* --allow, --allow-file */
	bool allow_given;
	bool force;                             /* --force: wide public prefixes */
	enum ks_mode mode;
	const char *cgroup_path;
	unsigned int event_rate;                /* --event-rate */
};

void up_request_free(struct up_request *r);

/*
 * Fills @out from @r and the configurations it names or that lie where
 * wg-quick keeps them. 0; -EINVAL when the request or a configuration is
 * wrong (a usage error, printed with file and line); another -errno when
 * something else failed (printed).
 */
int derive_policy(struct policy *out, const struct up_request *r);
/* One line per tunnel: what its exemption trusts. */
void policy_describe(const struct policy *p);

#endif
