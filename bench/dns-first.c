// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Time to first answer, for bench/dns.sh:
 *
 *   dns-first -s SERVER -p PORT -a SOURCE -c CPU -- COMMAND [ARG...]
 *
 * Forks; the child pins itself to CPU (sched_setaffinity, no taskset exec in
 * between), reads the clock and execs COMMAND at once. The parent (on
 * whatever CPU it was started on) sends an A query for "c0" every 0.2 ms
 * from SOURCE to SERVER:PORT until a response with that id arrives. Prints
 *   MS PID
 * MS: milliseconds from the child's clock reading just before execve() to the
 * arrival of the first answer; PID: the child (a server that daemonizes
 * reports its own pid elsewhere). The first answer must be a right one
 * (NOERROR with at least one record, the question echoed): a server that
 * answered before its records are loaded (NXDOMAIN, SERVFAIL) fails the run
 * ("- PID", exit 1). Gives up after 10 s (exit 1).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	static const uint8_t question[] = { 2, 'c', '0', 0, 0, 1, 0, 1 };
	struct sockaddr_in dst = { .sin_family = AF_INET }, src = { .sin_family = AF_INET };
	const char *server = NULL, *source = NULL;
	long port = 0, cpu = -1;
	volatile uint64_t *t_exec;
	uint8_t q[12 + sizeof(question)], a[1500];
	uint64_t deadline;
	uint16_t id = 0;
	pid_t pid;
	int fd, o;

	while ((o = getopt(argc, argv, "+s:p:a:c:")) != -1) {
		switch (o) {
		case 's': server = optarg; break;
		case 'p': port = strtol(optarg, NULL, 10); break;
		case 'a': source = optarg; break;
		case 'c': cpu = strtol(optarg, NULL, 10); break;
		default: goto usage;
		}
	}
	if (!server || optind >= argc || port <= 0 || port > 65535 ||
	    inet_pton(AF_INET, server, &dst.sin_addr) != 1 ||
	    (source && inet_pton(AF_INET, source, &src.sin_addr) != 1))
		goto usage;
	dst.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || (source && bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0) ||
	    connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		perror("dns-first: socket");
		return 1;
	}
	memset(q, 0, 12);
	q[2] = 0x01;
	q[5] = 1;
	memcpy(q + 12, question, sizeof(question));
	/* the child writes the time of its exec here */
	t_exec = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t_exec == MAP_FAILED)
		return 1;
	*t_exec = 0;

	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (cpu >= 0) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET((int)cpu, &set);
			if (sched_setaffinity(0, sizeof(set), &set) < 0)
				_exit(127);
		}
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		*t_exec = now_ns();
		execv(argv[optind], argv + optind);
		_exit(127);
	}
	deadline = now_ns() + 10000000000ull;
	for (;;) {
		uint64_t end;

		id++;
		q[0] = (uint8_t)(id >> 8);
		q[1] = (uint8_t)id;
		send(fd, q, sizeof(q), 0); /* refused until the server binds: ignored */
		end = now_ns() + 200000;
		for (uint64_t t = now_ns(); t < end; t = now_ns()) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			struct timespec ts = { 0, (long)(end - t) };
			ssize_t n;

			ppoll(&p, 1, &ts, NULL);
			n = recv(fd, a, sizeof(a), 0);
			/* an answer to any of our queries: the server serves */
			if (n >= 12 && (a[2] & 0x80)) {
				uint64_t t_answer = now_ns();
				uint16_t aid = (uint16_t)(a[0] << 8 | a[1]);

				/* it must be the right one: NOERROR, at least one record, our question */
				if (aid == 0 || aid > id || (a[3] & 0x0f) != 0 || (a[6] << 8 | a[7]) == 0 ||
				    n < (ssize_t)sizeof(q) || memcmp(a + 12, question, sizeof(question)) != 0) {
					fprintf(stderr, "dns-first: the first answer is wrong (rcode %d, %d answers)\n",
						a[3] & 0x0f, a[6] << 8 | a[7]);
					printf("- %d\n", (int)pid);
					return 1;
				}
				printf("%.2f %d\n", (double)(t_answer - *t_exec) / 1e6, (int)pid);
				return 0;
			}
		}
		if (now_ns() > deadline) {
			fprintf(stderr, "dns-first: no answer within 10 s\n");
			printf("- %d\n", (int)pid);
			return 1;
		}
	}
usage:
	fprintf(stderr, "usage: dns-first -s SERVER -p PORT [-a SOURCE] [-c CPU] -- COMMAND [ARG...]\n");
	return 2;
}
