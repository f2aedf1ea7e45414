// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_portspec.c - port forwarding specifications: man page examples,
 * address forms, errors, and a randomised comparison of the lookup tables
 * against a slow, obviously correct reference
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "unit.h"
#include "policy/portspec.h"

#define EPH	32768

/* Large: keep them static */
static struct port_fwd fwd, snap, fwd2;
static char err[PORT_SPEC_ERR_LEN];

/* Reset @f, then parse @spec into it, as -t with pasta's "auto" allowed */
static int parse1(struct port_fwd *f, const char *spec)
{
	port_fwd_init(f);
	err[0] = '\0';
	return port_spec_parse(f, spec, true, EPH, err, sizeof(err));
}

/* Parse one more occurrence of an option into @f */
static int parse_more(struct port_fwd *f, const char *spec)
{
	err[0] = '\0';
	return port_spec_parse(f, spec, true, EPH, err, sizeof(err));
}

/* Check that exactly ports @first to @last are forwarded, with translation
 * @delta, by comparing every port
 */
static int only_range(const struct port_fwd *f, unsigned int first,
		      unsigned int last, int delta)
{
	unsigned int p;
	int bad = 0;

	for (p = 0; p < 65536; p++) {
		bool in = p >= first && p <= last;

		if (port_fwd_has(f, (uint16_t)p) != in)
			bad++;
		else if (in && port_fwd_target(f, (uint16_t)p) !=
			 (uint16_t)(p + (unsigned int)delta))
			bad++;
		else if (!in && port_fwd_target(f, (uint16_t)p) != p)
			bad++;
	}
	return bad;
}

/* Count forwarded ports */
static unsigned int count_ports(const struct port_fwd *f)
{
	unsigned int p, n = 0;

	for (p = 0; p < 65536; p++)
		n += port_fwd_has(f, (uint16_t)p);
	return n;
}

/* Format @f into a static buffer */
static const char *fmt(const struct port_fwd *f)
{
	static char buf[65536];

	port_spec_fmt(f, buf, sizeof(buf));
	return buf;
}

TEST(man_single)
{
	CHECK_EQ(parse1(&fwd, "22"), 0);
	CHECK_EQ(fwd.mode, PORT_FWD_SPEC);
	CHECK_EQ(fwd.rule_count, 1);
	CHECK_EQ(fwd.rules[0].af, AF_UNSPEC);
	CHECK_STR(fwd.rules[0].ifname, "");
	CHECK(!fwd.rules[0].weak);
	CHECK_EQ(only_range(&fwd, 22, 22, 0), 0);
	CHECK_STR(fmt(&fwd), "22");
}

TEST(man_translate)
{
	CHECK_EQ(parse1(&fwd, "22:23"), 0);
	CHECK_EQ(only_range(&fwd, 22, 22, 1), 0);
	CHECK_EQ(port_fwd_target(&fwd, 22), 23);
	CHECK_STR(fmt(&fwd), "22:23");
}

TEST(man_list)
{
	CHECK_EQ(parse1(&fwd, "22,25"), 0);
	CHECK_EQ(fwd.rule_count, 2);
	CHECK(port_fwd_has(&fwd, 22));
	CHECK(port_fwd_has(&fwd, 25));
	CHECK(!port_fwd_has(&fwd, 23));
	CHECK(!port_fwd_has(&fwd, 24));
	CHECK_EQ(count_ports(&fwd), 2);
	CHECK_EQ(port_fwd_target(&fwd, 25), 25);
	CHECK_STR(fmt(&fwd), "22,25");
}

TEST(man_range)
{
	CHECK_EQ(parse1(&fwd, "22-80"), 0);
	CHECK_EQ(fwd.rule_count, 1);
	CHECK_EQ(only_range(&fwd, 22, 80, 0), 0);
	CHECK_STR(fmt(&fwd), "22-80");
}

TEST(man_range_translate)
{
	CHECK_EQ(parse1(&fwd, "22-80:32-90"), 0);
	CHECK_EQ(only_range(&fwd, 22, 80, 10), 0);
	CHECK_EQ(port_fwd_target(&fwd, 80), 90);
	CHECK_STR(fmt(&fwd), "22-80:32-90");

	/* Target start only: same length implied */
	CHECK_EQ(parse1(&fwd, "22-80:32"), 0);
	CHECK_EQ(only_range(&fwd, 22, 80, 10), 0);

	/* Translation downwards wraps modulo 65536 in the delta table */
	CHECK_EQ(parse1(&fwd, "8080-8089:80-89"), 0);
	CHECK_EQ(only_range(&fwd, 8080, 8089, 80 - 8080), 0);
	CHECK_EQ(port_fwd_target(&fwd, 8089), 89);
	CHECK_EQ(parse1(&fwd, "65535:1"), 0);
	CHECK_EQ(port_fwd_target(&fwd, 65535), 1);
	CHECK_EQ(parse1(&fwd, "1:65535"), 0);
	CHECK_EQ(port_fwd_target(&fwd, 1), 65535);
}

TEST(man_addr)
{
	const struct port_spec_rule *r;

	CHECK_EQ(parse1(&fwd, "192.0.2.1/22"), 0);
	CHECK_EQ(fwd.rule_count, 1);
	r = &fwd.rules[0];
	CHECK_EQ(r->af, AF_INET);
	CHECK_EQ(r->addr.a4.s_addr, inet_addr("192.0.2.1"));
	CHECK_STR(r->ifname, "");
	CHECK_EQ(only_range(&fwd, 22, 22, 0), 0);
	CHECK_STR(fmt(&fwd), "192.0.2.1/22");
}

TEST(man_addr_ifname)
{
	const struct port_spec_rule *r;

	CHECK_EQ(parse1(&fwd, "192.0.2.1%eth0/22"), 0);
	r = &fwd.rules[0];
	CHECK_EQ(r->af, AF_INET);
	CHECK_EQ(r->addr.a4.s_addr, inet_addr("192.0.2.1"));
	CHECK_STR(r->ifname, "eth0");
	CHECK_EQ(only_range(&fwd, 22, 22, 0), 0);
	CHECK_STR(fmt(&fwd), "192.0.2.1%eth0/22");
}

TEST(man_ifname)
{
	const struct port_spec_rule *r;

	CHECK_EQ(parse1(&fwd, "%eth0/22"), 0);
	r = &fwd.rules[0];
	CHECK_EQ(r->af, AF_UNSPEC);
	CHECK_STR(r->ifname, "eth0");
	CHECK_EQ(only_range(&fwd, 22, 22, 0), 0);
	CHECK_STR(fmt(&fwd), "%eth0/22");

	/* Longest valid name */
	CHECK_EQ(parse1(&fwd, "%abcdefghijklmno/22"), 0);
	CHECK_STR(fwd.rules[0].ifname, "abcdefghijklmno");
}

