/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tap device in the infra namespace I: created and configured by a short-
 * lived child that has joined U and I, then handed to the parent in H over a
 * unix socket (SCM_RIGHTS). A tap opened in I stays in I even though the
 * process that reads and writes it lives in H.
 */
#ifndef PODNET_SLIRP_TAP_H
#define PODNET_SLIRP_TAP_H

#include <stdbool.h>
#include <netinet/in.h>

struct slirp_tap_config {
	const char *name;         /* PN_SLIRP_TAP_NAME */
	unsigned mtu;
	struct in_addr addr;      /* 10.0.2.100 */
	unsigned prefixlen;       /* 24 */
	struct in_addr gateway;   /* 10.0.2.2 */
	bool ipv6;
	struct in6_addr addr6;    /* fd00::100 */
	unsigned prefixlen6;      /* 64 */
	struct in6_addr gateway6; /* fd00::2 */
	bool fastpath;            /* also create the transparent TCP listeners and their routes */
};

#define SLIRP_FD_MAX 3

/**
 * slirp_tap_create() - create, address and bring up the tap in the current netns
 * @cfg: what to configure
 * @ret_fd: the tap fd (non-blocking, close-on-exec) on success
 *
 * The tap is not persistent: it disappears with the last fd. If a tap of that
 * name still exists (its previous owner is exiting), this retries for up to 2 s.
 * Needs CAP_NET_ADMIN in the current netns (after joining U).
 *
 * Return: 0 or a negative errno.
 */
int slirp_tap_create(const struct slirp_tap_config *cfg, int *ret_fd);

/**
 * slirp_fastpath_listen() - transparent TCP listeners in the current netns
 * @ipv6: also listen on [::1]
 * @ret_fd4: listener on 127.0.0.1:PN_SLIRP_FASTPATH_PORT (IP_TRANSPARENT)
 * @ret_fd6: listener on [::1]:PN_SLIRP_FASTPATH_PORT or -1
 *
 * Also brings lo up and adds the policy routing that tproxy needs: packets
 * marked PN_SLIRP_FASTPATH_MARK are looked up in table PN_SLIRP_FASTPATH_TABLE,
 * which delivers everything locally. Needs CAP_NET_ADMIN in the netns.
 *
 * Return: 0 or a negative errno.
 */
int slirp_fastpath_listen(bool ipv6, int *ret_fd4, int *ret_fd6);

/**
 * slirp_tap_open_in() - run slirp_tap_create() (and slirp_fastpath_listen()) in a child
 * that joins U and I
 * @userns_fd: U, or -1 (as root)
 * @netns_fd: I
 * @cfg: tap configuration
 * @ret_fd: the tap fd, received from the child
 * @ret_listen4: fast path listener (IPv4) or -1 when @cfg->fastpath is false
 * @ret_listen6: fast path listener (IPv6) or -1
 *
 * The caller must be single-threaded (fork). The caller's own namespaces do
 * not change.
 *
 * Return: 0 or the child's negative errno.
 */
int slirp_tap_open_in(int userns_fd, int netns_fd, const struct slirp_tap_config *cfg, int *ret_fd,
		      int *ret_listen4, int *ret_listen6);

/**
 * slirp_fd_send() - send a status code and up to SLIRP_FD_MAX fds over a unix socket
 * @fds: descriptors to pass (entries < 0 are sent as "none")
 * @n: number of entries in @fds
 *
 * Return: 0 or a negative errno.
 */
int slirp_fd_send(int sock, int status, const int *fds, int n);

/**
 * slirp_fd_recv() - receive what slirp_fd_send() sent
 * @ret_status: the sender's status
 * @ret_fds: SLIRP_FD_MAX entries, filled with received descriptors (close-on-exec) or -1
 *
 * Return: 0 or a negative errno (-EPROTO for a malformed message; nothing is leaked).
 */
int slirp_fd_recv(int sock, int *ret_status, int *ret_fds);

#endif
