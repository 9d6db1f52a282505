#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <getopt.h>
#include <stdio.h>
#include "pp_conf.h"
#include "pp_log.h"
#include "pp_proc.h"
#include "pp_sandbox.h"
#include "pp_util.h"

volatile sig_atomic_t pp_proc_stop;
static sigset_t pp_proc_waitmask;

static void
pp_proc_on_signal(int sig)
{
	(void)sig;
	pp_proc_stop = 1;
}

void
pp_proc_signals(void)
{
	struct sigaction sa;
	sigset_t block;

	umask(077);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = pp_proc_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &pp_proc_waitmask);
	sigdelset(&pp_proc_waitmask, SIGTERM);
	sigdelset(&pp_proc_waitmask, SIGINT);
}

int
pp_proc_wait_fd(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec ts, *tsp = NULL;
	int n;

	if (pp_proc_stop)
		return 0;
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
		tsp = &ts;
	}
	n = ppoll(&pfd, 1, tsp, &pp_proc_waitmask);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	return n > 0 ? 1 : 0;
}

static double
pp_proc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The write end of the supervisor's readiness pipe, in a worker. */
static int pp_proc_ready_fd = -1;

void
pp_proc_worker_ready(void)
{
	pid_t me = getpid();

	if (pp_proc_ready_fd < 0)
		return;
	/* Less than PIPE_BUF: one atomic write among the workers'. */
	if (write(pp_proc_ready_fd, &me, sizeof(me)) != (ssize_t)sizeof(me))
		pp_warn_log("could not tell the supervisor this worker is ready: %s", strerror(errno));
	close(pp_proc_ready_fd);
	pp_proc_ready_fd = -1;
}

/* Forks one worker.  Returns its pid in the parent, 0 in the worker, -1. */
static pid_t
pp_proc_spawn(pid_t parent, const int ready[2])
{
	pid_t pid = fork();

	if (pid == 0) {
		/* The worker dies with its supervisor, even on SIGKILL. */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) != 0 || getppid() != parent)
			_exit(1);
		close(ready[0]);
		pp_proc_ready_fd = ready[1];
	} else if (pid < 0) {
		pp_err_log("fork: %s", strerror(errno));
	}
	return pid;
}

/* Waits until worker pid writes its pid on the readiness pipe (0), or dies
 * (-1, *dead = 1, *st its wait status: reaped), or 60 s pass or a stop is
 * asked (-1, *dead = 0).  No other worker's readiness can arrive: they were
 * all ready before this one was started. */
static int
pp_proc_await_ready(int rfd, pid_t pid, int *dead, int *st)
{
	struct timespec tick = { 0, 100 * 1000000L };
	double until = pp_proc_now() + 60;

	while (!pp_proc_stop && pp_proc_now() < until) {
		struct pollfd pr = { .fd = rfd, .events = POLLIN };
		pid_t r;

		(void)ppoll(&pr, 1, &tick, &pp_proc_waitmask);
		while (read(rfd, &r, sizeof(r)) == (ssize_t)sizeof(r))
			if (r == pid)
				return 0;
		if (waitpid(pid, st, WNOHANG) == pid) {
			*dead = 1;
			return -1;
		}
	}
	*dead = 0;
	return -1;
}

