// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bpffs.h"
#include "lock.h"
#include "log.h"

const char *run_dir(void)
{
	const char *env = getenv("KSCTL_RUN_DIR");

	return env && *env ? env : KS_RUN_DIR_DEFAULT;
}

int run_path(char *out, size_t size, const char *suffix)
{
	char dir[PATH_MAX];
	int ret = pin_dir_path(dir, run_dir());

	if (ret < 0)
		return ret;
	return snprintf(out, size, "%s%s", dir, suffix) < (int)size ? 0 : -ENAMETOOLONG;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int holder(int fd)
{
	char text[32] = "";
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);

	return n > 0 ? atoi(text) : 0;
}

/* mkdir -p: a bare root (a distroless image, a scratch container) may not even have /run. */
static int make_run_dir(const char *dir)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);

	if (len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, len + 1);
	for (char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -errno;
		*slash = '/';
	}
	return mkdir(path, 0700) < 0 && errno != EEXIST ? -errno : 0;
}

int ns_lock(struct ns_lock *lock, int wait_ms)
{
	char path[PATH_MAX], pid[32];
	long deadline = now_ms() + wait_ms;
	int ret;

	lock->fd = -1;
	ret = run_path(path, sizeof(path), ".lock");
	if (ret < 0)
		return ret;
	ret = make_run_dir(run_dir());
	if (ret < 0) {
		pr_err("cannot create %s for ksctl's lock: %s: make it writable (Kubernetes: an emptyDir there)",
		       run_dir(), strerror(-ret));
		return ret;
	}
	lock->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock->fd < 0) {
		ret = -errno;
		pr_err("cannot open the lock %s: %s", path, strerror(-ret));
		return ret;
	}
	while (flock(lock->fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK || now_ms() >= deadline) {
			ret = errno == EWOULDBLOCK ? -EWOULDBLOCK : -errno;
			if (ret == -EWOULDBLOCK)
				pr_err("another ksctl (pid %d) is changing the kill switch here and held %s for %d ms: "
				       "try again once it is done",
				       holder(lock->fd), path, wait_ms);
			else
				pr_err("cannot lock %s: %s", path, strerror(-ret));
			ns_unlock(lock);
			return ret;
		}
		usleep(20000);
	}
	snprintf(pid, sizeof(pid), "%d\n", getpid());
	if (ftruncate(lock->fd, 0) < 0 || pwrite(lock->fd, pid, strlen(pid), 0) < 0)
		pr_debug("could not write our pid into %s", path);
	return 0;
}

void ns_unlock(struct ns_lock *lock)
{
	if (lock->fd >= 0)
		close(lock->fd); /* releases the flock */
	lock->fd = -1;
}
