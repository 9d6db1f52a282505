#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/netlink.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include "pp_conf.h"
#include "pp_log.h"
#include "pp_sandbox.h"

#if defined(__SANITIZE_ADDRESS__)
#define PP_SANDBOX_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PP_SANDBOX_SANITIZED 1
#endif
#endif
#ifndef PP_SANDBOX_SANITIZED
#define PP_SANDBOX_SANITIZED 0
#endif

static int pp_sandbox_on = 1;
/* 0: the plugin and supervisor profiles keep to unix sockets too. */
static int pp_sandbox_net = 1;

int
pp_sandbox_sanitized(void)
{
	return PP_SANDBOX_SANITIZED;
}

void
pp_sandbox_setup(const struct pp_conf *conf)
{
	pp_sandbox_on = conf == NULL || pp_conf_bool(conf, "service", "seccomp");
	if (!pp_sandbox_on)
		pp_warn_log("service.seccomp is off: this process runs without its system call filter"
		    " (for debugging only, never in production)");
}

void
pp_sandbox_no_network(void)
{
	pp_sandbox_net = 0;
}

int
pp_sandbox_enabled(void)
{
	return pp_sandbox_on;
}

const char *
pp_sandbox_kind_name(enum pp_sandbox_kind kind)
{
	static const char *const names[PP_SANDBOX__MAX] = { "sam", "audit", "plugin", "supervisor" };

	return (unsigned)kind < PP_SANDBOX__MAX ? names[kind] : NULL;
}

/*
 * Every Paraphe process, whatever it serves, never needs these.  They kill
 * the process (SCMP_ACT_KILL_PROCESS: all its threads, a SIGSYS the kernel
 * logs): a call to one of them is an attack or a bug to find at once.
 * Identity changes are here: privileges were dropped before the filter.
 */
static const char *const pp_sandbox_deadly[] = {
	"execve", "execveat", "process_vm_readv", "process_vm_writev", "ptrace",
	"mount", "umount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen",
	"fsconfig", "fsmount", "fspick", "mount_setattr",
	"kexec_load", "kexec_file_load", "reboot", "bpf", "perf_event_open", "userfaultfd",
	"init_module", "finit_module", "delete_module", "create_module",
	"keyctl", "add_key", "request_key", "personality", "unshare", "setns",
	"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups",
	"setfsuid", "setfsgid", "capset", "acct", "iopl", "ioperm", "swapon", "swapoff",
	"open_by_handle_at", "name_to_handle_at", "kcmp", "pidfd_getfd", "pidfd_open",
	"io_uring_setup", "io_uring_enter", "io_uring_register",
	"settimeofday", "clock_settime", "sethostname", "setdomainname",
	"quotactl", "vhangup", "uselib", "lookup_dcookie", "nfsservctl", "_sysctl", "syslog",
	"fanotify_init", "mbind", "set_mempolicy", "migrate_pages", "move_pages", "memfd_secret",
	"landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self",
	"fork", "vfork",
	NULL
};

/* What every profile needs once started: files it already knows (SQLite in
 * WAL mode, SoftHSMv2's token files, templates, the archive), memory, time,
 * threads (the SAM's signing thread, libcurl's resolver), signals to itself,
 * waiting, and the socket calls of a client and of a server whose socket
 * already listens.  socket, clone, kill, ioctl and prctl are added with
 * argument conditions below. */
