/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPv4/IPv6 addresses and prefixes as plain values: parse, format, compare,
 * containment, overlap and stepping. Used by IPAM and by everything that
 * validates user input.
 */
#ifndef PODNET_IPADDR_H
#define PODNET_IPADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#define PN_IPSTR_MAX 46  /* INET6_ADDRSTRLEN */
#define PN_CIDRSTR_MAX 50

struct pn_ip {
	int family;         /* AF_INET or AF_INET6, 0 when unset */
	uint8_t b[16];      /* network byte order; IPv4 uses b[0..3] */
};

struct pn_cidr {
	struct pn_ip addr;  /* normalised: host bits cleared by pn_cidr_parse() */
	int prefix;
};

/** pn_ip_parse() - parse a dotted-quad or IPv6 literal. Return: 0 or -EINVAL. */
int pn_ip_parse(const char *s, struct pn_ip *ret);
/** pn_ip_format() - write @ip into @buf (PN_IPSTR_MAX). Return: @buf. */
const char *pn_ip_format(const struct pn_ip *ip, char *buf);
/**
 * pn_cidr_parse() - parse "addr/len"; with @strict, host bits must be zero.
 * Return: 0 or -EINVAL.
 */
int pn_cidr_parse(const char *s, bool strict, struct pn_cidr *ret);
const char *pn_cidr_format(const struct pn_cidr *c, char *buf);
bool pn_ip_equal(const struct pn_ip *a, const struct pn_ip *b);
/** pn_ip_cmp() - order of two addresses of the same family. */
int pn_ip_cmp(const struct pn_ip *a, const struct pn_ip *b);
bool pn_cidr_contains(const struct pn_cidr *c, const struct pn_ip *ip);
bool pn_cidr_overlap(const struct pn_cidr *a, const struct pn_cidr *b);
/** pn_cidr_nth() - the address @n after the network address (n may be large). */
int pn_cidr_nth(const struct pn_cidr *c, uint64_t n, struct pn_ip *ret);
/** pn_cidr_last() - the last address (IPv4 broadcast). */
void pn_cidr_last(const struct pn_cidr *c, struct pn_ip *ret);
/** pn_ip_add() - @ip + @n; Return: 0, or -ERANGE on overflow. */
int pn_ip_add(struct pn_ip *ip, uint64_t n);
int pn_ip_bits(const struct pn_ip *ip);

#endif