TEST(man_exclude)
{
	CHECK_EQ(parse1(&fwd, "2000-5000,~3000-3010"), 0);
	CHECK_EQ(fwd.rule_count, 2);
	CHECK_EQ(fwd.rules[0].first, 2000);
	CHECK_EQ(fwd.rules[0].last, 2999);
	CHECK_EQ(fwd.rules[1].first, 3011);
	CHECK_EQ(fwd.rules[1].last, 5000);
	CHECK(!fwd.rules[0].weak);
	CHECK(port_fwd_has(&fwd, 2999));
	CHECK(!port_fwd_has(&fwd, 3000));
	CHECK(!port_fwd_has(&fwd, 3010));
	CHECK(port_fwd_has(&fwd, 3011));
	CHECK_EQ(count_ports(&fwd), 3001 - 11);
	CHECK_STR(fmt(&fwd), "2000-2999,3011-5000");

	/* Order doesn't matter */
	CHECK_EQ(parse1(&fwd2, "~3000-3010,2000-5000"), 0);
	CHECK(!memcmp(fwd.map, fwd2.map, sizeof(fwd.map)));
}

TEST(man_addr_exclude)
{
	CHECK_EQ(parse1(&fwd, "192.0.2.1/20-30,~25"), 0);
	CHECK_EQ(fwd.rule_count, 2);
	CHECK_EQ(fwd.rules[0].af, AF_INET);
	CHECK_EQ(fwd.rules[1].af, AF_INET);
	CHECK_EQ(fwd.rules[0].first, 20);
	CHECK_EQ(fwd.rules[0].last, 24);
	CHECK_EQ(fwd.rules[1].first, 26);
	CHECK_EQ(fwd.rules[1].last, 30);
	CHECK_EQ(count_ports(&fwd), 10);
	CHECK_STR(fmt(&fwd), "192.0.2.1/20-24,26-30");

	/* Exclusion keeps the translation of the rest of the range */
	CHECK_EQ(parse1(&fwd, "20-30:120-130,~25"), 0);
	CHECK_EQ(port_fwd_target(&fwd, 26), 126);
	CHECK(!port_fwd_has(&fwd, 25));
	CHECK_STR(fmt(&fwd), "20-24:120-124,26-30:126-130");
}

