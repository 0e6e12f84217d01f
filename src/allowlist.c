// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "allowlist.h"

union allow_key {
	struct ks_allow4_key v4;
	struct ks_allow6_key v6;
};

static int key_of(const struct allowlist *maps, const struct prefix *p, union allow_key *key)
{
	memset(key, 0, sizeof(*key));
	if (p->family == AF_INET) {
		key->v4.prefixlen = p->len;
		memcpy(key->v4.addr, p->addr, sizeof(key->v4.addr));
		return maps->fd4;
	}
	key->v6.prefixlen = p->len;
	memcpy(key->v6.addr, p->addr, sizeof(key->v6.addr));
	return maps->fd6;
}

static int trie_add(const struct allowlist *maps, const struct prefix *p)
{
	union allow_key key;
	__u8 allowed = 1;
	int fd = key_of(maps, p, &key);

	return bpf_map_update_elem(fd, &key, &allowed, BPF_ANY);
}

static int trie_del(const struct allowlist *maps, const struct prefix *p)
{
	union allow_key key;
	int fd = key_of(maps, p, &key);

	return bpf_map_delete_elem(fd, &key);
}

static int read_family(int fd, int family, struct prefix_list *out)
{
	union allow_key key, next;
	void *prev = NULL;
	int ret;

	while ((ret = bpf_map_get_next_key(fd, prev, &next)) == 0) {
		struct prefix p = { .family = family };

		if (family == AF_INET) {
			p.len = (uint8_t)next.v4.prefixlen;
			memcpy(p.addr, next.v4.addr, sizeof(next.v4.addr));
		} else {
			p.len = (uint8_t)next.v6.prefixlen;
			memcpy(p.addr, next.v6.addr, sizeof(next.v6.addr));
		}
		if (!prefix_list_add(out, &p))
			return -ENOMEM;
		key = next;
		prev = &key;
	}
	return ret == -ENOENT ? 0 : ret;
}

int allowlist_read(const struct allowlist *maps, struct prefix_list *out)
{
	int ret = read_family(maps->fd4, AF_INET, out);

	return ret ? ret : read_family(maps->fd6, AF_INET6, out);
}

void allowlist_roots(const struct prefix_list *list, __u8 *root4, __u8 *root6)
{
	memset(root4, KS_ROOT_DENY, KS_ROOT_SIZE);
	memset(root6, KS_ROOT_DENY, KS_ROOT_SIZE);
	for (size_t i = 0; i < list->count; i++) {
		const struct prefix *p = &list->items[i];
		__u8 *root = p->family == AF_INET ? root4 : root6;
		unsigned int first = (unsigned int)p->addr[0] << 8 | p->addr[1];

		if (p->len <= 16)
			memset(root + first, KS_ROOT_ALLOW, 1U << (16 - p->len));
		else if (root[first] != KS_ROOT_ALLOW)
			root[first] = KS_ROOT_LPM;
	}
}

/* Byte by byte into the live map: each /16 switches from its old state to its new one in one store. */
static int write_roots(const struct allowlist *maps, const struct prefix_list *list)
{
	__u8 *roots = malloc(2 * KS_ROOT_SIZE);
	volatile __u8 *live4 = maps->state->root4, *live6 = maps->state->root6;

	if (!roots)
		return -ENOMEM;
	allowlist_roots(list, roots, roots + KS_ROOT_SIZE);
	for (unsigned int i = 0; i < KS_ROOT_SIZE; i++) {
		if (live4[i] != roots[i])
			live4[i] = roots[i];
		if (live6[i] != roots[KS_ROOT_SIZE + i])
			live6[i] = roots[KS_ROOT_SIZE + i];
	}
	free(roots);
	return 0;
}

int allowlist_replace(const struct allowlist *maps, struct prefix_list *wanted)
{
	struct prefix_list present = { 0 };
	int ret = 0;

	for (size_t i = 0; i < wanted->count && ret == 0; i++)
		ret = trie_add(maps, &wanted->items[i]);
	if (ret == 0)
		ret = write_roots(maps, wanted);
	if (ret == 0)
		ret = allowlist_read(maps, &present);
	prefix_list_sort(wanted);
	for (size_t i = 0; i < present.count && ret == 0; i++)
		if (!prefix_list_contains(wanted, &present.items[i]))
			ret = trie_del(maps, &present.items[i]);
	prefix_list_free(&present);
	return ret;
}

int allowlist_add(const struct allowlist *maps, const struct prefix_list *prefixes)
{
	struct prefix_list present = { 0 };
	int ret = 0;

	for (size_t i = 0; i < prefixes->count && ret == 0; i++)
		ret = trie_add(maps, &prefixes->items[i]);
	if (ret == 0)
		ret = allowlist_read(maps, &present);
	if (ret == 0)
		ret = write_roots(maps, &present);
	prefix_list_free(&present);
	return ret;
}

int allowlist_del(const struct allowlist *maps, const struct prefix_list *prefixes, const struct prefix **missing)
{
	struct prefix_list present = { 0 }, kept = { 0 }, gone = { 0 };
	int ret = allowlist_read(maps, &present);

	for (size_t i = 0; i < prefixes->count && ret == 0; i++)
		if (!prefix_list_add(&gone, &prefixes->items[i]))
			ret = -ENOMEM;
	prefix_list_sort(&gone);
	prefix_list_sort(&present);
	for (size_t i = 0; i < prefixes->count && ret == 0; i++)
		if (!prefix_list_contains(&present, &prefixes->items[i])) {
			*missing = &prefixes->items[i];
			ret = -ENOENT;
		}
	for (size_t i = 0; i < present.count && ret == 0; i++)
		if (!prefix_list_contains(&gone, &present.items[i]) && !prefix_list_add(&kept, &present.items[i]))
			ret = -ENOMEM;
	/* The /16 states first: until the tries lose the prefixes, both are right. */
	if (ret == 0)
		ret = write_roots(maps, &kept);
	for (size_t i = 0; i < gone.count && ret == 0; i++)
		ret = trie_del(maps, &gone.items[i]);
	prefix_list_free(&present);
	prefix_list_free(&kept);
	prefix_list_free(&gone);
	return ret;
}
