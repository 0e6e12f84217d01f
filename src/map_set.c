// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "map_set.h"

#define MAP_SET_KEY_MAX 64

static bool wanted(const void *key, const void *entries, size_t count, size_t key_size, size_t entry_size)
{
	for (size_t i = 0; i < count; i++)
		if (!memcmp(key, (const char *)entries + i * entry_size, key_size))
			return true;
	return false;
}

/* Collects the keys that are not wanted, before deleting any: deleting while walking restarts the walk. */
static int stale_keys(int fd, const void *entries, size_t count, size_t key_size, size_t entry_size, char **out,
		      size_t *stale)
{
	char *keys = NULL, *prev = NULL;
	size_t capacity = 0;
	int ret;

	*stale = 0;
	if (key_size > MAP_SET_KEY_MAX)
		return -EINVAL;
	for (;;) {
		char *grown, next[MAP_SET_KEY_MAX];

		ret = bpf_map_get_next_key(fd, prev, next);
		if (ret)
			break;
		if (*stale == capacity) {
			capacity = capacity ? capacity * 2 : 16;
			grown = realloc(keys, (capacity + 1) * key_size);
			if (!grown) {
				ret = -ENOMEM;
				break;
			}
			keys = grown;
		}
		/* The last slot holds the walk's position. */
		prev = keys + capacity * key_size;
		memcpy(prev, next, key_size);
		if (!wanted(next, entries, count, key_size, entry_size))
			memcpy(keys + (*stale)++ * key_size, next, key_size);
	}
	*out = keys;
	return ret == -ENOENT ? 0 : ret;
}

int map_set_replace(int fd, const void *entries, size_t count, size_t entry_size, size_t key_size,
		    size_t value_offset)
{
	char *stale = NULL;
	size_t stale_count = 0;
	int ret = 0;

	for (size_t i = 0; i < count && ret == 0; i++) {
		const char *entry = (const char *)entries + i * entry_size;

		ret = bpf_map_update_elem(fd, entry, entry + value_offset, BPF_ANY);
	}
	if (ret == 0)
		ret = stale_keys(fd, entries, count, key_size, entry_size, &stale, &stale_count);
	for (size_t i = 0; i < stale_count && ret == 0; i++)
		ret = bpf_map_delete_elem(fd, stale + i * key_size);
	free(stale);
	return ret;
}
