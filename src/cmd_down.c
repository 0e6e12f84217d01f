// SPDX-License-Identifier: MIT
/* ksctl down: the one command that removes the kill switch. */
#include <errno.h>
#include <string.h>

#include "apply.h"
#include "bpffs.h"
#include "commands.h"
#include "loader.h"
#include "lock.h"
#include "log.h"
#include "observe.h"

/* Removes every attachment of ksctl's it can see; refuses, keeping the pins, when it cannot see one. */
static int remove_all(struct observed *o)
{
	struct want want = { .mode = o->inst.config.mode, .remove = true, .cgroup_attached = o->cgroup_attached };
	const struct link_view *blind;
	struct programs none = { 0 };
	struct plan plan;
	int ret = plan_make(&plan, o->views, o->count, &want, &blind);

	if (ret == -EACCES) {
		pr_err("cannot read what is attached at %s's egress (%s): nothing removed, the pins stay; run as root, "
		       "or with CAP_NET_ADMIN and CAP_BPF",
		       blind->link.name, strerror(EACCES));
		return EXIT_RUNTIME;
	}
	if (ret < 0)
		return EXIT_RUNTIME;
	ret = apply(&plan, o, &none, NULL);
	plan_free(&plan);
	if (ret != 0) {
		pr_err("the kill switch is still in force where it could not be detached: see 'ksctl status'");
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
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
	struct down_options opts = { 0 };
	struct ns_lock lock = { .fd = -1 };
	struct observed o;
	int ret = options_parse(&down_command, argc, argv, &opts);

	if (ret != EXIT_OK)
		return ret;
	ret = EXIT_RUNTIME;
	if (ns_lock(&lock, KS_LOCK_WAIT_MS) < 0)
		return EXIT_RUNTIME;
	if (observe(&o, pin_root(opts.pin_dir), NULL, 0) < 0)
		goto out;
	if (o.inst.source == SOURCE_NONE) {
		record_remove();
		pr_info("ksctl: no kill switch in this network namespace: nothing to remove");
		ret = EXIT_OK;
		goto out;
	}
	ret = remove_all(&o);
	if (ret == EXIT_OK) {
		if (o.inst.source == SOURCE_PINS)
			loader_unpin(o.inst.pin_dir);
		record_remove();
		pr_info("ksctl: kill switch removed: egress is no longer filtered");
	}
out:
	observed_free(&o);
	ns_unlock(&lock);
	return ret;
}

const struct command down_command = {
	.name = "down",
	.run = cmd_down,
	.summary = "remove the kill switch (the only command that does)",
	.options = down_table,
};
