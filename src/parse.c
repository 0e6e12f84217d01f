// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "parse.h"

bool parse_uint(unsigned long long *out, const char *text, int base, unsigned long long max)
{
	unsigned long long value;
	char *end;

	/* strtoull would take leading spaces, signs and a second 0x: a value is digits only. */
	if (!(base == 16 ? isxdigit((unsigned char)*text) : *text >= '0' && *text <= '9') ||
	    (base == 16 && (text[1] == 'x' || text[1] == 'X')))
		return false;
	errno = 0;
	value = strtoull(text, &end, base);
	if (errno || *end || value > max)
		return false;
	*out = value;
	return true;
}

/* Decimal, or hex after 0x: a leading zero is not octal (010 is ten, as people mean it). */
static bool parse_u32(uint32_t *out, const char *text)
{
	bool hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
	unsigned long long value;

	if (!parse_uint(&value, hex ? text + 2 : text, hex ? 16 : 10, UINT32_MAX))
		return false;
	*out = (uint32_t)value;
	return true;
}

bool parse_fwmark(uint32_t *mark, uint32_t *mask, const char *text)
{
	char buf[32];
	char *slash;

	if (!strcmp(text, "off")) {
		*mark = 0;
		*mask = 0;
		return true;
	}
	if (strlen(text) >= sizeof(buf))
		goto invalid;
	memcpy(buf, text, strlen(text) + 1);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (!parse_u32(mark, buf))
		goto invalid;
	*mask = UINT32_MAX;
	if (slash && !parse_u32(mask, slash + 1))
		goto invalid;
	if (*mask == 0) {
		pr_err("fwmark mask 0 in '%s' would match every packet: use 'off' to turn the fwmark pass off", text);
		return false;
	}
	if (*mark == 0) {
		pr_err("fwmark 0 in '%s' matches unmarked packets and would open egress: "
		       "give the tunnel's mark (wg show wg0 fwmark) or 'off'", text);
		return false;
	}
	if (*mark & ~*mask) {
		pr_err("fwmark '%s' has bits outside its mask, so no packet could match: "
		       "use MARK/MASK with MARK inside MASK", text);
		return false;
	}
	return true;

invalid:
	pr_err("invalid fwmark '%s': expected MARK or MARK/MASK in decimal or 0x-hex (1-0xffffffff), or 'off'",
	       text);
	return false;
}

bool parse_ifname(char out[IFNAMSIZ], const char *text)
{
	size_t len = strlen(text);

	/* The kernel's own rule (dev_valid_name): no '/', ':' or white space, 0xa0 included. */
	if (len == 0 || len >= IFNAMSIZ || !strcmp(text, ".") || !strcmp(text, "..") ||
	    strpbrk(text, "/: \t\n\v\f\r\xa0")) {
		pr_err("invalid interface name '%s': 1-%d characters, no '/', ':' or spaces", text,
		       IFNAMSIZ - 1);
		return false;
	}
	memcpy(out, text, len + 1);
	return true;
}