TEST(man_exclude_only)
{
	unsigned int p;
	int bad = 0;

	CHECK_EQ(parse1(&fwd, "~20000-20010"), 0);
	CHECK_EQ(fwd.rule_count, 2);
	CHECK(fwd.rules[0].weak && fwd.rules[1].weak);
	for (p = 0; p < 65536; p++) {
		bool want = p >= 1 && p < EPH && (p < 20000 || p > 20010);

		if (port_fwd_has(&fwd, (uint16_t)p) != want)
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK_STR(fmt(&fwd), "1-19999,20011-32767");

	/* Different ephemeral range */
	port_fwd_init(&fwd);
	CHECK_EQ(port_spec_parse(&fwd, "~22", false, 1024, err, sizeof(err)),
		 0);
	CHECK_EQ(count_ports(&fwd), 1022);
	CHECK(!port_fwd_has(&fwd, 1024));

	/* With an address */
	CHECK_EQ(parse1(&fwd, "192.0.2.1/~25"), 0);
	CHECK_STR(fmt(&fwd), "192.0.2.1/1-24,26-32767");

	/* Excluding outside the only included range does nothing */
	CHECK_EQ(parse1(&fwd, "22,~80"), 0);
	CHECK_EQ(only_range(&fwd, 22, 22, 0), 0);

	/* Excluding everything given is allowed, and forwards nothing */
	CHECK_EQ(parse1(&fwd, "22,~22"), 0);
	CHECK_EQ(count_ports(&fwd), 0);
	CHECK_STR(fmt(&fwd), "none");
}

TEST(man_all_none_auto)
{
	CHECK_EQ(parse1(&fwd, "all"), 0);
	CHECK_EQ(fwd.mode, PORT_FWD_SPEC);
	CHECK_EQ(fwd.rule_count, 1);
	CHECK(fwd.rules[0].weak);
	CHECK_EQ(only_range(&fwd, 1, EPH - 1, 0), 0);
	CHECK_STR(fmt(&fwd), "1-32767");

	port_fwd_init(&fwd);
	CHECK_EQ(port_spec_parse(&fwd, "all", false, 0, err, sizeof(err)), 0);
	CHECK_EQ(only_range(&fwd, 1, PORT_EPHEMERAL_DEFAULT - 1, 0), 0);

	port_fwd_init(&fwd);
	CHECK_EQ(port_spec_parse(&fwd, "all", false, 49152, err, sizeof(err)),
		 0);
	CHECK_EQ(only_range(&fwd, 1, 49151, 0), 0);

	CHECK_EQ(parse1(&fwd, "none"), 0);
	CHECK_EQ(fwd.mode, PORT_FWD_NONE);
	CHECK_EQ(fwd.rule_count, 0);
	CHECK_EQ(count_ports(&fwd), 0);
	CHECK_STR(fmt(&fwd), "none");

	CHECK_EQ(parse1(&fwd, "auto"), 0);
	CHECK_EQ(fwd.mode, PORT_FWD_AUTO);
	CHECK_EQ(count_ports(&fwd), 0);
	CHECK_STR(fmt(&fwd), "auto");

	port_fwd_init(&fwd);
	CHECK_EQ(port_spec_parse(&fwd, "auto", false, EPH, err, sizeof(err)),
		 -EINVAL);
	CHECK(strstr(err, "'auto'"));
	CHECK_EQ(fwd.mode, PORT_FWD_UNSET);

	port_fwd_init(&fwd);
	CHECK_STR(fmt(&fwd), "none");
	CHECK_EQ(count_ports(&fwd), 0);
}

TEST(ipv6_forms)
{
	struct in6_addr a6;
	const struct port_spec_rule *r = &fwd.rules[0];

	inet_pton(AF_INET6, "2001:db8::1", &a6);

	CHECK_EQ(parse1(&fwd, "2001:db8::1/22"), 0);
	CHECK_EQ(r->af, AF_INET6);
	CHECK(IN6_ARE_ADDR_EQUAL(&r->addr.a6, &a6));
	CHECK_STR(r->ifname, "");
	CHECK_EQ(only_range(&fwd, 22, 22, 0), 0);
	CHECK_STR(fmt(&fwd), "2001:db8::1/22");

	CHECK_EQ(parse1(&fwd, "[2001:db8::1]/22-24:32"), 0);
	CHECK_EQ(r->af, AF_INET6);
	CHECK(IN6_ARE_ADDR_EQUAL(&r->addr.a6, &a6));
	CHECK_EQ(only_range(&fwd, 22, 24, 10), 0);
	CHECK_STR(fmt(&fwd), "2001:db8::1/22-24:32-34");

	CHECK_EQ(parse1(&fwd, "2001:db8::1%eth0/22"), 0);
	CHECK_STR(r->ifname, "eth0");

	inet_pton(AF_INET6, "fe80::1", &a6);
	CHECK_EQ(parse1(&fwd, "fe80::1%eth0/22"), 0);
	CHECK(IN6_ARE_ADDR_EQUAL(&r->addr.a6, &a6));
	CHECK_STR(r->ifname, "eth0");
	CHECK_STR(fmt(&fwd), "fe80::1%eth0/22");

	CHECK_EQ(parse1(&fwd, "[fe80::1%eth0]/22"), 0);
	CHECK(IN6_ARE_ADDR_EQUAL(&r->addr.a6, &a6));
	CHECK_STR(r->ifname, "eth0");

	CHECK_EQ(parse1(&fwd, "[fe80::1]%eth0/22"), 0);
	CHECK(IN6_ARE_ADDR_EQUAL(&r->addr.a6, &a6));
	CHECK_STR(r->ifname, "eth0");

	CHECK_EQ(parse1(&fwd, "::/22"), 0);
	CHECK_EQ(r->af, AF_INET6);
	CHECK(IN6_IS_ADDR_UNSPECIFIED(&r->addr.a6));
	CHECK_STR(fmt(&fwd), "::/22");

	CHECK_EQ(parse1(&fwd, "::ffff:192.0.2.1/22"), 0);
	CHECK(IN6_IS_ADDR_V4MAPPED(&r->addr.a6));

	CHECK_EQ(parse1(&fwd, "::1/22"), 0);
	CHECK(IN6_IS_ADDR_LOOPBACK(&r->addr.a6));

	/* Link-local needs an interface */
	CHECK_EQ(parse1(&fwd, "fe80::1/22"), -EINVAL);
	CHECK(strstr(err, "Link-local address 'fe80::1' needs an interface"));

	CHECK_EQ(parse1(&fwd, "2001:db8::g/22"), -EINVAL);
	CHECK(strstr(err, "Invalid address '2001:db8::g'"));
	CHECK_EQ(parse1(&fwd, "2001:db8:::1/22"), -EINVAL);
	CHECK_EQ(parse1(&fwd, "[2001:db8::1/22"), -EINVAL);
	CHECK(strstr(err, "Missing ']'"));
	CHECK_EQ(parse1(&fwd, "[192.0.2.1]/22"), -EINVAL);
	CHECK_EQ(parse1(&fwd, "[]/22"), -EINVAL);
	CHECK_EQ(parse1(&fwd, "[::1]x/22"), -EINVAL);
	CHECK_EQ(parse1(&fwd, "[fe80::1%a]%b/22"), -EINVAL);
	CHECK_EQ(parse1(&fwd, "2001:db8::1:2:3:4:5:6:7:8:9/22"), -EINVAL);
	CHECK_EQ(parse1(&fwd, "1111:2222:3333:4444:5555:6666:7777:8888:9/22"),
		 -EINVAL);
}

/**
 * struct err_case - a specification that must fail
 * @spec:	specification
 * @msg:	substring the error message must contain
 */
struct err_case {
	const char *spec;
	const char *msg;
};

static const struct err_case err_cases[] = {
	{ "0",			"Port 0 is not valid in '0'" },
	{ "0-22",		"Port 0 is not valid" },
	{ "22:0",		"Port 0 is not valid" },
	{ "65536",		"Port 65536 is out of range (1-65535)" },
	{ "70000",		"Port 70000 is out of range" },
	{ "22-70000",		"Port 70000 is out of range" },
	{ "22:70000",		"Port 70000 is out of range" },
	{ "123456789012345678901234567890",
		"Port 123456789012345678901234567890 is out of range" },
	{ "-5",			"Invalid port specification '-5' in '-5'" },
	{ "5-",			"Invalid port specification '5-'" },
	{ "1-2-3",		"Invalid port specification '1-2-3'" },
	{ "a-b",		"Invalid port specification 'a-b'" },
	{ "",			"Empty port forwarding specification" },
	{ ",",			"Empty item in port list ','" },
	{ "22,",		"Empty item in port list '22,'" },
	{ ",22",		"Empty item" },
	{ "22,,25",		"Empty item" },
	{ "~",			"Invalid port specification '~'" },
	{ "~~22",		"Invalid port specification '~~22'" },
	{ "22x",		"Invalid port specification '22x'" },
	{ "22 ",		"Invalid port specification" },
	{ " 22",		"Invalid port specification" },
	{ "+22",		"Invalid port specification" },
	{ "0x16",		"Invalid port specification" },
	{ "22:",		"Invalid port specification '22:'" },
	{ "22:23-",		"Invalid port specification" },
	{ "22:23:24",		"Invalid port specification" },
	{ "22-80:32-",		"Invalid port specification" },
	{ "22,25x,30",		"Invalid port specification '25x' in "
				"'22,25x,30'" },
	{ "20-30,30-20",	"Invalid port range '30-20' in '20-30,30-20'" },
	{ "22:30-29",		"Invalid target port range '22:30-29'" },
	{ "22-80:32-91",	"Target range length differs" },
	{ "22-80:32-89",	"Target range length differs" },
	{ "22:23-24",		"Target range length differs" },
	{ "65000-65100:65500",	"Target range of '65000-65100:65500' goes "
				"past port 65535" },
	{ "65535-65535:65535",	NULL },		/* valid, checked below */
	{ "~25:30",		"Excluded ports can't have a target" },
	{ "22,22",		"Port 22 given twice in '22,22'" },
	{ "20-30,25",		"Port 25 given twice" },
	{ "300.1.1.1/22",	"Invalid address '300.1.1.1' in "
				"'300.1.1.1/22'" },
	{ "192.0.2/22",		"Invalid address '192.0.2'" },
	{ "192.0.2.1 /22",	"Invalid address" },
	{ "/22",		"Missing address or interface before '/'" },
	{ "192.0.2.1/",		"Missing port list in '192.0.2.1/'" },
	{ "192.0.2.1/22/23",	"Invalid port specification '22/23'" },
	{ "192.0.2.1%/22",	"Missing interface name after '%'" },
	{ "%/22",		"Missing interface name" },
	{ "%abcdefghijklmnop/22", "Interface name 'abcdefghijklmnop' too "
				  "long (max 15 characters)" },
	{ "192.0.2.1%abcdefghijklmnopqrstuvwxyz/22", "too long" },
	{ "%eth 0/22",		"Invalid interface name 'eth 0'" },
	{ "%a%b/22",		"Invalid interface name 'a%b'" },
	{ "%../22",		"Invalid interface name '..'" },
	{ "all,22",		"Invalid port specification 'all'" },
	{ "192.0.2.1/all",	"Invalid port specification 'all'" },
	{ "None",		"Invalid port specification" },
	{ "~1,~3,~5,~7,~9,~11,~13,~15,~17,~19,~21,~23,~25,~27,~29,~31,~33,"
	  "~35,~37,~39,~41,~43,~45,~47,~49,~51,~53,~55,~57,~59,~61,~63,~65,"
	  "~67,~69,~71,~73,~75,~77,~79,~81,~83,~85,~87,~89,~91,~93,~95,~97,"
	  "~99,~101,~103,~105,~107,~109,~111,~113,~115,~117,~119,~121,~123,"
	  "~125,~127,~129,~131,~133,~135,~137,~139,~141,~143,~145,~147,~149,"
	  "~151,~153,~155,~157,~159,~161,~163,~165,~167,~169,~171,~173,~175,"
	  "~177,~179,~181,~183,~185,~187,~189,~191,~193,~195,~197,~199,~201,"
	  "~203,~205,~207,~209,~211,~213,~215,~217,~219,~221,~223,~225,~227,"
	  "~229,~231,~233,~235,~237,~239,~241,~243,~245,~247,~249,~251,~253,"
	  "~255,~257,~259,~261,~263,~265,~267,~269,~271,~273,~275,~277,~279,"
	  "~281,~283,~285,~287,~289,~291,~293,~295,~297,~299,~301,~303,~305,"
	  "~307,~309,~311,~313,~315,~317,~319,~321,~323,~325,~327,~329,~331,"
	  "~333,~335,~337,~339,~341,~343,~345,~347,~349,~351,~353,~355,~357,"
	  "~359,~361,~363,~365,~367,~369,~371,~373,~375,~377,~379,~381,~383,"
	  "~385,~387,~389,~391,~393,~395,~397,~399,~401,~403,~405,~407,~409,"
	  "~411,~413,~415,~417,~419,~421,~423,~425,~427,~429,~431,~433,~435,"
	  "~437,~439,~441,~443,~445,~447,~449,~451,~453,~455,~457,~459,~461,"
	  "~463,~465,~467,~469,~471,~473,~475,~477,~479,~481,~483,~485,~487,"
	  "~489,~491,~493,~495,~497,~499,~501,~503,~505,~507,~509,~511,~513",
				"Too many port forwarding rules (max 256)" },
};

TEST(errors)
{
	size_t i;

	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];
		int rc;

		/* Start from a non-trivial configuration that must survive */
		port_fwd_init(&fwd);
		CHECK_EQ(port_spec_parse(&fwd, "40000-40010:50000",
					 true, EPH, err, sizeof(err)), 0);
		memcpy(&snap, &fwd, sizeof(fwd));

		err[0] = '\0';
		rc = port_spec_parse(&fwd, c->spec, false, EPH, err,
				     sizeof(err));
		if (!c->msg) {
			CHECK_EQ(rc, 0);
			continue;
		}
		CHECK_EQ(rc, -EINVAL);
		if (!strstr(err, c->msg)) {
			fprintf(stderr, "'%s': got \"%s\", want \"%s\"\n",
				c->spec, err, c->msg);
			CHECK(0);
		}
		CHECK(!memcmp(&fwd, &snap, sizeof(fwd)));
	}

	/* NULL error buffer, or a tiny one, are fine */
	port_fwd_init(&fwd);
	CHECK_EQ(port_spec_parse(&fwd, "0", false, EPH, NULL, 0), -EINVAL);
	err[0] = 'x';
	err[1] = 'y';
	CHECK_EQ(port_spec_parse(&fwd, "0", false, EPH, err, 1), -EINVAL);
	CHECK_EQ(err[0], '\0');
	CHECK_EQ(err[1], 'y');
}

