/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * pcap.h - capture of guest-side frames in pcap format
 */
#ifndef FRONTEND_PCAP_H
#define FRONTEND_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

int pcap_open(const char *path);
bool pcap_active(void);
void pcap_frame(const uint8_t *frame, size_t len);
void pcap_frame_iov(const struct iovec *iov, int iovcnt, size_t skip);

#endif /* FRONTEND_PCAP_H */
