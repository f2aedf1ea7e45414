/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * util.h - small helpers shared by every module
 */
#ifndef UTIL_UTIL_H
#define UTIL_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)		((a) < (b) ? (a) : (b))
#define MAX(a, b)		((a) > (b) ? (a) : (b))
#define ROUND_UP(x, a)		(((x) + (a) - 1) / (a) * (a))
#define UNUSED(x)		((void)(x))

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)

#define ETH_ALEN_		6

/* Sockets opened after start-up are all non-blocking and closed on exec:
 * the seccomp filter allows these types only (#syscalls socket:a1=...)
 */
#define SOCK_STREAM_NB		(SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC)
#define SOCK_DGRAM_NB		(SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC)

/**
 * sock_open() - socket(), always as the direct system call
 * @af:		address family
 * @type:	socket type and flags
 * @proto:	protocol
 *
 * On i386, libc goes through socketcall(), whose arguments are in memory,
 * where the seccomp filter can't check the family: there, the direct call
 * (Linux 4.3 and later) is made instead, and socketcall(SYS_SOCKET) is
 * refused (tools/seccomp.sh).
 *
 * Return: as socket()
 */
static inline int sock_open(int af, int type, int proto)
{
#if defined(__NR_socketcall) && defined(__NR_socket)
	return (int)syscall(__NR_socket, af, type, proto);
#else
	return socket(af, type, proto);
#endif
}

/**
 * recv_msg() - recv(), through recvmsg()
 * @s:		socket
 * @buf:	buffer, NULL with MSG_TRUNC to discard
 * @len:	its size, or bytes to discard
 * @flags:	MSG_* flags
 *
 * Every receive goes through recvmsg(), so that the seccomp filter doesn't
 * need recvfrom() too (see sandbox/sandbox.c).
 *
 * Return: as recv()
 */
static inline ssize_t recv_msg(int s, void *buf, size_t len, int flags)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	return recvmsg(s, &mh, flags);
}

#endif /* UTIL_UTIL_H */
