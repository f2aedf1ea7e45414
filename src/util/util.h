/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * util.h - small helpers shared by every module
 */
#ifndef UTIL_UTIL_H
#define UTIL_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)		((a) < (b) ? (a) : (b))
#define MAX(a, b)		((a) > (b) ? (a) : (b))
#define ROUND_UP(x, a)		(((x) + (a) - 1) / (a) * (a))
#define UNUSED(x)		((void)(x))

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)

#define ETH_ALEN_		6

#endif /* UTIL_UTIL_H */
