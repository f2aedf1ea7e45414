# SPDX-License-Identifier: GPL-2.0-or-later
#
# The sandbox holds after a compromise (man page, NOTES, Sandbox):
#
#   - build/test/sandbox-escape (tests/sandbox/escape.c, make
#     build/test/sandbox-escape) applies the real sandbox of each mode
#     (passt, pasta, passt --vhost-user), as nobody, then makes one attack: TIOCSTI on a pseudo-terminal and a
#     clone() with new namespaces are killed (SIGSYS), a UNIX socket to
#     reach an abstract listener fails with EAFNOSUPPORT, setns() into a
#     user namespace is killed; clock_gettime() as a system call (hosts
#     without a vDSO clock) works, and so do the controls: a TCP socket as
#     the flows open them, pasta's own clone()
#   - no terminal: after start-up, passt's standard input and output are
#     /dev/null, standard error too unless the log goes there
#   - the PID, capture and log files, opened as root: a symbolic link, a
#     FIFO, another user's file are refused, their targets untouched
#   - pasta closes what it inherited: its command sees its standard streams
#     only
#
# Not for the sanitizer build's own sandbox (no seccomp filter there): the
# escape program is always built without sanitizers.

import os
import signal
import stat

import pytest

from conftest import (PASST, REPO, passt_argv, pasta_argv, require_binaries,
                      run_in, start_passt, write_file)
from test_sandbox import wait_sandboxed

ESCAPE = os.path.join(REPO, 'build', 'test', 'sandbox-escape')
ASAN = PASST.endswith('.asan')

KILLED = -signal.SIGSYS
OK = 0
MODES = ('passt', 'pasta', 'vhost-user')
# attack: (passt, pasta, passt --vhost-user)
EXPECT = {
    'tiocsti': (KILLED, KILLED, KILLED),
    'unix': (97, 97, 97),		# EAFNOSUPPORT
    'clone': (KILLED, KILLED, KILLED),
    'setns': (KILLED, KILLED, KILLED),
    'clock': (OK, OK, OK),
    'inet': (OK, OK, OK),
    'nscall': (KILLED, OK, KILLED),
}
CASES = [(mode, attack, EXPECT[attack][i])
         for attack in EXPECT for i, mode in enumerate(MODES)]


@pytest.mark.parametrize('mode,attack,expect', CASES,
                         ids=[f'{m}-{a}' for m, a, _ in CASES])
def test_escape(topo, mode, attack, expect):
    """Each attack is refused or killed as designed, controls work"""
    if not os.access(ESCAPE, os.X_OK):
        pytest.fail(f'{ESCAPE} missing: run make build/test/sandbox-escape')
    res = run_in(topo.host, [ESCAPE, mode, attack], user='nobody',
                 timeout=10)
    assert res.returncode == expect, \
        f'{mode} {attack}: {res.returncode}\n{res.stdout}{res.stderr}'


def fd_target(pid, fd):
    """What a descriptor of pid is: /dev/null, or its link text

    The link text of /dev/null is relative to the process's own root,
    which the sandbox changed: tell it by device number.
    """
    st = os.stat(f'/proc/{pid}/fd/{fd}')
    if st.st_rdev == os.stat('/dev/null').st_rdev and \
            stat.S_ISCHR(st.st_mode):
        return '/dev/null'
    return os.readlink(f'/proc/{pid}/fd/{fd}')


def test_no_terminal_after_start(topo, tmp):
    """passt -f: stdin and stdout are /dev/null, stderr (the log) stays"""
    p = start_passt(topo, tmp)
    wait_sandboxed(p.pid, 'passt', proc=p)
    assert fd_target(p.pid, 0) == '/dev/null'
    assert fd_target(p.pid, 1) == '/dev/null'
    assert fd_target(p.pid, 2).startswith('pipe:'), fd_target(p.pid, 2)


def test_no_terminal_with_log_file(topo, tmp):
    """passt -f -l FILE: the log isn't on stderr, so that goes as well"""
    p = start_passt(topo, tmp, '-l', os.path.join(tmp, 'log'))
    wait_sandboxed(p.pid, 'passt', proc=p)
    for fd in range(3):
        assert fd_target(p.pid, fd) == '/dev/null', fd


FILE_OPTS = ['-P', '-p', '-l']


def assert_refused(topo, tmp, opt, path, why, check, keep):
    """passt -f OPT PATH, as root, fails at start-up saying why, and the
    file check (a path) still holds keep, if given"""
    require_binaries()
    res = run_in(topo.host, passt_argv('-f', '-s', os.path.join(tmp, 's'),
                                       opt, path), timeout=10)
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert why in out, out
    if keep is not None:
        with open(check) as f:
            assert f.read() == keep


@pytest.mark.parametrize('opt', FILE_OPTS)
def test_root_refuses_symlink(topo, tmp, opt):
    """passt OPT LINK as root: refused, the link's target is untouched"""
    secret = os.path.join(tmp, 'secret')
    write_file(secret, 'keep\n', 0o600)		# root's
    link = os.path.join(tmp, 'link')
    os.symlink(secret, link)
    os.lchown(link, 65534, 65534)		# planted by nobody
    assert_refused(topo, tmp, opt, link, 'symbolic links', secret, 'keep\n')


@pytest.mark.parametrize('opt', FILE_OPTS)
def test_root_refuses_fifo_and_foreign_file(topo, tmp, opt):
    """A FIFO is refused without blocking, and so is nobody's file"""
    fifo = os.path.join(tmp, 'fifo')
    os.mkfifo(fifo)
    assert_refused(topo, tmp, opt, fifo, "Can't open", fifo, None)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    theirs = os.path.join(tmp, 'theirs')
    write_file(theirs, 'data\n', 0o666)
    os.chown(theirs, 65534, 65534)
    assert_refused(topo, tmp, opt, theirs, 'not permitted', theirs, 'data\n')


def test_pasta_command_sees_only_stdio(topo, tmp):
    """A descriptor pasta inherits reaches neither pasta's sandbox nor its
    command: the command has its standard streams, nothing else"""
    require_binaries()
    marker = os.path.join(tmp, 'inherited')
    write_file(marker, '', 0o666)
    fd = os.open(marker, os.O_WRONLY)
    script = ('import os\n'
              'out = []\n'
              'for f in os.listdir("/proc/self/fd"):\n'
              '    try:\n'
              '        out.append(f + "=" + os.readlink("/proc/self/fd/" + f))\n'
              '    except OSError:\n'
              '        pass\n'
              'print(" ".join(sorted(out)))\n')
    try:
        res = run_in(topo.host, pasta_argv('--', 'python3', '-c', script),
                     user='nobody', pass_fds=(fd,), timeout=20)
    finally:
        os.close(fd)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    fds = dict(e.split('=', 1) for e in res.stdout.split())
    assert marker not in fds.values(), out
    # stdin, stdout, stderr: listdir()'s own descriptor is gone by then
    assert sorted(fds) == ['0', '1', '2'], out
