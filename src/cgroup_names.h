/* SPDX-License-Identifier: MIT */
/*
 * Who sent a packet: a socket's cgroup v2 id, as the kernel reports it, to
 * the cgroup's path and, for a container's cgroup, to the container's id
 * and, where it can be read without the engine's API, its name.
 */
#ifndef KSCTL_CGROUP_NAMES_H
#define KSCTL_CGROUP_NAMES_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#define CONTAINER_ID_LEN 64

struct container {
	const char *engine;                 /* "docker", "containerd", "cri-o", "podman" */
	bool kubernetes;                    /* a pod's container (kubepods) */
	char id[CONTAINER_ID_LEN + 1];
	char name[768];                     /* "" when it cannot be read */
};

/*
 * The container whose cgroup @path is (docker-ID.scope, /docker/ID,
 * cri-containerd-ID.scope, crio-ID.scope, libpod-ID.scope, or a bare ID
 * under kubepods), its name left empty. false: not a container's.
 */
bool container_from_cgroup(const char *path, struct container *out);

/* Where the engines keep what names a container, without their API (defaults.c). */
struct container_roots {
	const char *docker;     /* Docker: ID/config.v2.json holds "Name" */
	const char *kubernetes; /* the kubelet: POD_NAMESPACE_CONTAINER-ID.log */
};

/* Fills @c->name from the engine's files under @roots, when they can be read. */
void container_name(struct container *c, const struct container_roots *roots);

/* The cgroup paths of this cgroup namespace, by id: a cache that scans the cgroup2 mount. */
struct cgroup_names {
	char root[PATH_MAX];  /* the cgroup2 mount point, "" when there is none */
	struct cgroup_entry *entries;
	size_t count;
	uint64_t scanned_at;  /* CLOCK_MONOTONIC ns of the last scan */
};

void cgroup_names_init(struct cgroup_names *names);
void cgroup_names_free(struct cgroup_names *names);
/*
 * The path of cgroup @id below the cgroup2 mount ("/" for its root), or NULL
 * when it is not visible here (another cgroup namespace, or gone). A miss
 * scans the mount again, at most once a second.
 */
const char *cgroup_names_find(struct cgroup_names *names, uint64_t id);

#endif
