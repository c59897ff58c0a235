// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tiny load tool for bench/ports.sh:
 *   ports-rr server PORT             echo server (epoll, any number of connections)
 *   ports-rr rr HOST PORT SECONDS    64-byte request/response over one connection:
 *                                    prints "rr N median_us p99_us"
 *   ports-rr crr HOST PORT SECONDS   connect, 1-byte round trip, close, repeat:
 *                                    prints "crr N per_second"
 *   ports-rr hold HOST PORT N SECS   open N connections, check each echoes, hold them
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int dial(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int fd, one = 1;

	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		freeaddrinfo(ai);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	freeaddrinfo(ai);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int read_full(int fd, char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int server(int port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	int l = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1, zero = 0;
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = l }, evs[256];
	char buf[65536];

	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 4096) < 0) {
		perror("bind/listen");
		return 1;
	}
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == l) {
				int c;

				while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					struct epoll_event cev = { .events = EPOLLIN, .data.fd = c };

					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
				}
				continue;
			}
			ssize_t r = read(fd, buf, sizeof(buf));

			if (r <= 0) {
				if (r == 0 || errno != EAGAIN)
					close(fd);
				continue;
			}
			(void)!write(fd, buf, (size_t)r);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "server"))
		return server(atoi(argv[2]));
	if (argc >= 5 && !strcmp(argv[1], "rr")) {
		double secs = atof(argv[4]), end = now_us() + secs * 1e6;
		size_t cap = 1 << 22, n = 0;
		double *lat = malloc(cap * sizeof(*lat));
		char req[64] = "ping", resp[64];
		int fd = dial(argv[2], argv[3]);

		if (fd < 0 || !lat) {
			perror("rr");
			return 1;
		}
		while (n < cap) {
			double t0 = now_us();

			if (write(fd, req, sizeof(req)) != sizeof(req) || read_full(fd, resp, sizeof(resp)) < 0)
				return 1;
			lat[n++] = now_us() - t0;
			if (t0 > end)
				break;
		}
		qsort(lat, n, sizeof(*lat), cmp);
		printf("rr %zu %.1f %.1f\n", n, lat[n / 2], lat[(size_t)(n * 0.99)]);
		return 0;
	}
	if (argc >= 5 && !strcmp(argv[1], "crr")) {
		double secs = atof(argv[4]), start = now_us(), end = start + secs * 1e6;
		unsigned long n = 0;
		char b = 'x';

		while (now_us() < end) {
			int fd = dial(argv[2], argv[3]);

			if (fd < 0 || write(fd, &b, 1) != 1 || read_full(fd, &b, 1) < 0) {
				perror("crr");
				return 1;
			}
			close(fd);
			n++;
		}
		printf("crr %lu %.0f\n", n, n / ((now_us() - start) / 1e6));
		return 0;
	}
	if (argc >= 6 && !strcmp(argv[1], "hold")) {
		int n = atoi(argv[4]), *fds = calloc((size_t)n, sizeof(int));
		char b = 'h';

		for (int i = 0; i < n; i++) {
			fds[i] = dial(argv[2], argv[3]);
			if (fds[i] < 0 || write(fds[i], &b, 1) != 1 || read_full(fds[i], &b, 1) < 0) {
				fprintf(stderr, "hold: connection %d failed\n", i);
				return 1;
			}
		}
		printf("holding %d\n", n);
		fflush(stdout);
		sleep((unsigned)atoi(argv[5]));
		return 0;
	}
	fprintf(stderr, "usage: ports-rr server PORT | rr|crr HOST PORT SECONDS | hold HOST PORT N SECONDS\n");
	return 2;
}
