/* SPDX-License-Identifier: MIT */
/* A set of prefixes held in a pair of LPM tries, one per address family. */
#ifndef KSCTL_PREFIX_TRIE_H
#define KSCTL_PREFIX_TRIE_H

#include "prefix.h"

struct prefix_tries {
	int fd4, fd6; /* keyed by struct ks_allow4_key and ks_allow6_key */
};

/* Adds every prefix of @list. 0 or -errno (the first failure). */
int prefix_tries_add(const struct prefix_tries *t, const struct prefix_list *list);
/* Removes every prefix of @list; one that is not there is not an error. */
int prefix_tries_del(const struct prefix_tries *t, const struct prefix_list *list);
/* Appends every prefix held to @out. 0 or -errno. */
int prefix_tries_read(const struct prefix_tries *t, struct prefix_list *out);
/* Removes every prefix that @wanted (sorted) does not hold. 0 or -errno. */
int prefix_tries_keep_only(const struct prefix_tries *t, const struct prefix_list *wanted);
/* Makes the tries hold exactly @wanted (sorted on return): additions first, then removals. */
int prefix_tries_replace(const struct prefix_tries *t, struct prefix_list *wanted);

#endif
