// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#include "ksctl_common.h"
#include "prefix_trie.h"

/* The kernel's ENOTSUPP, which userspace headers do not define: no batch operations for this map. */
#define KERNEL_ENOTSUPP 524
/* Keys per batched read: each a single syscall, however long the list. */
#define READ_BATCH 4096

union trie_key {
	struct ks_allow4_key v4;
	struct ks_allow6_key v6;
};

static size_t key_size(int family)
{
	return family == AF_INET ? sizeof(struct ks_allow4_key) : sizeof(struct ks_allow6_key);
}

static void key_of(const struct prefix *p, union trie_key *key)
{
	memset(key, 0, sizeof(*key));
	if (p->family == AF_INET) {
		key->v4.prefixlen = p->len;
		memcpy(key->v4.addr, p->addr, sizeof(key->v4.addr));
	} else {
		key->v6.prefixlen = p->len;
		memcpy(key->v6.addr, p->addr, sizeof(key->v6.addr));
	}
}

static struct prefix prefix_of(int family, const union trie_key *key)
{
	struct prefix p = { .family = family };

	if (family == AF_INET) {
		p.len = (uint8_t)key->v4.prefixlen;
		memcpy(p.addr, key->v4.addr, sizeof(key->v4.addr));
	} else {
		p.len = (uint8_t)key->v6.prefixlen;
		memcpy(p.addr, key->v6.addr, sizeof(key->v6.addr));
	}
	return p;
}

/* A kernel without batch operations on LPM tries (before they were added, or with no batch command at all). */
static bool no_batch(int err)
{
	return err == -KERNEL_ENOTSUPP || err == -EOPNOTSUPP || err == -EINVAL;
}

/* The keys of @list's prefixes of @family, packed at that family's key size. */
struct key_array {
	char *keys;
	__u8 *values;
	__u32 count;
};

static int keys_of_family(const struct prefix_list *list, int family, struct key_array *out)
{
	size_t size = key_size(family);

	out->count = 0;
	out->keys = malloc((list->count ? list->count : 1) * size);
	out->values = malloc(list->count ? list->count : 1);
	if (!out->keys || !out->values)
		return -ENOMEM;
	for (size_t i = 0; i < list->count; i++) {
		union trie_key key;

		if (list->items[i].family != family)
			continue;
		key_of(&list->items[i], &key);
		memcpy(out->keys + out->count * size, &key, size);
		out->values[out->count++] = 1;
	}
	return 0;
}

static void key_array_free(struct key_array *a)
{
	free(a->keys);
	free(a->values);
}

/*
 * Adds (or with @delete removes) @a's keys in one syscall, one per key on
 * kernels without batches. A key missing on removal is skipped.
 */
static int change_keys(int fd, const struct key_array *a, size_t size, bool delete)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	__u32 done = 0;
	int ret = 0;

	while (done < a->count) {
		__u32 count = a->count - done;

		ret = delete ? bpf_map_delete_batch(fd, a->keys + done * size, &count, &opts)
			     : bpf_map_update_batch(fd, a->keys + done * size, a->values + done, &count, &opts);
		done += count;
		if (ret == -ENOENT && delete) {
			done++; /* not there: nothing to remove */
			ret = 0;
		}
		if (ret)
			break;
	}
	if (!no_batch(ret))
		return ret;
	/* The one-key path, which also names the failing key's error exactly. */
	for (done = 0, ret = 0; done < a->count && ret == 0; done++) {
		ret = delete ? bpf_map_delete_elem(fd, a->keys + done * size)
			     : bpf_map_update_elem(fd, a->keys + done * size, &a->values[done], BPF_ANY);
		if (ret == -ENOENT && delete)
			ret = 0;
	}
	return ret;
}

