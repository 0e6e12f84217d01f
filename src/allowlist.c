// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>

#include "allowlist.h"
#include "ksctl_common.h"

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

int allowlist_add(const struct allowlist *maps, const struct prefix *p)
{
	union allow_key key;
	__u8 allowed = 1;
	int fd = key_of(maps, p, &key);

	return bpf_map_update_elem(fd, &key, &allowed, BPF_ANY);
}

int allowlist_del(const struct allowlist *maps, const struct prefix *p)
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

int allowlist_replace(const struct allowlist *maps, struct prefix_list *wanted)
{
	struct prefix_list present = { 0 };
	int ret = 0;

	for (size_t i = 0; i < wanted->count && ret == 0; i++)
		ret = allowlist_add(maps, &wanted->items[i]);
	if (ret == 0)
		ret = allowlist_read(maps, &present);
	prefix_list_sort(wanted);
	for (size_t i = 0; i < present.count && ret == 0; i++)
		if (!prefix_list_contains(wanted, &present.items[i]))
			ret = allowlist_del(maps, &present.items[i]);
	prefix_list_free(&present);
	return ret;
}