static const char *const pp_sandbox_common[] = {
	/* files */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "lseek",
	"close", "fstat", "stat", "lstat", "newfstatat", "statx", "fstatfs", "statfs", "open", "openat",
	"access", "faccessat", "faccessat2", "readlink", "readlinkat", "getdents", "getdents64",
	"fcntl", "flock", "fsync", "fdatasync", "ftruncate", "fallocate", "rename", "renameat",
	"renameat2", "unlink", "unlinkat", "mkdir", "mkdirat", "rmdir", "fchmod", "chmod",
	"fchown", "umask", "getcwd", "fadvise64", "dup", "dup2", "dup3", "pipe", "pipe2",
	/* memory */
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "mlock", "mlock2", "munlock",
	"mincore", "membarrier",
	/* time; adjtimex and clock_adjtime read the clock's synchronisation
	 * status (TIME-1): without CAP_SYS_TIME they cannot change it */
	"clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time",
	"times", "adjtimex", "clock_adjtime",
	/* the process and its threads */
	"getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid", "getresuid",
	"getresgid", "getgroups", "getpgrp", "getpgid", "getsid", "exit", "exit_group",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigtimedwait",
	"rt_sigsuspend", "sigaltstack", "tgkill", "tkill", "futex", "futex_waitv",
	"set_robust_list", "get_robust_list", "set_tid_address", "rseq", "sched_yield",
	"sched_getaffinity", "sched_getparam", "sched_getscheduler", "getcpu", "arch_prctl",
	"getrlimit", "prlimit64", "getrusage", "uname", "sysinfo", "getrandom", "restart_syscall",
	/* adding a filter only ever restricts: a worker started by a filtered
	 * supervisor installs its own */
	"seccomp",
	/* waiting */
	"poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1", "epoll_ctl",
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2",
	/* sockets: client and accepting server (the family is checked at socket()) */
	"connect", "accept", "accept4", "getsockname", "getpeername", "getsockopt", "setsockopt",
	"sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown",
	NULL
};

/* Plugins, the audit daemon: name resolution (glibc asks the kernel for the
 * addresses over a bound netlink socket). */
static const char *const pp_sandbox_netcalls[] = { "bind", "socketpair", NULL };
/* The plugin supervisor: its workers' life. */
static const char *const pp_sandbox_super[] = { "wait4", "waitid", NULL };

/* ioctl requests: isatty, non-blocking and close-on-exec flags, bytes
 * waiting.  Anything else (TIOCSTI first) is refused. */
static const unsigned long pp_sandbox_ioctls[] = { TCGETS, TIOCGWINSZ, FIONREAD, FIONBIO, FIOCLEX, FIONCLEX };

struct pp_sandbox_count {
	size_t allowed, killed;
};

static int
pp_sandbox_rule(scmp_filter_ctx ctx, uint32_t action, const char *name, struct pp_sandbox_count *n,
    unsigned ncmp, const struct scmp_arg_cmp *cmp)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0;	/* not a call of this architecture */
	if (seccomp_rule_add_array(ctx, action, nr, ncmp, cmp) != 0) {
		pp_err_log("seccomp: rule for %s refused", name);
		return -1;
	}
	if (n && action == SCMP_ACT_ALLOW)
		n->allowed++;
	else if (n && action == SCMP_ACT_KILL_PROCESS)
		n->killed++;
	return 0;
}

static int
pp_sandbox_list(scmp_filter_ctx ctx, uint32_t action, const char *const *names, struct pp_sandbox_count *n)
{
	for (size_t i = 0; names[i]; i++)
		if (pp_sandbox_rule(ctx, action, names[i], n, 0, NULL) != 0)
			return -1;
	return 0;
}

/* Socket families: the SAM talks to unix sockets only (its clients, the
 * audit daemon, syslog); the others also reach the network (OpenID Connect
 * provider, collector, TSA) and resolve names.  Every other family kills:
 * packet sockets, AF_ALG, vsock, Bluetooth have no use here. */
