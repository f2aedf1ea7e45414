/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * pasta.h - pasta's namespaces: create or join them, set up the tap device
 */
#ifndef NS_PASTA_H
#define NS_PASTA_H

struct ctx;

int pasta_start(struct ctx *c);
int pasta_watch_ns(struct ctx *c);
void pasta_release_child(void);
void pasta_child_exited(void);
void pasta_inotify_handler(int fd);
int pasta_ns_socket(int domain, int type, int protocol);
void pasta_ns_pool_refill(void);
int pasta_ns_open(const char *path);

#endif /* NS_PASTA_H */
