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

static void set_block(struct ks_block *block, unsigned int first, unsigned int count, __u8 state)
{
	for (unsigned int i = first; i < first + count; i++)
		if (block->state[i] != KS_ROOT_ALLOW)
			block->state[i] = state;
}

bool fast_path_build(struct fast_path *fp, const struct prefix_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		const struct prefix *p = &list->items[i];
		__u8 *root = p->family == AF_INET ? fp->root4 : fp->root6;
		unsigned int first = (unsigned int)p->addr[0] << 8 | p->addr[1];
		struct ks_block **block = &fp->blocks4[first];

		if (p->len <= 16) {
			memset(root + first, KS_ROOT_ALLOW, 1U << (16 - p->len));
			continue;
		}
		if (p->family == AF_INET6) {
			if (root[first] != KS_ROOT_ALLOW)
				root[first] = KS_ROOT_LPM;
			continue;
		}
		if (!*block && !(*block = calloc(1, sizeof(**block))))
			return false;
		if (p->len <= 24)
			set_block(*block, p->addr[2], 1U << (24 - p->len), KS_ROOT_ALLOW);
		else
			set_block(*block, p->addr[2], 1, KS_ROOT_LPM);
	}
	/* A /16 allowed whole needs no block. */
	for (unsigned int first = 0; first < KS_ROOT_SIZE; first++) {
		if (!fp->blocks4[first])
			continue;
		if (fp->root4[first] == KS_ROOT_ALLOW) {
			free(fp->blocks4[first]);
			fp->blocks4[first] = NULL;
		} else
			fp->root4[first] = KS_ROOT_BLOCK;
	}
	return true;
}

void fast_path_free(struct fast_path *fp)
{
	for (unsigned int first = 0; first < KS_ROOT_SIZE; first++)
		free(fp->blocks4[first]);
}

/*
 * Into the live maps, in an order that keeps every verdict right at each
 * step: new and changed blocks, then the /16 states (one byte store each),
 * then the blocks nothing points to any more.
 */
static int write_fast_path(const struct allowlist *maps, const struct prefix_list *list)
{
	volatile __u8 *live4 = maps->state->root4, *live6 = maps->state->root6;
	struct fast_path *fp = calloc(1, sizeof(*fp));
	struct ks_block current;
	__u32 key, next, *stale = NULL;
	size_t stale_count = 0;
	void *prev = NULL;
	int ret = 0;

	stale = calloc(KS_ROOT_SIZE, sizeof(*stale));
	if (!fp || !stale || !fast_path_build(fp, list)) {
		ret = -ENOMEM;
		goto out;
	}
	for (key = 0; key < KS_ROOT_SIZE && ret == 0; key++)
		if (fp->blocks4[key] && (bpf_map_lookup_elem(maps->blocks4_fd, &key, &current) < 0 ||
					 memcmp(&current, fp->blocks4[key], sizeof(current))))
			ret = bpf_map_update_elem(maps->blocks4_fd, &key, fp->blocks4[key], BPF_ANY);
	for (unsigned int i = 0; i < KS_ROOT_SIZE && ret == 0; i++) {
		if (live4[i] != fp->root4[i])
			live4[i] = fp->root4[i];
		if (live6[i] != fp->root6[i])
			live6[i] = fp->root6[i];
	}
	while (ret == 0 && bpf_map_get_next_key(maps->blocks4_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if ((key >= KS_ROOT_SIZE || !fp->blocks4[key]) && stale_count < KS_ROOT_SIZE)
			stale[stale_count++] = key;
	}
	for (size_t i = 0; i < stale_count && ret == 0; i++)
		ret = bpf_map_delete_elem(maps->blocks4_fd, &stale[i]);
out:
	if (fp)
		fast_path_free(fp);
	free(fp);
	free(stale);
	return ret;
}

int allowlist_replace(const struct allowlist *maps, struct prefix_list *wanted)
{
	struct prefix_list present = { 0 };
	int ret = 0;

	for (size_t i = 0; i < wanted->count && ret == 0; i++)
		ret = trie_add(maps, &wanted->items[i]);
	if (ret == 0)
		ret = write_fast_path(maps, wanted);
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
		ret = write_fast_path(maps, &present);
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
	/* The fast path first: until the tries lose the prefixes, both are right. */
	if (ret == 0)
		ret = write_fast_path(maps, &kept);
	for (size_t i = 0; i < gone.count && ret == 0; i++)
		ret = trie_del(maps, &gone.items[i]);
	prefix_list_free(&present);
	prefix_list_free(&kept);
	prefix_list_free(&gone);
	return ret;
}
