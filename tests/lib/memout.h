/* SPDX-License-Identifier: MIT */
/* A FILE * that writes to memory, for tests of printers: memout_begin, print, memout_end. */
#ifndef KSCTL_MEMOUT_H
#define KSCTL_MEMOUT_H

#include <stdio.h>
#include <stdlib.h>

struct memout {
	char *text;
	size_t size;
	FILE *file;
};

static inline FILE *memout_begin(struct memout *m)
{
	m->text = NULL;
	m->size = 0;
	m->file = open_memstream(&m->text, &m->size);
	if (!m->file) {
		perror("open_memstream");
		exit(1);
	}
	return m->file;
}

/* What was printed, NUL-terminated (caller frees). */
static inline char *memout_end(struct memout *m)
{
	fclose(m->file);
	return m->text;
}

#endif
