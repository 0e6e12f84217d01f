// SPDX-License-Identifier: MIT
/*
 * timed: run a command once and print "wall_ms W cpu_ms C": wall clock from
 * fork to exit, and the CPU time the command used (user + system, from
 * wait4's rusage: the scheduler's own count, not sampled). On a shared
 * machine the wall clock also counts the time other work held the CPU;
 * the CPU time does not. The command's stdout goes to /dev/null, its
 * stderr to ERRFILE; a non-zero exit is timed.c's own exit 1.
 *
 * usage: timed ERRFILE CMD [ARG...]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double ms(struct timeval tv)
{
	return tv.tv_sec * 1e3 + tv.tv_usec / 1e3;
}

int main(int argc, char **argv)
{
	struct rusage usage;
	double start;
	int status;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: timed ERRFILE CMD [ARG...]\n");
		return 2;
	}
	start = now_ms();
	pid = fork();
	if (pid == 0) {
		int out = open("/dev/null", O_WRONLY), err = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(127);
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &usage) != pid) {
		perror("timed");
		return 1;
	}
	printf("wall_ms %.3f cpu_ms %.3f\n", now_ms() - start, ms(usage.ru_utime) + ms(usage.ru_stime));
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
