// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pesto.c - client of the control socket of passt and pasta (-c PATH)
 *
 *	pesto [-A|--add] [-D|--delete] [-C|--clear HOST|SPLICE]
 *	      [-t|-u|-T|-U SPEC]... [-s|--show] PATH
 *	pesto --flows [--json] PATH
 *	pesto --stats [--json] PATH
 *	pesto [--egress-allow|--egress-deny SPEC]... [--egress-default
 *	      allow|deny] [--egress] PATH
 *
 * Theory of operation: options are turned, in order, into one request
 * (ctl/msg.c): -A and -D set what the following specifications do (add,
 * delete; replace the table if neither was given), -C clears one side.
 * Each SPEC is checked here with the parser passt uses (policy/portspec.c),
 * so that a typo gets its message before anything is sent; everything else
 * (conflicts, ports in use) is passt's to check, and the whole request is
 * applied or refused as one. The egress options, if any, replace the whole
 * egress policy, and are checked here with policy/egress.c; --egress lists
 * it. Without any change or query, the request is
 * "show". The reply is "ok" and a listing, printed as is, or "error" and a
 * message, printed on standard error with exit status 1.
 */

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ctl/msg.h"
#include "policy/egress.h"
#include "policy/portspec.h"

#define PESTO_TIMEOUT_MS	10000	/* for each step of the exchange */
#define PESTO_CLOSED	"connection closed without a reply (refused: not " \
			"the user passt or pasta runs as?)"

static struct ctl_req req;
static struct port_fwd check;		/* scratch, for checking a SPEC */
static struct egress_table egress;	/* the same, for egress SPECs */

/**
 * usage() - print the command line summary and exit
 * @name:	program name
 * @status:	exit status; the summary goes to stderr unless it's 0
 */
static void __attribute__((noreturn)) usage(const char *name, int status)
{
	FILE *f = status ? stderr : stdout;

	fprintf(f,
"Usage: %s [OPTION]... PATH\n"
"Change the port forwarding of a running passt or pasta, started with\n"
"-c PATH, or show its forwarding rules, flows and counters.\n"
"\n"
"  -t, --tcp-ports SPEC	Forward host TCP ports, as passt's -t\n"
"  -u, --udp-ports SPEC	Forward host UDP ports, as passt's -u\n"
"  -T, --tcp-ns SPEC	Forward namespace TCP ports (pasta), as -T\n"
"  -U, --udp-ns SPEC	Forward namespace UDP ports (pasta), as -U\n"
"			Without -A or -D, the first SPEC of a table\n"
"			replaces it, later ones add to it\n"
"  -A, --add		Following SPECs add rules (no-op if present)\n"
"  -D, --delete		Following SPECs delete rules (must be present)\n"
"  -C, --clear HOST|SPLICE	Remove every rule of -t and -u (HOST), or of\n"
"			-T and -U (SPLICE)\n"
"  -s, --show		Print the forwarding rules, one a line (the\n"
"			default without other options)\n"
"      --flows		Print every flow, one a line\n"
"      --stats		Print counters\n"
"      --json		Print flows or counters as JSON\n"
"      --egress-deny SPEC	Egress rules, as passt's options of the same\n"
"      --egress-allow SPEC	names: together, they replace the whole egress\n"
"      --egress-default allow|deny	policy (default: allow)\n"
"      --egress		Print the egress policy, as options\n"
"  -h, --help		Display this help message and exit\n"
"      --version		Show version and exit\n"
"\n"
"Options apply in order, and all changes at once or none: on failure,\n"
"nothing changes, the reason is printed and the exit status is 1.\n",
		name);
	exit(status);
}

/**
 * die() - print a message to stderr and exit with status 1
 * @fmt:	format string, then arguments
 */
__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("pesto: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_FAILURE);
}

/**
 * add_change() - add a change to the request
 * @op:		enum ctl_op
 * @table:	index in CTL_TABLE_LETTERS, or CTL_PIF_* for a clear
 * @spec:	specification, NULL for a clear
 */
