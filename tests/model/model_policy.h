/* SPDX-License-Identifier: MIT */
/* The model's configuration for a policy built by hand (tests/bpf). */
#ifndef KSCTL_MODEL_POLICY_H
#define KSCTL_MODEL_POLICY_H

#include "model.h"
#include "policy.h"

/* Replaces @c with what @p configures; tunnels' ifindex by their names. false: out of memory. */
bool model_from_policy(struct model_config *c, const struct policy *p);

#endif
