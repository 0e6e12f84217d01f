// SPDX-License-Identifier: MIT
/*
 * The value of each key, checked as wg (src/config.c) or wg-quick would, and
 * what ksctl keeps of it. wg's values have no whitespace left; wg-quick's are
 * trimmed, and its lists are split on commas and blanks.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"
#include "wgconf_read.h"

#define QUOTE_MAX 64
/* For "'%.*s%s'": at most QUOTE_MAX characters of @s. */
#define QUOTED(s) QUOTE_MAX, (s), strlen(s) > QUOTE_MAX ? "..." : ""
#define LIST_SEPARATORS ", \t"

/* 32 bytes in base64: 43 characters, the last with its 2 padding bits clear, then '='. */
static bool is_base64_key(const char *text)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	if (strlen(text) != 44 || text[43] != '=' || strspn(text, alphabet) != 43)
		return false;
	return ((strchr(alphabet, text[42]) - alphabet) & 3) == 0;
}

/* Never quoted: a private or preshared key must not reach a log. */
static bool read_key(struct wgconf_parser *ps, char *value)
{
	if (is_base64_key(value))
		return true;
	return wgconf_fail(ps, "%s is not a WireGuard key (44 characters of base64 ending in '=', "
			   "as wg genkey prints); the value is not shown", ps->key);
}

static bool read_public_key(struct wgconf_parser *ps, char *value)
{
	ps->peer_has_public_key = read_key(ps, value);
	return ps->peer_has_public_key;
}

static bool read_listen_port(struct wgconf_parser *ps, char *value)
{
	unsigned long long port;

	if (!parse_uint(&port, value, 10, UINT16_MAX))
		return wgconf_fail(ps, "ListenPort '%.*s%s' is not a port number 0-65535", QUOTED(value));
	ps->c->listen_port = (uint16_t)port;
	ps->c->has_listen_port = port != 0;
	return true;
}

static bool read_fwmark(struct wgconf_parser *ps, char *value)
{
	unsigned long long mark = 0;
	bool hex = !strncmp(value, "0x", 2) && value[2];

	if (strcasecmp(value, "off") && !parse_uint(&mark, hex ? value + 2 : value, hex ? 16 : 10, UINT32_MAX))
		return wgconf_fail(ps, "FwMark '%.*s%s' is neither off nor 0-0xffffffff", QUOTED(value));
	ps->c->fwmark = (uint32_t)mark;
	ps->c->has_fwmark = mark != 0;
	return true;
}

static bool read_keepalive(struct wgconf_parser *ps, char *value)
{
	unsigned long long seconds;

	if (strcasecmp(value, "off") && !parse_uint(&seconds, value, 10, UINT16_MAX))
		return wgconf_fail(ps, "PersistentKeepalive '%.*s%s' is neither off nor 0-65535",
				   QUOTED(value));
	return true;
}

/* A leading '+' or '-' asks wg (1.0.20250521 and later) to add or remove the entry. */
static bool read_allowed_ips(struct wgconf_parser *ps, char *value)
{
	for (char *entry, *rest = value; (entry = strsep(&rest, ","));) {
		bool removed = *entry == '-', had_host_bits;
		struct prefix p;

		if (*entry == '+' || *entry == '-')
			entry++;
		if (!prefix_parse_quiet(&p, entry, &had_host_bits))
			return wgconf_fail(ps, "AllowedIPs entry '%.*s%s' is not ADDRESS[/LENGTH], e.g. "
					   "10.0.0.0/8 or fd00::/8", QUOTED(entry));
		if (removed)
			continue;
		if (p.len == 0)
			ps->c->default_route = true;
		else if (!prefix_list_add(&ps->c->allowed_ips, &p))
			return false;
	}
	return true;
}

/* A peer's last Endpoint is the one wg keeps. */
static bool read_endpoint(struct wgconf_parser *ps, char *value)
{
	struct wgconf *c = ps->c;
	struct wgconf_endpoint e, *bigger;
	const char *problem = wgconf_endpoint_problem(&e, value);

	if (problem)
		return wgconf_fail(ps, "Endpoint '%.*s%s': %s; expected HOST:PORT or [IPV6]:PORT",
				   QUOTED(value), problem);
	e.line = ps->line;
	if (ps->peer_endpoint == SIZE_MAX) {
		bigger = reallocarray(c->endpoints, c->endpoint_count + 1, sizeof(*bigger));
		if (!bigger)
			return wgconf_fail(ps, "out of memory for endpoints");
		c->endpoints = bigger;
		ps->peer_endpoint = c->endpoint_count++;
	}
	c->endpoints[ps->peer_endpoint] = e;
	return true;
}

