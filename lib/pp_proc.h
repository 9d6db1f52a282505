/*
 * pp_proc: process life: signals, privilege drop, hardening, listen sockets.
 */
#ifndef PP_PROC_H
#define PP_PROC_H

#include <signal.h>
#include "pp_err.h"

struct pp_conf;

/* Start of every program: parses "-c FILE" (the only argument), installs
 * the signal handling, logs as prog (static storage), loads and validates
 * the configuration and applies its [log] settings.  Returns 0 with *conf
 * set (owned by the caller), else the exit status: 2 usage, 1 config. */
int pp_proc_start(const char *prog, int argc, char **argv, struct pp_conf **conf);

/* Set by SIGTERM/SIGINT once pp_proc_signals() ran. */
extern volatile sig_atomic_t pp_proc_stop;

/* SIGTERM and SIGINT set pp_proc_stop and are blocked except inside
 * pp_proc_wait_fd (so a wait can never miss them); SIGPIPE is ignored;
 * umask 077. */
void pp_proc_signals(void);
/* Waits until fd is readable, or a stop signal arrives, or timeout_ms
 * passes (-1: forever).  Returns 1 readable, 0 timeout or stop, -1 error. */
int pp_proc_wait_fd(int fd, int timeout_ms);
/* No core dumps, not ptrace-attachable by other users (processes that hold
 * secrets call it first thing). */
void pp_proc_no_dumps(void);
/* When running as root and user is not empty: switch to user (and group,
 * or the user's primary group) for good; verified afterwards.  Not root:
 * nothing to do. */
enum pp_err pp_proc_drop(const char *user, const char *group) PP_WUR;
/*
 * Pre-forked workers.  n <= 1: returns 0 at once with *worker = 1 (the
 * caller is the only worker).  Otherwise forks n workers, each returning 0
 * with *worker = 1 (they die with the parent: PR_SET_PDEATHSIG), while the
 * parent stays here as their supervisor: a worker that exits after it said
 * it was ready (pp_proc_worker_ready) is replaced; one that exits before
 * failed to start, and then every worker is stopped and the parent returns
 * 1 (fail closed: the service manager sees the failure).  On SIGTERM or
 * SIGINT the parent sends SIGTERM to every worker, waits for them (SIGKILL
 * after 10 s) and returns 0 with *worker = 0.  Call it after the listen
 * socket exists (the workers share it) and the privileges are dropped,
 * before opening anything a process must own alone (database, sessions).
 */
#define PP_PROC_MAX_WORKERS 64
int pp_proc_prefork(int n, int *worker);
/* In a worker: its start succeeded (the supervisor will replace it if it
 * dies from now on).  Without a supervisor: nothing. */
void pp_proc_worker_ready(void);
/* Socket activation (systemd): the first passed fd when LISTEN_PID is us,
 * else -1. */
int pp_proc_listen_fd(void);
/* Unix stream socket at path (stale socket removed), mode 0660, owned by
 * user/group when given and running as root.  OUT *fd. */
enum pp_err pp_proc_unix_listen(const char *path, const char *user, const char *group, int *fd) PP_WUR;

#endif