static int
pp_sandbox_sockets(scmp_filter_ctx ctx, enum pp_sandbox_kind kind, struct pp_sandbox_count *n)
{
	int inet = kind == PP_SANDBOX_AUDIT || (kind != PP_SANDBOX_SAM && pp_sandbox_net);
	struct scmp_arg_cmp c[2];

	for (int fam = 0; fam < AF_MAX; fam++) {
		int ok = fam == AF_UNIX || (inet && (fam == AF_INET || fam == AF_INET6));

		c[0] = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)fam);
		if (inet && fam == AF_NETLINK) {
			/* Only the routing family, which getaddrinfo reads. */
			c[1] = SCMP_A2(SCMP_CMP_EQ, NETLINK_ROUTE);
			if (pp_sandbox_rule(ctx, SCMP_ACT_ALLOW, "socket", NULL, 2, c) != 0)
				return -1;
			c[1] = SCMP_A2(SCMP_CMP_NE, NETLINK_ROUTE);
			if (pp_sandbox_rule(ctx, SCMP_ACT_KILL_PROCESS, "socket", NULL, 2, c) != 0)
				return -1;
			continue;
		}
		if (pp_sandbox_rule(ctx, ok ? SCMP_ACT_ALLOW : SCMP_ACT_KILL_PROCESS, "socket", NULL, 1, c) != 0)
			return -1;
	}
	/* socket counts once, allowed with conditions. */
	n->allowed++;
	return 0;
}

static enum pp_err
pp_sandbox_build(enum pp_sandbox_kind kind, scmp_filter_ctx *out, struct pp_sandbox_count *n)
{
	/* Anything not listed: ENOSYS, as from a kernel without the call (see
	 * the header and docs/SECURITY.md). */
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(ENOSYS));
	int super = kind == PP_SANDBOX_SUPERVISOR, san = PP_SANDBOX_SANITIZED;
	struct scmp_arg_cmp c;

	memset(n, 0, sizeof(*n));
	if (ctx == NULL) {
		pp_err_log("seccomp: cannot make a filter");
		return PP_ERR_NOMEM;
	}
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) != 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) != 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) != 0)
		goto fail;
	/* The deadly list, less what the sanitizers' runtime needs (header). */
	for (size_t i = 0; pp_sandbox_deadly[i]; i++) {
		const char *s = pp_sandbox_deadly[i];
		uint32_t act = SCMP_ACT_KILL_PROCESS;

		if ((super || san) && (strcmp(s, "fork") == 0 || strcmp(s, "vfork") == 0))
			act = SCMP_ACT_ALLOW;
		else if (san && strcmp(s, "ptrace") == 0)
			act = SCMP_ACT_ALLOW;
		else if (san && (strcmp(s, "execve") == 0 || strcmp(s, "execveat") == 0))
			act = SCMP_ACT_ERRNO(EPERM);
		if (pp_sandbox_rule(ctx, act, s, n, 0, NULL) != 0)
			goto fail;
	}
	if (pp_sandbox_list(ctx, SCMP_ACT_ALLOW, pp_sandbox_common, n) != 0)
		goto fail;
	if ((kind == PP_SANDBOX_AUDIT || (kind != PP_SANDBOX_SAM && pp_sandbox_net)) &&
	    pp_sandbox_list(ctx, SCMP_ACT_ALLOW, pp_sandbox_netcalls, n) != 0)
		goto fail;
	if ((super || san) && pp_sandbox_list(ctx, SCMP_ACT_ALLOW, pp_sandbox_super, n) != 0)
		goto fail;
	if (pp_sandbox_sockets(ctx, kind, n) != 0)
		goto fail;
	/* clone: threads everywhere; a new process only in the supervisor.
	 * clone3 passes its flags in memory, which a filter cannot read: it
	 * fails with ENOSYS and glibc falls back to clone. */
	if (super || san) {
		if (pp_sandbox_rule(ctx, SCMP_ACT_ALLOW, "clone", n, 0, NULL) != 0)
			goto fail;
	} else {
		c = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD);
		if (pp_sandbox_rule(ctx, SCMP_ACT_ALLOW, "clone", n, 1, &c) != 0)
			goto fail;
		c = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0);
		if (pp_sandbox_rule(ctx, SCMP_ACT_KILL_PROCESS, "clone", NULL, 1, &c) != 0)
			goto fail;
	}
	/* kill: the supervisor stops its workers; anyone else only itself
	 * (abort, raise). */
	if (super || san) {
		if (pp_sandbox_rule(ctx, SCMP_ACT_ALLOW, "kill", n, 0, NULL) != 0)
			goto fail;
	} else {
		c = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid());
		if (pp_sandbox_rule(ctx, SCMP_ACT_ALLOW, "kill", n, 1, &c) != 0)
			goto fail;
	}
	/* prctl: never dumpable again (core dumps and same-user ptrace stay
	 * off); LeakSanitizer sets it for its tracer. */
	if (san) {
		if (pp_sandbox_rule(ctx, SCMP_ACT_ALLOW, "prctl", n, 0, NULL) != 0)
			goto fail;
	} else {
		c = SCMP_A0(SCMP_CMP_NE, PR_SET_DUMPABLE);
		if (pp_sandbox_rule(ctx, SCMP_ACT_ALLOW, "prctl", n, 1, &c) != 0)
			goto fail;
		c = SCMP_A0(SCMP_CMP_EQ, PR_SET_DUMPABLE);
		if (pp_sandbox_rule(ctx, SCMP_ACT_KILL_PROCESS, "prctl", NULL, 1, &c) != 0)
			goto fail;
	}
	for (size_t i = 0; i < sizeof(pp_sandbox_ioctls) / sizeof(pp_sandbox_ioctls[0]); i++) {
		c = SCMP_A1(SCMP_CMP_EQ, pp_sandbox_ioctls[i]);
		if (pp_sandbox_rule(ctx, SCMP_ACT_ALLOW, "ioctl", NULL, 1, &c) != 0)
			goto fail;
	}
	n->allowed++;	/* ioctl */
	*out = ctx;
	return PP_OK;
