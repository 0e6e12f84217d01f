/* SPDX-License-Identifier: MIT */
/* A private temporary directory for a test's files, removed with what is in it. */
#ifndef KSCTL_TMPDIR_H
#define KSCTL_TMPDIR_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static char tmpdir[] = "/tmp/ksctl-unit-files.XXXXXX";

static inline void tmpdir_make(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		exit(1);
	}
}

/* The path of @name in the directory; four calls' results stay valid at once. */
static inline const char *tmpdir_path(const char *name)
{
	static char paths[4][256];
	static unsigned int next;
	char *path = paths[next++ % 4];

	snprintf(path, sizeof(paths[0]), "%s/%s", tmpdir, name);
	return path;
}

static inline const char *tmpdir_write(const char *name, const char *data, size_t len)
{
	const char *path = tmpdir_path(name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	CHECK(fd >= 0 && write(fd, data, len) == (ssize_t)len, "writing %s", path);
	close(fd);
	return path;
}

/* One level deep: tests make files, links, FIFOs and sockets, and at most empty directories. */
static inline void tmpdir_remove(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    unlinkat(dirfd(d), e->d_name, 0) && unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR))
			perror(e->d_name);
	}
	if (d)
		closedir(d);
	rmdir(tmpdir);
}

#endif
