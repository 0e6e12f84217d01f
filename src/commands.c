// SPDX-License-Identifier: MIT
/* The command table, as wg.c's: dispatch, help, the man page and completion read it. */
#include <string.h>

#include "commands.h"

const struct command *const commands[] = {
	&up_command, &down_command, &status_command, &stats_command, &events_command, &selftest_command,
	&allow_command, &watch_command, &help_command,
	&version_command, NULL,
};

const struct command *find_command(const char *name)
{
	for (const struct command *const *c = commands; *c; c++)
		if (!strcmp((*c)->name, name))
			return *c;
	return NULL;
}
