// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_ctl.c - the control socket's message parser and writer (ctl/msg.c),
 * and what run-time changes need from the port specifications: the target
 * address form, one rule formatted back, merge with no-op duplicates, and
 * removal of exact rules
 */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "ctl/msg.h"
#include "policy/portspec.h"
#include "unit.h"

#define EPH	32768

static struct ctl_req req, req2;
static char err[512];
static struct port_fwd fwd, add;

/* Parse a NUL-terminated request */
static int parse(const char *text)
{
	err[0] = '\0';
	return ctl_req_parse(text, strlen(text), &req, err, sizeof(err));
}

TEST(msg_complete)
{
	CHECK_EQ(parse("pesto 1\nend\n"), 0);
	CHECK_EQ(req.query, CTL_Q_NONE);
	CHECK_EQ(req.n, 0);

	CHECK_EQ(parse("pesto 1\nadd t 0.0.0.0/8080:198.51.100.7/80\n"
		       "delete U 53\nreplace u 5353\nclear host\n"
		       "clear splice\nshow\nend\n"), 0);
	CHECK_EQ(req.n, 5);
	CHECK_EQ(req.ch[0].op, CTL_OP_ADD);
	CHECK_EQ(req.ch[0].table, 0);
	CHECK_STR(req.ch[0].spec, "0.0.0.0/8080:198.51.100.7/80");
	CHECK_EQ(req.ch[1].op, CTL_OP_DELETE);
	CHECK_EQ(req.ch[1].table, 3);
	CHECK_EQ(req.ch[2].op, CTL_OP_REPLACE);
	CHECK_EQ(req.ch[2].table, 1);
	CHECK_EQ(req.ch[3].op, CTL_OP_CLEAR);
	CHECK_EQ(req.ch[3].table, CTL_PIF_HOST);
	CHECK_EQ(req.ch[4].table, CTL_PIF_SPLICE);
	CHECK_EQ(req.query, CTL_Q_SHOW);

	CHECK_EQ(parse("pesto 1\nflows\njson\nend\n"), 0);
	CHECK_EQ(req.query, CTL_Q_FLOWS);
	CHECK(req.json);
	CHECK_EQ(parse("pesto 1\nstats\nend\n"), 0);
	CHECK_EQ(req.query, CTL_Q_STATS);
}

TEST(msg_incomplete)
{
	static const char full[] = "pesto 1\nadd t 8080\nshow\nend\n";
	size_t i;

	/* Every prefix is incomplete, not bad */
	for (i = 0; i < sizeof(full) - 1; i++) {
		err[0] = '\0';
		CHECK_EQ(ctl_req_parse(full, i, &req, err, sizeof(err)),
			 -EAGAIN);
	}
	CHECK_EQ(ctl_req_parse(full, sizeof(full) - 1, &req, err,
			       sizeof(err)), 0);
}

TEST(msg_bad)
{
	static char big[CTL_REQ_MAX + 16];
	int i;

	CHECK_EQ(parse("GET / HTTP/1.0\r\n"), -EINVAL);
	CHECK(strstr(err, "Not a control request"));
	CHECK_EQ(parse("x"), -EINVAL);
	CHECK_EQ(parse("pesto 2\nend\n"), -EINVAL);
	CHECK_EQ(parse("pesto 1\nfrobnicate\nend\n"), -EINVAL);
	CHECK(strstr(err, "Unknown request line 'frobnicate'"));
	CHECK_EQ(parse("pesto 1\nadd x 22\nend\n"), -EINVAL);
	CHECK(strstr(err, "Bad table"));
	CHECK_EQ(parse("pesto 1\nadd t\nend\n"), -EINVAL);
	CHECK_EQ(parse("pesto 1\nadd t \nend\n"), -EINVAL);
	CHECK_EQ(parse("pesto 1\nadd t 22 23\nend\n"), -EINVAL);
	CHECK(strstr(err, "Invalid characters"));
	CHECK_EQ(parse("pesto 1\nadd t 2\x01\nend\n"), -EINVAL);
	CHECK_EQ(parse("pesto 1\nshow\nstats\nend\n"), -EINVAL);
	CHECK(strstr(err, "More than one query"));
	CHECK_EQ(parse("pesto 1\nend\nshow\n"), -EINVAL);
	CHECK(strstr(err, "after the end"));
	CHECK_EQ(ctl_req_parse("pesto 1\n\0nd\n", 12, &req, err, sizeof(err)),
		 -EINVAL);

	/* Too many changes, too long a SPEC, too long a request */
	strcpy(big, "pesto 1\n");
	for (i = 0; i <= CTL_CHANGES_MAX; i++)
		strcat(big, "add t 1\n");
	strcat(big, "end\n");
	CHECK_EQ(parse(big), -EINVAL);
	CHECK(strstr(err, "Too many changes"));

	strcpy(big, "pesto 1\nadd t ");
	memset(big + strlen(big), '1', CTL_SPEC_MAX);
	strcpy(big + strlen("pesto 1\nadd t ") + CTL_SPEC_MAX, "\nend\n");
	CHECK_EQ(parse(big), -EINVAL);
	CHECK(strstr(err, "too long"));

	memcpy(big, "pesto 1\n", 8);
	memset(big + 8, 'a', sizeof(big) - 8);
	CHECK_EQ(ctl_req_parse(big, CTL_REQ_MAX, &req, err, sizeof(err)),
		 -EINVAL);
	CHECK(strstr(err, "Request too long"));
	/* No error buffer */
	CHECK_EQ(ctl_req_parse("bad\n", 4, &req, NULL, 0), -EINVAL);
}

