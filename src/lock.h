/* SPDX-License-Identifier: MIT */
/*
 * One writer at a time per network namespace: up, down, allow and watch's
 * changes hold an exclusive flock on /run/ksctl/netns-<cookie>.lock (or
 * $KSCTL_RUN_DIR). A second one waits, then fails naming the holder.
 */
#ifndef KSCTL_LOCK_H
#define KSCTL_LOCK_H

#define KS_RUN_DIR_DEFAULT "/run/ksctl"
#define KS_LOCK_WAIT_MS 10000

struct ns_lock {
	int fd; /* -1: not held */
};

/*
 * Takes the lock, waiting at most @wait_ms. 0; -EWOULDBLOCK with the
 * holder's pid named when it is taken; another -errno (printed) when there
 * is nowhere to keep it.
 */
int ns_lock(struct ns_lock *lock, int wait_ms);
void ns_unlock(struct ns_lock *lock);
/* $KSCTL_RUN_DIR or /run/ksctl: where the lock and the record of the tunnels live. */
const char *run_dir(void);
/* "<run dir>/netns-<cookie><suffix>". 0 or -errno. */
int run_path(char *out, size_t size, const char *suffix);

#endif
