// SPDX-License-Identifier: MIT
#include "stop.h"

volatile sig_atomic_t stop_requested;

static void request_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

void stop_on_signals(void)
{
	/* No SA_RESTART: a poll or a sleep returns at once. */
	struct sigaction sa = { .sa_handler = request_stop };

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}
