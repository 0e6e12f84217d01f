/* SPDX-License-Identifier: MIT */
/* Inside the configuration parser: its state, and the keys with their value readers. */
#ifndef KSCTL_WGCONF_READ_H
#define KSCTL_WGCONF_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "wgconf.h"

enum wgconf_section { WGCONF_SECTION_NONE, WGCONF_SECTION_INTERFACE, WGCONF_SECTION_PEER };

struct wgconf_parser {
	struct wgconf *c;
	unsigned int line;
	const char *key;          /* the key being read, for messages */
	enum wgconf_section section; /* as wg setconf sees it */
	bool wg_quick_interface;  /* as wg-quick sees it: its own keys count only there */
	unsigned int peer_line;   /* the open [Peer]'s header */
	bool peer_has_public_key;
	size_t peer_endpoint;     /* the open peer's Endpoint in c->endpoints, or SIZE_MAX */
};

struct wgconf_key {
	const char *name;
	enum wgconf_section section;
	bool wg_quick; /* read by wg-quick, never by wg: an empty value is one it accepts */
	bool (*read)(struct wgconf_parser *ps, char *value);
};

/* The key named @name, whatever its case, or NULL. */
const struct wgconf_key *wgconf_find_key(const char *name);
/* Prints "PATH:LINE: problem" and returns false. */
bool wgconf_fail(const struct wgconf_parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