fail:
	seccomp_release(ctx);
	return PP_ERR_INTERNAL;
}

void
pp_sandbox_counts(enum pp_sandbox_kind kind, size_t *allowed, size_t *killed)
{
	struct pp_sandbox_count n = { 0, 0 };
	scmp_filter_ctx ctx;

	if ((unsigned)kind < PP_SANDBOX__MAX && pp_sandbox_build(kind, &ctx, &n) == PP_OK)
		seccomp_release(ctx);
	*allowed = n.allowed;
	*killed = n.killed;
}

enum pp_err
pp_sandbox_enter_always(enum pp_sandbox_kind kind)
{
	struct pp_sandbox_count n;
	scmp_filter_ctx ctx;
	enum pp_err rc;
	int r;

	if ((unsigned)kind >= PP_SANDBOX__MAX)
		return PP_ERR_INTERNAL;
	if ((rc = pp_sandbox_build(kind, &ctx, &n)) != PP_OK)
		return rc;
	/* libseccomp sets it too (SCMP_FLTATR_CTL_NNP); said here so it holds
	 * even if that default changed. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		pp_err_log("seccomp: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		seccomp_release(ctx);
		return PP_ERR_INTERNAL;
	}
	r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r != 0) {
		pp_err_log("seccomp: the kernel refused the %s filter: %s", pp_sandbox_kind_name(kind),
		    strerror(-r));
		return PP_ERR_INTERNAL;
	}
	pp_info_log("seccomp filter '%s' in force (%zu calls allowed, %zu kill the process%s)",
	    pp_sandbox_kind_name(kind), n.allowed, n.killed,
	    (kind == PP_SANDBOX_PLUGIN || kind == PP_SANDBOX_SUPERVISOR) && !pp_sandbox_net ?
	    "; unix sockets only" : "");
	return PP_OK;
}

enum pp_err
pp_sandbox_enter(enum pp_sandbox_kind kind)
{
	if (!pp_sandbox_on)
		return PP_OK;
	return pp_sandbox_enter_always(kind);
}

/* ---- permission checks ------------------------------------------------- */

struct pp_perm_rule {
	const char *what;
	mode_t forbidden;	/* bits that must be clear */
	mode_t want;		/* the mode to advise */
	int dir;
};

static const struct pp_perm_rule pp_perm_rules[PP_PERM__MAX] = {
	[PP_PERM_SECRET] = { "secret file", 0077, 0600, 0 },
	[PP_PERM_DATA] = { "database", 0027, 0600, 0 },
	[PP_PERM_CONF] = { "file", 0022, 0644, 0 },
	[PP_PERM_DIR] = { "directory", 0022, 0755, 1 },
	[PP_PERM_SECRET_DIR] = { "directory", 0077, 0700, 1 },
};

enum pp_err
pp_perm_check(const char *path, enum pp_perm_kind kind, uid_t run_uid, int missing_ok, char *why, size_t cap)
{
	const struct pp_perm_rule *r;
	struct stat st;
	int e;

	if (cap)
		why[0] = '\0';
	if ((unsigned)kind >= PP_PERM__MAX || path == NULL || *path == '\0')
		return PP_ERR_INTERNAL;
	r = &pp_perm_rules[kind];
	/* A directory may be reached through a link (a state directory on
	 * another disk); a file must be the file itself. */
	e = r->dir ? stat(path, &st) : lstat(path, &st);
	if (e != 0) {
		if (errno == ENOENT && missing_ok)
			return PP_OK;
		snprintf(why, cap, "%s %s: %s", r->what, path, strerror(errno));
		return PP_ERR_CONFIG;
	}
	if (r->dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
		snprintf(why, cap, "%s %s: not a %s (mode %04o)", r->what, path,
		    r->dir ? "directory" : "regular file", (unsigned)(st.st_mode & 07777));
		return PP_ERR_CONFIG;
	}
	if (st.st_uid != 0 && st.st_uid != run_uid) {
		snprintf(why, cap, "%s %s: owned by uid %u, want root or uid %u (mode %04o)", r->what, path,
		    (unsigned)st.st_uid, (unsigned)run_uid, (unsigned)(st.st_mode & 07777));
		return PP_ERR_CONFIG;
	}
	if (st.st_mode & r->forbidden) {
		snprintf(why, cap, "%s %s: mode %04o is too open, want %04o or stricter (no %04o bits)",
		    r->what, path, (unsigned)(st.st_mode & 07777), (unsigned)r->want, (unsigned)r->forbidden);
		return PP_ERR_CONFIG;
	}
	return PP_OK;
}

enum pp_err
pp_perm_check_in_dir(const char *path, enum pp_perm_kind kind, uid_t run_uid, int missing_ok, char *why, size_t cap)
{
	char dir[4096];
	enum pp_err rc;

	if ((rc = pp_perm_check(path, kind, run_uid, missing_ok, why, cap)) != PP_OK)
		return rc;
	if (strlen(path) >= sizeof(dir)) {
		snprintf(why, cap, "%s: path too long", path);
		return PP_ERR_CONFIG;
	}
	memcpy(dir, path, strlen(path) + 1);
	return pp_perm_check(dirname(dir), PP_PERM_DIR, run_uid, 0, why, cap);
}

uid_t
pp_perm_run_uid(const struct pp_conf *conf)
{
	const char *user = pp_conf_str(conf, "service", "user");

	if (geteuid() == 0 && user && *user) {
		struct passwd *pw = getpwnam(user);
		if (pw)
			return pw->pw_uid;
	}
	return geteuid();
}

struct pp_perm_item {
	const char *section, *key;
	enum pp_perm_kind kind;
	int in_dir, missing_ok;
};

/* Checked for a kind when the key is set (not empty).  The SAM's client
 * registry is not here: its loader checks it (root-owned, not writable by
 * group or others; sam_client.c) with its own message. */
static const struct pp_perm_item pp_perm_sam[] = {
	{ "sam", "pin_file", PP_PERM_SECRET, 1, 0 },
	{ "sam", "external_ca_file", PP_PERM_CONF, 0, 0 },
	{ "sam", "login_key_file", PP_PERM_CONF, 0, 1 },
	{ "sam", "sms_spool", PP_PERM_DIR, 0, 0 },
	{ NULL, NULL, 0, 0, 0 },
};
static const struct pp_perm_item pp_perm_audit[] = {
	{ "audit", "pin_file", PP_PERM_SECRET, 1, 0 },
	{ "audit", "archive_dir", PP_PERM_DIR, 0, 0 },
	{ "audit", "tsa_ca", PP_PERM_CONF, 0, 0 },
	{ NULL, NULL, 0, 0, 0 },
};
static const struct pp_perm_item pp_perm_signer[] = {
	{ "oidc", "pin_file", PP_PERM_SECRET, 1, 0 },
	{ "oidc", "client_secret_file", PP_PERM_SECRET, 1, 0 },
	{ NULL, NULL, 0, 0, 0 },
};
static const struct pp_perm_item pp_perm_admin[] = {
	/* The console reads the audit store and the archive. */
	{ "database", "audit", PP_PERM_DATA, 1, 1 },
	{ "audit", "archive_dir", PP_PERM_DIR, 0, 1 },
	{ NULL, NULL, 0, 0, 0 },
};

static enum pp_err
pp_perm_fail(const char *why)
{
	pp_err_log("refusing to start: %s", why);
	return PP_ERR_CONFIG;
}

static enum pp_err
pp_perm_items(const struct pp_conf *conf, const struct pp_perm_item *it, uid_t uid)
{
	char why[768];

	for (; it->section; it++) {
		const char *p = pp_conf_str(conf, it->section, it->key);

		if (p == NULL || *p == '\0')
			continue;
		if ((it->in_dir ? pp_perm_check_in_dir(p, it->kind, uid, it->missing_ok, why, sizeof(why)) :
		    pp_perm_check(p, it->kind, uid, it->missing_ok, why, sizeof(why))) != PP_OK)
			return pp_perm_fail(why);
	}
	return PP_OK;
}

enum pp_err
pp_perm_check_start(const struct pp_conf *conf, enum pp_sandbox_kind kind, const char *section, const char *store)
{
	uid_t uid = pp_perm_run_uid(conf);
	char why[768], buf[4096];
	const char *p;

	p = pp_conf_str(conf, "service", "state_dir");
	if (p && *p && pp_perm_check(p, PP_PERM_DIR, uid, 0, why, sizeof(why)) != PP_OK)
		return pp_perm_fail(why);
	/* The run directory: where the socket is. */
	p = section ? pp_conf_str(conf, section, "socket") : NULL;
	if (p && *p && strlen(p) < sizeof(buf)) {
		memcpy(buf, p, strlen(p) + 1);
		if (pp_perm_check(dirname(buf), PP_PERM_DIR, uid, 0, why, sizeof(why)) != PP_OK)
			return pp_perm_fail(why);
	}
	/* The database, its journal files and their directory (made at first
	 * start: may be missing). */
	p = store ? pp_conf_str(conf, "database", store) : NULL;
	if (p && *p) {
		/* The SAM's database holds the SAD and OTP state: owner only.  The others
		 * may be read by a group (the console reads audit.db). */
		enum pp_perm_kind dk = strcmp(store, "sam") == 0 ? PP_PERM_SECRET : PP_PERM_DATA;
		if (pp_perm_check_in_dir(p, dk, uid, 1, why, sizeof(why)) != PP_OK)
			return pp_perm_fail(why);
		for (int i = 0; i < 2; i++) {
			if (snprintf(buf, sizeof(buf), "%s%s", p, i ? "-shm" : "-wal") >= (int)sizeof(buf))
				break;
			if (pp_perm_check(buf, dk, uid, 1, why, sizeof(why)) != PP_OK)
				return pp_perm_fail(why);
		}
	}
	switch (kind) {
	case PP_SANDBOX_SAM:
		return pp_perm_items(conf, pp_perm_sam, uid);
	case PP_SANDBOX_AUDIT:
		return pp_perm_items(conf, pp_perm_audit, uid);
	default:
		if (section && strcmp(section, "signer") == 0)
			return pp_perm_items(conf, pp_perm_signer, uid);
		if (section && strcmp(section, "admin") == 0)
			return pp_perm_items(conf, pp_perm_admin, uid);
		return PP_OK;
	}
}
