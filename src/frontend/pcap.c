// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcap.c - capture of guest-side frames in pcap format
 *
 * The file is opened once at start-up (before any sandboxing) and written
 * with one writev() per frame: a record header with a timestamp, then the
 * frame itself. Link type is Ethernet. Frames are recorded whole: the
 * snapshot length covers the largest frame we handle.
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/uio.h>

#include "frontend/pcap.h"
#include "svc/dispatch.h"
#include "util/file.h"
#include "util/log.h"

#define PCAP_MAGIC		0xa1b2c3d4	/* microsecond timestamps */
#define PCAP_LINKTYPE_ETHERNET	1

struct pcap_file_header {
	uint32_t magic;
	uint16_t version_major;
	uint16_t version_minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

struct pcap_record_header {
	uint32_t ts_sec;
	uint32_t ts_usec;
	uint32_t caplen;
	uint32_t len;
};

static int pcap_fd = -1;

/**
 * pcap_open() - create the capture file and write its header
 * @path:	file path, truncated if it exists; see file_open_output() for
 *		what's refused
 *
 * Return: 0 on success, -errno on failure
 */
int pcap_open(const char *path)
{
	struct pcap_file_header h = {
		.magic = PCAP_MAGIC,
		.version_major = 2,
		.version_minor = 4,
		.snaplen = FRAME_MAX,
		.linktype = PCAP_LINKTYPE_ETHERNET,
	};
	int fd;

	fd = file_open_output(path, false, 0600);
	if (fd < 0)
		return fd;
	if (write(fd, &h, sizeof(h)) != sizeof(h)) {
		int rc = -errno;

		close(fd);
		return rc ? rc : -EIO;
	}
	pcap_fd = fd;
	return 0;
}

/**
 * pcap_active() - is a capture file open?
 *
 * Return: true if frames are being recorded
 */
bool pcap_active(void)
{
	return pcap_fd >= 0;
}

/**
 * pcap_frame_iov() - record one frame given as an I/O vector
 * @iov:	vector holding the frame
 * @iovcnt:	number of elements in @iov
 * @skip:	bytes at the start of the vector that aren't part of the frame
 *		(the stream length header)
 *
 * #syscalls writev
 */
void pcap_frame_iov(const struct iovec *iov, int iovcnt, size_t skip)
{
	struct iovec out[8];
	struct pcap_record_header rh;
	struct timespec ts;
	size_t len = 0;
	int i, n = 1;

	if (pcap_fd < 0)
		return;

	for (i = 0; i < iovcnt && n < (int)(sizeof(out) / sizeof(out[0]));
	     i++) {
		const char *base = iov[i].iov_base;
		size_t l = iov[i].iov_len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		out[n].iov_base = (void *)(base + skip);
		out[n].iov_len = l - skip;
		len += l - skip;
		skip = 0;
		n++;
	}

	clock_gettime(CLOCK_REALTIME, &ts);
	rh.ts_sec = (uint32_t)ts.tv_sec;
	rh.ts_usec = (uint32_t)(ts.tv_nsec / 1000);
	rh.caplen = rh.len = (uint32_t)len;
	out[0].iov_base = &rh;
	out[0].iov_len = sizeof(rh);

	if (writev(pcap_fd, out, n) < 0)
		log_debug("pcap: write failed: %s", strerror(errno));
}

/**
 * pcap_frame() - record one frame
 * @frame:	Ethernet frame
 * @len:	its length
 */
void pcap_frame(const uint8_t *frame, size_t len)
{
	struct iovec iov = { .iov_base = (void *)frame, .iov_len = len };

	if (pcap_fd >= 0)
		pcap_frame_iov(&iov, 1, 0);
}
