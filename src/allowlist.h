/* SPDX-License-Identifier: MIT */
/* The allowlist maps: one LPM trie per address family, keyed by prefix. */
#ifndef KSCTL_ALLOWLIST_H
#define KSCTL_ALLOWLIST_H

#include "prefix.h"

#include "ksctl_common.h"

struct allowlist {
	int fd4, fd6;             /* the LPM tries: the complete record */
	int table4_fd;            /* the IPv4 /16 states and /24 blocks */
	struct ks_state *state;   /* the IPv6 /16 states (mapped) */
};

/* The fast path that a list implies: see ksctl_common.h. */
struct fast_path {
	__u16 root4[KS_ROOT_SIZE];
	__u8 root6[KS_ROOT_SIZE];
	__u16 block_of[KS_ROOT_SIZE]; /* by /16: 1 + its block's index in @blocks4; 0: no block */
	struct ks_block *blocks4;     /* the /24 blocks, in the order their /16s got them */
	unsigned int blocks, capacity;
};

/* Fills @fp (zeroed by the caller) from @list; false when out of memory. */
bool fast_path_build(struct fast_path *fp, const struct prefix_list *list);
void fast_path_free(struct fast_path *fp);
/* The /24 block of the /16 @first (its first two bytes), or NULL. */
const struct ks_block *fast_path_block(const struct fast_path *fp, unsigned int first);
/* A fast path built for @list, or NULL when out of memory; fast_path_delete() frees it (and NULL). */
struct fast_path *fast_path_new(const struct prefix_list *list);
void fast_path_delete(struct fast_path *fp);
/* How many blocks a new IPv4 table for @fp should have, with room for 'allow add'. */
__u32 fast_path_table4_size(const struct fast_path *fp);
/* The same for @list, building its fast path. 0: out of memory. */
__u32 allowlist_table4_size(const struct prefix_list *list);

int allowlist_add(const struct allowlist *maps, const struct prefix_list *prefixes);
/* Removes @prefixes; -ENOENT (nothing changed, *missing says which) when one is not there. */
int allowlist_del(const struct allowlist *maps, const struct prefix_list *prefixes, const struct prefix **missing);
/* Appends every allowed prefix to @out. 0 or -errno. */
int allowlist_read(const struct allowlist *maps, struct prefix_list *out);
/*
 * Makes the maps hold exactly @wanted, with @fp its fast path when the
 * caller built it already (NULL: built here). Every step
 * keeps the verdict within old or new: the tries gain the new prefixes,
 * then the /16 states change, then the tries lose the stale prefixes.
 */
int allowlist_replace(const struct allowlist *maps, const struct prefix_list *wanted, const struct fast_path *fp);

#endif
