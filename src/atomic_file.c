// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "log.h"

int atomic_file_write(const char *path, void (*print)(FILE *out, const void *data), const void *data)
{
	char staged[PATH_MAX];
	int fd, err = 0;
	FILE *out;

	if ((size_t)snprintf(staged, sizeof(staged), "%s.XXXXXX", path) >= sizeof(staged)) {
		pr_err("cannot write '%s': the path is too long", path);
		return -ENAMETOOLONG;
	}
	fd = mkstemp(staged);
	if (fd < 0) {
		err = errno;
		pr_err("cannot write '%s': %s: give a file in a directory that exists and that you may write", path,
		       strerror(err));
		return -err;
	}
	out = fdopen(fd, "w");
	if (!out || fchmod(fd, 0644) < 0)
		err = errno;
	if (out) {
		if (!err)
			print(out, data);
		if (ferror(out) && !err)
			err = EIO;
		if (fclose(out) != 0 && !err)
			err = errno;
	} else {
		close(fd);
	}
	if (!err && rename(staged, path) < 0)
		err = errno;
	if (err) {
		unlink(staged);
		pr_err("cannot write '%s': %s; it is left as it was", path, strerror(err));
	}
	return -err;
}
