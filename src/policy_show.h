/* SPDX-License-Identifier: MIT */
/* The policy in force, for people and for scripts (`ksctl status`). */
#ifndef KSCTL_POLICY_SHOW_H
#define KSCTL_POLICY_SHOW_H

#include <stdio.h>

#include "json.h"
#include "policy.h"

void policy_show_plain(FILE *out, const struct policy *p);
void policy_show_json(struct json *j, const struct policy *p);

#endif
