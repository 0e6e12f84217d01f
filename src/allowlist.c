// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <bpf/bpf.h>

#include "allowlist.h"
#include "prefix_trie.h"

static struct prefix_tries tries_of(const struct allowlist *maps)
{
	return (struct prefix_tries){ maps->fd4, maps->fd6 };
}

int allowlist_read(const struct allowlist *maps, struct prefix_list *out)
{
	struct prefix_tries tries = tries_of(maps);

	return prefix_tries_read(&tries, out);
}

static void set_block(struct ks_block *block, unsigned int first, unsigned int count, __u8 state)
{
	for (unsigned int i = first; i < first + count; i++)
		if (block->state[i] != KS_ROOT_ALLOW)
			block->state[i] = state;
}

static void set_root4(__u16 *root, unsigned int first, unsigned int count)
{
	for (unsigned int i = first; i < first + count; i++)
		root[i] = KS_ROOT_ALLOW;
}

/* Block numbers are assigned when the blocks are written (write_table4); here BLOCK marks the need. */
bool fast_path_build(struct fast_path *fp, const struct prefix_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		const struct prefix *p = &list->items[i];
		unsigned int first = (unsigned int)p->addr[0] << 8 | p->addr[1];
		struct ks_block **block = &fp->blocks4[first];

		if (p->family == AF_INET6) {
			if (p->len <= 16)
				memset(fp->root6 + first, KS_ROOT_ALLOW, 1U << (16 - p->len));
			else if (fp->root6[first] != KS_ROOT_ALLOW)
				fp->root6[first] = KS_ROOT_LPM;
			continue;
		}
		if (p->len <= 16) {
			set_root4(fp->root4, first, 1U << (16 - p->len));
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

static struct fast_path *fast_path_new(const struct prefix_list *list)
{
	struct fast_path *fp = calloc(1, sizeof(*fp));

	if (fp && !fast_path_build(fp, list)) {
		fast_path_free(fp);
		free(fp);
		fp = NULL;
	}
	return fp;
}

static void fast_path_delete(struct fast_path *fp)
{
	if (fp)
		fast_path_free(fp);
	free(fp);
}

__u32 allowlist_table4_size(const struct prefix_list *list)
{
	struct fast_path *fp = fast_path_new(list);
	__u32 blocks = 0;

	if (!fp)
		return 0;
	for (unsigned int first = 0; first < KS_ROOT_SIZE; first++)
		blocks += fp->blocks4[first] != NULL;
	fast_path_delete(fp);
	/* A quarter more, and at least 16, for 'allow add' between two 'up's. */
	blocks += blocks / 4 + 16;
	return KS_ROOT4_BLOCKS + blocks < KS_TABLE4_MAX ? KS_ROOT4_BLOCKS + blocks : KS_TABLE4_MAX;
}

static void copy_block(volatile struct ks_block *live, const struct ks_block *wanted)
{
	for (unsigned int i = 0; i < KS_BLOCK_SIZE; i++)
		if (live->state[i] != wanted->state[i])
			live->state[i] = wanted->state[i];
}

/*
 * Rewrites the live IPv4 table in place, each step a single store that moves
 * one /16 or one /24 from its old state to its new one. A /16 that keeps a
 * block keeps its block; one that needs a new block gets an unused one,
 * written whole before the /16 points at it. Blocks let go are not reused
 * before the next 'up' builds a fresh table. With no unused block left, the
 * /16 goes to the trie: slower, never wrong.
 */
static int write_table4(const struct allowlist *maps, const struct fast_path *fp)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), used = 0;
	volatile struct ks_block *table;
	volatile __u16 *root;
	size_t size;
	int ret;

	ret = bpf_obj_get_info_by_fd(maps->table4_fd, &info, &len);
	if (ret < 0)
		return ret;
	size = (size_t)info.max_entries * sizeof(struct ks_block);
	table = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, maps->table4_fd, 0);
	if (table == MAP_FAILED)
		return -errno;
	root = table[0].root;
	/* The blocks in use are those the /16 states point at: derived from the table, never stored apart. */
	for (unsigned int first = 0; first < KS_ROOT_SIZE; first++)
		if (root[first] >= KS_ROOT_BLOCK && (__u32)(root[first] - KS_ROOT_BLOCK) >= used)
			used = root[first] - KS_ROOT_BLOCK + 1U;
	for (unsigned int first = 0; first < KS_ROOT_SIZE; first++) {
		__u16 live = root[first], wanted = fp->root4[first];

		if (wanted == KS_ROOT_BLOCK && live >= KS_ROOT_BLOCK) {
			copy_block(&table[KS_ROOT4_BLOCKS + live - KS_ROOT_BLOCK], fp->blocks4[first]);
			continue;
		}
		if (wanted == KS_ROOT_BLOCK) {
			if (KS_ROOT4_BLOCKS + used < info.max_entries) {
				copy_block(&table[KS_ROOT4_BLOCKS + used], fp->blocks4[first]);
				wanted = (__u16)(KS_ROOT_BLOCK + used++);
			} else
				wanted = KS_ROOT_LPM;
		}
		if (live != wanted)
			__atomic_store_n(&root[first], wanted, __ATOMIC_RELEASE);
	}
	munmap((void *)table, size);
	return 0;
}

