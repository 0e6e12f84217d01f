// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "prefix_scope.h"

/* Address space that is not the public internet's (RFC 6890 and friends). */
static const char *const non_public[] = {
	"0.0.0.0/8",      "10.0.0.0/8",     "100.64.0.0/10",   "127.0.0.0/8",     "169.254.0.0/16",
	"172.16.0.0/12",  "192.0.0.0/24",   "192.0.2.0/24",    "192.168.0.0/16",  "198.18.0.0/15",
	"198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4",    "240.0.0.0/4",     "::/128",
	"::1/128",        "fc00::/7",       "fe80::/10",       "ff00::/8",        "2001:db8::/32",
};

bool prefix_within(const struct prefix *inner, const struct prefix *outer)
{
	unsigned int whole = outer->len / 8, rest = outer->len % 8;

	if (inner->family != outer->family || inner->len < outer->len)
		return false;
	if (memcmp(inner->addr, outer->addr, whole))
		return false;
	return !rest || !((inner->addr[whole] ^ outer->addr[whole]) & (0xff << (8 - rest)));
}

static bool parse_range(struct prefix *out, const char *text)
{
	char address[INET6_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	size_t len = (size_t)(slash - text);

	memset(out, 0, sizeof(*out));
	memcpy(address, text, len);
	address[len] = '\0';
	out->family = strchr(address, ':') ? AF_INET6 : AF_INET;
	out->len = (uint8_t)strtoul(slash + 1, NULL, 10);
	return inet_pton(out->family, address, out->addr) == 1;
}

bool prefix_is_non_public(const struct prefix *p)
{
	for (size_t i = 0; i < sizeof(non_public) / sizeof(*non_public); i++) {
		struct prefix range;

		if (parse_range(&range, non_public[i]) && prefix_within(p, &range))
			return true;
	}
	return false;
}

bool prefix_is_public_wide(const struct prefix *p)
{
	return p->len < (p->family == AF_INET ? KS_WIDE4 : KS_WIDE6) && !prefix_is_non_public(p);
}

bool prefixes_refuse_public_wide(const struct prefix_list *list)
{
	char text[PREFIX_TEXT_MAX];
	bool refused = false;

	for (size_t i = 0; i < list->count; i++) {
		if (!prefix_is_public_wide(&list->items[i]))
			continue;
		prefix_format(&list->items[i], text);
		pr_err("allowed prefix %s reaches public address space and is shorter than /%d (IPv4) or /%d (IPv6): "
		       "a typo? give the LAN's own prefix, or add --force if you mean it",
		       text, KS_WIDE4, KS_WIDE6);
		refused = true;
	}
	return refused;
}
