/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * conf.h - command line parsing and derived configuration
 */
#ifndef CONF_CONF_H
#define CONF_CONF_H

#include "conf/ctx.h"

void conf_parse(struct ctx *c, int argc, char **argv);
void conf_derive(struct ctx *c);
void conf_print(const struct ctx *c);

/* Pure helpers, exposed for unit tests */
int conf_parse_mac(const char *s, uint8_t mac[6]);
int conf_parse_netmask(const char *s);
int conf_parse_mtu(const char *s);
int conf_parse_size(const char *s, size_t *size);
int conf_parse_search(struct ctx *c, const char *list);
/* resolv.conf: read RESOLV_BUF_SIZE bytes at a time; lines of
 * RESOLV_LINE_MAX bytes or more are skipped
 */
#define RESOLV_BUF_SIZE		4096
#define RESOLV_LINE_MAX		1024

int conf_read_resolv_fd(struct ctx *c, int fd, bool want_dns,
			bool want_search);
int conf_read_resolv(struct ctx *c, const char *text, bool want_dns,
		     bool want_search);
int conf_classful_prefix(struct in_addr a);

#endif /* CONF_CONF_H */
