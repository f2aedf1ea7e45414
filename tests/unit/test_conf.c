// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_conf.c - unit tests for the pure parsers of the command line
 */

#include <arpa/inet.h>
#include <net/if.h>
#include <unistd.h>

#include "conf/conf.h"
#include "util/util.h"
#include "unit.h"

static struct ctx c;

TEST(mac_valid)
{
	uint8_t mac[6];

	CHECK_EQ(conf_parse_mac("9a:55:9A:55:00:ff", mac), 0);
	CHECK_EQ(mac[0], 0x9a);
	CHECK_EQ(mac[2], 0x9a);
	CHECK_EQ(mac[4], 0x00);
	CHECK_EQ(mac[5], 0xff);
}

TEST(mac_invalid)
{
	uint8_t mac[6];

	CHECK(conf_parse_mac("", mac) < 0);
	CHECK(conf_parse_mac("zz:zz:zz:zz:zz:zz", mac) < 0);
	CHECK(conf_parse_mac("9a:55:9a:55:9a", mac) < 0);
	CHECK(conf_parse_mac("9a:55:9a:55:9a:55:", mac) < 0);
	CHECK(conf_parse_mac("9a:55:9a:55:9a:5", mac) < 0);
	CHECK(conf_parse_mac("9a-55-9a-55-9a-55", mac) < 0);
	CHECK(conf_parse_mac("9a:55:9a:55:9a:555", mac) < 0);
}

TEST(netmask)
{
	CHECK_EQ(conf_parse_netmask("24"), 24);
	CHECK_EQ(conf_parse_netmask("0"), 0);
	CHECK_EQ(conf_parse_netmask("32"), 32);
	CHECK_EQ(conf_parse_netmask("255.255.255.0"), 24);
	CHECK_EQ(conf_parse_netmask("255.255.255.255"), 32);
	CHECK_EQ(conf_parse_netmask("255.128.0.0"), 9);
	CHECK_EQ(conf_parse_netmask("0.0.0.0"), 0);
	CHECK(conf_parse_netmask("33") < 0);
	CHECK(conf_parse_netmask("-1") < 0);
	CHECK(conf_parse_netmask("255.0.255.0") < 0);
	CHECK(conf_parse_netmask("24x") < 0);
	CHECK(conf_parse_netmask("") < 0);
}

TEST(mtu)
{
	CHECK_EQ(conf_parse_mtu("0"), 0);
	CHECK_EQ(conf_parse_mtu("68"), 68);
	CHECK_EQ(conf_parse_mtu("1500"), 1500);
	CHECK_EQ(conf_parse_mtu("65520"), 65520);
	CHECK(conf_parse_mtu("67") < 0);
	CHECK(conf_parse_mtu("65521") < 0);
	CHECK(conf_parse_mtu("1500k") < 0);
	CHECK(conf_parse_mtu("") < 0);
}

TEST(size)
{
	size_t s;

	CHECK_EQ(conf_parse_size("4096", &s), 0);
	CHECK_EQ(s, 4096);
	CHECK_EQ(conf_parse_size("1M", &s), 0);
	CHECK_EQ(s, 1 << 20);
	CHECK_EQ(conf_parse_size("8k", &s), 0);
	CHECK_EQ(s, 8192);
	CHECK(conf_parse_size("x", &s) < 0);
	CHECK(conf_parse_size("1Q", &s) < 0);
	CHECK(conf_parse_size("-1", &s) < 0);
}

TEST(search_list)
{
	memset(&c, 0, sizeof(c));
	CHECK_EQ(conf_parse_search(&c, "example.org  test.example"), 0);
	CHECK_EQ(c.search_count, 2);
	CHECK_STR(c.search[0], "example.org");
	CHECK_STR(c.search[1], "test.example");

	CHECK_EQ(conf_parse_search(&c, "none"), 0);
	CHECK_EQ(c.search_count, 0);

	/* A domain called "none" is still possible as "none." */
	CHECK_EQ(conf_parse_search(&c, "none."), 0);
	CHECK_EQ(c.search_count, 1);

	CHECK_EQ(conf_parse_search(&c, "a b c d e f g h i j"), 0);
	CHECK_EQ(c.search_count, MAX_SEARCH);
}

TEST(search_too_long)
{
	char name[DOMAIN_MAX + 10];

	memset(&c, 0, sizeof(c));
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	CHECK(conf_parse_search(&c, name) < 0);
}

