/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Files written the safe way and read with limits: atomic replace (temporary
 * file, fsync, rename), bounded reads, directories created with parents,
 * JSON documents loaded with a size limit.
 */
#ifndef PODNET_FILEUTIL_H
#define PODNET_FILEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <jansson.h>
#include "err.h"

/* Largest state or definition file we accept: a user can edit these. */
#define PN_FILE_MAX (4u << 20)

/**
 * pn_write_atomic() - replace @path with @data so readers never see half a file
 * @fsync_data: also fsync the file and directory (persistent state)
 *
 * Return: 0 or a negative errno.
 */
int pn_write_atomic(const char *path, const void *data, size_t len, mode_t mode, int fsync_data);

/** pn_is_atomic_tmp() - whether file name @name is a pn_write_atomic() temporary (NAME.tmp.PID) */
bool pn_is_atomic_tmp(const char *name);

/**
 * pn_sweep_stale_tmp() - remove the pn_write_atomic() temporaries in @dir and
 * in its directories @depth levels down whose writer is dead. A writer killed
 * between its write and its rename leaves one, and nothing else would ever
 * remove it. The file of a live writer (or of a PID now reused) stays.
 *
 * Return: the number removed.
 */
int pn_sweep_stale_tmp(const char *dir, int depth);

/** pn_write_atomicv() - pn_write_atomic() of the concatenation of @iov[0..@iovcnt) */
int pn_write_atomicv(const char *path, const struct iovec *iov, int iovcnt, mode_t mode,
		     int fsync_data);

/**
 * pn_read_file() - read a whole file of at most @max bytes, NUL-terminated
 *
 * Return: 0 with *@ret_buf owned by the caller, -EFBIG when larger, or a negative errno.
 */
int pn_read_file(const char *path, size_t max, char **ret_buf, size_t *ret_len);

/**
 * pn_prefault() - fault in the pages of [@p, @p + @len) that are about to be written
 *
 * In one madvise(MADV_POPULATE_WRITE) call: one fault per page costs several
 * microseconds in some VMs. Only for memory written right after, so nothing
 * extra stays resident; below 16 pages, or on kernels without it, nothing.
 */
void pn_prefault(void *p, size_t len);

/**
 * pn_map_text() - map all of the program's own code at once
 *
 * For a short-lived or just-started static binary whose code is in the page
 * cache: one madvise(MADV_POPULATE_READ) instead of a page fault (each
 * mapping 16 pages around it) every time execution reaches unmapped code,
 * which costs tens of microseconds in some VMs. Nothing more is resident
 * than the faults would have mapped once the binary's code has all run.
 * Best effort: nothing on kernels without it.
 */
void pn_map_text(void);

/** pn_path() - snprintf into @buf (PATH_MAX). Return: @buf, or NULL if truncated. */
char *pn_path(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** pn_file_last_line() - the last non-empty line of a (log) file, for an error message. */
void pn_file_last_line(const char *path, char *buf, size_t size);

/** pn_monotonic_ms() - CLOCK_MONOTONIC in milliseconds, for deadlines. */
uint64_t pn_monotonic_ms(void);

/**
 * pn_read_line_until() - read from @fd into @buf until it holds a line
 * @buf: NUL-terminated; *@len bytes are already there and new bytes are appended
 * @deadline_ms: a pn_monotonic_ms() value
 *
 * For a helper's ready pipe: returns as soon as @buf holds a newline or is full,
 * without reading when it already does.
 * Return: 0, 1 at end of file, -ETIMEDOUT past the deadline, or -errno.
 */
int pn_read_line_until(int fd, char *buf, size_t size, size_t *len, uint64_t deadline_ms);

/** pn_write_all() - write all @len bytes (again after EINTR and short writes). Return: 0 or -errno. */
int pn_write_all(int fd, const void *data, size_t len);

/**
 * pn_write_nosigpipe() - pn_write_all() to a pipe whose reader may be gone:
 * -EPIPE instead of the SIGPIPE that would kill the caller (the signal is
 * blocked meanwhile, and the one the write raised is taken off).
 */
int pn_write_nosigpipe(int fd, const void *data, size_t len);

/**
 * pn_sysctl_write() - write @value to /proc/sys/@key ("net/ipv4/ip_forward")
 * Network sysctls are those of the netns the caller is in when it opens the file.
 * Return: 0 or -errno.
 */
int pn_sysctl_write(const char *key, const char *value);

/**
 * pn_sysctl_read() - the value of /proc/sys/@key, NUL-terminated in @buf
 * (read in one read() at offset 0, trailing newline kept).
 * Return: 0 or -errno.
 */
int pn_sysctl_read(const char *key, char *buf, size_t size);

/**
 * pn_sysctl_ipv6_on() - IPv6 on for interface @ifname of the current netns
 * (disable_ipv6 = 0); also 0 when the sysctl cannot be written but reads 0.
 * Return: 0 or -errno.
 */
int pn_sysctl_ipv6_on(const char *ifname);

/** pn_read_full() - read exactly @len bytes. Return: 0, or -EPIPE on EOF/error. */
int pn_read_full(int fd, void *buf, size_t len);

/** pn_mkdir_p() - create @path and its parents with @mode. Return: 0 or -errno. */
int pn_mkdir_p(const char *path, mode_t mode);

/**
 * pn_json_load() - parse a JSON document from a file with the size limit
 *
 * Return: 0 with *@ret owned by the caller; -ENOENT; -EINVAL with a message for bad JSON.
 */
int pn_json_load(const char *path, json_t **ret, struct pn_err *err);

/** pn_json_save() - atomically write @doc (indented) to @path. Return: 0 or -errno. */
int pn_json_save(const char *path, const json_t *doc, int fsync_data);

/**
 * pn_json_save_compact() - the same, on one line without sorting keys: for
 * runtime files that only programs read (leases, state), written on every change
 */
int pn_json_save_compact(const char *path, const json_t *doc);

/** pn_json_array_has() - whether the array @list holds a value equal to @v (json_equal()). */
bool pn_json_array_has(const json_t *list, const json_t *v);

/** pn_rm_rf() - remove a directory tree (no symlink following). Return: 0 or -errno. */
int pn_rm_rf(const char *path);

#endif
