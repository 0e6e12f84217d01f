// SPDX-License-Identifier: MIT
/* ksctl allow: read or change the allowlist of the kill switch in force. */
#include <errno.h>
#include <getopt.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include "allowlist.h"
#include "commands.h"
#include "instance.h"
#include "json.h"
#include "lock.h"
#include "log.h"
#include "prefix_scope.h"

struct allow_options {
	bool json, force;
	const char *pin_dir;
};

static const struct opt allow_table[] = {
	OPT_JSON(struct allow_options, json, "print the list"),
	{ .name = "force", .kind = OPT_FLAG, .offset = offsetof(struct allow_options, force),
	  .help = "add prefixes shorter than /" KS_STRINGIFY(KS_WIDE4) " (IPv4) or /" KS_STRINGIFY(KS_WIDE6)
		  " (IPv6) that reach public address space" },
	OPT_PIN_DIR(struct allow_options, pin_dir),
	{ 0 }
};

/* One CIDR a line, or {"allowlist":["10.0.0.0/8",...]}. */
static int list(const struct allowlist *maps, bool json)
{
	struct prefix_list present = { 0 };
	char text[PREFIX_TEXT_MAX];
	int ret = allowlist_read(maps, &present);
	struct json j;

	if (ret < 0) {
		pr_err("cannot read the allowlist: %s", strerror(-ret));
		return EXIT_RUNTIME;
	}
	prefix_list_sort(&present);
	json_begin(&j, stdout);
	if (json) {
		json_object(&j, NULL);
		json_array(&j, "allowlist");
	}
	for (size_t i = 0; i < present.count; i++) {
		prefix_format(&present.items[i], text);
		if (json)
			json_string(&j, NULL, text);
		else
			printf("%s\n", text);
	}
	if (json)
		json_finish(&j);
	prefix_list_free(&present);
	return EXIT_OK;
}

static int change(const struct allowlist *maps, const struct prefix_list *prefixes, bool add)
{
	const struct prefix *missing = NULL;
	char text[PREFIX_TEXT_MAX];
	int ret = add ? allowlist_add(maps, prefixes) : allowlist_del(maps, prefixes, &missing);

	if (ret == -ENOENT && missing) {
		prefix_format(missing, text);
		pr_err("%s is not in the allowlist: nothing changed; see 'ksctl allow list'", text);
		return EXIT_RUNTIME;
	}
	if (ret < 0) {
		pr_err("cannot %s the allowlist: %s", add ? "extend" : "shrink", strerror(-ret));
		return EXIT_RUNTIME;
	}
	for (size_t i = 0; i < prefixes->count; i++) {
		prefix_format(&prefixes->items[i], text);
		pr_info("ksctl: %s %s", add ? "allowed" : "no longer allowed:", text);
	}
	return EXIT_OK;
}

int cmd_allow(int argc, char **argv)
{
	struct allow_options o = { 0 };
	struct prefix_list prefixes = { 0 };
	const char *action;
	struct allowlist maps;
	struct ns_lock lock = { .fd = -1 };
	struct instance inst;
	int ret = options_parse(&allow_command, argc, argv, &o);

	if (ret != EXIT_OK)
		return ret;
	ret = EXIT_USAGE;
	if (optind == argc)
		return usage_error("allow", "say list, add or del");
	action = argv[optind++];
	if (strcmp(action, "list") && strcmp(action, "add") && strcmp(action, "del"))
		return usage_error("allow", "unknown action '%s': use list, add or del", action);
	if (!strcmp(action, "list") && optind < argc)
		return usage_error("allow", "unexpected argument '%s'", argv[optind]);
	if (strcmp(action, "list") && optind == argc)
		return usage_error("allow", "'allow %s' needs at least one CIDR", action);
	/* Every CIDR is checked before anything changes. */
	for (; optind < argc; optind++)
		if (!prefix_list_add_text(&prefixes, argv[optind]))
			goto out;
	if (!strcmp(action, "add") && !o.force && prefixes_refuse_public_wide(&prefixes))
		goto out;

	/* A change waits for any other writer: a prefix added while `up` rewrites the list would be lost. */
	if (strcmp(action, "list") && ns_lock(&lock, KS_LOCK_WAIT_MS) < 0) {
		ret = EXIT_RUNTIME;
		goto out;
	}
	ret = instance_open(&inst, o.pin_dir);
	if (ret == EXIT_OK) {
		maps.fd4 = inst.map_fd[KS_MAP_ALLOW4];
		maps.fd6 = inst.map_fd[KS_MAP_ALLOW6];
		maps.table4_fd = inst.map_fd[KS_MAP_TABLE4];
		maps.state = inst.state;
		ret = !strcmp(action, "list") ? list(&maps, o.json) : change(&maps, &prefixes, !strcmp(action, "add"));
	}
	instance_close(&inst);
	ns_unlock(&lock);
out:
	prefix_list_free(&prefixes);
	return ret;
}

const struct command allow_command = {
	.name = "allow",
	.run = cmd_allow,
	.args = "list | add CIDR... | del CIDR...",
	.summary = "show or change the allowlist of the kill switch in force",
	.options = allow_table,
};
