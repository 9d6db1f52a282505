/*
 * pp-test-sandbox: applies one of the processes' seccomp profiles
 * (lib/pp_sandbox) to itself, then makes one system call, for t_sandbox.
 *
 *   pp-test-sandbox PROFILE CALL
 *
 * PROFILE: sam | audit | plugin | supervisor, or plugin-local | supervisor-local
 * (a plugin that never reaches the network: unix sockets only).  CALL:
 *   none      nothing (prints the process's Seccomp and NoNewPrivs lines)
 *   execve    runs /bin/true
 *   ptrace    PTRACE_TRACEME
 *   fork      a new process (clone without CLONE_THREAD)
 *   thread    a thread (pthread_create)
 *   tcp       socket(AF_INET, SOCK_STREAM)
 *   unix      socket(AF_UNIX, SOCK_STREAM)
 *   packet    socket(AF_PACKET, SOCK_RAW)
 *   dumpable  prctl(PR_SET_DUMPABLE, 1)
 *   unlisted  a call no profile lists (getpriority): fails with ENOSYS
 *   mount     mount("none", "/mnt", "tmpfs")
 *   bpf       bpf(BPF_PROG_LOAD)
 *   unshare   unshare(CLONE_NEWUSER)
 * A call the profile allows prints "allowed: ..." or "refused: ..." (errno)
 * and exits 0; a call that kills ends the process with SIGSYS (the shell
 * sees 159).  "counts" prints each profile's allowed and killing calls.
 */
#include "config.h"
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "pp_log.h"
#include "pp_sandbox.h"

static void
status_lines(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "Seccomp:", 8) == 0 || strncmp(line, "NoNewPrivs:", 11) == 0)
			fputs(line, stdout);
	fclose(f);
	printf("Dumpable:\t%d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
}

static void *
thread_main(void *arg)
{
	return arg;
}

static int
result(const char *what, long r)
{
	if (r < 0)
		printf("refused: %s: %s\n", what, strerror(errno));
	else
		printf("allowed: %s\n", what);
	return 0;
}

int
main(int argc, char **argv)
{
	static const char *const kinds[] = { "sam", "audit", "plugin", "supervisor", NULL };
	enum pp_sandbox_kind kind = PP_SANDBOX__MAX;
	const char *call;

	pp_log_open("pp-test-sandbox", PP_LOG_INFO, PP_LOG_STDERR);
	if (argc == 2 && strcmp(argv[1], "counts") == 0) {
		for (int k = 0; k < PP_SANDBOX__MAX; k++) {
			size_t a, x;
			pp_sandbox_counts((enum pp_sandbox_kind)k, &a, &x);
			printf("%s allowed %zu killing %zu\n", pp_sandbox_kind_name((enum pp_sandbox_kind)k), a, x);
		}
		pp_sandbox_no_network();
		for (int k = PP_SANDBOX_PLUGIN; k <= PP_SANDBOX_SUPERVISOR; k++) {
			size_t a, x;
			pp_sandbox_counts((enum pp_sandbox_kind)k, &a, &x);
			printf("%s-local allowed %zu killing %zu\n", pp_sandbox_kind_name((enum pp_sandbox_kind)k), a, x);
		}
		printf("sanitizers %d\n", pp_sandbox_sanitized());
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: pp-test-sandbox sam|audit|plugin|supervisor CALL | counts\n");
		return 2;
	}
	/* "plugin-local", "supervisor-local": the profiles of a plugin that
	 * never reaches the network (pp_sandbox_no_network). */
	size_t plen = strlen(argv[1]);
	if (plen > 6 && strcmp(argv[1] + plen - 6, "-local") == 0) {
		pp_sandbox_no_network();
		argv[1][plen - 6] = '\0';
	}
	for (int k = 0; kinds[k]; k++)
		if (strcmp(argv[1], kinds[k]) == 0)
			kind = (enum pp_sandbox_kind)k;
	if (kind == PP_SANDBOX__MAX) {
		fprintf(stderr, "pp-test-sandbox: unknown profile %s\n", argv[1]);
		return 2;
	}
	call = argv[2];
	if (pp_sandbox_enter_always(kind) != PP_OK)
		return 1;
	fflush(stdout);
	if (strcmp(call, "none") == 0) {
		status_lines();
		return 0;
	}
	if (strcmp(call, "execve") == 0) {
		char *av[] = { (char *)"/bin/true", NULL };
		execv("/bin/true", av);
		return result("execve", -1);
	}
	if (strcmp(call, "ptrace") == 0)
		return result("ptrace", ptrace(PTRACE_TRACEME, 0, NULL, NULL));
	if (strcmp(call, "fork") == 0) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		return result("fork", pid);
	}
	if (strcmp(call, "thread") == 0) {
		pthread_t t;
		int e = pthread_create(&t, NULL, thread_main, NULL);
		if (e == 0)
			pthread_join(t, NULL);
		errno = e;
		return result("thread", e ? -1 : 0);
	}
	if (strcmp(call, "tcp") == 0)
		return result("tcp socket", socket(AF_INET, SOCK_STREAM, 0));
	if (strcmp(call, "unix") == 0)
		return result("unix socket", socket(AF_UNIX, SOCK_STREAM, 0));
	if (strcmp(call, "packet") == 0)
		return result("packet socket", socket(AF_PACKET, SOCK_RAW, 0));
	if (strcmp(call, "dumpable") == 0)
		return result("dumpable", prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
	if (strcmp(call, "unlisted") == 0)
		return result("getpriority", syscall(SYS_getpriority, PRIO_PROCESS, 0));
	if (strcmp(call, "mount") == 0)
		return result("mount", mount("none", "/mnt", "tmpfs", 0, NULL));
	if (strcmp(call, "bpf") == 0)
		return result("bpf", syscall(SYS_bpf, 5, NULL, 0));
	if (strcmp(call, "unshare") == 0)
		return result("unshare", unshare(CLONE_NEWUSER));
	fprintf(stderr, "pp-test-sandbox: unknown call %s\n", call);
	return 2;
}
