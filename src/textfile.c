// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "textfile.h"

static const char *file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

/* O_NONBLOCK: opening a FIFO must not wait for a writer before we can refuse it. */
static int open_regular(const char *path, const char *what, size_t max, size_t *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	int err;

	if (fd < 0) {
		err = errno;
		/* open() fails on a socket with ENXIO, which says nothing useful. */
		if (err == ENXIO && !stat(path, &st) && S_ISSOCK(st.st_mode))
			goto not_regular;
		pr_err("cannot open %s '%s': %s", what, path, strerror(err));
		return -err;
	}
	if (fstat(fd, &st)) {
		err = errno;
		pr_err("cannot stat %s '%s': %s", what, path, strerror(err));
		close(fd);
		return -err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		goto not_regular;
	}
	if ((uintmax_t)st.st_size > max) {
		pr_err("%s '%s' is larger than %zu bytes: give a smaller text file", what, path, max);
		close(fd);
		return -EFBIG;
	}
	*size = (size_t)st.st_size;
	return fd;

not_regular:
	pr_err("%s '%s' is %s, not a regular file: give the path of a text file", what, path,
	       file_kind(st.st_mode));
	return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
}

/* Standard input may be a pipe left non-blocking by whoever made it. */
static ssize_t read_some(int fd, char *buf, size_t count)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	for (;;) {
		ssize_t n = read(fd, buf, count);

		if (n >= 0 || (errno != EINTR && errno != EAGAIN))
			return n;
		if (errno == EAGAIN && poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return -1;
	}
}

/* Reads at most @max + 1 bytes, so that a longer stream is seen to be too long. */
static int read_all(int fd, const char *path, const char *what, size_t max, size_t size_hint,
		    char **text, size_t *len)
{
	size_t limit = max < SIZE_MAX - 2 ? max + 1 : SIZE_MAX - 2;
	size_t capacity = (size_hint ? size_hint : 4096) + 2, used = 0;
	char *buf, *nul;
	int err;

	if (capacity > limit + 1)
		capacity = limit + 1;
	buf = malloc(capacity);
	if (!buf)
		goto out_of_memory;
	for (;;) {
		ssize_t n;

		if (used + 1 == capacity) {
			size_t grown = capacity <= (limit + 1) / 2 ? capacity * 2 : limit + 1;
			char *bigger = realloc(buf, grown);

			if (!bigger)
				goto out_of_memory;
			buf = bigger;
			capacity = grown;
		}
		n = read_some(fd, buf + used, capacity - 1 - used);
		if (n < 0) {
			err = errno;
			pr_err("cannot read %s '%s': %s", what, path, strerror(err));
			goto fail;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			err = EFBIG;
			pr_err("%s '%s' is larger than %zu bytes: give a smaller text file", what, path, max);
			goto fail;
		}
	}
	nul = memchr(buf, '\0', used);
	if (nul) {
		err = EINVAL;
		pr_err("%s '%s' holds a NUL byte at offset %zu: it is not a text file", what, path,
		       (size_t)(nul - buf));
		goto fail;
	}
	buf[used] = '\0';
	*text = buf;
	*len = used;
	return 0;

out_of_memory:
	err = ENOMEM;
	pr_err("out of memory reading %s '%s'", what, path);
fail:
	free(buf);
	return -err;
}

int textfile_read(const char *path, const char *what, size_t max, char **text, size_t *len)
{
	bool is_stdin = !strcmp(path, "-");
	size_t size_hint = 0;
	int fd = is_stdin ? STDIN_FILENO : open_regular(path, what, max, &size_hint);
	int ret;

	if (fd < 0)
		return fd;
	ret = read_all(fd, path, what, max, size_hint, text, len);
	if (!is_stdin)
		close(fd);
	return ret;
}

const char *textfile_line(const char **cursor, const char *end, size_t *len)
{
	const char *start = *cursor, *eol;

	if (start >= end)
		return NULL;
	eol = memchr(start, '\n', (size_t)(end - start));
	*cursor = eol ? eol + 1 : end;
	*len = (size_t)((eol ? eol : end) - start);
	if (*len && start[*len - 1] == '\r')
		(*len)--;
	return start;
}
