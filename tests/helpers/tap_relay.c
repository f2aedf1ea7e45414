// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tap_relay - stand in for qemu's "-netdev stream" in integration tests
 *
 * Usage: tap_relay IFNAME SOCKPATH
 *
 * Creates the tap interface IFNAME (IFF_TAP | IFF_NO_PI) in the current
 * network namespace, connects to the UNIX stream socket SOCKPATH (retrying
 * for a few seconds while it's not there yet), prints "ready" on standard
 * output, then relays Ethernet frames both ways: every frame on the stream is
 * preceded by its length as a 32-bit big-endian number, the tap gets and
 * gives one frame per read() or write().
 *
 * Exits with 0 once the peer closes the socket, 1 on errors, 2 on bad usage.
 * The retry period for connecting, 5 seconds by default, can be set in
 * milliseconds with the environment variable TAP_RELAY_CONNECT_MS.
 *
 * With TAP_RELAY_DROP_EVERY=N, every Nth frame of over 1000 bytes from the
 * socket is dropped instead of written to the tap: losses on the way to the
 * guest, for tests of retransmissions. The count goes to standard error at
 * the end, also on SIGTERM.
 *
 * The namespace around the tap is a real kernel stack, so DHCP clients, NDP,
 * ARP and so on can be pointed at passt through IFNAME as if it were a VM.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#define FRAME_MAX		(65535 + 14)	/* IP packet + Ethernet header */
#define HDR_LEN			4		/* big-endian frame length */
#define CONNECT_TIMEOUT_MS	5000
#define CONNECT_RETRY_MS	20
#define STREAM_BUF		(1 << 20)	/* bytes from the socket */
#define BATCH_BUF		(1 << 20)	/* frames for the socket */

static uint8_t in_buf[STREAM_BUF];
static uint8_t out_buf[BATCH_BUF];
static size_t out_used, out_off;
static unsigned long drop_every, dropped, big_frames;	/* DROP_EVERY */
static volatile sig_atomic_t terminated;

/**
 * on_sigterm() - SIGTERM: leave the relay loop, say what was dropped
 * @sig:	unused
 */
static void on_sigterm(int sig)
{
	(void)sig;
	terminated = 1;
}

/**
 * die() - print a formatted error with errno's description, exit with 1
 * @what:	what failed
 */
static void die(const char *what)
{
	fprintf(stderr, "tap_relay: %s: %s\n", what, strerror(errno));
	exit(1);
}

/**
 * now_ms() - monotonic clock in milliseconds
 *
 * Return: milliseconds since some unspecified point
 */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/**
 * tap_open() - create the non-persistent tap interface, non-blocking fd
 * @ifname:	name of the interface
 *
 * Return: file descriptor of the tap queue, exits on failure
 */
static int tap_open(const char *ifname)
{
	struct ifreq ifr;
	int fd;

	if (strlen(ifname) >= IFNAMSIZ) {
		fprintf(stderr, "tap_relay: interface name too long\n");
		exit(2);
	}

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		die("open /dev/net/tun");

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr))
		die("TUNSETIFF");

	return fd;
}

/**
 * sock_connect() - connect to the UNIX stream socket, retrying for a while
 * @path:	path of the socket
 *
 * Retries while the socket file doesn't exist or nobody listens on it yet,
 * which is the case while passt is still starting up.
 *
 * Return: connected, blocking socket, exits on failure or timeout
 */
static int sock_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	const char *env = getenv("TAP_RELAY_CONNECT_MS");
	long long deadline = now_ms() + CONNECT_TIMEOUT_MS;
	int s;

	if (env)
		deadline = now_ms() + atoll(env);

	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "tap_relay: socket path too long\n");
		exit(2);
	}
	strncpy(addr.sun_path, path, sizeof(addr.sun_path) - 1);

	for (;;) {
		s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			die("socket");

		if (!connect(s, (struct sockaddr *)&addr, sizeof(addr)))
			return s;

		if (errno != ENOENT && errno != ECONNREFUSED &&
		    errno != EAGAIN)
			die("connect");
		close(s);

		if (now_ms() > deadline) {
			fprintf(stderr, "tap_relay: no listener at %s\n", path);
			exit(1);
		}
		usleep(CONNECT_RETRY_MS * 1000);
	}
}

/**
 * tap_to_sock() - batch all frames the tap has now for the socket
 * @tap:	tap file descriptor (non-blocking)
 * @s:		connected socket, unused: flush_out() writes the batch
 *
 * Reads frames until the tap queue is empty or the batch buffer is nearly
 * full, prefixing each with its length. The caller polls the tap only once
 * the previous batch is written.
 *
 * Return: 0 on success, -1 if the socket failed
 */