TEST(msg_roundtrip)
{
	static char buf[CTL_REQ_MAX];
	int len, i;

	memset(&req2, 0, sizeof(req2));
	req2.query = CTL_Q_FLOWS;
	req2.json = true;
	req2.n = 3;
	req2.ch[0].op = CTL_OP_ADD;
	req2.ch[0].table = 0;
	strcpy(req2.ch[0].spec, "[::]/8080:2001:db8::7/80");
	req2.ch[1].op = CTL_OP_CLEAR;
	req2.ch[1].table = CTL_PIF_SPLICE;
	req2.ch[2].op = CTL_OP_DELETE;
	req2.ch[2].table = 2;
	strcpy(req2.ch[2].spec, "~22");

	len = ctl_req_fmt(&req2, buf, sizeof(buf));
	CHECK(len > 0);
	CHECK_EQ(ctl_req_parse(buf, (size_t)len, &req, err, sizeof(err)), 0);
	CHECK_EQ(req.n, req2.n);
	CHECK_EQ(req.query, req2.query);
	CHECK_EQ(req.json, req2.json);
	for (i = 0; i < req.n; i++) {
		CHECK_EQ(req.ch[i].op, req2.ch[i].op);
		CHECK_EQ(req.ch[i].table, req2.ch[i].table);
		CHECK_STR(req.ch[i].spec, req2.ch[i].spec);
	}

	/* A spec that can't go on a line, a buffer too small */
	strcpy(req2.ch[0].spec, "a b");
	CHECK_EQ(ctl_req_fmt(&req2, buf, sizeof(buf)), -1);
	strcpy(req2.ch[0].spec, "22");
	CHECK_EQ(ctl_req_fmt(&req2, buf, 12), -1);
	CHECK(!ctl_spec_valid(""));
	CHECK(ctl_spec_valid("22"));
}

TEST(msg_egress)
{
	static char buf[CTL_REQ_MAX];
	int len, i;

	CHECK_EQ(parse("pesto 1\negress deny private\n"
		       "egress allow [2001:db8::]/32:tcp:443\n"
		       "egress default deny\negress\nend\n"), 0);
	CHECK_EQ(req.n, 3);
	CHECK_EQ(req.query, CTL_Q_EGRESS);
	CHECK_EQ(req.ch[0].op, CTL_OP_EGRESS);
	CHECK_EQ(req.ch[0].table, CTL_EGRESS_DENY);
	CHECK_STR(req.ch[0].spec, "private");
	CHECK_EQ(req.ch[1].table, CTL_EGRESS_ALLOW);
	CHECK_STR(req.ch[1].spec, "[2001:db8::]/32:tcp:443");
	CHECK_EQ(req.ch[2].table, CTL_EGRESS_DEFAULT);
	CHECK_STR(req.ch[2].spec, "deny");

	/* Written back as parsed */
	req2 = req;
	len = ctl_req_fmt(&req2, buf, sizeof(buf));
	CHECK(len > 0);
	CHECK_EQ(ctl_req_parse(buf, (size_t)len, &req, err, sizeof(err)), 0);
	CHECK_EQ(req.n, 3);
	CHECK_EQ(req.query, CTL_Q_EGRESS);
	for (i = 0; i < req.n; i++) {
		CHECK_EQ(req.ch[i].op, req2.ch[i].op);
		CHECK_EQ(req.ch[i].table, req2.ch[i].table);
		CHECK_STR(req.ch[i].spec, req2.ch[i].spec);
	}

	/* Bad ones */
	CHECK_EQ(parse("pesto 1\negress default maybe\nend\n"), -EINVAL);
	CHECK(strstr(err, "allow or deny"));
	CHECK_EQ(parse("pesto 1\negress deny \nend\n"), -EINVAL);
	CHECK_EQ(parse("pesto 1\negress deny a b\nend\n"), -EINVAL);
	CHECK(strstr(err, "Invalid characters"));
	CHECK_EQ(parse("pesto 1\negress drop private\nend\n"), -EINVAL);
	CHECK(strstr(err, "Unknown request line"));
	CHECK_EQ(parse("pesto 1\negress\nshow\nend\n"), -EINVAL);
	CHECK(strstr(err, "More than one query"));
	req2.ch[0].table = 7;
	CHECK_EQ(ctl_req_fmt(&req2, buf, sizeof(buf)), -1);
}