TEST(resolv_conf)
{
	const char *text =
		"# comment\n"
		"nameserver 192.0.2.53\n"
		"nameserver 127.0.0.53\n"
		"nameserver ::1\n"
		"nameserver 2001:db8::53\n"
		"nameserver fe80::1%eth0\n"
		"nameserver\n"
		"nameserver bogus\n"
		"options edns0\n"
		"domain ignored.example\n"
		"search example.org. test.example\n";
	char buf[INET6_ADDRSTRLEN];

	memset(&c, 0, sizeof(c));
	CHECK_EQ(conf_read_resolv(&c, text, true, true), 3);
	CHECK_EQ(c.ip4.dns_count, 1);
	CHECK_EQ(c.ip6.dns_count, 2);
	inet_ntop(AF_INET, &c.ip4.dns[0], buf, sizeof(buf));
	CHECK_STR(buf, "192.0.2.53");
	inet_ntop(AF_INET6, &c.ip6.dns[0], buf, sizeof(buf));
	CHECK_STR(buf, "2001:db8::53");
	CHECK_EQ(c.search_count, 2);
	CHECK_STR(c.search[0], "example.org");
	CHECK_STR(c.search[1], "test.example");
}

/* A link-local resolver keeps its zone, by name or by number */
TEST(resolv_conf_scope)
{
	memset(&c, 0, sizeof(c));
	conf_read_resolv(&c, "nameserver fe80::53%lo\n", true, false);
	CHECK_EQ(c.ip6.dns_host_scope, if_nametoindex("lo"));
	CHECK(c.ip6.dns_host_scope != 0);

	memset(&c, 0, sizeof(c));
	conf_read_resolv(&c, "nameserver fe80::53%7\n"
			 "nameserver fe80::54%lo\n", true, false);
	CHECK_EQ(c.ip6.dns_host_scope, 7U);	/* the first one's */

	memset(&c, 0, sizeof(c));
	conf_read_resolv(&c, "nameserver 2001:db8::53%7\n", true, false);
	CHECK_EQ(c.ip6.dns_host_scope, 0U);	/* not link-local */
}

TEST(resolv_conf_limits)
{
	char text[4096] = "";
	int i;

	for (i = 0; i < MAX_DNS + 3; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "nameserver 192.0.2.%i\n", i + 1);
	memset(&c, 0, sizeof(c));
	conf_read_resolv(&c, text, true, false);
	CHECK_EQ(c.ip4.dns_count, MAX_DNS);
	CHECK_EQ(c.search_count, 0);
}

/**
 * pad_to() - append comment lines to text until a line starting at its end
 *	      would start @before bytes ahead of @offset
 * @text:	text, with room
 * @offset:	where the next line should straddle
 * @before:	bytes of it to have before @offset
 */
static void pad_to(char *text, size_t offset, size_t before)
{
	size_t len = strlen(text), want = offset - before;

	while (len < want) {
		size_t n = MIN(want - len, (size_t)100);

		if (n < 2)
			n = 2;
		memset(text + len, '#', n - 1);
		text[len + n - 1] = '\n';
		len += n;
		text[len] = '\0';
	}
}

TEST(resolv_conf_20k)
{
	static char text[24 * 1024];
	char buf[INET6_ADDRSTRLEN];
	FILE *f = tmpfile();
	size_t len;
	int fd;

	/* Across the first read's end, across the old 16 KiB limit, a line
	 * too long for any buffer, the last line without a newline
	 */
	pad_to(text, RESOLV_BUF_SIZE, 18);
	strcat(text, "nameserver 192.0.2.53\n");
	pad_to(text, 16384, 20);
	strcat(text, "nameserver 198.51.100.53\n");
	strcat(text, "nameserver 203.0.113.7");
	len = strlen(text);
	memset(text + len, ' ', RESOLV_BUF_SIZE + 100);
	strcpy(text + len + RESOLV_BUF_SIZE + 100, "x\n");
	pad_to(text, 20 * 1024, 0);
	strcat(text, "nameserver 2001:db8::53");
	CHECK(strlen(text) > 20 * 1024);

	CHECK(f != NULL);
	if (!f)
		return;
	fd = fileno(f);
	CHECK_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	lseek(fd, 0, SEEK_SET);
	memset(&c, 0, sizeof(c));
	CHECK_EQ(conf_read_resolv_fd(&c, fd, true, true), 3);
	fclose(f);

	CHECK_EQ(c.ip4.dns_count, 2);
	inet_ntop(AF_INET, &c.ip4.dns[0], buf, sizeof(buf));
	CHECK_STR(buf, "192.0.2.53");
	inet_ntop(AF_INET, &c.ip4.dns[1], buf, sizeof(buf));
	CHECK_STR(buf, "198.51.100.53");
	CHECK_EQ(c.ip6.dns_count, 1);
	inet_ntop(AF_INET6, &c.ip6.dns[0], buf, sizeof(buf));
	CHECK_STR(buf, "2001:db8::53");
}

TEST(classful)
{
	struct in_addr a;

	inet_pton(AF_INET, "127.0.0.1", &a);
	CHECK_EQ(conf_classful_prefix(a), 8);
	inet_pton(AF_INET, "169.254.1.1", &a);
	CHECK_EQ(conf_classful_prefix(a), 16);
	inet_pton(AF_INET, "192.0.2.1", &a);
	CHECK_EQ(conf_classful_prefix(a), 24);
	inet_pton(AF_INET, "224.0.0.1", &a);
	CHECK_EQ(conf_classful_prefix(a), 32);
}

UNIT_MAIN()