static int tap_to_sock(int tap, int s)
{
	size_t used = 0;

	while (used + HDR_LEN + FRAME_MAX <= sizeof(out_buf)) {
		ssize_t n = read(tap, out_buf + used + HDR_LEN, FRAME_MAX);
		uint32_t len_be;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			die("read tap");
		}
		if (!n)
			break;

		len_be = htonl((uint32_t)n);
		memcpy(out_buf + used, &len_be, HDR_LEN);
		used += HDR_LEN + n;
	}

	(void)s;
	out_used = used;
	out_off = 0;
	return 0;
}

/**
 * flush_out() - write pending output to the socket without blocking
 * @s:		connected socket
 *
 * Writing blocking here could deadlock with passt writing to us: keep
 * reading while output is pending, as qemu does.
 *
 * Return: 0 if written or still pending, -1 on error
 */
static int flush_out(int s)
{
	while (out_off < out_used) {
		ssize_t n = send(s, out_buf + out_off, out_used - out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			return -1;
		}
		out_off += n;
	}
	out_used = out_off = 0;
	return 0;
}

/**
 * sock_to_tap() - read from the stream, write every complete frame to the tap
 * @s:		connected socket
 * @tap:	tap file descriptor
 *
 * Keeps partial frames (and partial length headers) across calls, so that
 * frames split at any byte by the stream are reassembled correctly.
 *
 * Return: 0 on success, -1 on end of stream, exits on errors
 */
static int sock_to_tap(int s, int tap)
{
	static size_t have;
	size_t off = 0;
	ssize_t n;

	n = recv(s, in_buf + have, sizeof(in_buf) - have, MSG_DONTWAIT);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n < 0 && errno == ECONNRESET)
		return -1;
	if (n < 0)
		die("recv");
	if (!n)
		return -1;
	have += n;

	for (;;) {
		uint32_t len_be, len;

		if (have - off < HDR_LEN)
			break;

		memcpy(&len_be, in_buf + off, HDR_LEN);
		len = ntohl(len_be);
		if (!len || len > FRAME_MAX) {
			fprintf(stderr, "tap_relay: bad frame length %u\n",
				len);
			exit(1);
		}
		if (have - off < HDR_LEN + len)
			break;

		if (drop_every && len > 1000 && !(++big_frames % drop_every)) {
			dropped++;
			off += HDR_LEN + len;
			continue;
		}

		/* The tap takes or drops a whole frame: never partial */
		if (write(tap, in_buf + off + HDR_LEN, len) < 0 &&
		    errno != EAGAIN && errno != EINVAL && errno != EIO)
			die("write tap");

		off += HDR_LEN + len;
	}

	memmove(in_buf, in_buf + off, have - off);
	have -= off;

	return 0;
}

/**
 * main() - create tap, connect, relay until the socket closes
 * @argc:	argument count
 * @argv:	IFNAME SOCKPATH
 *
 * Return: 0 when the peer closed the stream, 1 on errors, 2 on bad usage
 */
int main(int argc, char **argv)
{
	struct pollfd pfd[2];
	int tap, s;

	if (argc != 3) {
		fprintf(stderr, "Usage: %s IFNAME SOCKPATH\n", argv[0]);
		return 2;
	}

	signal(SIGPIPE, SIG_IGN);
	if (getenv("TAP_RELAY_DROP_EVERY")) {
		struct sigaction sa = { .sa_handler = on_sigterm };

		drop_every = strtoul(getenv("TAP_RELAY_DROP_EVERY"), NULL, 10);
		sigaction(SIGTERM, &sa, NULL);
	}

	tap = tap_open(argv[1]);
	s = sock_connect(argv[2]);

	printf("ready\n");
	fflush(stdout);

	pfd[0] = (struct pollfd){ .fd = tap, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = s, .events = POLLIN };

	for (;;) {
		pfd[0].events = out_used ? 0 : POLLIN;
		pfd[1].events = POLLIN | (out_used ? POLLOUT : 0);
		if (terminated)
			break;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}

		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (sock_to_tap(s, tap))
				break;
		}

		if (pfd[1].revents & POLLOUT) {
			if (flush_out(s))
				break;
		}

		if (pfd[0].revents & POLLIN) {
			if (tap_to_sock(tap, s) || flush_out(s))
				break;
		}
	}

	if (drop_every)
		fprintf(stderr, "tap_relay: dropped %lu frames\n", dropped);
	return 0;
}
