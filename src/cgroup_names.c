// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup_names.h"

/* The engines' names for a container's cgroup: PREFIX-ID.scope (systemd), or ID under a folder (cgroupfs). */
static const struct {
	const char *prefix;
	const char *engine;
} scope_prefixes[] = {
	{ "docker-", "docker" },
	{ "cri-containerd-", "containerd" },
	{ "crio-", "cri-o" },
	{ "libpod-", "podman" },
};

static bool is_container_id(const char *s, size_t len)
{
	if (len != CONTAINER_ID_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

/* The engine of the path component @comp (@len bytes), whose parent is @parent (@parent_len); NULL: none. */
static const char *component_engine(const char *comp, size_t len, const char *parent, size_t parent_len,
				    const char **id)
{
	if (len > 6 && !memcmp(comp + len - 6, ".scope", 6))
		len -= 6;
	for (size_t i = 0; i < sizeof(scope_prefixes) / sizeof(*scope_prefixes); i++) {
		size_t plen = strlen(scope_prefixes[i].prefix);

		if (len > plen && !memcmp(comp, scope_prefixes[i].prefix, plen) && is_container_id(comp + plen, len - plen)) {
			*id = comp + plen;
			return scope_prefixes[i].engine;
		}
	}
	if (!is_container_id(comp, len))
		return NULL;
	*id = comp;
	return parent_len == 6 && !memcmp(parent, "docker", 6) ? "docker" : "container";
}

bool container_from_cgroup(const char *path, struct container *out)
{
	const char *end = path + strlen(path);

	memset(out, 0, sizeof(*out));
	/* The deepest component that names a container. */
	while (end > path) {
		const char *start = end, *parent, *id = NULL;

		while (start > path && start[-1] != '/')
			start--;
		parent = start > path ? start - 1 : path;
		while (parent > path && parent[-1] != '/')
			parent--;
		out->engine = component_engine(start, (size_t)(end - start), parent,
					       start > path ? (size_t)(start - 1 - parent) : 0, &id);
		if (out->engine) {
			memcpy(out->id, id, CONTAINER_ID_LEN);
			out->kubernetes = strstr(path, "kubepods") != NULL;
			return true;
		}
		end = start > path ? start - 1 : path;
	}
	return false;
}

/* Docker's config.v2.json holds "Name":"/NAME". */
static void docker_name(struct container *c, const char *root)
{
	char path[PATH_MAX], buf[65536];
	const char *key = "\"Name\":\"", *name, *quote;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/config.v2.json", root, c->id);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	name = strstr(buf, key);
	if (!name)
		return;
	name += strlen(key);
	name += *name == '/';
	quote = strchr(name, '"');
	if (quote && (size_t)(quote - name) < sizeof(c->name))
		snprintf(c->name, sizeof(c->name), "%.*s", (int)(quote - name), name);
}

/* The kubelet's POD_NAMESPACE_CONTAINER-ID.log, as NAMESPACE/POD/CONTAINER. */
static void kubernetes_name(struct container *c, const char *root)
{
	char suffix[CONTAINER_ID_LEN + 8];
	size_t suffix_len = (size_t)snprintf(suffix, sizeof(suffix), "-%s.log", c->id);
	DIR *dir = opendir(root);
	struct dirent *e;

	while (dir && (e = readdir(dir))) {
		size_t len = strlen(e->d_name);
		char pod[254], ns[254], container[254];

		if (len <= suffix_len || strcmp(e->d_name + len - suffix_len, suffix))
			continue;
		/* Pod, namespace and container names hold no '_'. */
		if (sscanf(e->d_name, "%253[^_]_%253[^_]_%253s", pod, ns, container) == 3) {
			container[strlen(container) - suffix_len] = '\0';
			snprintf(c->name, sizeof(c->name), "%s/%s/%s", ns, pod, container);
		}
		break;
	}
	if (dir)
		closedir(dir);
}

void container_name(struct container *c, const struct container_roots *roots)
{
	if (c->kubernetes)
		kubernetes_name(c, roots->kubernetes);
	if (!c->name[0] && !strcmp(c->engine, "docker"))
		docker_name(c, roots->docker);
}

struct cgroup_entry {
	uint64_t id;
	char *path;
};

void cgroup_names_init(struct cgroup_names *names)
{
	struct mntent m, *found;
	char buf[4096];
	FILE *mounts = setmntent("/proc/self/mounts", "re");

	memset(names, 0, sizeof(*names));
	while (mounts && (found = getmntent_r(mounts, &m, buf, sizeof(buf))))
		if (!strcmp(found->mnt_type, "cgroup2")) {
			snprintf(names->root, sizeof(names->root), "%s", found->mnt_dir);
			break;
		}
	if (mounts)
		endmntent(mounts);
}

static void forget(struct cgroup_names *names)
{
	for (size_t i = 0; i < names->count; i++)
		free(names->entries[i].path);
	free(names->entries);
	names->entries = NULL;
	names->count = 0;
}

void cgroup_names_free(struct cgroup_names *names)
{
	forget(names);
}

static void remember(struct cgroup_names *names, uint64_t id, const char *path)
{
	struct cgroup_entry *grown = reallocarray(names->entries, names->count + 1, sizeof(*grown));
	char *copy = strdup(*path ? path : "/");

	if (!grown || !copy) {
		free(copy);
		if (grown)
			names->entries = grown;
		return;
	}
	names->entries = grown;
	grown[names->count++] = (struct cgroup_entry){ .id = id, .path = copy };
}

/* Every cgroup directory below @dir (@rel from the root), depth first; the cgroup id is its inode. */
static void scan(struct cgroup_names *names, int dir_fd, const char *rel, int depth)
{
	DIR *dir = fdopendir(dir_fd);
	struct dirent *e;

	if (!dir) {
		close(dir_fd);
		return;
	}
	while ((e = readdir(dir))) {
		char child[PATH_MAX];
		struct stat st;
		int fd;

		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", rel, e->d_name) >= sizeof(child))
			continue;
		fd = openat(dirfd(dir), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0)
			remember(names, st.st_ino, child);
		if (depth < 32)
			scan(names, fd, child, depth + 1);
		else
			close(fd);
	}
	closedir(dir);
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static const char *lookup(const struct cgroup_names *names, uint64_t id)
{
	for (size_t i = 0; i < names->count; i++)
		if (names->entries[i].id == id)
			return names->entries[i].path;
	return NULL;
}

const char *cgroup_names_find(struct cgroup_names *names, uint64_t id)
{
	const char *path = lookup(names, id);
	struct stat st;
	int fd;

	if (path || !names->root[0] || (names->scanned_at && monotonic_ns() - names->scanned_at < 1000000000ULL))
		return path;
	forget(names);
	names->scanned_at = monotonic_ns();
	fd = open(names->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0)
		remember(names, st.st_ino, "");
	scan(names, fd, "", 0);
	return lookup(names, id);
}
