// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tests/guest/gtool.c - small network tools for the e2e test guest
 *
 * The guest's busybox (Debian's busybox-static) has neither "nc -u" nor a
 * DHCPv6 client, so this fills the gap. Built statically by
 * tests/guest/build.sh and put into the guest's initramfs as /bin/gtool.
 *
 *   gtool udp-echo PORT COUNT
 *	bind UDP port PORT (IPv4 and IPv6), answer COUNT datagrams with
 *	their own payload, printing "from ADDR PORT: PAYLOAD" for each
 *   gtool udp-req ADDR PORT MSG [TIMEOUT_MS]
 *	send MSG to ADDR:PORT, print "from ADDR PORT: REPLY" for the answer,
 *	exit 1 if none comes within TIMEOUT_MS (default 3000)
 *   gtool dhcp6 IFNAME [TIMEOUT_MS]
 *	DHCPv6 client, one exchange: SOLICIT, ADVERTISE, REQUEST, REPLY
 *	(RFC 8415) with an IA_NA and an option request for DNS servers (23)
 *	and the domain search list (24). Prints, one per line:
 *	addr=ADDR pltime=N vltime=N dns=A,B search=X,Y server=DUIDHEX;
 *	exits 1 on timeout or malformed answers. It doesn't configure
 *	anything: the caller adds the address.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Wait until fd is readable or the deadline passes: 1 if readable */
static int wait_in(int fd, long deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	long left = deadline - now_ms();

	if (left <= 0)
		return 0;
	if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
		die("poll");
	return !!(p.revents & POLLIN);
}

static void print_from(const struct sockaddr_in6 *sa, const char *buf,
		       ssize_t n)
{
	char a[INET6_ADDRSTRLEN];
	const struct in6_addr *ip = &sa->sin6_addr;

	if (IN6_IS_ADDR_V4MAPPED(ip))
		inet_ntop(AF_INET, &ip->s6_addr[12], a, sizeof(a));
	else
		inet_ntop(AF_INET6, ip, a, sizeof(a));
	printf("from %s %u: %.*s\n", a, ntohs(sa->sin6_port), (int)n, buf);
	fflush(stdout);
}

/* Parse ADDR (IPv4 or IPv6) and PORT into an IPv6 (maybe v4-mapped) one */
static void parse_addr(const char *s, const char *port,
		       struct sockaddr_in6 *sa)
{
	struct in_addr v4;

	memset(sa, 0, sizeof(*sa));
	sa->sin6_family = AF_INET6;
	sa->sin6_port = htons((uint16_t)atoi(port));
	if (inet_pton(AF_INET, s, &v4) == 1) {
		sa->sin6_addr.s6_addr[10] = 0xff;
		sa->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&sa->sin6_addr.s6_addr[12], &v4, 4);
	} else if (inet_pton(AF_INET6, s, &sa->sin6_addr) != 1) {
		fprintf(stderr, "bad address %s\n", s);
		exit(2);
	}
}

static int udp6_socket(void)
{
	int off = 0, s = socket(AF_INET6, SOCK_DGRAM, 0);

	if (s < 0)
		die("socket");
	setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	return s;
}

static int udp_echo(int argc, char **argv)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };
	int s = udp6_socket(), count, one = 1;
	char buf[65536];

	if (argc < 4)
		return 2;
	count = atoi(argv[3]);
	sa.sin6_port = htons((uint16_t)atoi(argv[2]));
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind");
	printf("listening\n");
	fflush(stdout);
	while (count-- > 0) {
		struct sockaddr_in6 from;
		socklen_t sl = sizeof(from);
		ssize_t n = recvfrom(s, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &sl);

		if (n < 0)
			die("recvfrom");
		print_from(&from, buf, n);
		if (sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&from, sl) < 0)
			die("sendto");
	}
	return 0;
}

static int udp_req(int argc, char **argv)
{
	struct sockaddr_in6 sa, from;
	socklen_t sl = sizeof(from);
	int s = udp6_socket();
	long timeout = argc > 5 ? atol(argv[5]) : 3000;
	char buf[65536];
	ssize_t n;

	if (argc < 5)
		return 2;
	parse_addr(argv[2], argv[3], &sa);
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)))
		die("connect");
	if (send(s, argv[4], strlen(argv[4]), 0) < 0)
		die("send");
	if (!wait_in(s, now_ms() + timeout)) {
		fprintf(stderr, "no reply\n");
		return 1;
	}
	n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &sl);
	if (n < 0)
		die("recv");
	print_from(&from, buf, n);
	return 0;
}

