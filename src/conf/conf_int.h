/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * conf_int.h - shared between the files of conf/, not used elsewhere
 */
#ifndef CONF_CONF_INT_H
#define CONF_CONF_INT_H

#include "conf/conf.h"

#define RESOLV_CONF	"/etc/resolv.conf"

void __attribute__((noreturn)) conf_usage(const char *name, int status);
void __attribute__((noreturn, format(printf, 1, 2)))
conf_die(const char *fmt, ...);

#endif /* CONF_CONF_INT_H */
