/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Namespace entry. A process in the host namespaces cannot setns() into the
 * infra network namespace I directly: the kernel wants CAP_SYS_ADMIN over I's
 * owner, the user namespace U. So every path into I joins U first (where the
 * invoking user has all capabilities) and then I or a container namespace C.
 * Descriptors are opened before joining so PID reuse cannot redirect us.
 */
#ifndef PODNET_NS_H
#define PODNET_NS_H

#include <stdbool.h>
#include <sys/types.h>

/** pn_ns_open() - open /proc/@pid/ns/@type (O_CLOEXEC). Return: fd or -errno. */
int pn_ns_open(pid_t pid, const char *type);

/**
 * pn_ns_is_mine() - whether the namespace open at @fd is the caller's own @type
 * namespace (then there is nothing to join, and a rootless caller in U could not
 * join it: the host's namespaces belong to the initial user namespace).
 */
bool pn_ns_is_mine(int fd, const char *type);

/**
 * pn_ns_join() - join a user namespace (if @userns_fd >= 0) then a network namespace
 *
 * The caller must be single-threaded. After joining U the caller has every
 * capability in U; uid/gid are switched to 0 there when 0 is mapped.
 * Return: 0 or -errno.
 */
int pn_ns_join(int userns_fd, int netns_fd);

/**
 * pn_ns_socket() - create a socket inside the network namespace @netns_fd and
 * return to the namespace the caller was in.
 *
 * Return: socket fd (O_CLOEXEC) or -errno.
 */
int pn_ns_socket(int netns_fd, int domain, int type, int protocol);

/**
 * pn_ns_run_in() - call @fn(@arg) while in network namespace @netns_fd, then return.
 *
 * Return: what @fn returned, or -errno if switching failed.
 */
int pn_ns_run_in(int netns_fd, int (*fn)(void *arg), void *arg);

#endif
