// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "parse.h"
#include "prefix.h"
#include "prefix_scope.h"
#include "textfile.h"

static bool clear_host_bits(struct prefix *p)
{
	size_t size = p->family == AF_INET ? 4 : 16;
	bool had_host_bits = false;

	for (size_t i = 0; i < size; i++) {
		int keep = (int)p->len - (int)i * 8;
		uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));

		had_host_bits |= (p->addr[i] & ~mask) != 0;
		p->addr[i] &= mask;
	}
	return had_host_bits;
}

enum prefix_problem { PREFIX_OK, PREFIX_BAD_ADDRESS, PREFIX_BAD_LENGTH };

static enum prefix_problem parse(struct prefix *out, const char *text, bool *had_host_bits)
{
	char address[INET6_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	size_t address_len = slash ? (size_t)(slash - text) : strlen(text);
	struct prefix p = { 0 };
	unsigned long long len = 0;
	int max;

	if (address_len == 0 || address_len >= sizeof(address))
		return PREFIX_BAD_ADDRESS;
	memcpy(address, text, address_len);
	address[address_len] = '\0';

	if (inet_pton(AF_INET, address, p.addr) == 1)
		p.family = AF_INET;
	else if (inet_pton(AF_INET6, address, p.addr) == 1)
		p.family = AF_INET6;
	else
		return PREFIX_BAD_ADDRESS;

	max = p.family == AF_INET ? 32 : 128;
	if (!slash)
		p.len = (uint8_t)max;
	else if (!parse_uint(&len, slash + 1, 10, (unsigned long long)max))
		return PREFIX_BAD_LENGTH;
	else
		p.len = (uint8_t)len;
	*had_host_bits = clear_host_bits(&p);
	*out = p;
	return PREFIX_OK;
}

bool prefix_parse(struct prefix *out, const char *text, bool *had_host_bits)
{
	switch (parse(out, text, had_host_bits)) {
	case PREFIX_OK:
		return true;
	case PREFIX_BAD_LENGTH:
		pr_err("invalid prefix length in '%s': use %s", text,
		       strchr(text, ':') ? "0-128 for IPv6" : "0-32 for IPv4");
		return false;
	default:
		pr_err("invalid address or CIDR '%s': expected e.g. 192.168.0.0/16 or fd00::/8", text);
		return false;
	}
}

bool prefix_parse_quiet(struct prefix *out, const char *text, bool *had_host_bits)
{
	return parse(out, text, had_host_bits) == PREFIX_OK;
}

void prefix_format(const struct prefix *p, char buf[PREFIX_TEXT_MAX])
{
	char address[INET6_ADDRSTRLEN];

	inet_ntop(p->family, p->addr, address, sizeof(address));
	snprintf(buf, PREFIX_TEXT_MAX, "%s/%u", address, p->len);
}


static bool prefix_list_reserve(struct prefix_list *list, size_t count)
{
	size_t capacity = list->capacity ? list->capacity : 16;
	struct prefix *items;

	if (count <= list->capacity)
		return true;
	while (capacity < count)
		capacity *= 2;
	items = reallocarray(list->items, capacity, sizeof(*items));
	if (!items) {
		pr_err("out of memory for %zu prefixes", capacity);
		return false;
	}
	list->items = items;
	list->capacity = capacity;
	return true;
}

bool prefix_list_add(struct prefix_list *list, const struct prefix *p)
{
	if (!prefix_list_reserve(list, list->count + 1))
		return false;
	list->items[list->count++] = *p;
	return true;
}

/*
 * Host bits are noted, and the network allowed; but on a wide prefix that
 * reaches public address space they are a typo that would open the
 * internet (192.168.1.0/2 is 192.0.0.0/2): an error.
 */
static bool add_noting_host_bits(struct prefix_list *list, const struct prefix *p,
				 bool had_host_bits, const char *text, const char *name,
				 unsigned int line)
{
	char network[PREFIX_TEXT_MAX], where[PATH_MAX + 16] = "";

	if (!had_host_bits)
		return prefix_list_add(list, p);
	prefix_format(p, network);
	if (name)
		snprintf(where, sizeof(where), "%s:%u: ", name, line);
	if (prefix_is_public_wide(p)) {
		pr_err("%s'%s' has host bits set, and its network %s reaches public address space: check the prefix "
		       "length",
		       where, text, network);
		return false;
	}
	pr_info("%snote: '%s' has host bits set; allowing its network %s", where, text, network);
	return prefix_list_add(list, p);
}

bool prefix_list_add_text(struct prefix_list *list, const char *text)
{
	bool had_host_bits;
	struct prefix p;

	return prefix_parse(&p, text, &had_host_bits) &&
	       add_noting_host_bits(list, &p, had_host_bits, text, NULL, 0);
}

#define ALLOW_LINE_MAX 256
#define ALLOW_QUOTE_MAX 64
#define ALLOW_SPACE " \t\r\v\f"

/*
 * The file may be a link to something secret (/etc/shadow, a hex token): quote
 * a bad entry only if it looks like an address (hex digits, '/', ',' and at
 * least one '.' or ':'), and never more than 64 characters of it.
 */
static void print_bad_entry(const char *name, unsigned int line, const char *token,
			    const char *problem)
{
	size_t len = strlen(token);

	if (token[strspn(token, "0123456789abcdefABCDEF.:/,")] != '\0' || !strpbrk(token, ".:"))
		pr_err("%s:%u: %s (not quoted: it does not look like an address): "
		       "one CIDR per line, e.g. 192.168.0.0/16 or fd00::/8", name, line, problem);
	else
		pr_err("%s:%u: %s '%.*s%s': one CIDR per line, e.g. 192.168.0.0/16 or fd00::/8",
		       name, line, problem, ALLOW_QUOTE_MAX, token, len > ALLOW_QUOTE_MAX ? "..." : "");
}

static bool add_line(struct prefix_list *list, const char *name, unsigned int line, char *text)
{
	char *token, *extra, *rest;
	bool had_host_bits;
	struct prefix p;

	text[strcspn(text, "#")] = '\0';
	token = strtok_r(text, ALLOW_SPACE, &rest);
	if (!token)
		return true;
	extra = strtok_r(NULL, ALLOW_SPACE, &rest);
	if (extra) {
		print_bad_entry(name, line, extra, "a second entry");
		return false;
	}
	if (!prefix_parse_quiet(&p, token, &had_host_bits)) {
		print_bad_entry(name, line, token, "invalid CIDR");
		return false;
	}
	return add_noting_host_bits(list, &p, had_host_bits, token, name, line);
}

/* One line after the other; the first bad one stops it. */
static bool add_lines(struct prefix_list *list, const char *name, const char *text, size_t len)
{
	const char *cursor = text, *start;
	unsigned int line = 0;
	size_t n;

	while ((start = textfile_line(&cursor, text + len, &n))) {
		char buf[ALLOW_LINE_MAX + 1];

		line++;
		if (n > ALLOW_LINE_MAX) {
			pr_err("%s:%u: line longer than %d characters: one CIDR per line", name, line,
			       ALLOW_LINE_MAX);
			return false;
		}
		if (memchr(start, '\0', n)) {
			pr_err("%s:%u: NUL byte: not a text file", name, line);
			return false;
		}
		memcpy(buf, start, n);
		buf[n] = '\0';
		if (!add_line(list, name, line, buf))
			return false;
	}
	return true;
}

bool prefix_list_add_text_buffer(struct prefix_list *list, const char *name, const char *text,
				 size_t len)
{
	size_t before = list->count, lines = 1;

	/* One allocation for the whole file rather than one per doubling. */
	for (const char *nl = text; (nl = memchr(nl, '\n', (size_t)(text + len - nl))); nl++)
		lines++;
	if (!prefix_list_reserve(list, before + lines))
		return false;
	if (add_lines(list, name, text, len))
		return true;
	list->count = before; /* a rejected file adds nothing */
	return false;
}

bool prefix_list_add_file(struct prefix_list *list, const char *path)
{
	char *text;
	size_t len;
	bool ok;

	if (textfile_read(path, "allow file", ALLOW_FILE_MAX, &text, &len))
		return false;
	ok = prefix_list_add_text_buffer(list, path, text, len);
	free(text);
	return ok;
}

static int prefix_compare(const void *a, const void *b)
{
	const struct prefix *x = a, *y = b;

	if (x->family != y->family)
		return x->family - y->family;
	if (x->len != y->len)
		return x->len - y->len;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

void prefix_list_sort(struct prefix_list *list)
{
	if (list->count)
		qsort(list->items, list->count, sizeof(*list->items), prefix_compare);
}

const struct prefix *prefix_list_find(const struct prefix_list *list, const struct prefix *p)
{
	return list->count ? bsearch(p, list->items, list->count, sizeof(*p), prefix_compare) : NULL;
}

bool prefix_list_contains(const struct prefix_list *list, const struct prefix *p)
{
	return prefix_list_find(list, p);
}

void prefix_list_free(struct prefix_list *list)
{
	free(list->items);
	memset(list, 0, sizeof(*list));
}
