// SPDX-License-Identifier: MIT
/*
 * udp_sink: bind ADDR:PORT and drain every datagram (recvmmsg) until killed,
 * so the benchmark's receiver is a real socket that keeps up, not one whose
 * full buffer or missing port (ICMP unreachable) changes the sender's path.
 * On SIGTERM/SIGINT prints "received N".
 *
 * usage: udp_sink ADDR PORT
 */
#define _GNU_SOURCE
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	static char bufs[BATCH][2048];
	static struct mmsghdr msgs[BATCH];
	static struct iovec iovs[BATCH];
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned long long received = 0;
	struct addrinfo *res;
	int fd, err;

	if (argc != 3) {
		fprintf(stderr, "usage: udp_sink ADDR PORT\n");
		return 2;
	}
	err = getaddrinfo(argv[1], argv[2], &hints, &res);
	if (err) {
		fprintf(stderr, "udp_sink: bad address '%s' port '%s': %s\n", argv[1], argv[2], gai_strerror(err));
		return 2;
	}
	fd = socket(res->ai_family, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen)) {
		perror("udp_sink: bind");
		return 1;
	}
	freeaddrinfo(res);
	/* No SA_RESTART: the signal interrupts recvmmsg and ends the loop. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (int i = 0; i < BATCH; i++) {
		iovs[i].iov_base = bufs[i];
		iovs[i].iov_len = sizeof(bufs[i]);
		msgs[i].msg_hdr.msg_iov = &iovs[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (!stop) {
		int n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);

		if (n > 0)
			received += n;
	}
	printf("received %llu\n", received);
	return 0;
}
