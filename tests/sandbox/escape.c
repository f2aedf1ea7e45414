// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * escape.c - try to get out of the real sandbox, as code running inside it
 *
 *   build/test/sandbox-escape MODE ATTACK
 *
 * MODE is passt, pasta or vhost-user (passt --vhost-user). The program gets ready what the attack needs (a
 * pseudo-terminal, an abstract UNIX socket listening), then applies the
 * sandbox of MODE as main() does (sandbox_userns(), sandbox_isolate(),
 * sandbox_seccomp(): the same code, the same generated allow-list), then
 * makes the one call of ATTACK:
 *
 *   tiocsti	type a character into the pseudo-terminal (ioctl TIOCSTI)
 *   unix	connect to the abstract UNIX socket it listens on itself
 *   clone	clone() with new user and network namespaces
 *   setns	setns() into a user namespace (our own)
 *   clock	clock_gettime() as a system call, not through the vDSO
 *   inet	control: a TCP socket, as the flows open them
 *   nscall	control, pasta: clone() as pasta's namespace calls make it
 *
 * Exit status: 0 if the call worked, its errno if it failed, 200 if the
 * attack reached its target (the listener accepted, the character was
 * typed); a call the filter kills ends the process with SIGSYS.
 * Used by tests/integration/test_sandbox_escape.py.
 */

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "conf/ctx.h"
#include "sandbox/sandbox.h"
#include "util/log.h"
#include "util/util.h"

static struct ctx ctx;
static char stack[64 * 1024] __attribute__((aligned(64)));

/**
 * child() - body of the control clone
 * @arg:	unused
 *
 * Return: doesn't, exits as pasta's clones do
 */
static int child(void *arg)
{
	(void)arg;
	_exit(0);
}

/**
 * result() - exit with the outcome of a call
 * @rc:		its return value
 */
static void __attribute__((noreturn)) result(long rc)
{
	_exit(rc < 0 ? errno : 0);
}

/**
 * main() - prepare, apply the sandbox, attack
 * @argc:	argument count
 * @argv:	mode and attack
 *
 * Return: see above
 */
int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int listener = -1, pty = -1, self_userns = -1;
	const char *attack;
	struct timespec ts;
	socklen_t sl = 0;
	char ch = 'x';
	long rc;

	if (argc != 3) {
		fprintf(stderr, "usage: %s passt|pasta|vhost-user ATTACK\n",
			argv[0]);
		return 64;
	}
	ctx.mode = strcmp(argv[1], "pasta") ? MODE_PASST : MODE_PASTA;
	ctx.vhost_user = !strcmp(argv[1], "vhost-user");
	ctx.fd_given = -1;
	attack = argv[2];
	log_set_name(ctx.mode == MODE_PASTA ? "pasta" : "passt");
	log_to_stderr(true);

	/* Ready what the attacks need, as a compromised process would find */
	if (!strcmp(attack, "tiocsti")) {
		pty = posix_openpt(O_RDWR | O_NOCTTY);
		if (pty < 0 || grantpt(pty) || unlockpt(pty)) {
			perror("pty");
			return 65;
		}
	} else if (!strcmp(attack, "unix")) {
		snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1,
			 "passt-escape-%i", getpid());
		sl = offsetof(struct sockaddr_un, sun_path) + 1 +
		     strlen(sa.sun_path + 1);
		listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (listener < 0 || bind(listener, (struct sockaddr *)&sa, sl) ||
		    listen(listener, 1)) {
			perror("listener");
			return 65;
		}
	} else if (!strcmp(attack, "setns")) {
		self_userns = open("/proc/self/ns/user", O_RDONLY);
	}

	sandbox_userns(&ctx);
	sandbox_isolate(&ctx);
	sandbox_seccomp(&ctx);

	if (!strcmp(attack, "tiocsti")) {
		rc = ioctl(pty, TIOCSTI, &ch);
		if (rc < 0)
			result(rc);
		_exit(200);
	}
	if (!strcmp(attack, "unix")) {
		int s = socket(AF_UNIX, SOCK_STREAM, 0);

		if (s < 0)
			result(s);
		if (connect(s, (struct sockaddr *)&sa, sl) < 0)
			result(-1);
		_exit(200);
	}
	if (!strcmp(attack, "clone"))
		result(syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNET |
			       SIGCHLD, NULL, NULL, NULL, 0));
	if (!strcmp(attack, "setns"))
		result(setns(self_userns, CLONE_NEWUSER));
	if (!strcmp(attack, "clock"))
		result(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts));
	if (!strcmp(attack, "inet"))
		result(sock_open(AF_INET, SOCK_STREAM_NB, IPPROTO_TCP));
	if (!strcmp(attack, "nscall")) {
		int status;
		pid_t pid = clone(child, stack + sizeof(stack), CLONE_VM |
				  CLONE_VFORK | CLONE_FILES | SIGCHLD, NULL);

		if (pid < 0)
			result(pid);
		result(waitpid(pid, &status, 0));
	}
	return 64;
}
