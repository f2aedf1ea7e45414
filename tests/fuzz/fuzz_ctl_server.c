// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_ctl_server.c - clients of the control socket (-c) against the real
 * server (ctl/ctl.c, ctl/handlers.c), with live forwarding tables
 *
 * Theory of operation
 *
 * passt's control socket listens at a path in a directory of the fuzzer's
 * own, and the harness plays pesto, and worse: up to CLIENTS clients
 * connect (the server takes one at a time, the others wait in its backlog),
 * write requests in pieces (bytes from the input, or well-formed lines
 * picked from a list, with port specifications from the input), shut down
 * their side, read the reply a little at a time or not at all, and go away,
 * politely or with a reset. The epoll loop runs between operations
 * (loop_dispatch()), and the clock can move past the server's timeout
 * (ctl_timer()). Changes to forwarding bind and close real listening
 * sockets (flow/listen.c) on every address: in a network namespace of the
 * fuzzer's own with only loopback up, and nowhere else (without one, the
 * target does nothing). The limit on open files is low, so that "all"
 * runs out of descriptors quickly and the server has to roll back.
 *
 * Input: operations until the end, each an opcode byte (low 3 bits: see
 * fuzz_op(); bits 3-4: which client) and its arguments.
 *
 * Invariants, each an abort():
 *  - once every client is gone and the clock moved past the timeout, the
 *    server takes a new client and answers a request that clears the
 *    tables and the egress policy with "ok", and another for "stats";
 *  - then no forwarding socket is left (listen_count()), and no descriptor
 *    but those there before the first input.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "fuzz_ctx.h"
#include "fuzz_guest.h"
#include "fuzz_netns.h"
#include "ctl/ctl.h"
#include "flow/flow.h"
#include "flow/listen.h"
#include "flow/tcp.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CLIENTS		4
#define PORT0		20000	/* ports of the specifications made here */
#define NOFILE		256	/* the limit on open files */

static struct ctx c;
static bool own_netns;
static int fds_before = -1;
static int clients[CLIENTS] = { -1, -1, -1, -1 };
static char dir[64];

/* Lines of a request, %s a port specification (line_spec()) */
static const char *const lines[] = {
	"pesto 1\n", "end\n", "show\n", "flows\n", "stats\n", "egress\n",
	"json\n", "clear host\n", "clear splice\n", "egress default deny\n",
	"egress default allow\n", "replace t %s\n", "add t %s\n",
	"delete t %s\n", "replace u %s\n", "add u %s\n", "delete u %s\n",
	"add T %s\n", "egress allow %s\n", "egress deny %s\n", "pesto 2\n",
	"\n",
};

/* Port specifications, %u a port from the input */
static const char *const specs[] = {
	"%u", "%u-%u", "%u:%u", "127.0.0.1/%u", "::1/%u-%u", "all", "none",
	"~%u", "%u-%u:%u", "auto", "0.0.0.0/%u", "%u,%u", "203.0.113.0/24",
	"203.0.113.1/%u", "tcp/%u", "%u-%u,~%u",
};

/**
 * client_connect() - a client connects (its turn comes when the server
 *		      is done with the one before)
 * @k:		client slot, its previous connection closed
 */
static void client_connect(int k)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s;

	if (clients[k] >= 0)
		close(clients[k]);
	clients[k] = -1;
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		abort();
	memcpy(sa.sun_path, c.ctl_path, strlen(c.ctl_path));
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		close(s);	/* backlog full */
		return;
	}
	clients[k] = s;
}

/**
 * client_write() - a client writes, as much as goes
 * @k:		client slot
 * @buf:	bytes
 * @len:	their number
 */
