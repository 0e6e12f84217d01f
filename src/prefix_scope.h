/* SPDX-License-Identifier: MIT */
/* Which address space a prefix covers: a typo in an allowed prefix must not open the internet. */
#ifndef KSCTL_PREFIX_SCOPE_H
#define KSCTL_PREFIX_SCOPE_H

#include <stdbool.h>

#include "prefix.h"

/* Shorter than these, a prefix that reaches public address space is refused without --force. */
#define KS_WIDE4 16
#define KS_WIDE6 32

/* Is @inner inside @outer (the same family, at least as long, the same leading bits)? */
bool prefix_within(const struct prefix *inner, const struct prefix *outer);
/* Does @p lie wholly inside private, shared, loopback, link-local, ULA, multicast or documentation space? */
bool prefix_is_non_public(const struct prefix *p);
/* Is @p shorter than KS_WIDE4/KS_WIDE6 and does it reach public address space? */
bool prefix_is_public_wide(const struct prefix *p);
/* Prints one line per such prefix of @list; true when there is one. */
bool prefixes_refuse_public_wide(const struct prefix_list *list);

#endif