TEST(max_rules_boundary)
{
	char spec[4096];
	size_t pos = 0;
	int i;

	/* 255 exclusions inside 1-1000 make exactly 256 rules */
	pos += (size_t)snprintf(spec, sizeof(spec), "1-1000");
	for (i = 0; i < 255; i++) {
		pos += (size_t)snprintf(spec + pos, sizeof(spec) - pos,
					",~%d", 2 + i * 2);
	}
	CHECK_EQ(parse1(&fwd, spec), 0);
	CHECK_EQ(fwd.rule_count, PORT_RULES_MAX);

	/* One more, in another occurrence, is too many */
	CHECK_EQ(parse_more(&fwd, "5000"), -EINVAL);
	CHECK(strstr(err, "Too many port forwarding rules (max 256)"));
	CHECK_EQ(fwd.rule_count, PORT_RULES_MAX);

	/* Adjacent items merge, so they don't use up rules */
	CHECK_EQ(parse1(&fwd, "10,11,12,13,14-20,21:21"), 0);
	CHECK_EQ(fwd.rule_count, 1);
	CHECK_STR(fmt(&fwd), "10-21");
	CHECK_EQ(parse1(&fwd, "10:20,11:21,12:22"), 0);
	CHECK_EQ(fwd.rule_count, 1);
	CHECK_STR(fmt(&fwd), "10-12:20-22");
	CHECK_EQ(parse1(&fwd, "10:20,11:22"), 0);
	CHECK_EQ(fwd.rule_count, 2);

	/* One -t per port, as libvirt does, up to the limit */
	port_fwd_init(&fwd);
	for (i = 0; i < PORT_RULES_MAX; i++) {
		snprintf(spec, sizeof(spec), "%d", 1000 + i * 2);
		CHECK_EQ(parse_more(&fwd, spec), 0);
	}
	CHECK_EQ(parse_more(&fwd, "22"), -EINVAL);
	CHECK_EQ(count_ports(&fwd), PORT_RULES_MAX);
}

