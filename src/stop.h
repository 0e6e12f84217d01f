/* SPDX-License-Identifier: MIT */
/* The commands that run until stopped (watch, events --follow, stats --watch) end on SIGINT or SIGTERM. */
#ifndef KSCTL_STOP_H
#define KSCTL_STOP_H

#include <signal.h>

/* Set by SIGINT or SIGTERM once stop_on_signals() ran; blocking calls return EINTR. */
extern volatile sig_atomic_t stop_requested;

void stop_on_signals(void);

#endif