static void add_change(enum ctl_op op, unsigned int table, const char *spec)
{
	struct ctl_change *ch;
	char err[PORT_SPEC_ERR_LEN];

	if (req.n >= CTL_CHANGES_MAX)
		die("too many changes (max %d)", CTL_CHANGES_MAX);
	ch = &req.ch[req.n];
	ch->op = (uint8_t)op;
	ch->table = (uint8_t)table;
	ch->spec[0] = '\0';

	if (spec && op == CTL_OP_EGRESS) {
		const char *name = table == CTL_EGRESS_DENY ? "deny" :
				   table == CTL_EGRESS_ALLOW ? "allow" :
							       "default";

		if (!ctl_spec_valid(spec))
			die("--egress-%s: invalid specification '%s'", name,
			    spec);
		egress_init(&egress);
		if (table != CTL_EGRESS_DEFAULT &&
		    egress_add(&egress, table == CTL_EGRESS_DENY, spec, err,
			       sizeof(err)))
			die("--egress-%s %s: %s", name, spec, err);
		snprintf(ch->spec, sizeof(ch->spec), "%s", spec);
	} else if (spec) {
		if (!ctl_spec_valid(spec))
			die("-%c: invalid specification '%s'",
			    CTL_TABLE_LETTERS[table], spec);
		port_fwd_init(&check);
		if (port_spec_parse(&check, spec, false, 0, err, sizeof(err)))
			die("-%c %s: %s", CTL_TABLE_LETTERS[table], spec, err);
		snprintf(ch->spec, sizeof(ch->spec), "%s", spec);
	}
	req.n++;
}

/**
 * wait_fd() - wait until a descriptor is ready
 * @fd:		descriptor
 * @events:	POLLIN or POLLOUT
 */
static void wait_fd(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int rc;

	do
		rc = poll(&pfd, 1, PESTO_TIMEOUT_MS);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		die("poll: %s", strerror(errno));
	if (!rc)
		die("no answer from the control socket");
}

/**
 * exchange() - send the request, print the reply
 * @path:	control socket
 *
 * Return: exit status: 0 for "ok", 1 for an error
 */
static int exchange(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[CTL_REQ_MAX], line[1024];
	size_t off = 0, ll = 0;
	int s, len, status = -1;
	ssize_t n;

	len = ctl_req_fmt(&req, buf, sizeof(buf));
	if (len < 0)
		die("request too long");

	if (strlen(path) >= sizeof(sa.sun_path))
		die("path too long: %s", path);
	memcpy(sa.sun_path, path, strlen(path));
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		die("socket: %s", strerror(errno));
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)))
		die("can't connect to %s: %s", path, strerror(errno));

	while (off < (size_t)len) {
		wait_fd(s, POLLOUT);
		n = send(s, buf + off, (size_t)len - off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			die(PESTO_CLOSED);
		if (n < 0)
			die("can't send request: %s", strerror(errno));
		off += (size_t)n;
	}

	/* First line: status; then the listing, as it comes */
	for (;;) {
		char *p;

		wait_fd(s, POLLIN);
		n = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0 && errno == ECONNRESET && status < 0)
			die(PESTO_CLOSED);
		if (n < 0)
			die("can't read reply: %s", strerror(errno));
		if (!n)
			break;
		if (status >= 0) {
			fwrite(buf, 1, (size_t)n, stdout);
			continue;
		}
		for (p = buf; p < buf + n; p++) {
			if (*p != '\n') {
				if (ll < sizeof(line) - 1)
					line[ll++] = *p;
				continue;
			}
			line[ll] = '\0';
			if (!strcmp(line, CTL_RESP_OK)) {
				status = 0;
			} else if (!strncmp(line, CTL_RESP_ERR " ",
					    strlen(CTL_RESP_ERR) + 1)) {
				fprintf(stderr, "pesto: %s\n",
					line + strlen(CTL_RESP_ERR) + 1);
				status = 1;
			} else {
				die("unexpected reply: %s", line);
			}
			p++;
			fwrite(p, 1, (size_t)(buf + n - p), stdout);
			break;
		}
	}
	close(s);
	if (status < 0)
		die(PESTO_CLOSED);
	if (fflush(stdout))
		die("can't write output: %s", strerror(errno));
	return status;
}

/**
 * main() - pesto's entry point
 * @argc:	argument count
 * @argv:	arguments
 *
 * Return: 0 on success, 1 on failure
 */
