/* SPDX-License-Identifier: MIT */
/* IPv4 and IPv6 prefixes in CIDR notation. */
#ifndef KSCTL_PREFIX_H
#define KSCTL_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct prefix {
	int family; /* AF_INET or AF_INET6 */
	uint8_t len;
	uint8_t addr[16];
};

#define PREFIX_TEXT_MAX 52 /* INET6_ADDRSTRLEN + "/255" */

/*
 * Parses "ADDR/LEN" (or a bare address, a host prefix). Host bits beyond LEN
 * are cleared and *had_host_bits says so; errors are printed, quoting @text.
 */
bool prefix_parse(struct prefix *out, const char *text, bool *had_host_bits);
/* The same, printing nothing: for callers that say where @text came from themselves. */
bool prefix_parse_quiet(struct prefix *out, const char *text, bool *had_host_bits);
void prefix_format(const struct prefix *p, char buf[PREFIX_TEXT_MAX]);

struct prefix_list {
	struct prefix *items;
	size_t count, capacity;
};

bool prefix_list_add(struct prefix_list *list, const struct prefix *p);
/* Adds @text to @list, saying in one line when host bits were cleared. */
bool prefix_list_add_text(struct prefix_list *list, const char *text);
/*
 * Adds every CIDR of @text (@len bytes, named @name in messages): one per
 * line, '#' starts a comment, blank lines are fine. A line longer than 256
 * characters or a bad entry rejects it all, naming NAME:LINE; a bad entry is
 * quoted only if it looks like a CIDR, and only up to 64 characters.
 */
bool prefix_list_add_text_buffer(struct prefix_list *list, const char *name, const char *text,
				 size_t len);
#define ALLOW_FILE_MAX (16u << 20)
/* The same for the text file @path (at most ALLOW_FILE_MAX bytes), or stdin for "-". */
bool prefix_list_add_file(struct prefix_list *list, const char *path);
void prefix_list_sort(struct prefix_list *list);
/* Binary search: @list must be sorted by prefix_list_sort. */
bool prefix_list_contains(const struct prefix_list *list, const struct prefix *p);
/* The same, giving the item found (NULL: none). */
const struct prefix *prefix_list_find(const struct prefix_list *list, const struct prefix *p);
void prefix_list_free(struct prefix_list *list);

#endif
