/* SPDX-License-Identifier: MIT */
/*
 * The watch loop: keeps the kill switch in force on every link as links and
 * tc attachments come and go (`ksctl watch`, `ksctl up --watch`).
 */
#ifndef KSCTL_WATCH_H
#define KSCTL_WATCH_H

#include "apply.h"

/*
 * Runs until SIGTERM or SIGINT (EXIT_OK), or an error it cannot go on
 * after (EXIT_RUNTIME). @held: the programs `up --watch` loaded, for where
 * the ones in force cannot be reopened (no pins, no CAP_SYS_ADMIN); NULL
 * for `ksctl watch`, which takes the programs in force.
 */
int watch_run(const char *pin_dir, unsigned long long interval_ms, const struct programs *held);

#endif