TEST(occurrences)
{
	/* Each occurrence adds rules */
	CHECK_EQ(parse1(&fwd, "22"), 0);
	CHECK_EQ(parse_more(&fwd, "25:26"), 0);
	CHECK_EQ(fwd.rule_count, 2);
	CHECK(port_fwd_has(&fwd, 22));
	CHECK_EQ(port_fwd_target(&fwd, 25), 26);
	CHECK_STR(fmt(&fwd), "22,25:26");

	/* Same port again on the same (or an overlapping) scope */
	CHECK_EQ(parse_more(&fwd, "20-30"), -EINVAL);
	CHECK(strstr(err, "Port 22 given twice in '20-30'"));
	CHECK_EQ(parse_more(&fwd, "192.0.2.1/22"), -EINVAL);
	CHECK_EQ(parse_more(&fwd, "%eth0/25"), -EINVAL);
	CHECK_EQ(fwd.rule_count, 2);

	CHECK_EQ(parse1(&fwd, "192.0.2.1/22"), 0);
	CHECK_EQ(parse_more(&fwd, "192.0.2.1/22"), -EINVAL);
	CHECK_EQ(parse_more(&fwd, "192.0.2.1%eth0/22"), -EINVAL);
	CHECK_EQ(parse_more(&fwd, "0.0.0.0/22"), -EINVAL);
	CHECK_EQ(parse_more(&fwd, "::/22"), -EINVAL);
	CHECK_EQ(parse_more(&fwd, "::ffff:192.0.2.1/22"), -EINVAL);
	CHECK_EQ(parse_more(&fwd, "%eth0/22"), -EINVAL);
	CHECK_EQ(parse_more(&fwd, "22"), -EINVAL);
	/* ...but different addresses can share a port */
	CHECK_EQ(parse_more(&fwd, "198.51.100.1/22"), 0);
	CHECK_EQ(parse_more(&fwd, "2001:db8::1/22"), 0);
	CHECK_EQ(parse_more(&fwd, "2001:db8::2%eth0/22"), 0);
	CHECK_EQ(parse_more(&fwd, "2001:db8::2%eth1/22"), 0);
	CHECK_EQ(parse_more(&fwd, "2001:db8::2/22"), -EINVAL);
	CHECK_EQ(fwd.rule_count, 5);
	CHECK_EQ(count_ports(&fwd), 1);
	CHECK_STR(fmt(&fwd), "192.0.2.1/22 198.51.100.1/22 2001:db8::1/22 "
		  "2001:db8::2%eth0/22 2001:db8::2%eth1/22");

	/* ...as long as it's translated the same way */
	CHECK_EQ(parse1(&fwd, "192.0.2.1/22:23"), 0);
	CHECK_EQ(parse_more(&fwd, "198.51.100.1/22:24"), -EINVAL);
	CHECK(strstr(err, "Port 22 forwarded to both 23 and 24"));
	CHECK_EQ(parse_more(&fwd, "198.51.100.1/20-30:21-31"), 0);

	/* Interfaces */
	CHECK_EQ(parse1(&fwd, "%eth0/22"), 0);
	CHECK_EQ(parse_more(&fwd, "%eth1/22"), 0);
	CHECK_EQ(parse_more(&fwd, "192.0.2.1%eth1/22"), -EINVAL);
	CHECK_EQ(parse_more(&fwd, "192.0.2.1%eth2/22"), 0);

	/* Exclusions apply only within their own occurrence */
	CHECK_EQ(parse1(&fwd, "~25"), 0);
	CHECK(!port_fwd_has(&fwd, 25));
	CHECK_EQ(parse_more(&fwd, "25"), 0);
	CHECK(port_fwd_has(&fwd, 25));
	CHECK_EQ(parse_more(&fwd, "40000,~40000"), 0);
	CHECK(!port_fwd_has(&fwd, 40000));
	CHECK_EQ(parse_more(&fwd, "40000"), 0);
	CHECK(port_fwd_has(&fwd, 40000));

	/* all, then more ports above the ephemeral start */
	CHECK_EQ(parse1(&fwd, "all"), 0);
	CHECK_EQ(parse_more(&fwd, "40000"), 0);
	CHECK_EQ(parse_more(&fwd, "22"), -EINVAL);
	CHECK_EQ(parse_more(&fwd, "all"), -EINVAL);
	CHECK(strstr(err, "Port 1 given twice"));

	/* Keywords don't mix with anything else, but may repeat */
	CHECK_EQ(parse1(&fwd, "none"), 0);
	CHECK_EQ(parse_more(&fwd, "none"), 0);
	CHECK_EQ(parse_more(&fwd, "22"), -EINVAL);
	CHECK(strstr(err, "'22' can't be combined with 'none'"));
	CHECK_EQ(parse_more(&fwd, "auto"), -EINVAL);
	CHECK_EQ(parse_more(&fwd, "all"), -EINVAL);
	CHECK_EQ(fwd.mode, PORT_FWD_NONE);

	CHECK_EQ(parse1(&fwd, "auto"), 0);
	CHECK_EQ(parse_more(&fwd, "auto"), 0);
	CHECK_EQ(parse_more(&fwd, "none"), -EINVAL);
	CHECK_EQ(parse_more(&fwd, "~22"), -EINVAL);
	CHECK_EQ(fwd.mode, PORT_FWD_AUTO);

	CHECK_EQ(parse1(&fwd, "22"), 0);
	CHECK_EQ(parse_more(&fwd, "none"), -EINVAL);
	CHECK(strstr(err, "'none' can't be combined"));
	CHECK_EQ(parse_more(&fwd, "auto"), -EINVAL);
	CHECK_EQ(fwd.mode, PORT_FWD_SPEC);
}

TEST(iterate)
{
	const struct port_spec_rule *r;
	unsigned int n = 0, p;

	CHECK_EQ(parse1(&fwd, "192.0.2.1%eth0/20-30:120,~25"), 0);
	CHECK_EQ(parse_more(&fwd, "2001:db8::1/22:122"), 0);
	port_fwd_foreach(r, &fwd) {
		for (p = r->first; p <= r->last; p++) {
			CHECK(port_fwd_has(&fwd, (uint16_t)p));
			CHECK_EQ(port_rule_target(r, (uint16_t)p),
				 port_fwd_target(&fwd, (uint16_t)p));
			n++;
		}
	}
	CHECK_EQ(n, 11);
	CHECK_EQ(port_fwd_target(&fwd, 30), 130);

	port_fwd_init(&fwd);
	n = 0;
	port_fwd_foreach(r, &fwd)
		n++;
	CHECK_EQ(n, 0);
}

TEST(fmt_truncation)
{
	char small[8];
	int n;

	CHECK_EQ(parse1(&fwd, "192.0.2.1/22-80:32-90"), 0);
	n = port_spec_fmt(&fwd, small, sizeof(small));
	CHECK_EQ(n, (int)strlen("192.0.2.1/22-80:32-90"));
	CHECK_STR(small, "192.0.2");
	CHECK_EQ(port_spec_fmt(&fwd, NULL, 0), n);
	CHECK_EQ(port_spec_fmt(&fwd, small, 1), n);
	CHECK_EQ(small[0], '\0');
}

TEST(udp_from_tcp)
{
	static struct port_fwd udp;

	CHECK_EQ(parse1(&fwd, "22:23,8080-8090:80-90"), 0);
	CHECK_EQ(parse_more(&fwd, "192.0.2.1%eth0/53"), 0);
	port_fwd_init(&udp);
	CHECK(port_fwd_udp_from_tcp(&udp, &fwd));
	CHECK_EQ(udp.mode, PORT_FWD_SPEC);
	CHECK_EQ(udp.rule_count, 3);
	CHECK(port_fwd_has(&udp, 22));
	CHECK_EQ(port_fwd_target(&udp, 22), 22);
	CHECK(port_fwd_has(&udp, 8085));
	CHECK_EQ(port_fwd_target(&udp, 8085), 8085);
	CHECK(!port_fwd_has(&udp, 23));
	CHECK(!port_fwd_has(&udp, 85));
	CHECK_EQ(count_ports(&udp), 13);
	CHECK_STR(udp.rules[2].ifname, "eth0");
	CHECK_STR(fmt(&udp), "22,8080-8090 192.0.2.1%eth0/53");

	/* Overridden by -u: left alone */
	CHECK_EQ(parse1(&udp, "5000"), 0);
	CHECK(!port_fwd_udp_from_tcp(&udp, &fwd));
	CHECK_EQ(only_range(&udp, 5000, 5000, 0), 0);
	CHECK_EQ(parse1(&udp, "none"), 0);
	CHECK(!port_fwd_udp_from_tcp(&udp, &fwd));
	CHECK_EQ(count_ports(&udp), 0);

	/* Nothing to derive from */
	port_fwd_init(&udp);
	CHECK_EQ(parse1(&fwd, "auto"), 0);
	CHECK(!port_fwd_udp_from_tcp(&udp, &fwd));
	CHECK_EQ(udp.mode, PORT_FWD_UNSET);
	port_fwd_init(&fwd);
	CHECK(!port_fwd_udp_from_tcp(&udp, &fwd));
}

