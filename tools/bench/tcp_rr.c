// SPDX-License-Identifier: MIT
/*
 * tcp_rr: TCP request/response latency, netperf TCP_RR style. One
 * connection, one SIZE-byte request in flight, the server echoes it; the
 * client times every round trip (CLOCK_MONOTONIC) and prints
 * "transactions N p50_us X p99_us Y". Debian has no netperf, and sockperf
 * spends seconds of warm-up per run, which the quick mode cannot afford.
 *
 * usage: tcp_rr server ADDR PORT
 *        tcp_rr client ADDR PORT SECONDS [SIZE]
 */
#define _GNU_SOURCE
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SAMPLES_MAX (1 << 24)

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static struct addrinfo *resolve(const char *addr, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *res;
	int err = getaddrinfo(addr, port, &hints, &res);

	if (err) {
		fprintf(stderr, "tcp_rr: bad address '%s' port '%s': %s\n", addr, port, gai_strerror(err));
		return NULL;
	}
	return res;
}

/* Read or write exactly len bytes; false on EOF or error. */
static int full_io(int fd, char *buf, size_t len, int writing)
{
	while (len) {
		ssize_t n = writing ? write(fd, buf, len) : read(fd, buf, len);

		if (n <= 0)
			return 0;
		buf += n;
		len -= n;
	}
	return 1;
}

static int serve(struct addrinfo *ai)
{
	int one = 1, lfd = socket(ai->ai_family, SOCK_STREAM, 0);
	char buf[65536];

	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, ai->ai_addr, ai->ai_addrlen) || listen(lfd, 8)) {
		perror("tcp_rr: bind/listen");
		return 1;
	}
	/* One client at a time, as long as it keeps sending. */
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		ssize_t n;

		if (fd < 0)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (!full_io(fd, buf, n, 1))
				break;
		close(fd);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int client(struct addrinfo *ai, double seconds, size_t size)
{
	int one = 1, fd = socket(ai->ai_family, SOCK_STREAM, 0);
	double *rtt = malloc(SAMPLES_MAX * sizeof(*rtt));
	char buf[65536] = { 0 };
	size_t n = 0;
	double end;

	if (!rtt || fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		perror("tcp_rr: connect");
		return 1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	end = now_us() + seconds * 1e6;
	while (n < SAMPLES_MAX) {
		double t0 = now_us(), t1;

		if (!full_io(fd, buf, size, 1) || !full_io(fd, buf, size, 0)) {
			fprintf(stderr, "tcp_rr: connection lost after %zu transactions\n", n);
			return 1;
		}
		t1 = now_us();
		rtt[n++] = t1 - t0;
		if (t1 >= end)
			break;
	}
	qsort(rtt, n, sizeof(*rtt), cmp_double);
	printf("transactions %zu p50_us %.3f p99_us %.3f\n", n, rtt[n / 2], rtt[(size_t)(n * 0.99)]);
	close(fd);
	free(rtt);
	return 0;
}

int main(int argc, char **argv)
{
	struct addrinfo *ai;
	size_t size;

	if (argc >= 4 && !strcmp(argv[1], "server")) {
		ai = resolve(argv[2], argv[3]);
		return ai ? serve(ai) : 2;
	}
	if (argc >= 5 && !strcmp(argv[1], "client")) {
		size = argc > 5 ? strtoul(argv[5], NULL, 10) : 64;
		if (size < 1 || size > 65536 || atof(argv[4]) <= 0) {
			fprintf(stderr, "tcp_rr: SECONDS > 0 and SIZE 1-65536\n");
			return 2;
		}
		ai = resolve(argv[2], argv[3]);
		return ai ? client(ai, atof(argv[4]), size) : 2;
	}
	fprintf(stderr, "usage: tcp_rr server ADDR PORT | tcp_rr client ADDR PORT SECONDS [SIZE]\n");
	return 2;
}