/* Format the only rule of @f */
static const char *rule0(const struct port_fwd *f)
{
	static char buf[256];

	port_rule_fmt(&f->rules[0], buf, sizeof(buf));
	return buf;
}

/* Parse @spec alone into @f */
static int parse1(struct port_fwd *f, const char *spec)
{
	port_fwd_init(f);
	err[0] = '\0';
	return port_spec_parse(f, spec, false, EPH, err, sizeof(err));
}

TEST(target_form)
{
	CHECK_EQ(parse1(&fwd, "0.0.0.0/8080:198.51.100.7/80"), 0);
	CHECK_EQ(fwd.rule_count, 1);
	CHECK_EQ(fwd.rules[0].taf, AF_INET);
	CHECK_EQ(fwd.rules[0].first, 8080);
	CHECK_EQ(fwd.rules[0].target_first, 80);
	CHECK_STR(rule0(&fwd), "0.0.0.0/8080:198.51.100.7/80");

	/* Podman's unbracketed IPv6 target, and the bracketed one, alike */
	CHECK_EQ(parse1(&fwd, "[::]/8080:2001:db8::7/80"), 0);
	CHECK_EQ(fwd.rules[0].taf, AF_INET6);
	CHECK_STR(rule0(&fwd), "[::]/8080:[2001:db8::7]/80");
	CHECK_EQ(parse1(&add, "[::]/8080:[2001:db8::7]/80"), 0);
	CHECK(port_rule_equal(&fwd.rules[0], &add.rules[0]));
	CHECK_EQ(parse1(&add, "::/8080:2001:db8::7/80"), 0);
	CHECK(port_rule_equal(&fwd.rules[0], &add.rules[0]));

	/* Ranges */
	CHECK_EQ(parse1(&fwd, "192.0.2.2/8080-8089:198.51.100.7/80-89"), 0);
	CHECK_EQ(fwd.rules[0].last, 8089);
	CHECK_STR(rule0(&fwd), "192.0.2.2/8080-8089:198.51.100.7/80-89");

	/* What's refused */
	CHECK_EQ(parse1(&fwd, "0.0.0.0/8080:2001:db8::7/80"), -EINVAL);
	CHECK(strstr(err, "different IP versions"));
	CHECK_EQ(parse1(&fwd, "[::]/8080:198.51.100.7/80"), -EINVAL);
	CHECK_EQ(parse1(&fwd, "0.0.0.0/8080:0.0.0.0/80"), -EINVAL);
	CHECK(strstr(err, "unspecified"));
	CHECK_EQ(parse1(&fwd, "0.0.0.0/8080:198.51.100.777/80"), -EINVAL);
	CHECK(strstr(err, "Invalid target address"));
	CHECK_EQ(parse1(&fwd, "0.0.0.0/8080,8081:198.51.100.7/80"), -EINVAL);
	CHECK_EQ(parse1(&fwd, "0.0.0.0/~8080:198.51.100.7/80"), -EINVAL);
	CHECK_EQ(parse1(&fwd, "0.0.0.0/8080:198.51.100.7/"), -EINVAL);
	CHECK_EQ(parse1(&fwd, "0.0.0.0/8080/80"), -EINVAL);
	CHECK_EQ(parse1(&fwd, "0.0.0.0/8080:/80"), -EINVAL);
	CHECK_EQ(parse1(&fwd, "0.0.0.0/8080:[]/80"), -EINVAL);
	CHECK_EQ(parse1(&fwd, "0.0.0.0/8080-8081:198.51.100.7/80-82"),
		 -EINVAL);
	CHECK_EQ(parse1(&fwd, "[fe80::1%eth0]/8080:fe80::2%eth0/80"),
		 -EINVAL);

	/* Podman's pair of rules for one port, IPv4 and IPv6, coexist */
	CHECK_EQ(parse1(&fwd, "0.0.0.0/8080:198.51.100.7/80"), 0);
	CHECK_EQ(port_spec_parse(&fwd, "[::]/8080:2001:db8::7/80", false, EPH,
				 err, sizeof(err)), 0);
	CHECK_EQ(fwd.rule_count, 2);
	/* ...but not the same port to two addresses of one version */
	CHECK_EQ(port_spec_parse(&fwd, "0.0.0.0/8080:198.51.100.8/80", false,
				 EPH, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "given twice"));
}

