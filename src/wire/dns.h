/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * dns.h - domain names in DNS wire format (RFC 1035, 3.1 and 4.1.4)
 */
#ifndef WIRE_DNS_H
#define WIRE_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX	255	/* encoded length of one name */
#define DNS_LABEL_MAX	63

size_t dns_name_encode(const char *name, uint8_t *out, size_t size);
size_t dns_search_encode(const char *names, size_t stride, int count,
			 bool compress, uint8_t *out, size_t size);

#endif /* WIRE_DNS_H */
