// SPDX-License-Identifier: MIT
/*
 * tcp_rr: the TCP workloads. Request/response latency, netperf TCP_RR
 * style: one connection, one SIZE-byte request in flight, the server echoes
 * it; the client times every round trip (CLOCK_MONOTONIC) and prints
 * "transactions N p50_us X p99_us Y". And one stream's throughput: the
 * client writes for SECONDS, the sink counts what it read and sends the
 * count back; the client prints "bytes N seconds S gbps G", the bytes as
 * the receiver counted them. Debian has no netperf; sockperf spends seconds
 * of warm-up per run and iperf3 a second and a half of set-up, which a
 * benchmark of hundreds of runs cannot afford.
 *
 * usage: tcp_rr server ADDR PORT | tcp_rr sink ADDR PORT
 *        tcp_rr client ADDR PORT SECONDS [SIZE]
 *        tcp_rr stream ADDR PORT SECONDS
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

/* Echoes every request (@sink false), or counts every byte and answers the count at EOF. */
static int serve(struct addrinfo *ai, int sink)
{
	int one = 1, lfd = socket(ai->ai_family, SOCK_STREAM, 0);
	static char buf[1 << 20];

	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, ai->ai_addr, ai->ai_addrlen) || listen(lfd, 8)) {
		perror("tcp_rr: bind/listen");
		return 1;
	}
	/* One client at a time, as long as it keeps sending. */
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		unsigned long long count = 0;
		ssize_t n;

		if (fd < 0)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			count += (unsigned long long)n;
			if (!sink && !full_io(fd, buf, n, 1))
				break;
		}
		if (sink && n == 0)
			full_io(fd, (char *)&count, sizeof(count), 1);
		close(fd);
	}
}

static int stream(struct addrinfo *ai, double seconds)
{
	int fd = socket(ai->ai_family, SOCK_STREAM, 0);
	static char buf[1 << 16];
	unsigned long long count;
	double start, end;

	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		perror("tcp_rr: connect");
		return 1;
	}
	start = now_us();
	end = start + seconds * 1e6;
	while (now_us() < end)
		if (!full_io(fd, buf, sizeof(buf), 1)) {
			fprintf(stderr, "tcp_rr: connection lost while streaming\n");
			return 1;
		}
	/* The sink answers once it has read everything: the time runs until then. */
	if (shutdown(fd, SHUT_WR) || !full_io(fd, (char *)&count, sizeof(count), 0)) {
		fprintf(stderr, "tcp_rr: no count from the sink\n");
		return 1;
	}
	seconds = (now_us() - start) / 1e6;
	printf("bytes %llu seconds %.6f gbps %.3f\n", count, seconds, count * 8 / seconds / 1e9);
	close(fd);
	return 0;
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

	if (argc >= 4 && (!strcmp(argv[1], "server") || !strcmp(argv[1], "sink"))) {
		ai = resolve(argv[2], argv[3]);
		return ai ? serve(ai, !strcmp(argv[1], "sink")) : 2;
	}
	if (argc >= 5 && !strcmp(argv[1], "stream") && atof(argv[4]) > 0) {
		ai = resolve(argv[2], argv[3]);
		return ai ? stream(ai, atof(argv[4])) : 2;
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
	fprintf(stderr, "usage: tcp_rr server|sink ADDR PORT | tcp_rr client ADDR PORT SECONDS [SIZE] | "
			"tcp_rr stream ADDR PORT SECONDS\n");
	return 2;
}
