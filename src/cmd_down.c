// SPDX-License-Identifier: MIT
/* ksctl down: the one command that removes the kill switch. */
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <unistd.h>

#include "attach_cgroup.h"
#include "attach_tc.h"
#include "bpffs.h"
#include "commands.h"
#include "instance.h"
#include "links.h"
#include "loader.h"
#include "log.h"

/* Detaches ours from every interface; returns how many detachments failed. */
static int detach_tc(const struct instance *inst)
{
	struct link *links = NULL;
	int count = links_list(&links), failed = 0;

	if (count < 0) {
		pr_err("cannot list network interfaces: %s", strerror(-count));
		return 1;
	}
	for (int i = 0; i < count; i++) {
		struct tc_attachment att;

		if (links[i].loopback || tc_query(links[i].ifindex, &att) < 0)
			continue;
		/* Every one of ours, tcx and clsact alike: a failed switch of kinds may have left both. */
		for (__u32 j = 0; j < att.tcx_count; j++) {
			int fd = instance_prog_fd(inst, att.tcx_ids[j]);

			if (fd >= 0 && tc_detach(links[i].ifindex, TC_TCX, fd) < 0) {
				pr_err("%s: cannot detach the kill switch (tcx)", links[i].name);
				failed++;
			}
		}
		if (instance_owns_clsact(inst, &att) && tc_detach(links[i].ifindex, TC_CLSACT, -1) < 0) {
			pr_err("%s: cannot detach the kill switch (clsact)", links[i].name);
			failed++;
		}
	}
	free(links);
	return failed;
}

static int detach_cgroup(const struct instance *inst)
{
	int fd = cgroup_open(inst->config.cgroup_path), ret;

	if (fd < 0)
		return 0; /* the cgroup is gone, and the attachment with it */
	ret = cgroup_has_prog(fd, inst->prog_id[KS_PROG_CGROUP]) ? cgroup_detach(fd, inst->prog_fd[KS_PROG_CGROUP]) : 0;
	close(fd);
	if (ret < 0)
		pr_err("cannot detach the kill switch from cgroup %s", inst->config.cgroup_path);
	return ret < 0;
}

struct down_options {
	const char *pin_dir;
};

static const struct opt down_table[] = {
	OPT_PIN_DIR(struct down_options, pin_dir),
	{ 0 }
};

int cmd_down(int argc, char **argv)
{
	struct down_options o = { 0 };
	struct instance inst;
	int failed, ret = options_parse(&down_command, argc, argv, &o);

	if (ret != EXIT_OK)
		return ret;
	if (instance_find(&inst, pin_root(o.pin_dir)) < 0)
		return EXIT_RUNTIME;
	if (inst.source == SOURCE_NONE) {
		pr_info("ksctl: no kill switch in this network namespace: nothing to remove");
		return EXIT_OK;
	}
	failed = inst.config.mode == KS_MODE_CGROUP ? detach_cgroup(&inst) : detach_tc(&inst);
	if (!failed && inst.source == SOURCE_PINS)
		loader_unpin(inst.pin_dir);
	instance_close(&inst);
	if (failed) {
		pr_err("the kill switch is still in force where it could not be detached: see 'ksctl status'");
		return EXIT_RUNTIME;
	}
	pr_info("ksctl: kill switch removed: egress is no longer filtered");
	return EXIT_OK;
}

const struct command down_command = {
	.name = "down",
	.run = cmd_down,
	.summary = "remove the kill switch (the only command that does)",
	.options = down_table,
};
