// SPDX-License-Identifier: MIT
/*
 * udp_blast: send UDP datagrams of a fixed payload size to one address as
 * fast as one core allows, for a fixed time, from an unconnected socket (so
 * an ICMP error from a REJECT rule never turns later sends into ECONNREFUSED).
 * Prints "attempts N ok N seconds S cpu C": attempts counts every datagram
 * handed to the kernel, ok those the syscall accepted, C the CPU seconds
 * the sending thread used (CLOCK_THREAD_CPUTIME_ID: the kernel's send path,
 * the egress filter included, and whatever softirq work it did on the way).
 * What arrived is counted by the caller on the receiving side, never here.
 *
 * usage: udp_blast ADDR PORT PAYLOAD_BYTES SECONDS [BATCH]
 *        BATCH > 1 uses sendmmsg; 1 uses sendto (fair when every send fails).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH_MAX 256

static double clock_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static int resolve(const char *addr, const char *port, struct sockaddr_storage *out, socklen_t *len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *res;
	int err = getaddrinfo(addr, port, &hints, &res);

	if (err) {
		fprintf(stderr, "udp_blast: bad address '%s' port '%s': %s\n", addr, port, gai_strerror(err));
		return -1;
	}
	memcpy(out, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int main(int argc, char **argv)
{
	static char payload[65507];
	static struct mmsghdr msgs[BATCH_MAX];
	static struct iovec iov;
	struct sockaddr_storage dst;
	socklen_t dst_len;
	unsigned long long attempts = 0, ok = 0;
	double start, end, seconds, cpu_start;
	int fd, size, batch;

	if (argc < 5) {
		fprintf(stderr, "usage: udp_blast ADDR PORT PAYLOAD_BYTES SECONDS [BATCH]\n");
		return 2;
	}
	size = atoi(argv[3]);
	seconds = atof(argv[4]);
	batch = argc > 5 ? atoi(argv[5]) : 64;
	if (size < 1 || size > (int)sizeof(payload) || seconds <= 0 || batch < 1 || batch > BATCH_MAX) {
		fprintf(stderr, "udp_blast: payload 1-%zu bytes, seconds > 0, batch 1-%d\n", sizeof(payload), BATCH_MAX);
		return 2;
	}
	if (resolve(argv[1], argv[2], &dst, &dst_len))
		return 2;
	fd = socket(dst.ss_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udp_blast: socket");
		return 1;
	}
	iov.iov_base = payload;
	iov.iov_len = size;
	for (int i = 0; i < batch; i++) {
		msgs[i].msg_hdr.msg_name = &dst;
		msgs[i].msg_hdr.msg_namelen = dst_len;
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	start = now();
	cpu_start = clock_s(CLOCK_THREAD_CPUTIME_ID);
	end = start + seconds;
	while (now() < end) {
		/* Check the clock every ~64 packets at most: cheap, and the end stays sharp. */
		for (int round = 0; round < 64 / batch + 1; round++) {
			if (batch == 1) {
				attempts++;
				ok += sendto(fd, payload, size, 0, (struct sockaddr *)&dst, dst_len) == size;
				continue;
			}
			int sent = sendmmsg(fd, msgs, batch, 0);
			/* sendmmsg stops at the first failing datagram: that one was attempted too. */
			attempts += sent > 0 ? sent : 1;
			ok += sent > 0 ? sent : 0;
		}
	}
	printf("attempts %llu ok %llu seconds %.6f cpu %.6f\n", attempts, ok, now() - start,
	       clock_s(CLOCK_THREAD_CPUTIME_ID) - cpu_start);
	close(fd);
	return 0;
}
