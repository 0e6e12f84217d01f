/* SPDX-License-Identifier: MIT */
/* A hash map as a set of entries that is replaced as a whole. */
#ifndef KSCTL_MAP_SET_H
#define KSCTL_MAP_SET_H

#include <stddef.h>

/*
 * Makes the hash map @fd hold exactly the @count entries at @entries, each
 * @entry_size bytes: a key of @key_size bytes first, its value at
 * @value_offset. Every wanted entry is written first, then every other key
 * is deleted. 0 or -errno.
 */
int map_set_replace(int fd, const void *entries, size_t count, size_t entry_size, size_t key_size,
		    size_t value_offset);

#endif