static int change(const struct prefix_tries *t, const struct prefix_list *list, bool delete)
{
	static const int families[] = { AF_INET, AF_INET6 };
	int ret = 0;

	for (int f = 0; f < 2 && ret == 0; f++) {
		struct key_array a = { 0 };

		ret = keys_of_family(list, families[f], &a);
		if (ret == 0 && a.count)
			ret = change_keys(f ? t->fd6 : t->fd4, &a, key_size(families[f]), delete);
		key_array_free(&a);
	}
	return ret;
}

int prefix_tries_add(const struct prefix_tries *t, const struct prefix_list *list)
{
	return change(t, list, false);
}

int prefix_tries_del(const struct prefix_tries *t, const struct prefix_list *list)
{
	return change(t, list, true);
}

static int read_one_by_one(int fd, int family, struct prefix_list *out)
{
	union trie_key key, next;
	void *prev = NULL;
	int ret;

	while ((ret = bpf_map_get_next_key(fd, prev, &next)) == 0) {
		struct prefix p = prefix_of(family, &next);

		if (!prefix_list_add(out, &p))
			return -ENOMEM;
		key = next;
		prev = &key;
	}
	return ret == -ENOENT ? 0 : ret;
}

static int read_family(int fd, int family, struct prefix_list *out)
{
	size_t size = key_size(family), before = out->count;
	union trie_key position, next;
	char *keys = malloc(READ_BATCH * size);
	__u8 *values = malloc(READ_BATCH);
	void *in = NULL;
	int ret = keys && values ? 0 : -ENOMEM;

	while (ret == 0) {
		__u32 count = READ_BATCH;

		/* -ENOENT: the end, with what this call read in @count. */
		ret = bpf_map_lookup_batch(fd, in, &next, keys, values, &count, NULL);
		for (__u32 i = 0; i < count && (ret == 0 || ret == -ENOENT); i++) {
			union trie_key key = { 0 };
			struct prefix p;

			memcpy(&key, keys + i * size, size);
			p = prefix_of(family, &key);
			if (!prefix_list_add(out, &p))
				ret = -ENOMEM;
		}
		position = next;
		in = &position;
	}
	free(keys);
	free(values);
	if (no_batch(ret)) {
		out->count = before;
		return read_one_by_one(fd, family, out);
	}
	return ret == -ENOENT ? 0 : ret;
}

int prefix_tries_read(const struct prefix_tries *t, struct prefix_list *out)
{
	int ret = read_family(t->fd4, AF_INET, out);

	return ret ? ret : read_family(t->fd6, AF_INET6, out);
}

int prefix_tries_diff(const struct prefix_tries *t, const struct prefix_list *wanted, struct prefix_change *out)
{
	struct prefix_list present = { 0 };
	bool *kept = NULL;
	int ret = prefix_tries_read(t, &present);

	memset(out->both, 0, sizeof(out->both));
	/* Only what is held is sorted: a first 'up' sorts nothing. */
	prefix_list_sort(&present);
	if (ret == 0 && !(kept = calloc(present.count + 1, sizeof(*kept))))
		ret = -ENOMEM;
	for (size_t i = 0; i < present.count; i++)
		out->both[present.items[i].family == AF_INET6]++;
	for (size_t i = 0; i < wanted->count && ret == 0; i++) {
		const struct prefix *held = prefix_list_find(&present, &wanted->items[i]);

		if (held) {
			kept[held - present.items] = true;
			continue;
		}
		out->both[wanted->items[i].family == AF_INET6]++;
		if (!prefix_list_add(&out->missing, &wanted->items[i]))
			ret = -ENOMEM;
	}
	for (size_t i = 0; i < present.count && ret == 0; i++)
		if (!kept[i] && !prefix_list_add(&out->stale, &present.items[i]))
			ret = -ENOMEM;
	free(kept);
	prefix_list_free(&present);
	return ret;
}

void prefix_change_free(struct prefix_change *c)
{
	prefix_list_free(&c->missing);
	prefix_list_free(&c->stale);
}
