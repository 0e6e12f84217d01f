// SPDX-License-Identifier: MIT
/*
 * The model's configuration: a prefix set answers "is this address in any
 * prefix" by masking the address to each length the set holds and searching
 * a sorted array, a lookup simple enough to trust at 100,000 prefixes.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"

static bool grow(void **items, size_t *capacity, size_t count, size_t size)
{
	size_t wanted = *capacity ? *capacity * 2 : 16;
	void *grown;

	if (count < *capacity)
		return true;
	grown = realloc(*items, wanted * size);
	if (!grown)
		return false;
	*items = grown;
	*capacity = wanted;
	return true;
}

static void mask_to(uint8_t *out, const uint8_t *addr, unsigned int len)
{
	for (unsigned int i = 0; i < 16; i++) {
		unsigned int keep = len > i * 8 ? len - i * 8 : 0;

		out[i] = keep >= 8 ? addr[i] : (uint8_t)(addr[i] & (0xff00 >> keep));
	}
}

bool model_prefixes_add(struct model_prefixes *set, const struct model_prefix *p)
{
	struct model_prefix masked = *p;

	if (!grow((void **)&set->items, &set->capacity, set->count, sizeof(*p)))
		return false;
	/* Host bits never count: store the network. */
	mask_to(masked.addr, p->addr, p->len);
	if (p->family == 4)
		memset(masked.addr + 4, 0, 12);
	set->items[set->count++] = masked;
	set->has_len[p->family == 6][p->len] = true;
	return true;
}

static int compare(const void *a, const void *b)
{
	const struct model_prefix *x = a, *y = b;

	if (x->family != y->family)
		return x->family - y->family;
	if (x->len != y->len)
		return x->len - y->len;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

void model_prefixes_seal(struct model_prefixes *set)
{
	if (set->count)
		qsort(set->items, set->count, sizeof(*set->items), compare);
}

bool model_prefixes_contain(const struct model_prefixes *set, uint8_t family, const uint8_t *addr)
{
	unsigned int max = family == 4 ? 32 : 128;
	struct model_prefix key = { .family = family };

	for (unsigned int len = 0; len <= max && set->count; len++) {
		if (!set->has_len[family == 6][len])
			continue;
		key.len = (uint8_t)len;
		memset(key.addr, 0, sizeof(key.addr));
		memcpy(key.addr, addr, family == 4 ? 4 : 16);
		mask_to(key.addr, key.addr, len);
		if (bsearch(&key, set->items, set->count, sizeof(key), compare))
			return true;
	}
	return false;
}

bool model_add_endpoint(struct model_config *c, const struct model_endpoint *e)
{
	if (!grow((void **)&c->endpoints, &c->endpoint_capacity, c->endpoint_count, sizeof(*e)))
		return false;
	c->endpoints[c->endpoint_count++] = *e;
	return true;
}

bool model_add_lan_dns(struct model_config *c, const struct ks_addr_key *k)
{
	if (!grow((void **)&c->lan_dns, &c->lan_dns_capacity, c->lan_dns_count, sizeof(*k)))
		return false;
	c->lan_dns[c->lan_dns_count++] = *k;
	return true;
}

void model_config_free(struct model_config *c)
{
	free(c->endpoints);
	free(c->lan_dns);
	free(c->tunnel_only.items);
	free(c->allow.items);
	memset(c, 0, sizeof(*c));
}
