// SPDX-License-Identifier: MIT
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "bpffs.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif
#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

const char *pin_root(const char *option)
{
	const char *env = getenv(KS_PIN_ROOT_ENV);

	if (option)
		return option;
	return env && *env ? env : KS_PIN_ROOT_DEFAULT;
}

/* The cookie is never reused, unlike the namespace's inode number (5.14+). */
int pin_dir_path(char out[PATH_MAX], const char *root)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);
	struct stat st;
	int sock, ret;

	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	ret = getsockopt(sock, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len);
	close(sock);
	if (ret == 0)
		ret = snprintf(out, PATH_MAX, "%s/netns-%" PRIu64, root, cookie);
	else if (stat("/proc/self/ns/net", &st) == 0)
		ret = snprintf(out, PATH_MAX, "%s/netns-ino-%ju", root, (uintmax_t)st.st_ino);
	else
		return -errno;
	return ret < PATH_MAX ? 0 : -ENAMETOOLONG;
}

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

int bpffs_prepare(const char *root, bool may_mount, const char **why)
{
	char parent[PATH_MAX];
	char *slash;

	if (is_bpffs(root))
		return 0;
	if (snprintf(parent, sizeof(parent), "%s", root) >= (int)sizeof(parent))
		return *why = "the pin directory's path is too long", -ENAMETOOLONG;
	slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return *why = "the pin directory must be below a bpffs mount, e.g. /sys/fs/bpf/ksctl", -EINVAL;
	*slash = '\0';

	if (!is_bpffs(parent)) {
		/* Only the default place is ours to mount; elsewhere the caller chose it. */
		if (!may_mount || strcmp(root, KS_PIN_ROOT_DEFAULT))
			return *why = "no bpffs is mounted there", -ENOENT;
		if (mount("bpf", parent, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") < 0) {
			*why = errno == EPERM ? "mounting bpffs needs CAP_SYS_ADMIN" :
			       errno == EROFS ? "the file system is read-only" :
						"bpffs could not be mounted";
			return -errno;
		}
	}
	if (mkdir(root, 0700) < 0 && errno != EEXIST)
		return *why = "the pin directory could not be created", -errno;
	return 0;
}

bool have_cap_sys_admin(void)
{
	char line[256];
	unsigned long long caps = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps & (1ULL << 21); /* CAP_SYS_ADMIN */
}