int
pp_proc_prefork(int n, int *worker)
{
	pid_t pids[PP_PROC_MAX_WORKERS], self = getpid();
	int ready[PP_PROC_MAX_WORKERS], rfd[2];
	struct timespec tick = { 0, 200 * 1000000L };
	int live = 0, status = 0;

	*worker = 1;
	if (n <= 1)
		return 0;
	if (n > PP_PROC_MAX_WORKERS)
		n = PP_PROC_MAX_WORKERS;
	if (pipe2(rfd, O_CLOEXEC | O_NONBLOCK) != 0) {
		pp_err_log("pipe: %s", strerror(errno));
		return 1;
	}
	/* One worker at a time, each started only once the previous one said
	 * it is ready: workers opening the same PKCS#11 token (SoftHSMv2 reads
	 * its files) or migrating the same database at the same instant raced
	 * each other. */
	for (int i = 0; i < n; i++) {
		ready[i] = 0;
		if ((pids[i] = pp_proc_spawn(self, rfd)) == 0)
			return 0;
		if (pids[i] < 0) {
			status = 1;
			pp_proc_stop = 1;
			break;
		}
		live++;
		int dead = 0, st = 0;
		if (pp_proc_await_ready(rfd[0], pids[i], &dead, &st) != 0) {
			if (dead) {
				pp_err_log("worker %ld failed at start (status %d): stopping", (long)pids[i],
				    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
				pids[i] = -1;
				live--;
			} else if (!pp_proc_stop)
				pp_err_log("worker %ld not ready after 60 s: stopping", (long)pids[i]);
			status = pp_proc_stop && !dead ? status : 1;
			pp_proc_stop = 1;
			break;
		}
		ready[i] = 1;
	}
	*worker = 0;
	pp_info_log("%d workers started", live);
	/* The supervisor's own filter: a worker's start-up, plus fork, wait
	 * and kill.  A worker it starts from now on inherits it and adds its
	 * own. */
	if (!pp_proc_stop && pp_sandbox_enter(PP_SANDBOX_SUPERVISOR) != PP_OK) {
		status = 1;
		pp_proc_stop = 1;
	}
	while (!pp_proc_stop) {
		pid_t dead;
		int st;

		/* SIGTERM/SIGINT are blocked except while waiting here. */
		struct pollfd pr = { .fd = rfd[0], .events = POLLIN };
		pid_t r;
		(void)ppoll(&pr, 1, &tick, &pp_proc_waitmask);
		while (read(rfd[0], &r, sizeof(r)) == (ssize_t)sizeof(r))
			for (int i = 0; i < n; i++)
				if (pids[i] == r)
					ready[i] = 1;
		while ((dead = waitpid(-1, &st, WNOHANG)) > 0) {
			for (int i = 0; i < n; i++) {
				if (pids[i] != dead)
					continue;
				pids[i] = -1;
				live--;
				if (pp_proc_stop)
					break;
				if (!ready[i]) {
					pp_err_log("worker %ld failed at start (status %d): stopping", (long)dead,
					    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
					status = 1;
					pp_proc_stop = 1;
					break;
				}
				pp_warn_log("worker %ld ended (status %d): replaced", (long)dead,
				    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
				ready[i] = 0;
				if ((pids[i] = pp_proc_spawn(self, rfd)) == 0) {
					*worker = 1;
					return 0;
				}
				if (pids[i] > 0)
					live++;
			}
		}
	}
	close(rfd[0]);
	close(rfd[1]);
	for (int i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	for (double until = pp_proc_now() + 10; live > 0;) {
		pid_t dead = waitpid(-1, NULL, WNOHANG);
		if (dead > 0) {
			for (int i = 0; i < n; i++)
				if (pids[i] == dead) {
					pids[i] = -1;
					live--;
				}
			continue;
		}
		if (dead < 0 && errno == ECHILD)
			break;
		if (pp_proc_now() > until) {
			for (int i = 0; i < n; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGKILL);
			until = pp_proc_now() + 10;
		}
		nanosleep(&(struct timespec){ 0, 20 * 1000000L }, NULL);
	}
	return status;
}

void
pp_proc_no_dumps(void)
{
	struct rlimit rl = { 0, 0 };

	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static enum pp_err
pp_proc_ids(const char *user, const char *group, uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam(user);

	if (pw == NULL) {
		pp_err_log("unknown user '%s'", user);
		return PP_ERR_CONFIG;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (group && *group) {
		struct group *gr = getgrnam(group);
		if (gr == NULL) {
			pp_err_log("unknown group '%s'", group);
			return PP_ERR_CONFIG;
		}
		*gid = gr->gr_gid;
	}
	return PP_OK;
}

enum pp_err
pp_proc_drop(const char *user, const char *group)
{
	uid_t uid;
	gid_t gid;
	enum pp_err rc;

	if (geteuid() != 0 || user == NULL || *user == '\0')
		return PP_OK;
	if ((rc = pp_proc_ids(user, group, &uid, &gid)) != PP_OK)
		return rc;
	if (uid == 0) {
		pp_err_log("service.user must not be root");
		return PP_ERR_CONFIG;
	}
	/* Order matters: supplementary groups, then gid, then uid. */
	if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1) {
		pp_err_log("cannot switch to %s: %s", user, strerror(errno));
		return PP_ERR_CONFIG;
	}
	if (setuid(0) != -1 || geteuid() != uid || getegid() != gid) {
		pp_err_log("privilege drop to %s did not stick", user);
		return PP_ERR_CONFIG;
	}
	pp_info_log("running as %s (uid %u)", user, (unsigned)uid);
	return PP_OK;
}

int
pp_proc_listen_fd(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int64_t p, n;

	if (pid == NULL || fds == NULL)
		return -1;
	if (pp_strtonum(pid, strlen(pid), 1, INT32_MAX, &p) != PP_OK || p != getpid())
		return -1;
	if (pp_strtonum(fds, strlen(fds), 1, 64, &n) != PP_OK)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return 3;	/* SD_LISTEN_FDS_START */
}

enum pp_err
pp_proc_unix_listen(const char *path, const char *user, const char *group, int *out)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		pp_err_log("socket path too long: %s", path);
		return PP_ERR_CONFIG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			pp_err_log("%s exists and is not a socket", path);
			return PP_ERR_CONFIG;
		}
		/* A stale socket is replaced; a live one belongs to a running
		 * instance, which a second one must not silently take over
		 * (two audit daemons would both write the log). */
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe != -1 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(probe);
			pp_err_log("%s is in use by a running process: refusing to start a second instance", path);
			return PP_ERR_CONFIG;
		}
		if (probe != -1)
			close(probe);
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return PP_ERR_IO;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 || listen(fd, 128) == -1) {
		pp_err_log("cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return PP_ERR_IO;
	}
	if (chmod(path, 0660) == -1) {
		close(fd);
		return PP_ERR_IO;
	}
	if (geteuid() == 0 && user && *user) {
		uid_t uid;
		gid_t gid;
		if (pp_proc_ids(user, group, &uid, &gid) != PP_OK || chown(path, uid, gid) == -1) {
			close(fd);
			return PP_ERR_CONFIG;
		}
	}
	*out = fd;
	return PP_OK;
}

int
pp_proc_start(const char *prog, int argc, char **argv, struct pp_conf **conf)
{
	const char *path = NULL;
	char err[512] = "";
	int ch;

	while ((ch = getopt(argc, argv, "c:")) != -1) {
		if (ch != 'c')
			goto usage;
		path = optarg;
	}
	if (path == NULL || optind != argc)
		goto usage;
	pp_proc_signals();
	pp_log_open(prog, PP_LOG_INFO, PP_LOG_STDERR);
	if (pp_conf_load(path, conf, err, sizeof(err)) != PP_OK) {
		pp_err_log("configuration %s: %s", path, err);
		return 1;
	}
	pp_log_open(prog, (enum pp_log_level)pp_log_level_parse(pp_conf_str(*conf, "log", "level")),
	    strcmp(pp_conf_str(*conf, "log", "destination"), "syslog") == 0 ? PP_LOG_SYSLOG : PP_LOG_STDERR);
	return 0;
usage:
	fprintf(stderr, "usage: %s -c config-file\n", prog);
	return 2;
}
