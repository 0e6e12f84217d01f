// SPDX-License-Identifier: MIT
/* ksctl version: the version the build was made from (git describe). */
#include <stdio.h>

#include "commands.h"
#include "version.h"

static int cmd_version(int argc, char **argv)
{
	int ret = options_parse(&version_command, argc, argv, NULL);

	if (ret == EXIT_OK)
		printf("ksctl %s\n", ksctl_version);
	return ret;
}

const struct command version_command = {
	.name = "version",
	.run = cmd_version,
	.summary = "print ksctl's version",
};
