/* SPDX-License-Identifier: MIT */
/*
 * Captures what the code under test writes to stderr, so that a test can
 * check its messages (that they name the file, that they never hold a secret).
 */
#ifndef KSCTL_CAPTURE_H
#define KSCTL_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct capture {
	FILE *file;
	int saved_stderr;
};

static inline void capture_begin(struct capture *c)
{
	fflush(stderr);
	c->file = tmpfile();
	c->saved_stderr = dup(STDERR_FILENO);
	if (!c->file || c->saved_stderr < 0 || dup2(fileno(c->file), STDERR_FILENO) < 0) {
		perror("capture_begin");
		exit(1);
	}
}

/* Restores stderr and returns what was written meanwhile (caller frees). */
static inline char *capture_end(struct capture *c)
{
	long size;
	char *text;

	fflush(stderr);
	dup2(c->saved_stderr, STDERR_FILENO);
	close(c->saved_stderr);
	if (fseek(c->file, 0, SEEK_END) || (size = ftell(c->file)) < 0 || fseek(c->file, 0, SEEK_SET) ||
	    !(text = calloc(1, (size_t)size + 1)) || fread(text, 1, (size_t)size, c->file) != (size_t)size) {
		perror("capture_end");
		exit(1);
	}
	fclose(c->file);
	return text;
}

#endif
