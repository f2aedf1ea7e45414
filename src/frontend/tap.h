/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * tap.h - frames in and out: qemu's stream socket (passt), tap device (pasta)
 */
#ifndef FRONTEND_TAP_H
#define FRONTEND_TAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct ctx;

int tap_sock_init(struct ctx *c);
int tap_register(struct ctx *c);
void tap_listen_handler(struct ctx *c);
void tap_stream_handler(struct ctx *c, uint32_t events);
void tap_dev_handler(struct ctx *c, uint32_t events);
size_t tap_send_frames(struct ctx *c, const struct iovec *frames, size_t n);
size_t tap_send(struct ctx *c, const uint8_t *frame, size_t len);
size_t tap_room(const struct ctx *c);
void tap_wait_writable(struct ctx *c);
void tap_frame_in(struct ctx *c, const uint8_t *frame, size_t len);
void tap_client_gone(struct ctx *c);

#endif /* FRONTEND_TAP_H */
