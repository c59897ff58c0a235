/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Process identity that survives PID reuse: a PID is only "ours" while its
 * start time (field 22 of /proc/PID/stat, clock ticks since boot) matches the
 * recorded one.
 */
#ifndef PODNET_PROC_H
#define PODNET_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct pn_proc_id {
	pid_t pid;
	uint64_t starttime;
};

/** pn_proc_starttime() - read @pid's start time. Return: 0 or -errno (-ESRCH if gone). */
int pn_proc_starttime(pid_t pid, uint64_t *ret);

/** pn_proc_self_id() - identity of the calling process. Return: 0 or -errno. */
int pn_proc_self_id(struct pn_proc_id *ret);

/**
 * pn_proc_alive() - is the process recorded in @id still running (and not a zombie)?
 *
 * Return: true only if the PID exists with the same start time.
 */
bool pn_proc_alive(const struct pn_proc_id *id);

/**
 * pn_proc_kill() - signal the recorded process if it is still the same one
 *
 * Uses a pidfd so the identity check and the signal cannot race with reuse.
 * Return: 0, -ESRCH if it is gone or was replaced, or -errno.
 */
int pn_proc_kill(const struct pn_proc_id *id, int sig);

/**
 * pn_proc_kill_wait() - SIGTERM, wait up to @timeout_ms, then SIGKILL and wait.
 *
 * Return: 0 once the process is gone, or -errno.
 */
int pn_proc_kill_wait(const struct pn_proc_id *id, int timeout_ms);

/** pn_proc_stop_wait() - pn_proc_kill_wait() with @sig in place of SIGTERM. */
int pn_proc_stop_wait(const struct pn_proc_id *id, int sig, int timeout_ms);

/**
 * pn_proc_wait_exit() - wait up to @timeout_ms for the recorded process to exit
 *
 * Return: 0 once it is gone, -ETIMEDOUT, or -errno.
 */
int pn_proc_wait_exit(const struct pn_proc_id *id, int timeout_ms);

/**
 * pn_proc_id_parse() - parse "PID<sep>STARTTIME" (decimal, an optional final newline)
 *
 * Strict: no sign, no spaces, no overflow, nothing after. Return: 0 or -EINVAL.
 */
int pn_proc_id_parse(const char *s, char sep, struct pn_proc_id *ret);

/** pn_proc_id_format() - "PID STARTTIME\n" into @buf. Return: its length or -ENOSPC. */
int pn_proc_id_format(const struct pn_proc_id *id, char *buf, size_t size);

/**
 * pn_pidfile_read() - read a pid file written by pn_pidfile_write()
 *
 * Return: 0, -ENOENT, or -EINVAL for anything that is not exactly one identity.
 */
int pn_pidfile_read(const char *path, struct pn_proc_id *ret);

/** pn_pidfile_write() - write "PID STARTTIME\n" atomically. Return: 0 or -errno. */
int pn_pidfile_write(const char *path, const struct pn_proc_id *id);

/** pn_proc_set_name() - set the comm name shown by ps. */
void pn_proc_set_name(const char *name);

/**
 * pn_close_fds_from() - close every fd >= @first except those in @keep
 *
 * Stray inherited descriptors must not reach helpers or containers.
 */
void pn_close_fds_from(int first, const int *keep, int nkeep);

#endif
