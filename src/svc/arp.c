// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * arp.c - answer ARP requests from the guest
 *
 * Theory of operation
 *
 * We pose as every other host on the link: any ARP request gets a reply
 * with our MAC address, except when it asks for an address of the guest
 * itself (the assigned one, or the last one we saw it use), which we must
 * not claim.
 *
 * Gratuitous ARP (sender and target addresses equal) is an announcement,
 * not a question. Probes (RFC 5227: sender 0.0.0.0) check whether an
 * address is free before the guest takes it: answering those for arbitrary
 * addresses would make the guest give up a perfectly good address, so we
 * only defend our own address (the DHCP server identifier).
 */

#include <string.h>
#include <arpa/inet.h>

#include "conf/ctx.h"
#include "svc/svc.h"
#include "wire/pkt.h"
#include "util/log.h"

/**
 * arp_answer() - reply to an ARP request
 * @c:		execution context
 * @p:		validated frame, with an ARP packet
 * @reply:	buffer for the reply frame
 * @size:	size of @reply
 * @reply_len:	set to the reply length on SVC_REPLY
 *
 * Return: SVC_REPLY, SVC_IGNORE, or SVC_MALFORMED
 */
enum svc_verdict arp_answer(const struct ctx *c, const struct pkt *p,
			    uint8_t *reply, size_t size, size_t *reply_len)
{
	const struct arp_pkt *ap = p->arp;
	struct in_addr spa, tpa;
	size_t len;

	if (!c->ip4.enabled || !ap || ntohs(ap->op) != ARP_OP_REQUEST)
		return SVC_IGNORE;

	if (mac_is_multicast(ap->sha))
		return SVC_MALFORMED;

	memcpy(&spa, ap->spa, sizeof(spa));
	memcpy(&tpa, ap->tpa, sizeof(tpa));

	if (!tpa.s_addr || spa.s_addr == tpa.s_addr)
		return SVC_IGNORE;		/* nonsense, or gratuitous */
	if (tpa.s_addr == c->ip4.addr.s_addr ||
	    (c->seen.addr4.s_addr && tpa.s_addr == c->seen.addr4.s_addr))
		return SVC_IGNORE;		/* the guest's own address */
	if (!spa.s_addr && tpa.s_addr != c->ip4.our_addr.s_addr)
		return SVC_IGNORE;		/* probe, not for our address */

	len = eth_build(reply, size, ap->sha, c->our_mac, ETHERTYPE_ARP);
	if (!len || !arp_build(reply + len, size - len, ARP_OP_REPLY,
			       c->our_mac, ap->tpa, ap->sha, ap->spa))
		return SVC_IGNORE;

	if (log_trace_on) {
		char buf[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &tpa, buf, sizeof(buf));
		log_trace("ARP: reply for %s", buf);
	}

	*reply_len = len + sizeof(struct arp_pkt);
	return SVC_REPLY;
}
