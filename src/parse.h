/* SPDX-License-Identifier: MIT */
/* Parsers for option values: they write through @out, return false and quote the bad value. */
#ifndef KSCTL_PARSE_H
#define KSCTL_PARSE_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

/* Digits only (no sign, no spaces, no 0x for base 16) in @base (0: as strtoull), at most @max. */
bool parse_uint(unsigned long long *out, const char *text, int base, unsigned long long max);
/* "MARK[/MASK]" in decimal or 0x-hex, or "off". A mask of 0 means the fwmark pass is off. */
bool parse_fwmark(uint32_t *mark, uint32_t *mask, const char *text);
bool parse_ifname(char out[IFNAMSIZ], const char *text);

#endif
