// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#include "ksctl_common.h"
#include "prefix_trie.h"

union trie_key {
	struct ks_allow4_key v4;
	struct ks_allow6_key v6;
};

/* The key of @p, and the trie of its family. */
static int key_of(const struct prefix_tries *t, const struct prefix *p, union trie_key *key)
{
	memset(key, 0, sizeof(*key));
	if (p->family == AF_INET) {
		key->v4.prefixlen = p->len;
		memcpy(key->v4.addr, p->addr, sizeof(key->v4.addr));
		return t->fd4;
	}
	key->v6.prefixlen = p->len;
	memcpy(key->v6.addr, p->addr, sizeof(key->v6.addr));
	return t->fd6;
}

int prefix_tries_add(const struct prefix_tries *t, const struct prefix_list *list)
{
	__u8 present = 1;
	int ret = 0;

	for (size_t i = 0; i < list->count && ret == 0; i++) {
		union trie_key key;
		int fd = key_of(t, &list->items[i], &key);

		ret = bpf_map_update_elem(fd, &key, &present, BPF_ANY);
	}
	return ret;
}

int prefix_tries_del(const struct prefix_tries *t, const struct prefix_list *list)
{
	int ret = 0;

	for (size_t i = 0; i < list->count && ret == 0; i++) {
		union trie_key key;
		int fd = key_of(t, &list->items[i], &key);

		ret = bpf_map_delete_elem(fd, &key);
		if (ret == -ENOENT)
			ret = 0;
	}
	return ret;
}

static int read_family(int fd, int family, struct prefix_list *out)
{
	union trie_key key, next;
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

int prefix_tries_read(const struct prefix_tries *t, struct prefix_list *out)
{
	int ret = read_family(t->fd4, AF_INET, out);

	return ret ? ret : read_family(t->fd6, AF_INET6, out);
}

int prefix_tries_keep_only(const struct prefix_tries *t, const struct prefix_list *wanted)
{
	struct prefix_list present = { 0 }, stale = { 0 };
	int ret = prefix_tries_read(t, &present);

	for (size_t i = 0; i < present.count && ret == 0; i++)
		if (!prefix_list_contains(wanted, &present.items[i]) && !prefix_list_add(&stale, &present.items[i]))
			ret = -ENOMEM;
	if (ret == 0)
		ret = prefix_tries_del(t, &stale);
	prefix_list_free(&present);
	prefix_list_free(&stale);
	return ret;
}

int prefix_tries_replace(const struct prefix_tries *t, struct prefix_list *wanted)
{
	int ret = prefix_tries_add(t, wanted);

	prefix_list_sort(wanted);
	return ret ? ret : prefix_tries_keep_only(t, wanted);
}