TEST(ephemeral)
{
	uint16_t e;

	CHECK_EQ(port_ephemeral_start_parse("32768\t60999\n"), 32768);
	CHECK_EQ(port_ephemeral_start_parse("  1024 65535"), 1024);
	CHECK_EQ(port_ephemeral_start_parse("49152"), 49152);
	CHECK_EQ(port_ephemeral_start_parse(""), PORT_EPHEMERAL_DEFAULT);
	CHECK_EQ(port_ephemeral_start_parse("0 100"), PORT_EPHEMERAL_DEFAULT);
	CHECK_EQ(port_ephemeral_start_parse("70000 80000"),
		 PORT_EPHEMERAL_DEFAULT);
	CHECK_EQ(port_ephemeral_start_parse("x"), PORT_EPHEMERAL_DEFAULT);
	CHECK_EQ(port_ephemeral_start_parse("123x 5"),
		 PORT_EPHEMERAL_DEFAULT);

	e = port_ephemeral_start();
	CHECK(e >= 1);
}

/* Host allow-lists (--host-allow-tcp, --host-allow-udp): plain bitmaps */
static uint8_t allow[PORT_BITMAP_SIZE], allow_snap[PORT_BITMAP_SIZE];

/**
 * allow_has() - is a port set in the allow-list bitmap
 * @port:	port
 *
 * Return: true if set
 */
static bool allow_has(unsigned int port)
{
	return allow[port / 8] & (1U << (port % 8));
}

/**
 * allow_only() - count ports that differ from a set of ranges
 * @ranges:	pairs of first and last port, ending with a 0, 0 pair
 *
 * Return: number of ports set but not in @ranges, or in @ranges but not set
 */
static unsigned int allow_only(const unsigned int *ranges)
{
	unsigned int p, bad = 0;

	for (p = 0; p < 65536; p++) {
		const unsigned int *r;
		bool in = false;

		for (r = ranges; r[0] || r[1]; r += 2)
			in = in || (p >= r[0] && p <= r[1]);
		bad += allow_has(p) != in;
	}
	return bad;
}

/**
 * allow_parse() - port_allow_parse() into the allow bitmap, as for an option
 * @spec:	list of ports
 *
 * Return: what port_allow_parse() returns
 */
static int allow_parse(const char *spec)
{
	err[0] = '\0';
	return port_allow_parse(allow, spec, EPH, err, sizeof(err));
}

TEST(allow_valid)
{
	static const unsigned int one[] = { 22, 22, 0, 0 };
	static const unsigned int two[] = { 8080, 8080, 9000, 9010, 0, 0 };
	static const unsigned int hole[] = { 1000, 1499, 1501, 2000, 0, 0 };
	static const unsigned int excl[] = { 1, 21, 23, EPH - 1, 0, 0 };
	static const unsigned int edge[] = { 1, 1, 65535, 65535, 0, 0 };

	memset(allow, 0, sizeof(allow));
	CHECK_EQ(allow_parse("22"), 0);
	CHECK_EQ(allow_only(one), 0);

	memset(allow, 0, sizeof(allow));
	CHECK_EQ(allow_parse("8080,9000-9010"), 0);
	CHECK_EQ(allow_only(two), 0);

	memset(allow, 0, sizeof(allow));
	CHECK_EQ(allow_parse("1000-2000,~1500"), 0);
	CHECK_EQ(allow_only(hole), 0);

	/* Exclusions only: every non-ephemeral port but those */
	memset(allow, 0, sizeof(allow));
	CHECK_EQ(allow_parse("~22"), 0);
	CHECK_EQ(allow_only(excl), 0);

	memset(allow, 0, sizeof(allow));
	CHECK_EQ(allow_parse("1,65535"), 0);
	CHECK_EQ(allow_only(edge), 0);
	CHECK_STR(err, "");
}

TEST(allow_accumulates)
{
	static const unsigned int both[] = { 22, 22, 8080, 8080,
					     9000, 9010, 0, 0 };
	static const unsigned int over[] = { 22, 22, 8080, 8080,
					     9000, 9020, 0, 0 };

	memset(allow, 0, sizeof(allow));
	CHECK_EQ(allow_parse("22"), 0);
	CHECK_EQ(allow_parse("8080,9000-9010"), 0);
	CHECK_EQ(allow_only(both), 0);

	/* Overlaps between occurrences are fine: it's a set of ports */
	CHECK_EQ(allow_parse("9005-9020,22"), 0);
	CHECK_EQ(allow_only(over), 0);

	/* An exclusion only applies to its own occurrence */
	CHECK_EQ(allow_parse("9000-9001,~22"), 0);
	CHECK(allow_has(22));
	CHECK_EQ(allow_only(over), 0);

	/* A failed occurrence changes nothing */
	memcpy(allow_snap, allow, sizeof(allow));
	CHECK_EQ(allow_parse("23,abc"), -EINVAL);
	CHECK(!memcmp(allow, allow_snap, sizeof(allow)));
	CHECK(!allow_has(23));
}

static const struct err_case allow_err_cases[] = {
	{ "",			"empty list of ports in ''" },
	{ "0",			"Port 0 is not valid in '0'" },
	{ "0-22",		"Port 0 is not valid" },
	{ "65536",		"Port 65536 is out of range" },
	{ "none",		"a list of ports is needed, not a keyword in "
				"'none'" },
	{ "all",		"not a keyword in 'all'" },
	{ "auto",		"not a keyword in 'auto'" },
	{ "all,22",		"Invalid port specification 'all'" },
	{ "None",		"Invalid port specification 'None'" },
	{ "127.0.0.1/22",	"ports apply to every host address: no "
				"address or interface in '127.0.0.1/22'" },
	{ "::1/22",		"no address or interface in '::1/22'" },
	{ "lo%22",		"no address or interface in 'lo%22'" },
	{ "%lo/22",		"no address or interface in '%lo/22'" },
	{ "8080:80",		"ports can't be translated in '8080:80'" },
	{ "22-23:32-33",	"ports can't be translated" },
	{ "22,,23",		"Empty item in port list '22,,23'" },
	{ ",",			"Empty item" },
	{ "abc",		"Invalid port specification 'abc' in 'abc'" },
	{ "22,abc",		"Invalid port specification 'abc' in "
				"'22,abc'" },
	{ "30-20",		"Invalid port range '30-20'" },
	{ "22,22",		"Port 22 given twice" },
	{ "~",			"Invalid port specification '~'" },
};

