/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * dispatch.h - hand one frame from the guest to whatever handles it
 */
#ifndef SVC_DISPATCH_H
#define SVC_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

struct ctx;

#include "wire/eth.h"	/* FRAME_MAX */

size_t dispatch_frame(struct ctx *c, const uint8_t *frame, size_t len,
		      uint8_t *reply, size_t reply_size);

#endif /* SVC_DISPATCH_H */
