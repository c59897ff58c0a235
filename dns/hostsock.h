/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sockets in the host network namespace for a daemon that lives in I. Once
 * podnet-dns has joined U and I it can never create a socket in H again (the
 * kernel would want CAP_SYS_ADMIN over H's owner), yet TCP forwarding needs a
 * fresh host socket per upstream connection. So before joining, podnet-dns
 * forks a tiny socket factory that stays in H, holds no capabilities, and
 * answers each request with a new socket passed over a socketpair
 * (SCM_RIGHTS). It exits when the daemon closes its end.
 */
#ifndef PODNET_DNS_HOSTSOCK_H
#define PODNET_DNS_HOSTSOCK_H

/**
 * hostsock_start() - fork the socket factory (call while still in H)
 *
 * Return: the daemon's end of the socketpair, or a negative errno.
 */
int hostsock_start(void);

/**
 * hostsock_get() - a new non-blocking, close-on-exec socket created in H
 * @factory: the fd returned by hostsock_start(), or -1 in a process that
 *           stays in H (then the socket is created here)
 * @family: AF_INET or AF_INET6
 * @type: SOCK_STREAM or SOCK_DGRAM
 *
 * Return: the socket, or a negative errno.
 */
int hostsock_get(int factory, int family, int type);

#endif
