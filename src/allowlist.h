/* SPDX-License-Identifier: MIT */
/* The allowlist maps: one LPM trie per address family, keyed by prefix. */
#ifndef KSCTL_ALLOWLIST_H
#define KSCTL_ALLOWLIST_H

#include "prefix.h"

#include "ksctl_common.h"

struct allowlist {
	int fd4, fd6;             /* the LPM tries: the complete record */
	int blocks4_fd;           /* the /24 blocks of IPv4 /16s */
	struct ks_state *state;   /* the live /16 states (mapped) */
};

/* The fast path that a list implies: see ksctl_common.h. */
struct fast_path {
	__u8 root4[KS_ROOT_SIZE];
	__u8 root6[KS_ROOT_SIZE];
	struct ks_block *blocks4[KS_ROOT_SIZE]; /* NULL: no block for that /16 */
};

/* Fills @fp (zeroed by the caller) from @list; false when out of memory. */
bool fast_path_build(struct fast_path *fp, const struct prefix_list *list);
void fast_path_free(struct fast_path *fp);
/* Adds @prefixes. 0 or -errno. */
int allowlist_add(const struct allowlist *maps, const struct prefix_list *prefixes);
/* Removes @prefixes; -ENOENT (nothing changed, *missing says which) when one is not there. */
int allowlist_del(const struct allowlist *maps, const struct prefix_list *prefixes, const struct prefix **missing);
/* Appends every allowed prefix to @out. 0 or -errno. */
int allowlist_read(const struct allowlist *maps, struct prefix_list *out);
/*
 * Makes the maps hold exactly @wanted (sorted on return). Every step keeps
 * the verdict within old or new: the tries gain the new prefixes, then the
 * /16 states change, then the tries lose the stale prefixes.
 */
int allowlist_replace(const struct allowlist *maps, struct prefix_list *wanted);

#endif
