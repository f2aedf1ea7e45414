/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz_netns.h - a network namespace of the fuzzer's own, for the targets
 * that open real sockets (fuzz_flows, fuzz_ctl_server)
 */
#ifndef FUZZ_NETNS_H
#define FUZZ_NETNS_H

#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

/**
 * fuzz_write_file() - write a string to a file
 * @path:	file
 * @s:		string
 *
 * Return: 0 on success, -1 on failure
 */
static inline int fuzz_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
	close(fd);
	return rc;
}

/**
 * fuzz_netns_setup() - a network namespace of our own, with loopback up
 *
 * As root, a new network namespace; otherwise, in a new user namespace too.
 * If neither works, we stay where we are, and the caller must keep its
 * sockets on loopback by other means.
 *
 * Return: true if we're in a namespace of our own, loopback up
 */
static inline bool fuzz_netns_setup(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	struct ifreq ifr;
	bool own = false;
	char map[64];
	int s;

	if (unshare(CLONE_NEWNET)) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
			return false;
		snprintf(map, sizeof(map), "0 %u 1", uid);
		fuzz_write_file("/proc/self/uid_map", map);
		fuzz_write_file("/proc/self/setgroups", "deny");
		snprintf(map, sizeof(map), "0 %u 1", gid);
		fuzz_write_file("/proc/self/gid_map", map);
	}

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return false;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (!ioctl(s, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		if (!ioctl(s, SIOCSIFFLAGS, &ifr))
			own = true;
	}
	close(s);

	/* Ping sockets for everybody, in here */
	fuzz_write_file("/proc/sys/net/ipv4/ping_group_range", "0 2147483647");
	return own;
}

#endif /* FUZZ_NETNS_H */