TEST(merge_remove)
{
	port_fwd_init(&fwd);
	CHECK_EQ(parse1(&add, "0.0.0.0/8080:198.51.100.7/80"), 0);
	CHECK_EQ(port_fwd_merge(&fwd, &add, err, sizeof(err)), 0);
	CHECK_EQ(fwd.mode, PORT_FWD_SPEC);
	CHECK_EQ(fwd.rule_count, 1);
	CHECK(port_fwd_has(&fwd, 8080));
	CHECK_EQ(port_fwd_target(&fwd, 8080), 80);

	/* Exact duplicate: no-op */
	CHECK_EQ(port_fwd_merge(&fwd, &add, err, sizeof(err)), 0);
	CHECK_EQ(fwd.rule_count, 1);

	/* Second container, other port */
	CHECK_EQ(parse1(&add, "0.0.0.0/8081:198.51.100.8/80"), 0);
	CHECK_EQ(port_spec_parse(&add, "[::]/8081:2001:db8::8/80", false, EPH,
				 err, sizeof(err)), 0);
	CHECK_EQ(port_fwd_merge(&fwd, &add, err, sizeof(err)), 0);
	CHECK_EQ(fwd.rule_count, 3);

	/* Conflict: nothing changes */
	CHECK_EQ(parse1(&add, "8085-8090"), 0);
	CHECK_EQ(port_spec_parse(&add, "8080", false, EPH, err, sizeof(err)),
		 0);
	CHECK_EQ(port_fwd_merge(&fwd, &add, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "Port 8080 given twice in '8080'"));
	CHECK_EQ(fwd.rule_count, 3);
	CHECK(!port_fwd_has(&fwd, 8085));

	/* Remove: exact rules only, all or nothing */
	CHECK_EQ(parse1(&add, "0.0.0.0/8081:198.51.100.8/80"), 0);
	CHECK_EQ(port_spec_parse(&add, "0.0.0.0/8080:198.51.100.9/80", false,
				 EPH, err, sizeof(err)), 0);
	CHECK_EQ(port_fwd_remove(&fwd, &add, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "No such rule: '0.0.0.0/8080:198.51.100.9/80'"));
	CHECK_EQ(fwd.rule_count, 3);

	CHECK_EQ(parse1(&add, "0.0.0.0/8080:198.51.100.7/80"), 0);
	CHECK_EQ(port_fwd_remove(&fwd, &add, err, sizeof(err)), 0);
	CHECK_EQ(fwd.rule_count, 2);
	CHECK(port_fwd_has(&fwd, 8081));
	CHECK(!port_fwd_has(&fwd, 8080));
	CHECK_EQ(port_fwd_target(&fwd, 8080), 8080);
	/* ...and the same again: gone */
	CHECK_EQ(port_fwd_remove(&fwd, &add, err, sizeof(err)), -ENOENT);

	/* "auto" can't be merged into */
	port_fwd_init(&fwd);
	fwd.mode = PORT_FWD_AUTO;
	CHECK_EQ(port_fwd_merge(&fwd, &add, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "auto"));

	/* The rule limit holds for merges too */
	port_fwd_init(&fwd);
	CHECK_EQ(parse1(&add, "~2,~4"), 0);
	CHECK_EQ(port_fwd_merge(&fwd, &add, err, sizeof(err)), 0);
	CHECK_EQ(fwd.rule_count, 3);
}

TEST(rule_fmt_roundtrip)
{
	static const char *const specs[] = {
		"22", "2222:22", "8000-8010:9000-9010", "192.0.2.1/443",
		"2001:db8::1/22", "%eth0/22", "192.0.2.1%eth0/22",
		"0.0.0.0/8080:198.51.100.7/80",
		"[2001:db8::1]/8080:[2001:db8::7]/80",
	};
	unsigned int i;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		CHECK_EQ(parse1(&fwd, specs[i]), 0);
		CHECK_EQ(fwd.rule_count, 1);
		CHECK_EQ(parse1(&add, rule0(&fwd)), 0);
		CHECK(port_rule_equal(&fwd.rules[0], &add.rules[0]));
	}
}

UNIT_MAIN()
