/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * util.h - small helpers shared by every module
 */
#ifndef UTIL_UTIL_H
#define UTIL_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)		((a) < (b) ? (a) : (b))
#define MAX(a, b)		((a) > (b) ? (a) : (b))
#define ROUND_UP(x, a)		(((x) + (a) - 1) / (a) * (a))
#define UNUSED(x)		((void)(x))

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)

#define ETH_ALEN_		6

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
