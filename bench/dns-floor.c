// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The floor of bench/dns.sh's latency and first-answer columns:
 *
 *   dns-floor ADDRESS PORT
 *
 * The least a DNS server can do: bind a UDP socket, then for each datagram
 * send back the query with QR set and one A record (10.90.0.2) for whatever
 * was asked, with one blocking recvfrom() and one sendto(). No parsing, no
 * records, no event loop. Built statically like podnet-dns, started the same
 * way, so that what the benchmark measures for it is what exec, the kernel's
 * UDP path and the VM cost: a server's figure next to it shows its own part.
 * Answers only queries of up to 512 bytes with an uncompressed question.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	/* the answer record: a pointer to the question's name, A, IN, TTL 60, 10.90.0.2 */
	static const uint8_t rr[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 90, 0, 2 };
	struct sockaddr_in a = { .sin_family = AF_INET };
	uint8_t b[512 + sizeof(rr)];
	int fd;

	if (argc != 3 || inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) {
		fprintf(stderr, "usage: dns-floor ADDRESS PORT\n");
		return 2;
	}
	a.sin_port = htons((uint16_t)atoi(argv[2]));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("dns-floor");
		return 1;
	}
	for (;;) {
		struct sockaddr_in c;
		socklen_t l = sizeof(c);
		ssize_t n = recvfrom(fd, b, 512, 0, (struct sockaddr *)&c, &l), q = 12;

		if (n < 12 || (b[2] & 0x80))
			continue;
		/* the answer follows the question: anything after it (EDNS) is cut */
		while (q < n && b[q] && b[q] < 64)
			q += b[q] + 1;
		q += 5; /* the root label, type, class */
		if (q > n)
			continue;
		n = q;
		b[2] |= 0x80;           /* QR */
		b[3] = 0x80;            /* RA, NOERROR */
		b[6] = 0, b[7] = 1;     /* one answer */
		b[8] = b[9] = b[10] = b[11] = 0;
		memcpy(b + n, rr, sizeof(rr));
		sendto(fd, b, (size_t)n + sizeof(rr), 0, (struct sockaddr *)&c, l);
	}
}