int main(int argc, char **argv)
{
	enum { OPT_FLOWS = 0x100, OPT_STATS, OPT_JSON, OPT_VERSION,
	       OPT_EGRESS, OPT_EGRESS_ALLOW, OPT_EGRESS_DENY,
	       OPT_EGRESS_DEFAULT };
	static const struct option options[] = {
		{ "add",	no_argument,		NULL, 'A' },
		{ "delete",	no_argument,		NULL, 'D' },
		{ "clear",	required_argument,	NULL, 'C' },
		{ "tcp-ports",	required_argument,	NULL, 't' },
		{ "udp-ports",	required_argument,	NULL, 'u' },
		{ "tcp-ns",	required_argument,	NULL, 'T' },
		{ "udp-ns",	required_argument,	NULL, 'U' },
		{ "show",	no_argument,		NULL, 's' },
		{ "flows",	no_argument,		NULL, OPT_FLOWS },
		{ "stats",	no_argument,		NULL, OPT_STATS },
		{ "json",	no_argument,		NULL, OPT_JSON },
		{ "egress",	no_argument,		NULL, OPT_EGRESS },
		{ "egress-allow", required_argument,	NULL, OPT_EGRESS_ALLOW },
		{ "egress-deny", required_argument,	NULL, OPT_EGRESS_DENY },
		{ "egress-default", required_argument,	NULL,
		  OPT_EGRESS_DEFAULT },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, OPT_VERSION },
		{ 0 },
	};
	enum ctl_op op = CTL_OP_REPLACE;
	enum ctl_query query = CTL_Q_NONE;
	const char *name = "pesto";
	int opt;

	signal(SIGPIPE, SIG_IGN);
	while ((opt = getopt_long(argc, argv, "+ADC:t:u:T:U:sh", options,
				  NULL)) != -1) {
		const char *letter;
		enum ctl_query q = CTL_Q_NONE;

		switch (opt) {
		case 'A':
			op = CTL_OP_ADD;
			break;
		case 'D':
			op = CTL_OP_DELETE;
			break;
		case 'C':
			if (!strcasecmp(optarg, "HOST"))
				add_change(CTL_OP_CLEAR, CTL_PIF_HOST, NULL);
			else if (!strcasecmp(optarg, "SPLICE"))
				add_change(CTL_OP_CLEAR, CTL_PIF_SPLICE, NULL);
			else
				die("-C: HOST or SPLICE, not '%s'", optarg);
			break;
		case 't':
		case 'u':
		case 'T':
		case 'U':
			letter = strchr(CTL_TABLE_LETTERS, opt);
			add_change(op, (unsigned int)(letter -
						      CTL_TABLE_LETTERS),
				   optarg);
			break;
		case 's':
			q = CTL_Q_SHOW;
			break;
		case OPT_FLOWS:
			q = CTL_Q_FLOWS;
			break;
		case OPT_STATS:
			q = CTL_Q_STATS;
			break;
		case OPT_JSON:
			req.json = true;
			break;
		case OPT_EGRESS:
			q = CTL_Q_EGRESS;
			break;
		case OPT_EGRESS_ALLOW:
		case OPT_EGRESS_DENY:
			add_change(CTL_OP_EGRESS, opt == OPT_EGRESS_DENY ?
				   CTL_EGRESS_DENY : CTL_EGRESS_ALLOW, optarg);
			break;
		case OPT_EGRESS_DEFAULT:
			if (strcmp(optarg, "allow") && strcmp(optarg, "deny"))
				die("--egress-default: allow or deny, not "
				    "'%s'", optarg);
			add_change(CTL_OP_EGRESS, CTL_EGRESS_DEFAULT, optarg);
			break;
		case 'h':
			usage(name, EXIT_SUCCESS);
		case OPT_VERSION:
			printf("pesto " VERSION "\n");
			return EXIT_SUCCESS;
		default:
			usage(name, EXIT_FAILURE);
		}
		if (q != CTL_Q_NONE) {
			if (query != CTL_Q_NONE && query != q)
				die("--show, --flows, --stats and --egress go "
				    "alone");
			query = q;
		}
	}

	if (optind != argc - 1) {
		fprintf(stderr, "pesto: %s\n", optind == argc ?
			"missing PATH of the control socket" :
			"one PATH only, after the options");
		usage(name, EXIT_FAILURE);
	}
	if (query == CTL_Q_NONE && !req.n)
		query = CTL_Q_SHOW;
	req.query = query;

	return exchange(argv[optind]);
}