/* DHCPv6 */

enum {
	SOLICIT = 1, ADVERTISE = 2, REQUEST = 3, REPLY = 7,
	OPT_CLIENTID = 1, OPT_SERVERID = 2, OPT_IA_NA = 3, OPT_IAADDR = 5,
	OPT_ORO = 6, OPT_ELAPSED = 8, OPT_STATUS = 13, OPT_DNS = 23,
	OPT_DOMAINS = 24,
};

struct msg {
	uint8_t b[1500];
	size_t len;
};

static void put_opt(struct msg *m, uint16_t code, const void *data,
		    uint16_t len)
{
	if (m->len + 4 + len > sizeof(m->b)) {
		fprintf(stderr, "message too long\n");
		exit(1);
	}
	m->b[m->len++] = (uint8_t)(code >> 8);
	m->b[m->len++] = (uint8_t)code;
	m->b[m->len++] = (uint8_t)(len >> 8);
	m->b[m->len++] = (uint8_t)len;
	memcpy(m->b + m->len, data, len);
	m->len += len;
}

/* Find option code in opts[0..len), return its data and set *olen */
static const uint8_t *find_opt(const uint8_t *opts, size_t len,
			       uint16_t code, uint16_t *olen)
{
	while (len >= 4) {
		uint16_t c = (uint16_t)(opts[0] << 8 | opts[1]);
		uint16_t l = (uint16_t)(opts[2] << 8 | opts[3]);

		if ((size_t)l + 4 > len)
			return NULL;
		if (c == code) {
			*olen = l;
			return opts + 4;
		}
		opts += 4 + l;
		len -= 4 + (size_t)l;
	}
	return NULL;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Print a DNS name list (RFC 1035 labels, uncompressed) as a,b,c */
static void print_names(const uint8_t *p, uint16_t len)
{
	size_t i = 0;
	int first_name = 1, first_label = 1;

	while (i < len) {
		uint8_t l = p[i++];

		if (!l) {
			first_name = 0;
			first_label = 1;
			continue;
		}
		if (first_label && !first_name)
			putchar(',');
		if (!first_label)
			putchar('.');
		if (i + l > len)
			break;
		printf("%.*s", l, (const char *)p + i);
		i += l;
		first_label = 0;
	}
}

static int dhcp6(int argc, char **argv)
{
	long timeout = argc > 3 ? atol(argv[3]) : 5000;
	long start = now_ms(), deadline = start + timeout;
	struct sockaddr_in6 me = { .sin6_family = AF_INET6,
				   .sin6_port = htons(546) };
	struct sockaddr_in6 all = { .sin6_family = AF_INET6,
				    .sin6_port = htons(547) };
	uint8_t duid[10] = { 0, 3, 0, 1 };	/* DUID-LL, Ethernet */
	uint8_t ia[12] = { 0, 0, 0, 1 };	/* IAID 1, T1 = T2 = 0 */
	uint8_t oro[] = { 0, OPT_DNS, 0, OPT_DOMAINS };
	uint8_t server[130], offer_ia[512], xid[3];
	uint16_t server_len = 0, offer_ia_len = 0;
	unsigned int ifindex;
	struct ifreq ifr;
	int s, state = SOLICIT, new_xid = 1, one = 1;
	long next_send = 0;

	if (argc < 3)
		return 2;
	ifindex = if_nametoindex(argv[2]);
	if (!ifindex)
		die(argv[2]);
	s = socket(AF_INET6, SOCK_DGRAM, 0);
	if (s < 0)
		die("socket");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[2]);
	if (ioctl(s, SIOCGIFHWADDR, &ifr))
		die("SIOCGIFHWADDR");
	memcpy(duid + 4, ifr.ifr_hwaddr.sa_data, 6);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, argv[2],
		       (socklen_t)strlen(argv[2])))
		die("SO_BINDTODEVICE");
	if (setsockopt(s, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex,
		       sizeof(ifindex)))
		die("IPV6_MULTICAST_IF");
	if (bind(s, (struct sockaddr *)&me, sizeof(me)))
		die("bind");
	inet_pton(AF_INET6, "ff02::1:2", &all.sin6_addr);
	all.sin6_scope_id = ifindex;
	srand((unsigned int)(start ^ getpid()));

	for (;;) {
		uint8_t buf[1500];
		const uint8_t *o, *iaa;
		uint16_t ol, il;
		ssize_t n;

		if (now_ms() >= next_send) {
			struct msg m = { .len = 0 };
			uint16_t el = htons((uint16_t)((now_ms() - start) / 10));

			if (new_xid) {
				xid[0] = (uint8_t)rand();
				xid[1] = (uint8_t)rand();
				xid[2] = (uint8_t)rand();
				new_xid = 0;
			}
			m.b[0] = (uint8_t)state;
			memcpy(m.b + 1, xid, 3);
			m.len = 4;
			put_opt(&m, OPT_CLIENTID, duid, sizeof(duid));
			if (state == REQUEST) {
				put_opt(&m, OPT_SERVERID, server, server_len);
				put_opt(&m, OPT_IA_NA, offer_ia, offer_ia_len);
			} else {
				put_opt(&m, OPT_IA_NA, ia, sizeof(ia));
			}
			put_opt(&m, OPT_ORO, oro, sizeof(oro));
			put_opt(&m, OPT_ELAPSED, &el, sizeof(el));
			if (sendto(s, m.b, m.len, 0, (struct sockaddr *)&all,
				   sizeof(all)) < 0)
				perror("sendto");
			next_send = now_ms() + 1000;
		}
		if (now_ms() >= deadline) {
			fprintf(stderr, "dhcp6: timeout in state %d\n", state);
			return 1;
		}
		if (!wait_in(s, next_send < deadline ? next_send : deadline))
			continue;
		n = recv(s, buf, sizeof(buf), 0);
		if (n < 4 || memcmp(buf + 1, xid, 3))
			continue;
		if ((state == SOLICIT && buf[0] != ADVERTISE) ||
		    (state == REQUEST && buf[0] != REPLY))
			continue;
		o = find_opt(buf + 4, (size_t)n - 4, OPT_CLIENTID, &ol);
		if (!o || ol != sizeof(duid) || memcmp(o, duid, ol))
			continue;
		o = find_opt(buf + 4, (size_t)n - 4, OPT_SERVERID, &ol);
		if (!o || ol > sizeof(server))
			continue;
		iaa = find_opt(buf + 4, (size_t)n - 4, OPT_IA_NA, &il);
		if (!iaa || il < 12 || il > sizeof(offer_ia)) {
			fprintf(stderr, "dhcp6: no IA_NA in answer\n");
			return 1;
		}
		if (state == SOLICIT) {
			memcpy(server, o, ol);
			server_len = ol;
			memcpy(offer_ia, iaa, il);
			offer_ia_len = il;
			state = REQUEST;
			new_xid = 1;
			next_send = 0;
			continue;
		}

		/* REPLY to our REQUEST: print what we got */
		o = find_opt(iaa + 12, il - 12, OPT_STATUS, &ol);
		if (o && ol >= 2 && (o[0] || o[1])) {
			fprintf(stderr, "dhcp6: IA_NA status %d\n",
				o[0] << 8 | o[1]);
			return 1;
		}
		o = find_opt(iaa + 12, il - 12, OPT_IAADDR, &ol);
		if (!o || ol < 24) {
			fprintf(stderr, "dhcp6: no address in IA_NA\n");
			return 1;
		} else {
			char a[INET6_ADDRSTRLEN];

			inet_ntop(AF_INET6, o, a, sizeof(a));
			printf("addr=%s\npltime=%u\nvltime=%u\n", a,
			       get32(o + 16), get32(o + 20));
		}
		printf("dns=");
		o = find_opt(buf + 4, (size_t)n - 4, OPT_DNS, &ol);
		for (uint16_t i = 0; o && i + 16 <= ol; i += 16) {
			char a[INET6_ADDRSTRLEN];

			inet_ntop(AF_INET6, o + i, a, sizeof(a));
			printf("%s%s", i ? "," : "", a);
		}
		printf("\nsearch=");
		o = find_opt(buf + 4, (size_t)n - 4, OPT_DOMAINS, &ol);
		if (o)
			print_names(o, ol);
		printf("\nserver=");
		for (uint16_t i = 0; i < server_len; i++)
			printf("%02x", server[i]);
		printf("\n");
		return 0;
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "udp-echo"))
		return udp_echo(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "udp-req"))
		return udp_req(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "dhcp6"))
		return dhcp6(argc, argv);
	fprintf(stderr, "usage: gtool udp-echo PORT COUNT | "
		"udp-req ADDR PORT MSG [TIMEOUT_MS] | "
		"dhcp6 IFNAME [TIMEOUT_MS]\n");
	return 2;
}
