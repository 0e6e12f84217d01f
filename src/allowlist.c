// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
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

/* A prefix's /16: its first two bytes. */
static unsigned int first_of(const struct prefix *p)
{
	return (unsigned int)p->addr[0] << 8 | p->addr[1];
}

static bool grow_blocks(struct fast_path *fp)
{
	unsigned int capacity = fp->capacity ? fp->capacity * 2 : 16;
	struct ks_block *grown = reallocarray(fp->blocks4, capacity, sizeof(*grown));

	if (!grown)
		return false;
	fp->blocks4 = grown;
	fp->capacity = capacity;
	return true;
}

/*
 * The /16 states first, then the /24 blocks of the /16s they leave open, so
 * that a /16 allowed whole never gets a block. Block numbers are assigned
 * when the blocks are written (write_table4); here BLOCK marks the need.
 */
bool fast_path_build(struct fast_path *fp, const struct prefix_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		const struct prefix *p = &list->items[i];
		unsigned int first = first_of(p);

		if (p->family == AF_INET6) {
			if (p->len <= 16)
				memset(fp->root6 + first, KS_ROOT_ALLOW, 1U << (16 - p->len));
			else if (fp->root6[first] != KS_ROOT_ALLOW)
				fp->root6[first] = KS_ROOT_LPM;
		} else if (p->len <= 16)
			set_root4(fp->root4, first, 1U << (16 - p->len));
	}
	for (size_t i = 0; i < list->count; i++) {
		const struct prefix *p = &list->items[i];
		unsigned int first = first_of(p);
		struct ks_block *block;

		if (p->family == AF_INET6 || p->len <= 16 || fp->root4[first] == KS_ROOT_ALLOW ||
		    fp->root4[first] == KS_ROOT_LPM)
			continue;
		if (!fp->block_of[first] && fp->blocks == UINT16_MAX) {
			/* More /16s than a table can number (it holds fewer anyway): the trie decides them. */
			fp->root4[first] = KS_ROOT_LPM;
			continue;
		}
		if (!fp->block_of[first]) {
			if (fp->blocks == fp->capacity && !grow_blocks(fp))
				return false;
			memset(&fp->blocks4[fp->blocks], 0, sizeof(*fp->blocks4));
			fp->block_of[first] = (__u16)++fp->blocks;
			fp->root4[first] = KS_ROOT_BLOCK;
		}
		block = &fp->blocks4[fp->block_of[first] - 1];
		if (p->len <= 24)
			set_block(block, p->addr[2], 1U << (24 - p->len), KS_ROOT_ALLOW);
		else
			set_block(block, p->addr[2], 1, KS_ROOT_LPM);
	}
	return true;
}

const struct ks_block *fast_path_block(const struct fast_path *fp, unsigned int first)
{
	return fp->block_of[first] ? &fp->blocks4[fp->block_of[first] - 1] : NULL;
}

void fast_path_free(struct fast_path *fp)
{
	free(fp->blocks4);
}

/*
 * A few hundred KB, most of it never written: populated in one go, it
 * costs a fraction of what one page fault per page touched does.
 */
struct fast_path *fast_path_new(const struct prefix_list *list)
{
	struct fast_path *fp = mmap(NULL, sizeof(*fp), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
				    -1, 0);

	if (fp == MAP_FAILED)
		return NULL;
	if (!fast_path_build(fp, list)) {
		fast_path_delete(fp);
		fp = NULL;
	}
	return fp;
}

void fast_path_delete(struct fast_path *fp)
{
	if (!fp)
		return;
	fast_path_free(fp);
	munmap(fp, sizeof(*fp));
}

__u32 fast_path_table4_size(const struct fast_path *fp)
{
	/* A quarter more, and at least 16, for 'allow add' between two 'up's. */
	__u32 blocks = fp->blocks + fp->blocks / 4 + 16;

	return KS_ROOT4_BLOCKS + blocks < KS_TABLE4_MAX ? KS_ROOT4_BLOCKS + blocks : KS_TABLE4_MAX;
}

__u32 allowlist_table4_size(const struct prefix_list *list)
{
	struct fast_path *fp = fast_path_new(list);
	__u32 size = fp ? fast_path_table4_size(fp) : 0;

	fast_path_delete(fp);
	return size;
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
			copy_block(&table[KS_ROOT4_BLOCKS + live - KS_ROOT_BLOCK], fast_path_block(fp, first));
			continue;
		}
		if (wanted == KS_ROOT_BLOCK) {
			if (KS_ROOT4_BLOCKS + used < info.max_entries) {
				copy_block(&table[KS_ROOT4_BLOCKS + used], fast_path_block(fp, first));
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

/* Writes the fast path of @list, or @built when the caller has it already. */
static int write_fast_path(const struct allowlist *maps, const struct prefix_list *list, const struct fast_path *built)
{
	volatile __u8 *live6 = maps->state->root6;
	struct fast_path *own = built ? NULL : fast_path_new(list);
	const struct fast_path *fp = built ? built : own;
	int ret;

	if (!fp)
		return -ENOMEM;
	ret = write_table4(maps, fp);
	for (unsigned int i = 0; i < KS_ROOT_SIZE && ret == 0; i++)
		if (live6[i] != fp->root6[i])
			live6[i] = fp->root6[i];
	fast_path_delete(own);
	return ret;
}

/*
 * New prefixes go in before the stale ones go, so that nothing allowed in
 * both is dropped meanwhile; when both do not fit, the stale ones go first
 * (closing, never opening). The tries are read once, and only what changes
 * is written.
 */
int allowlist_replace(const struct allowlist *maps, const struct prefix_list *wanted, const struct fast_path *fp)
{
	struct prefix_tries tries = tries_of(maps);
	struct prefix_change change = { 0 };
	int ret = prefix_tries_diff(&tries, wanted, &change);
	bool full;

	full = change.both[0] > KS_ALLOW_MAX || change.both[1] > KS_ALLOW_MAX;
	if (ret == 0 && full)
		ret = write_fast_path(maps, wanted, fp);
	if (ret == 0 && full)
		ret = prefix_tries_del(&tries, &change.stale);
	if (ret == 0)
		ret = prefix_tries_add(&tries, &change.missing);
	if (ret == 0 && !full)
		ret = write_fast_path(maps, wanted, fp);
	if (ret == 0 && !full)
		ret = prefix_tries_del(&tries, &change.stale);
	prefix_change_free(&change);
	return ret;
}

int allowlist_add(const struct allowlist *maps, const struct prefix_list *prefixes)
{
	struct prefix_tries tries = tries_of(maps);
	struct prefix_list present = { 0 };
	int ret = prefix_tries_add(&tries, prefixes);

	if (ret == 0)
		ret = prefix_tries_read(&tries, &present);
	if (ret == 0)
		ret = write_fast_path(maps, &present, NULL);
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
		ret = write_fast_path(maps, &kept, NULL);
	if (ret == 0)
		ret = prefix_tries_del(&tries, &gone);
	prefix_list_free(&present);
	prefix_list_free(&kept);
	prefix_list_free(&gone);
	return ret;
}
