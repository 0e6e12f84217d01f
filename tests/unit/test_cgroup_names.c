// SPDX-License-Identifier: MIT
/* Who sent a dropped packet: a cgroup's path to its container, and the container's name from the engine's files. */
#include <string.h>
#include <sys/stat.h>

#include "../lib/check.h"
#include "../lib/tmpdir.h"
#include "cgroup_names.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void expect(const char *path, const char *engine, bool kubernetes)
{
	struct container c;
	bool found = container_from_cgroup(path, &c);

	CHECK(found == (engine != NULL), "%s: %s", path, found ? "a container's" : "no container's");
	if (found && engine)
		CHECK(!strcmp(c.engine, engine) && c.kubernetes == kubernetes && !strcmp(c.id, ID) && !c.name[0],
		      "%s: engine %s kubernetes %d id %s", path, c.engine, c.kubernetes, c.id);
}

static void unit_container_from_cgroup(void)
{
	expect("/system.slice/docker-" ID ".scope", "docker", false);
	expect("/docker/" ID, "docker", false);
	expect("/system.slice/docker-" ID ".scope/init", "docker", false);
	expect("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1a2b_3c4d.slice/cri-containerd-" ID
	       ".scope",
	       "containerd", true);
	expect("/kubepods/burstable/pod1a2b-3c4d/" ID, "container", true);
	expect("/kubepods.slice/kubepods-pod1a2b.slice/crio-" ID ".scope", "cri-o", true);
	expect("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope", "podman", false);
	expect("/", NULL, false);
	expect("/system.slice/ssh.service", NULL, false);
	expect("/docker/0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF", NULL, false);
	expect("/docker/" ID "0", NULL, false);
	expect("/docker-" ID ".scopex", NULL, false);
	expect("/system.slice/docker-" ID "-x.scope", NULL, false);
}

static void unit_container_name(void)
{
	static const char config[] = "{\"ID\":\"" ID "\",\"Created\":\"2026\",\"Name\":\"/web\",\"Driver\":\"overlay2\"}";
	struct container_roots roots;
	struct container docker, pod, gone;
	char dir[300];

	tmpdir_make();
	roots = (struct container_roots){ tmpdir, tmpdir };
	snprintf(dir, sizeof(dir), "%s", tmpdir_path(ID));
	CHECK(mkdir(dir, 0700) == 0, "mkdir %s", dir);
	tmpdir_write(ID "/config.v2.json", config, sizeof(config) - 1);
	tmpdir_write("speedtest-7f9c_media_tracker-" ID ".log", "", 0);
	tmpdir_write("other_media_tracker-" ID "0.log", "", 0);

	container_from_cgroup("/system.slice/docker-" ID ".scope", &docker);
	container_name(&docker, &roots);
	CHECK(!strcmp(docker.name, "web"), "docker name '%s'", docker.name);
	container_from_cgroup("/kubepods.slice/kubepods-pod1a2b.slice/cri-containerd-" ID ".scope", &pod);
	container_name(&pod, &roots);
	CHECK(!strcmp(pod.name, "media/speedtest-7f9c/tracker"), "kubernetes name '%s'", pod.name);
	roots = (struct container_roots){ "/nonexistent", "/nonexistent" };
	container_from_cgroup("/docker/" ID, &gone);
	container_name(&gone, &roots);
	CHECK(!gone.name[0], "a name without its files: '%s'", gone.name);

	unlink(tmpdir_path(ID "/config.v2.json"));
	tmpdir_remove();
}

int main(void)
{
	RUN(unit_container_from_cgroup, "Docker, containerd, CRI-O and Podman cgroups (systemd and cgroupfs, in a pod or "
					"not) give the container id; other paths none");
	RUN(unit_container_name, "names from Docker's config.v2.json and the kubelet's log names; none without them");
	return check_failed_tests ? 1 : 0;
}