static void client_write(int k, const void *buf, size_t len)
{
	if (clients[k] >= 0 && len)
		send(clients[k], buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/**
 * settle() - run the loop until nothing happens
 */
static void settle(void)
{
	int i;

	for (i = 0; i < 16 && fuzz_loop(&c, 4); i++)
		;
}

/**
 * subst() - a template with each "%" and the letter after it replaced by
 *	     the next argument
 * @out:	result, filled
 * @size:	its size
 * @tmpl:	template
 * @args:	arguments
 * @n:		their number
 */
static void subst(char *out, size_t size, const char *tmpl,
		  const char *const *args, int n)
{
	size_t o = 0;
	int a = 0;

	for (; *tmpl && o + 1 < size; tmpl++) {
		if (*tmpl == '%' && tmpl[1] && a < n) {
			const char *p = args[a++];

			while (*p && o + 1 < size)
				out[o++] = *p++;
			tmpl++;
			continue;
		}
		out[o++] = *tmpl;
	}
	out[o] = 0;
}

/**
 * line_spec() - a line of a request, with a port specification from bytes
 * @d:		arguments: line, specification, three ports
 * @n:		bytes available
 * @buf:	the line, filled
 * @size:	its size
 *
 * Return: bytes used
 */
static size_t line_spec(const uint8_t *d, size_t n, char *buf, size_t size)
{
	char spec[64], ports[3][8];
	const char *p[3] = { ports[0], ports[1], ports[2] }, *sp = spec;
	int i;

	if (n < 5) {
		buf[0] = 0;
		return n;
	}
	for (i = 0; i < 3; i++)
		snprintf(ports[i], sizeof(ports[i]), "%u", PORT0 + d[2 + i] % 64);
	subst(spec, sizeof(spec), specs[d[1] % ARRAY_SIZE(specs)], p, 3);
	subst(buf, size, lines[d[0] % ARRAY_SIZE(lines)], &sp, 1);
	return 5;
}

/**
 * fuzz_op() - one operation
 * @d:		opcode, then arguments
 * @n:		bytes available
 *
 * Opcodes (low 3 bits), for client (bits 3-4): 0 connect; 1 write bytes
 * (a length, then the bytes); 2 write a line (line_spec()); 3 shut down
 * writing; 4 read up to 16 times the next byte, in one go; 5 close; 6 the
 * clock moves forward (bits 3-4: 0.1, 1, 2.1 or 10 s), the server's timer
 * runs; 7 close with a reset.
 *
 * Return: bytes used
 */
static size_t fuzz_op(const uint8_t *d, size_t n)
{
	static const uint64_t steps[4] = { 100, 1000, 2100, 10000 };
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	int k = (d[0] >> 3) & 3;
	static uint8_t buf[256 * 16 + 1];
	size_t used = 1, len;
	char line[128];

	switch (d[0] & 7) {
	case 0:
		client_connect(k);
		break;
	case 1:
		if (n < 2)
			return n;
		len = MIN((size_t)d[1], n - 2);
		client_write(k, d + 2, len);
		used += 1 + len;
		break;
	case 2:
		used += line_spec(d + 1, n - 1, line, sizeof(line));
		client_write(k, line, strlen(line));
		break;
	case 3:
		if (clients[k] >= 0)
			shutdown(clients[k], SHUT_WR);
		break;
	case 4:
		if (n < 2)
			return n;
		if (clients[k] >= 0)
			recv(clients[k], buf, (size_t)d[1] * 16 + 1,
			     MSG_DONTWAIT);
		used++;
		break;
	case 5:
	case 7:
		if (clients[k] >= 0) {
			if ((d[0] & 7) == 7)
				setsockopt(clients[k], SOL_SOCKET, SO_LINGER,
					   &l, sizeof(l));
			close(clients[k]);
		}
		clients[k] = -1;
		break;
	case 6:
		clock_fuzz_offset_ms += steps[k];
		ctl_timer(&c, now_ms());
		break;
	}
	settle();
	return used;
}

/**
 * request() - a client sends a whole request and reads the reply whole
 * @req:	request
 * @reply:	buffer for the reply
 * @size:	its size
 *
 * Return: bytes of reply
 */
static size_t request(const char *req, char *reply, size_t size)
{
	size_t got = 0;
	int i;

	client_connect(0);
	if (clients[0] < 0)
		abort();
	client_write(0, req, strlen(req));
	for (i = 0; i < 64; i++) {
		ssize_t r;

		settle();
		r = recv(clients[0], reply + got, size - 1 - got, MSG_DONTWAIT);
		if (r == 0)
			break;
		if (r > 0)
			got += (size_t)r;
	}
	close(clients[0]);
	clients[0] = -1;
	reply[got] = 0;
	settle();
	return got;
}

/**
 * teardown() - the clients go, time passes, the server must serve the next
 *		one and leave nothing behind once the tables are cleared
 */
static void teardown(void)
{
	static char reply[1 << 20];
	int k;

	for (k = 0; k < CLIENTS; k++) {
		if (clients[k] >= 0)
			close(clients[k]);
		clients[k] = -1;
	}
	settle();
	clock_fuzz_offset_ms += 3000;
	ctl_timer(&c, now_ms());
	settle();

	request("pesto 1\nclear host\negress default allow\nend\n", reply,
		sizeof(reply));
	if (strncmp(reply, "ok\n", 3)) {
		fprintf(stderr, "clearing the tables: %s\n", reply);
		abort();
	}
	request("pesto 1\nstats\nend\n", reply, sizeof(reply));
	if (strncmp(reply, "ok\n", 3)) {
		fprintf(stderr, "stats: %s\n", reply);
		abort();
	}
	if (listen_count()) {
		fprintf(stderr, "%u forwarding sockets left\n", listen_count());
		abort();
	}
	if (fuzz_fd_scan(false) != fds_before) {
		fprintf(stderr, "descriptors left\n");
		fuzz_fd_scan(true);
		abort();
	}
}

/**
 * cleanup() - remove the control socket and its directory, at exit
 */
static void cleanup(void)
{
	unlink(c.ctl_path);
	rmdir(dir);
}

/**
 * LLVMFuzzerInitialize() - libFuzzer set-up: namespace, context, server
 * @argc:	unused
 * @argv:	unused
 *
 * Return: 0
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct rlimit rl = { .rlim_cur = NOFILE, .rlim_max = NOFILE };

	(void)argc;
	(void)argv;

	log_set_level(getenv("FUZZ_CTL_TRACE") ? LOG_TRACE : LOG_CRIT);
	log_to_stderr(true);
	own_netns = fuzz_netns_setup();
	if (!own_netns) {
		fprintf(stderr, "fuzz_ctl_server: no network namespace of its "
			"own: doing nothing\n");
		return 0;
	}

	fuzz_ctx_init(&c, 0);
	c.mode = MODE_PASST;
	c.fd_tap = c.fd_tap_listen = -1;
	c.epollfd = epoll_create1(EPOLL_CLOEXEC);
	if (c.epollfd < 0 || flow_init() || tcp_init(&c))
		abort();
	snprintf(dir, sizeof(dir), "/tmp/fuzz_ctl_server.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(c.ctl_path, sizeof(c.ctl_path), "%s/ctl", dir);
	if (ctl_init(&c))
		abort();
	atexit(cleanup);
	if (setrlimit(RLIMIT_NOFILE, &rl))
		abort();
	fds_before = fuzz_fd_scan(false);
	return 0;
}

/**
 * LLVMFuzzerTestOneInput() - libFuzzer entry point
 * @data:	operations, see fuzz_op()
 * @size:	their length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i = 0;

	if (!own_netns || size > 4096)
		return 0;
	while (i < size)
		i += fuzz_op(data + i, size - i);
	teardown();
	return 0;
}