static int write_fast_path(const struct allowlist *maps, const struct prefix_list *list)
{
	volatile __u8 *live6 = maps->state->root6;
	struct fast_path *fp = fast_path_new(list);
	int ret;

	if (!fp)
		return -ENOMEM;
	ret = write_table4(maps, fp);
	for (unsigned int i = 0; i < KS_ROOT_SIZE && ret == 0; i++)
		if (live6[i] != fp->root6[i])
			live6[i] = fp->root6[i];
	fast_path_delete(fp);
	return ret;
}

/* Would the tries hold more than they can while old and new are both in them? */
static int too_full_for_both(const struct allowlist *maps, const struct prefix_list *wanted, bool *full)
{
	struct prefix_tries tries = tries_of(maps);
	struct prefix_list present = { 0 };
	size_t count[2] = { 0 };
	int ret = prefix_tries_read(&tries, &present);

	prefix_list_sort(&present);
	for (size_t i = 0; i < present.count; i++)
		count[present.items[i].family == AF_INET6]++;
	for (size_t i = 0; i < wanted->count; i++)
		count[wanted->items[i].family == AF_INET6] += !prefix_list_contains(&present, &wanted->items[i]);
	*full = count[0] > KS_ALLOW_MAX || count[1] > KS_ALLOW_MAX;
	prefix_list_free(&present);
	return ret;
}

/*
 * New prefixes go in before the stale ones go, so that nothing allowed in
 * both is dropped meanwhile; when both do not fit, the stale ones go first
 * (closing, never opening).
 */
int allowlist_replace(const struct allowlist *maps, struct prefix_list *wanted)
{
	struct prefix_tries tries = tries_of(maps);
	bool full = false;
	int ret = too_full_for_both(maps, wanted, &full);

	prefix_list_sort(wanted);
	if (ret == 0 && full)
		ret = write_fast_path(maps, wanted);
	if (ret == 0 && full)
		ret = prefix_tries_keep_only(&tries, wanted);
	if (ret == 0)
		ret = prefix_tries_add(&tries, wanted);
	if (ret == 0 && !full)
		ret = write_fast_path(maps, wanted);
	return ret ? ret : prefix_tries_keep_only(&tries, wanted);
}

int allowlist_add(const struct allowlist *maps, const struct prefix_list *prefixes)
{
	struct prefix_tries tries = tries_of(maps);
	struct prefix_list present = { 0 };
	int ret = prefix_tries_add(&tries, prefixes);

	if (ret == 0)
		ret = prefix_tries_read(&tries, &present);
	if (ret == 0)
		ret = write_fast_path(maps, &present);
	prefix_list_free(&present);
	return ret;
}

int allowlist_del(const struct allowlist *maps, const struct prefix_list *prefixes, const struct prefix **missing)
{
	struct prefix_tries tries = tries_of(maps);
	struct prefix_list present = { 0 }, kept = { 0 }, gone = { 0 };
	int ret = prefix_tries_read(&tries, &present);

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
	if (ret == 0)
		ret = prefix_tries_del(&tries, &gone);
	prefix_list_free(&present);
	prefix_list_free(&kept);
	prefix_list_free(&gone);
	return ret;
}
