/*
 * pp-test-ipc SOCKET: sends standard input as it is (raw bytes, no framing
 * added) to a daemon's unix socket and reports what happened, for the
 * tests that throw malformed messages at the daemons:
 *   prints "answer <n bytes>" when something came back, "closed" when the
 *   daemon closed the connection, "timeout" after 5 s of silence.
 * Exit 0 in all three cases; 1 when it cannot connect.
 */
#include "config.h"
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_un sa;
	unsigned char buf[65536 + 16];
	size_t len = 0;
	ssize_t n;
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: pp-test-ipc SOCKET < bytes\n");
		return 2;
	}
	while (len < sizeof(buf) && (n = read(0, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("connect");
		return 1;
	}
	if (len && send(fd, buf, len, MSG_NOSIGNAL) < 0) {
		printf("closed\n");
		return 0;
	}
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 5000) <= 0) {
		printf("timeout\n");
		return 0;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n > 0)
		printf("answer %zd\n", n);
	else
		printf("closed\n");
	close(fd);
	return 0;
}