TEST(allow_errors)
{
	size_t i;

	for (i = 0; i < sizeof(allow_err_cases) / sizeof(allow_err_cases[0]);
	     i++) {
		const struct err_case *c = &allow_err_cases[i];

		memset(allow, 0, sizeof(allow));
		allow[40000 / 8] = 0xff;
		memcpy(allow_snap, allow, sizeof(allow));
		CHECK_EQ(allow_parse(c->spec), -EINVAL);
		if (!strstr(err, c->msg)) {
			fprintf(stderr, "'%s': got \"%s\", want \"%s\"\n",
				c->spec, err, c->msg);
			CHECK(0);
		}
		CHECK(!memcmp(allow, allow_snap, sizeof(allow)));
	}

	/* No error buffer, or a tiny one */
	CHECK_EQ(port_allow_parse(allow, "none", EPH, NULL, 0), -EINVAL);
	CHECK_EQ(port_allow_parse(allow, "abc", EPH, NULL, 0), -EINVAL);
	err[0] = 'x';
	err[1] = 'y';
	CHECK_EQ(port_allow_parse(allow, "", EPH, err, 1), -EINVAL);
	CHECK_EQ(err[0], '\0');
	CHECK_EQ(err[1], 'y');
}

/* Randomised comparison against a reference: bind scopes used, with their
 * address class and interface, to judge overlaps independently
 */
enum ref_addr { A_NONE, A_V4ANY, A_V6ANY, A_V4_1, A_V4_2, A_V6_1 };

/**
 * struct ref_scope - a bind scope the random generator uses
 * @prefix:	text before the port list
 * @canon:	how a rule's scope looks once parsed, see rule_canon()
 * @addr:	address class
 * @ifname:	interface, "" if none
 */
struct ref_scope {
	const char *prefix;
	const char *canon;
	enum ref_addr addr;
	const char *ifname;
};

static const struct ref_scope scopes[] = {
	{ "",			"",			A_NONE,	"" },
	{ "192.0.2.1/",		"192.0.2.1",		A_V4_1,	"" },
	{ "198.51.100.1/",	"198.51.100.1",		A_V4_2,	"" },
	{ "2001:db8::1/",	"2001:db8::1",		A_V6_1,	"" },
	{ "%eth0/",		"%eth0",		A_NONE,	"eth0" },
	{ "192.0.2.1%eth0/",	"192.0.2.1%eth0",	A_V4_1,	"eth0" },
	{ "%eth1/",		"%eth1",		A_NONE,	"eth1" },
	{ "0.0.0.0/",		"0.0.0.0",		A_V4ANY, "" },
	{ "::/",		"::",			A_V6ANY, "" },
	{ "[2001:db8::1]%eth1/", "2001:db8::1%eth1",	A_V6_1,	"eth1" },
};
/* Override for longer runs: -DRANDOM_ITERS=100000 -DRANDOM_SEED=... */
#ifndef RANDOM_ITERS
#define RANDOM_ITERS	300
#endif
#ifndef RANDOM_SEED
#define RANDOM_SEED	0x9e3779b97f4a7c15ULL
#endif

#define NSCOPES	(int)(sizeof(scopes) / sizeof(scopes[0]))
#define MAX_OCC	6

/* Is an address class IPv4? */
static bool ref_v4(enum ref_addr a)
{
	return a == A_V4ANY || a == A_V4_1 || a == A_V4_2;
}

/* Do two scopes overlap, by the plain rules of the man page and Linux? */
static bool ref_overlap(int i, int j)
{
	const struct ref_scope *a = &scopes[i], *b = &scopes[j];
	enum ref_addr x = a->addr, y = b->addr;

	if (*a->ifname && *b->ifname && strcmp(a->ifname, b->ifname))
		return false;
	if (x == y || x == A_NONE || y == A_NONE)
		return true;
	if (x == A_V6ANY || y == A_V6ANY)
		return true;
	if (x == A_V4ANY && ref_v4(y))
		return true;
	if (y == A_V4ANY && ref_v4(x))
		return true;
	return false;
}

/* Scope of a parsed rule, as text, to match against scopes[].canon */
static int rule_scope(const struct port_spec_rule *r)
{
	char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2] = "";
	int i;

	if (r->af != AF_UNSPEC)
		inet_ntop(r->af, &r->addr, buf, sizeof(buf));
	if (*r->ifname) {
		strcat(buf, "%");
		strcat(buf, r->ifname);
	}
	for (i = 0; i < NSCOPES; i++) {
		if (!strcmp(buf, scopes[i].canon))
			return i;
	}
	return -1;
}

static uint64_t rng_state;

/* xorshift64*: deterministic, good enough */
static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ULL) >> 32) % n;
}

/* Reference state: all accepted occurrences translate a port the same way,
 * so one target per port and a bitmap of occurrences covering it suffice
 */
static int32_t ref_target[65536];
static uint8_t ref_occ[65536];		/* bit k: occurrence k covers it */
static int occ_scope[MAX_OCC];
static int32_t cur[65536];		/* this occurrence: target, or -1 */
static uint8_t cur_excl[65536];
static uint8_t want_sp[NSCOPES][65536], got_sp[NSCOPES][65536];

/**
 * struct ref_item - an item the generator produced
 * @excl:	exclusion
 * @first:	first port
 * @last:	last port
 * @tfirst:	target of @first
 */
struct ref_item {
	bool excl;
	unsigned int first, last, tfirst;
};

/* Generate a random range, usually crowded into small windows */
static void gen_range(unsigned int *first, unsigned int *last)
{
	unsigned int base, span, len;

	switch (rnd(4)) {
	case 0:
		base = 1;
		span = 65535;
		break;
	case 1:
		base = 65400;
		span = 136;
		break;
	default:
		base = 1 + rnd(3) * 10000;
		span = 300;
	}
	*first = base + rnd(span);
	len = rnd(8) ? rnd(12) : rnd(3000);
	*last = *first + len;
	if (*last > 65535)
		*last = 65535;
}

/* Build one random occurrence into @spec and @items, return item count */
static int gen_occ(char *spec, size_t size, int scope, struct ref_item *items)
{
	int n = 1 + (int)rnd(5), i;
	size_t pos;

	pos = (size_t)snprintf(spec, size, "%s", scopes[scope].prefix);
	for (i = 0; i < n; i++) {
		struct ref_item *it = &items[i];
		unsigned int len, t;

		it->excl = !rnd(4);
		gen_range(&it->first, &it->last);
		len = it->last - it->first;
		it->tfirst = it->first;
		if (!it->excl && !rnd(2)) {
			/* Shared deltas make equal translations likely */
			static const int deltas[] = { 0, 1, 1000, -10 };
			int d = deltas[rnd(4)];
			long tt = (long)it->first + d;

			if (!rnd(4) || tt < 1 || tt + len > 65535)
				t = 1 + rnd(65535 - len);
			else
				t = (unsigned int)tt;
			it->tfirst = t;
		}

		pos += (size_t)snprintf(spec + pos, size - pos, "%s%s%u",
					i ? "," : "", it->excl ? "~" : "",
					it->first);
		if (it->last != it->first || !rnd(8)) {
			pos += (size_t)snprintf(spec + pos, size - pos, "-%u",
						it->last);
		}
		if (it->tfirst != it->first || (!it->excl && !rnd(8))) {
			pos += (size_t)snprintf(spec + pos, size - pos, ":%u",
						it->tfirst);
			if (it->last != it->first && rnd(2)) {
				pos += (size_t)snprintf(spec + pos,
							size - pos, "-%u",
							it->tfirst + len);
			}
		}
	}
	return n;
}

