/* SPDX-License-Identifier: MIT */
/* A set of prefixes held in a pair of LPM tries, one per address family. */
#ifndef KSCTL_PREFIX_TRIE_H
#define KSCTL_PREFIX_TRIE_H

#include "prefix.h"

struct prefix_tries {
	int fd4, fd6; /* keyed by struct ks_allow4_key and ks_allow6_key */
};

/*
 * Adds every prefix of @list. 0 or -errno (the first failure). Each family
 * is one batched syscall, or one per prefix on kernels without batches.
 */
int prefix_tries_add(const struct prefix_tries *t, const struct prefix_list *list);
/* Removes every prefix of @list; one that is not there is not an error. */
int prefix_tries_del(const struct prefix_tries *t, const struct prefix_list *list);
/* Appends every prefix held to @out. 0 or -errno. */
int prefix_tries_read(const struct prefix_tries *t, struct prefix_list *out);

/* What turning the tries into a wanted set takes. */
struct prefix_change {
	struct prefix_list missing; /* wanted, not held: to add */
	struct prefix_list stale;   /* held, not wanted: to remove */
	size_t both[2];             /* IPv4 and IPv6 prefixes held while old and new are both in */
};

/* Reads the tries once and fills @out (zeroed by the caller) for @wanted. 0 or -errno. */
int prefix_tries_diff(const struct prefix_tries *t, const struct prefix_list *wanted, struct prefix_change *out);
void prefix_change_free(struct prefix_change *c);

#endif
