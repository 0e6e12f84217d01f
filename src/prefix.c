// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "parse.h"
#include "prefix.h"

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

bool prefix_parse(struct prefix *out, const char *text, bool *had_host_bits)
{
	char address[INET6_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	size_t address_len = slash ? (size_t)(slash - text) : strlen(text);
	struct prefix p = { 0 };
	unsigned long long len = 0;
	int max;

	if (address_len == 0 || address_len >= sizeof(address))
		goto invalid;
	memcpy(address, text, address_len);
	address[address_len] = '\0';

	if (inet_pton(AF_INET, address, p.addr) == 1)
		p.family = AF_INET;
	else if (inet_pton(AF_INET6, address, p.addr) == 1)
		p.family = AF_INET6;
	else
		goto invalid;

	max = p.family == AF_INET ? 32 : 128;
	if (!slash)
		p.len = (uint8_t)max;
	else if (!parse_uint(&len, slash + 1, 10, (unsigned long long)max)) {
		pr_err("invalid prefix length in '%s': use 0-%d for %s", text, max,
		       p.family == AF_INET ? "IPv4" : "IPv6");
		return false;
	} else
		p.len = (uint8_t)len;
	*had_host_bits = clear_host_bits(&p);
	*out = p;
	return true;

invalid:
	pr_err("invalid address or CIDR '%s': expected e.g. 192.168.0.0/16 or fd00::/8", text);
	return false;
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

bool prefix_list_add_text(struct prefix_list *list, const char *text)
{
	char network[PREFIX_TEXT_MAX];
	bool had_host_bits;
	struct prefix p;

	if (!prefix_parse(&p, text, &had_host_bits))
		return false;
	if (had_host_bits) {
		prefix_format(&p, network);
		pr_info("note: '%s' has host bits set; allowing its network %s", text, network);
	}
	return prefix_list_add(list, &p);
}

bool prefix_list_add_file(struct prefix_list *list, const char *path)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t size = 0;
	bool ok = true;

	if (!f) {
		pr_err("cannot read allow file '%s': %s", path, strerror(errno));
		return false;
	}
	while (ok && getline(&line, &size, f) >= 0) {
		char *text = line + strspn(line, " \t");

		text[strcspn(text, "# \t\r\n")] = '\0';
		if (*text)
			ok = prefix_list_add_text(list, text);
	}
	free(line);
	fclose(f);
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

bool prefix_list_contains(const struct prefix_list *list, const struct prefix *p)
{
	return list->count && bsearch(p, list->items, list->count, sizeof(*p), prefix_compare);
}

void prefix_list_free(struct prefix_list *list)
{
	free(list->items);
	memset(list, 0, sizeof(*list));
}
