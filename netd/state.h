/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runtime state: the lock, sandboxes (containers and pods) as JSON documents
 * under $RUN/ctr/<id>/state.json, the name index $RUN/names/<name> (a symlink
 * to the id, so creating it is the atomic uniqueness check), and the DNS
 * records files.
 *
 * Lock protocol: every command that changes state holds an exclusive flock on
 * $RUN/lock while it reads, decides and writes; writes are atomic renames. A
 * sandbox whose init process is gone (checked by PID *and* start time) is
 * stale: the next command that meets it tears it down (netd_sandbox_teardown)
 * while holding the lock. Nothing that lives only in a dead process's memory
 * is ever needed to clean up.
 */
#ifndef PODNET_STATE_H
#define PODNET_STATE_H

#include <stdbool.h>
#include <jansson.h>
#include "err.h"
#include "paths.h"
#include "proc.h"

#define NETD_ID_LEN 64

/** netd_lock() - take the state lock (blocking). Return: fd to pass to netd_unlock, or -errno. */
int netd_lock(const struct pn_paths *p, struct pn_err *err);
void netd_unlock(int fd);

/** netd_id_new() - a fresh 64-hex-digit id. */
void netd_id_new(char id[NETD_ID_LEN + 1]);

/**
 * netd_id_hex() - @s is an id or an id prefix: lower-case hex digits, at least
 * @min and at most NETD_ID_LEN (@min NETD_ID_LEN: a whole id).
 */
bool netd_id_hex(const char *s, size_t min);

/**
 * netd_sandbox_load() - load a container or pod by full id, unique id prefix or name
 * @kind: "container" or "pod"
 *
 * Return: 0, -ENOENT ("no such container: X"), -EINVAL for a corrupt file.
 */
int netd_sandbox_load(const struct pn_paths *p, const char *kind, const char *ref, json_t **ret,
		      struct pn_err *err);
/**
 * netd_names_gc() - remove names whose sandbox directory is gone (under the lock)
 *
 * Return: the number removed.
 */
int netd_names_gc(const struct pn_paths *p);

/** netd_sandbox_save() - write the document atomically. */
int netd_sandbox_save(const struct pn_paths *p, json_t *doc, struct pn_err *err);
/** netd_sandbox_claim() - create the directory and the name (fails with -EEXIST if taken). */
int netd_sandbox_claim(const struct pn_paths *p, const char *kind, const char *id, const char *name,
		       struct pn_err *err);
/** netd_sandbox_remove() - remove the directory and the name of a sandbox. */
int netd_sandbox_remove(const struct pn_paths *p, json_t *doc);
/** netd_sandbox_dir() - $RUN/ctr/<id> into @buf (PATH_MAX). */
char *netd_sandbox_dir(const struct pn_paths *p, const char *id, char *buf);
/**
 * netd_sandbox_list() - every sandbox document (of @kind, or all when NULL)
 *
 * Unreadable ones are returned as {"id": ID, "corrupt": "message"} so that a
 * command can report and remove them.
 */
int netd_sandbox_list(const struct pn_paths *p, const char *kind, json_t **ret, struct pn_err *err);

/** netd_sandbox_proc() - read a {"pid","starttime"} member. Return: true if present. */
bool netd_sandbox_proc(json_t *doc, const char *key, struct pn_proc_id *ret);
void netd_sandbox_set_proc(json_t *doc, const char *key, const struct pn_proc_id *id);
/** netd_sandbox_alive() - is its init process running? */
bool netd_sandbox_alive(json_t *doc);

/* The records file of an internal network is NAME%int, not NAME: PN_DNS_INTERNAL_SUFFIX (paths.h). */

/**
 * netd_dns_records_set() - replace the line of @id in the network's records file
 * @network: the network's name
 * @internal: the network is internal: the file is @network%int (and a stale
 *            file of the other kind is removed when one is written)
 * @line: the new line (without newline), or NULL to remove it
 * @header: line 1 (gateways), used when the file is created
 *
 * Return: 0 or -errno.
 */
int netd_dns_records_set(const struct pn_paths *p, const char *network, bool internal, const char *header,
			 const char *id, const char *line);
/**
 * netd_dns_records_set_dir() - netd_dns_records_set() on a file in @dir
 *
 * For writers of aardvark-dns's config directory (the netavark front). @dir must exist.
 * A file left with its header only is removed when @line is NULL.
 *
 * Return: 0 or -errno.
 */
int netd_dns_records_set_dir(const char *dir, const char *network, bool internal, const char *header,
			     const char *id, const char *line);
/**
 * netd_dns_records_file() - the network a records file name stands for
 * @file: a file name in a records directory
 * @ret_name: the network's name (@file without the suffix), NETD_NAME_MAX + 1 bytes
 * @ret_internal: whether it is an internal network's file
 *
 * Return: true when @file is a network's records file name.
 */
bool netd_dns_records_file(const char *file, char *ret_name, bool *ret_internal);
/**
 * netd_forget_owner() - remove every lease and DNS record of @id, on all networks
 *
 * For a sandbox whose state file is unreadable: its id (the directory name)
 * is all that is known. Return: 0 or -errno.
 */
int netd_forget_owner(const struct pn_paths *p, const char *id);

/*
 * Leases taken before the state names them. A command that takes leases for a
 * sandbox (run, connect, pod create) marks the sandbox first (the file
 * "leasing" in its directory); the first netd_sandbox_save() of that sandbox
 * by the same process after the leases are in the document removes the mark.
 * A command killed in between leaves the mark, and only a marked sandbox
 * needs netd_forget_owner()'s sweep of every network's leases when it goes:
 * the others name all their leases, which their teardown releases one by one.
 * A mark found by a later command stays until then: that command's saves do
 * not remove it.
 */
/** netd_leasing_begin() - mark @id as taking leases. Return: 0 or -errno with a message. */
int netd_leasing_begin(const struct pn_paths *p, const char *id, struct pn_err *err);
/** netd_leasing_pending() - whether @id is marked (a command that took leases for it did not finish). */
bool netd_leasing_pending(const struct pn_paths *p, const char *id);
/**
 * netd_leasing_hold() - mark @id for leases that its state is about to stop
 * naming before they are freed (network disconnect: the state is saved
 * without the attachment first, so that no address it names is ever free).
 * Unlike netd_leasing_begin()'s, this mark stays across saves.
 * @ret_made: set when this call made the mark (an older one must stay)
 * Return: 0 or -errno with a message.
 */
int netd_leasing_hold(const struct pn_paths *p, const char *id, bool *ret_made, struct pn_err *err);
/** netd_leasing_drop() - remove the mark netd_leasing_hold() made, once the leases are free. */
void netd_leasing_drop(const struct pn_paths *p, const char *id);

/** netd_dns_records_drop() - remove the records file of @network (either kind). Return: 0 or -errno. */
int netd_dns_records_drop(const struct pn_paths *p, const char *network);

#endif
