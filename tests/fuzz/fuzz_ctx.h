/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz_ctx.h - a populated context for the fuzz targets, shaped by one
 * input byte so that the fuzzer also explores configuration variants
 */
#ifndef FUZZ_CTX_H
#define FUZZ_CTX_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "conf/ctx.h"
#include "svc/dispatch.h"

/**
 * fuzz_ctx_init() - fill a context with documentation addresses
 * @c:		context
 * @variant:	bit 0: no DNS, 1: no search list, 2: no RA, 3: no DHCPv6,
 *		4: gateway outside the subnet, 5: no MTU, 6: guest addresses
 *		seen already
 */
static inline void fuzz_ctx_init(struct ctx *c, uint8_t variant)
{
	static const uint8_t mac[6] = { 0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55 };
	int i;

	memset(c, 0, sizeof(*c));
	memcpy(c->our_mac, mac, 6);
	c->mtu = (variant & 0x20) ? 0 : 65520;

	c->ip4.enabled = true;
	inet_pton(AF_INET, "192.0.2.10", &c->ip4.addr);
	c->ip4.prefix_len = 24;
	inet_pton(AF_INET, (variant & 0x10) ? "198.51.100.1" : "192.0.2.1",
		  &c->ip4.gw);
	c->ip4.our_addr = c->ip4.gw;
	inet_pton(AF_INET, "192.0.2.53", &c->ip4.dns[0]);
	c->ip4.dns_count = 1;

	c->ip6.enabled = true;
	inet_pton(AF_INET6, "2001:db8:1:2::10", &c->ip6.addr);
	c->ip6.prefix_len = 64;
	inet_pton(AF_INET6, "fe80::1", &c->ip6.gw);
	c->ip6.our_ll = c->ip6.gw;
	inet_pton(AF_INET6, "2001:db8::53", &c->ip6.dns[0]);
	inet_pton(AF_INET6, "2001:db8::54", &c->ip6.dns[1]);
	c->ip6.dns_count = 2;

	for (i = 0; i < MAX_SEARCH; i++) {
		memset(c->search[i], 'a' + i, 20 + i * 5);
		strcpy(c->search[i] + 20 + i * 5, ".example.com");
	}
	c->search_count = MAX_SEARCH;

	c->no_dhcp_dns = variant & 0x01;
	c->no_dhcp_search = variant & 0x02;
	c->no_ra = variant & 0x04;
	c->no_dhcpv6 = variant & 0x08;
	if (variant & 0x40) {
		inet_pton(AF_INET, "192.0.2.77", &c->seen.addr4);
		inet_pton(AF_INET6, "2001:db8:1:2::77", &c->seen.addr6);
		inet_pton(AF_INET6, "fe80::77", &c->seen.addr6_ll);
	}
}

/**
 * fuzz_dispatch() - run dispatch_frame() with an exactly sized reply buffer
 * @c:		context
 * @frame:	frame
 * @len:	its length
 * @small:	use a reply buffer smaller than a full frame
 */
static inline void fuzz_dispatch(struct ctx *c, const uint8_t *frame,
				 size_t len, int small)
{
	size_t size = small ? 64 + len % 512 : FRAME_MAX;
	uint8_t *reply = malloc(size);
	size_t n;

	n = dispatch_frame(c, frame, len, reply, size);
	if (n > size)
		abort();
	free(reply);
}

#endif /* FUZZ_CTX_H */
