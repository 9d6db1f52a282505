/*
 * pp_sandbox: what a process may do once its start-up is over.
 *
 * Two halves:
 *
 *  - pp_sandbox_check_*: the permission checks every process runs at start
 *    (PIN files, private keys, databases and their directories, the archive,
 *    the state and run directories).  A path too open, or owned by someone
 *    other than root or the user the process runs as, makes the process
 *    refuse to start with one log line naming the path, its mode and the
 *    mode wanted.
 *
 *  - pp_sandbox_enter: a seccomp filter (libseccomp) per process kind,
 *    installed after the start-up work (token login, sockets, configuration,
 *    database) and before the first request, with NO_NEW_PRIVS.  System calls
 *    no Paraphe process ever needs (execve, ptrace, mount, bpf, module
 *    loading, keyctl, namespaces, identity changes, fork outside the plugin
 *    supervisor, sockets of other families) kill the process; the calls each
 *    profile needs are allowed; anything else fails with ENOSYS (the answer
 *    of a kernel without the call, which every library handles).
 *    docs/SECURITY.md argues for that default.
 */
#ifndef PP_SANDBOX_H
#define PP_SANDBOX_H

#include <sys/types.h>
#include "pp_err.h"

struct pp_conf;

enum pp_sandbox_kind {
	PP_SANDBOX_SAM,		/* the SAM daemon: unix sockets only */
	PP_SANDBOX_AUDIT,	/* the audit daemon: unix, TCP/UDP (collector, TSA) */
	PP_SANDBOX_PLUGIN,	/* a FastCGI plugin serving requests (a worker); unix only after pp_sandbox_no_network */
	PP_SANDBOX_SUPERVISOR,	/* a plugin's supervisor: a worker's start-up, plus fork and wait */
	PP_SANDBOX__MAX
};

/* Reads service.seccomp from conf (NULL: on) for later pp_sandbox_enter
 * calls in this process and its children.  When off, logs a warning. */
void pp_sandbox_setup(const struct pp_conf *conf);
/* From now on the plugin and supervisor profiles allow unix sockets only,
 * as the SAM's (a plugin that never reaches the network: the SCA API). */
void pp_sandbox_no_network(void);
/* 1 when pp_sandbox_enter installs filters (service.seccomp on). */
int pp_sandbox_enabled(void);
/* Installs the filter of kind (nothing when switched off).  Threads already
 * running get it too.  PP_ERR_INTERNAL when the kernel refused it (logged):
 * the caller must not serve. */
enum pp_err pp_sandbox_enter(enum pp_sandbox_kind kind) PP_WUR;
/* The same, whatever service.seccomp says (test tools). */
enum pp_err pp_sandbox_enter_always(enum pp_sandbox_kind kind) PP_WUR;
/* Number of system calls the profile allows (with or without argument
 * conditions), and of those that kill the process; for the figures. */
void pp_sandbox_counts(enum pp_sandbox_kind kind, size_t *allowed, size_t *killed);
/* "sam", "audit", "plugin", "supervisor" (NULL: out of range). */
const char *pp_sandbox_kind_name(enum pp_sandbox_kind kind);
/* 1 when built with the sanitizers: LeakSanitizer's exit check needs
 * ptrace and a fork-like clone, and their error reports may start a
 * symbolizer, so ptrace and clone are allowed and execve fails with EPERM
 * instead of killing. */
int pp_sandbox_sanitized(void);

/* ---- permission checks at start ------------------------------------------ */

enum pp_perm_kind {
	PP_PERM_SECRET,		/* PIN, private key, client secret: no group/other bits (0600) */
	PP_PERM_DATA,		/* a database: no group write, nothing for others (0640) */
	PP_PERM_CONF,		/* read-only input: not group/other writable (0644) */
	PP_PERM_DIR,		/* a directory: not group/other writable (0755) */
	PP_PERM_SECRET_DIR,	/* a directory of secrets: nothing for group/other (0700) */
	PP_PERM__MAX
};

/* Checks path (lstat: a symbolic link is refused) against kind: the right
 * file type, no mode bit outside the kind's allowance, owned by root or
 * run_uid.  A path that does not exist passes when missing_ok (a database
 * made at first start), else fails.  On failure, why (cap bytes) says it in
 * one line: the path, its mode, the mode wanted.  PP_ERR_CONFIG. */
enum pp_err pp_perm_check(const char *path, enum pp_perm_kind kind, uid_t run_uid, int missing_ok,
    char *why, size_t cap) PP_WUR;
/* Checks path, then its directory as PP_PERM_DIR (a database's, a PIN's).
 * Same result. */
enum pp_err pp_perm_check_in_dir(const char *path, enum pp_perm_kind kind, uid_t run_uid,
    int missing_ok, char *why, size_t cap) PP_WUR;
/* The uid this process serves as: service.user's when running as root with
 * a user set, else the effective uid. */
uid_t pp_perm_run_uid(const struct pp_conf *conf);
/* The start-up checks of a process kind, from the configuration: PIN files
 * and secrets of the kind, its database (named by store: "sam", "audit",
 * "web", "admin") and directory, the archive directory (audit), the
 * directory of its socket and the state directory.  Logs the first failure
 * ("refusing to start: ...") and returns PP_ERR_CONFIG. */
enum pp_err pp_perm_check_start(const struct pp_conf *conf, enum pp_sandbox_kind kind,
    const char *section, const char *store) PP_WUR;

#endif
