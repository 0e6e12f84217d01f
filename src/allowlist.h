/* SPDX-License-Identifier: MIT */
/* The allowlist maps: one LPM trie per address family, keyed by prefix. */
#ifndef KSCTL_ALLOWLIST_H
#define KSCTL_ALLOWLIST_H

#include "prefix.h"

struct allowlist {
	int fd4, fd6;
};

int allowlist_add(const struct allowlist *maps, const struct prefix *p);
/* -ENOENT when @p is not in the allowlist. */
int allowlist_del(const struct allowlist *maps, const struct prefix *p);
/* Appends every allowed prefix to @out. 0 or -errno. */
int allowlist_read(const struct allowlist *maps, struct prefix_list *out);
/*
 * Makes the maps hold exactly @wanted (sorted on return): adds first, then
 * removes the rest, so nothing that stays allowed is ever missing.
 */
int allowlist_replace(const struct allowlist *maps, struct prefix_list *wanted);

#endif