/* Reference: would this occurrence be accepted? Fills cur[] if so */
static bool ref_occurrence(int scope, const struct ref_item *items, int n,
			   int nocc, unsigned int eph)
{
	bool any_incl = false, ok = true;
	unsigned int p;
	int i, k;

	for (p = 0; p < 65536; p++) {
		cur[p] = -1;
		cur_excl[p] = 0;
	}
	for (i = 0; i < n; i++) {
		if (!items[i].excl) {
			any_incl = true;
			continue;
		}
		for (p = items[i].first; p <= items[i].last; p++)
			cur_excl[p] = 1;
	}

	if (!any_incl) {
		for (p = 1; p < eph; p++) {
			if (!cur_excl[p])
				cur[p] = (int32_t)p;
		}
	}
	for (i = 0; i < n; i++) {
		if (items[i].excl)
			continue;
		for (p = items[i].first; p <= items[i].last; p++) {
			if (cur_excl[p])
				continue;
			if (cur[p] != -1)
				ok = false;	/* twice in one occurrence */
			cur[p] = (int32_t)(items[i].tfirst +
					   (p - items[i].first));
		}
	}

	for (p = 0; p < 65536 && ok; p++) {
		if (cur[p] == -1 || !ref_occ[p])
			continue;
		for (k = 0; k < nocc; k++) {
			if (!(ref_occ[p] & (1U << k)))
				continue;
			if (ref_overlap(occ_scope[k], scope))
				ok = false;	/* same port, same scope */
		}
		if (ref_target[p] != cur[p])
			ok = false;		/* different translations */
	}
	return ok;
}

/* Compare the lookup tables and the rules against the reference */
static int compare(const struct port_fwd *f, int nocc)
{
	const struct port_spec_rule *r;
	unsigned int p;
	int bad = 0, k, s;

	for (p = 0; p < 65536; p++) {
		bool want = ref_occ[p] != 0;
		uint16_t t = want ? (uint16_t)ref_target[p] : (uint16_t)p;

		if (port_fwd_has(f, (uint16_t)p) != want ||
		    port_fwd_target(f, (uint16_t)p) != t)
			bad++;
	}

	memset(want_sp, 0, sizeof(want_sp));
	memset(got_sp, 0, sizeof(got_sp));
	for (p = 0; p < 65536; p++) {
		for (k = 0; k < nocc; k++) {
			if (ref_occ[p] & (1U << k))
				want_sp[occ_scope[k]][p] = 1;
		}
	}
	port_fwd_foreach(r, f) {
		s = rule_scope(r);
		if (s < 0 || r->first > r->last) {
			bad++;
			continue;
		}
		for (p = r->first; p <= r->last; p++) {
			if (got_sp[s][p]++)
				bad++;		/* two rules, same port */
			if (port_rule_target(r, (uint16_t)p) !=
			    (uint16_t)ref_target[p])
				bad++;
		}
	}
	if (memcmp(want_sp, got_sp, sizeof(want_sp)))
		bad++;
	return bad;
}

/* Format, parse the output back, compare the lookup tables */
static int roundtrip(const struct port_fwd *f)
{
	static char buf[1 << 16];
	char *tok, *save;
	unsigned int p;
	int bad = 0;

	port_spec_fmt(f, buf, sizeof(buf));
	port_fwd_init(&fwd2);
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (port_spec_parse(&fwd2, tok, false, EPH, err,
				    sizeof(err))) {
			fprintf(stderr, "roundtrip '%s': %s\n", tok, err);
			bad++;
		}
	}
	for (p = 0; p < 65536; p++) {
		if (port_fwd_has(f, (uint16_t)p) !=
		    port_fwd_has(&fwd2, (uint16_t)p) ||
		    port_fwd_target(f, (uint16_t)p) !=
		    port_fwd_target(&fwd2, (uint16_t)p))
			bad++;
	}
	return bad;
}

TEST(random_vs_reference)
{
	static const unsigned int ephs[] = { 32768, 1024, 60000, 2, 65535 };
	int iter, accepted = 0, rejected = 0;

	rng_state = RANDOM_SEED;
	for (iter = 0; iter < RANDOM_ITERS; iter++) {
		unsigned int eph = ephs[rnd(5)];
		int nocc = 0, o, nops = 1 + (int)rnd(MAX_OCC);
		/* Few scopes per iteration, so that they often meet */
		int pick[3] = { (int)rnd(NSCOPES), (int)rnd(NSCOPES),
				(int)rnd(NSCOPES) };

		port_fwd_init(&fwd);
		memset(ref_occ, 0, sizeof(ref_occ));
		for (o = 0; o < 65536; o++)
			ref_target[o] = o;

		for (o = 0; o < nops; o++) {
			struct ref_item items[8];
			int scope = pick[rnd(3)], n, rc;
			char spec[512];
			unsigned int p;
			bool ok;

			n = gen_occ(spec, sizeof(spec), scope, items);
			ok = ref_occurrence(scope, items, n, nocc, eph);

			memcpy(&snap, &fwd, sizeof(fwd));
			rc = port_spec_parse(&fwd, spec, false, (uint16_t)eph,
					     err, sizeof(err));
			if ((rc == 0) != ok) {
				fprintf(stderr, "iter %d: '%s' (eph %u): "
					"rc %d, reference %s, err: %s\n",
					iter, spec, eph, rc,
					ok ? "accepts" : "rejects", err);
				CHECK(0);
				return;
			}
			if (!ok) {
				rejected++;
				CHECK(!memcmp(&fwd, &snap, sizeof(fwd)));
				continue;
			}

			accepted++;
			for (p = 0; p < 65536; p++) {
				if (cur[p] == -1)
					continue;
				ref_occ[p] |= (uint8_t)(1U << nocc);
				ref_target[p] = cur[p];
			}
			occ_scope[nocc++] = scope;
		}

		if (compare(&fwd, nocc)) {
			fprintf(stderr, "iter %d: mismatch, config: %s\n",
				iter, fmt(&fwd));
			CHECK(0);
			return;
		}
		CHECK_EQ(roundtrip(&fwd), 0);
	}

	/* Both outcomes must be well represented */
	printf("random_vs_reference: %d accepted, %d rejected\n",
	       accepted, rejected);
	CHECK(accepted > RANDOM_ITERS * 2 / 3);
	CHECK(rejected > RANDOM_ITERS / 3);
}

UNIT_MAIN()