/* wg-quick: each entry goes to `ip address add`. */
static bool read_address(struct wgconf_parser *ps, char *value)
{
	char *rest;

	for (char *entry = strtok_r(value, LIST_SEPARATORS, &rest); entry;
	     entry = strtok_r(NULL, LIST_SEPARATORS, &rest)) {
		bool had_host_bits;
		struct prefix p;

		if (!prefix_parse_quiet(&p, entry, &had_host_bits))
			return wgconf_fail(ps, "Address '%.*s%s' is not ADDRESS[/LENGTH], e.g. "
					   "10.64.0.2/32 or fd00::2/128", QUOTED(entry));
		if (!prefix_list_add(&ps->c->addresses, &p))
			return false;
	}
	return true;
}

/* wg-quick: digits and dots, or anything with a ':', is a server; the rest are search domains. */
static bool read_dns(struct wgconf_parser *ps, char *value)
{
	char *rest;

	for (char *entry = strtok_r(value, LIST_SEPARATORS, &rest); entry;
	     entry = strtok_r(NULL, LIST_SEPARATORS, &rest)) {
		bool v4 = entry[strspn(entry, "0123456789.")] == '\0';
		struct prefix p = { .family = v4 ? AF_INET : AF_INET6, .len = v4 ? 32 : 128 };

		if (!v4 && !strchr(entry, ':'))
			continue;
		entry[strcspn(entry, "%")] = '\0'; /* fe80::1%eth0: the scope is not the address */
		if (inet_pton(p.family, entry, p.addr) != 1)
			return wgconf_fail(ps, "DNS server '%.*s%s' is not an %s address", QUOTED(entry),
					   v4 ? "IPv4" : "IPv6");
		if (!prefix_list_add(&ps->c->dns, &p))
			return false;
	}
	return true;
}

/* wg-quick: `ip link set mtu`, which reads a number in any base. Empty: computed. */
static bool read_mtu(struct wgconf_parser *ps, char *value)
{
	unsigned long long mtu;

	if (*value && !parse_uint(&mtu, value, 0, UINT32_MAX))
		return wgconf_fail(ps, "MTU '%.*s%s' is not a number", QUOTED(value));
	return true;
}

/* wg-quick compares with "auto" and "off" after its case-insensitive parsing has ended. */
static bool read_table(struct wgconf_parser *ps, char *value)
{
	static const char name_chars[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-";

	if (!*value || !strcmp(value, "auto"))
		ps->c->table = WGCONF_TABLE_AUTO;
	else if (!strcmp(value, "off"))
		ps->c->table = WGCONF_TABLE_OFF;
	else if (!strcasecmp(value, "auto") || !strcasecmp(value, "off"))
		return wgconf_fail(ps, "Table '%s': write it in lower case; wg-quick would take it for "
				   "the name of a routing table", value);
	else if (value[strspn(value, name_chars)] == '\0')
		ps->c->table = WGCONF_TABLE_SET; /* a number, or a name from rt_tables */
	else
		return wgconf_fail(ps, "Table '%.*s%s' is neither auto, off, a number nor a routing "
				   "table's name", QUOTED(value));
	return true;
}

static bool read_save_config(struct wgconf_parser *ps, char *value)
{
	if (strcasecmp(value, "true") && strcasecmp(value, "false"))
		return wgconf_fail(ps, "SaveConfig '%.*s%s' is neither true nor false", QUOTED(value));
	return true;
}

/* Hooks are bash for wg-quick to run: nothing to check or keep. */
static bool read_hook(struct wgconf_parser *ps, char *value)
{
	(void)ps;
	(void)value;
	return true;
}

static const struct wgconf_key keys[] = {
	{ "PrivateKey", WGCONF_SECTION_INTERFACE, false, read_key },
	{ "ListenPort", WGCONF_SECTION_INTERFACE, false, read_listen_port },
	{ "FwMark", WGCONF_SECTION_INTERFACE, false, read_fwmark },
	{ "PublicKey", WGCONF_SECTION_PEER, false, read_public_key },
	{ "PresharedKey", WGCONF_SECTION_PEER, false, read_key },
	{ "AllowedIPs", WGCONF_SECTION_PEER, false, read_allowed_ips },
	{ "Endpoint", WGCONF_SECTION_PEER, false, read_endpoint },
	{ "PersistentKeepalive", WGCONF_SECTION_PEER, false, read_keepalive },
	{ "Address", WGCONF_SECTION_INTERFACE, true, read_address },
	{ "DNS", WGCONF_SECTION_INTERFACE, true, read_dns },
	{ "MTU", WGCONF_SECTION_INTERFACE, true, read_mtu },
	{ "Table", WGCONF_SECTION_INTERFACE, true, read_table },
	{ "PreUp", WGCONF_SECTION_INTERFACE, true, read_hook },
	{ "PostUp", WGCONF_SECTION_INTERFACE, true, read_hook },
	{ "PreDown", WGCONF_SECTION_INTERFACE, true, read_hook },
	{ "PostDown", WGCONF_SECTION_INTERFACE, true, read_hook },
	{ "SaveConfig", WGCONF_SECTION_INTERFACE, true, read_save_config },
};

const struct wgconf_key *wgconf_find_key(const char *name)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
		if (!strcasecmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}
