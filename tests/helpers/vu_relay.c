// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vu_relay.c - start passt on a socketpair, as qemu 10.1's -netdev passt
 * does, and join the other end to a UNIX socket for an older qemu
 *
 *	vu_relay PATH PASST [ARG...]
 *
 * qemu 10.1 starts "passt --vhost-user ... --fd 3" with one end of a
 * socketpair as descriptor 3. Debian 12's qemu 7.2 can't do that, nor pass
 * descriptors over a chardev made from an fd, so this stands in: it makes
 * the socketpair, starts PASST ARG... with its end as descriptor 3, listens
 * on PATH and accepts one connection (qemu's -chardev socket,path=PATH),
 * then relays vhost-user messages between the two, one whole message at a
 * time (12-byte header, payload of the size the header gives) with the
 * descriptors that came with it (SCM_RIGHTS), in both directions. It exits
 * once either side closes, after closing the other, with the exit status
 * of PASST (which forks to background unless given -f: that's status 0).
 *
 * "listening" on standard output tells the caller qemu may connect.
 */

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#define HDR_LEN		12
#define PAYLOAD_MAX	4096
#define FDS_MAX		16

/**
 * read_full() - read exactly len bytes
 * Return: 0 on success, -1 on end of file or error
 */
static int read_full(int fd, uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = read(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

/**
 * relay_one() - move one message from one socket to the other
 * @from:	socket to read from
 * @to:		socket to write to
 *
 * Return: 0 on success, -1 if a side closed or the message is bad
 */
static int relay_one(int from, int to)
{
	uint8_t msg[HDR_LEN + PAYLOAD_MAX];
	char cbuf[CMSG_SPACE(sizeof(int) * FDS_MAX)];
	struct iovec iov = { .iov_base = msg, .iov_len = HDR_LEN };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	int fds[FDS_MAX], nfds = 0, i, rc = -1;
	struct cmsghdr *cm;
	uint32_t size;
	ssize_t n;

	n = recvmsg(from, &mh, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return -1;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (i = 0; i < (int)((cm->cmsg_len - CMSG_LEN(0)) /
				      sizeof(int)) && nfds < FDS_MAX; i++)
			memcpy(&fds[nfds++], CMSG_DATA(cm) + i * sizeof(int),
			       sizeof(int));
	}
	if (n < HDR_LEN && read_full(from, msg + n, HDR_LEN - n))
		goto out;
	memcpy(&size, msg + 8, sizeof(size));
	if (size > PAYLOAD_MAX || read_full(from, msg + HDR_LEN, size))
		goto out;

	iov.iov_len = HDR_LEN + size;
	mh.msg_controllen = 0;
	mh.msg_control = NULL;
	if (nfds) {
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	if (sendmsg(to, &mh, MSG_NOSIGNAL) == (ssize_t)(HDR_LEN + size))
		rc = 0;
out:
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	return rc;
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int sv[2], l, q, status = 0;
	pid_t pid;

	if (argc < 3 || strlen(argv[1]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "Usage: %s PATH PASST [ARG...]\n", argv[0]);
		return 2;
	}
	strcpy(addr.sun_path, argv[1]);
	unlink(argv[1]);
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(l, 1)) {
		perror(argv[1]);
		return 1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		perror("socketpair");
		return 1;
	}

	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (!pid) {
		close(sv[0]);
		if (dup2(sv[1], 3) < 0)
			_exit(1);
		if (sv[1] != 3)
			close(sv[1]);
		execv(argv[2], argv + 2);
		perror(argv[2]);
		_exit(1);
	}
	close(sv[1]);

	printf("listening\n");
	fflush(stdout);
	q = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (q < 0) {
		perror("accept");
		return 1;
	}
	close(l);
	unlink(argv[1]);

	for (;;) {
		struct pollfd p[2] = { { .fd = q, .events = POLLIN },
				       { .fd = sv[0], .events = POLLIN } };

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents && relay_one(q, sv[0]))
			break;
		if (p[1].revents && relay_one(sv[0], q))
			break;
	}
	close(q);
	close(sv[0]);

	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		return WEXITSTATUS(status);
	return 1;
}
