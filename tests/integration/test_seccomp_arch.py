# SPDX-License-Identifier: GPL-2.0-or-later
#
# The seccomp allow-list on each architecture we build for (man page, NOTES,
# Sandbox; tools/seccomp.sh): generated with the Debian cross compiler of
# x86_64, i686, aarch64 and riscv64 (tests/deps.sh installs them), the list
# has the calls libc really makes there, and the filter compiles:
#
#   - everywhere: clock_gettime (the vDSO's fallback), no ioctl, socket()
#     checked (families, types, protocols) with EAFNOSUPPORT for the rest;
#     pasta: clone with its one set of flags, setns to network namespaces
#   - x86_64 and i686: epoll_wait; aarch64 and riscv64, which have none:
#     epoll_pwait
#   - i686: the _time64 and 64 variants, and socketcall, checked to the
#     subcalls of the list, without SYS_SOCKET (socket() is the direct call,
#     checked)
#   - the generated header, src/sandbox/filter.c and src/sandbox/sandbox.c
#     compile with each cross compiler, warning-free
#
# The annotation format: a plain name and a checked one for the same call
# are an error, and so is a malformed check.
#
# No namespaces, no traffic, no root needed.

import glob
import os
import re
import shutil
import subprocess

import pytest

from conftest import REPO

ARCHES = {
    'x86_64': 'cc',
    'i686': 'i686-linux-gnu-gcc',
    'aarch64': 'aarch64-linux-gnu-gcc',
    'riscv64': 'riscv64-linux-gnu-gcc',
}
SRCS = sorted(glob.glob(os.path.join(REPO, 'src', '**', '*.c'),
                        recursive=True))
SECCOMP_SH = os.path.join(REPO, 'tools', 'seccomp.sh')


def seccomp_print(cc, srcs=SRCS):
    """Output of tools/seccomp.sh CC - SRCS: {mode: (names, checks)}"""
    res = subprocess.run([SECCOMP_SH, cc, '-'] + srcs, capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    out = {}
    for block in re.split(r'^(?=passt: |pasta: )', res.stdout, flags=re.M):
        m = re.match(r'(passt|pasta): (\d+) system calls\n', block)
        if not m:
            continue
        body = block[m.end():]
        names_part, _, checks = body.partition('  argument checks:\n')
        names = names_part.split()
        assert len(names) == int(m.group(2)), block
        out[m.group(1)] = (names, checks)
    assert set(out) == {'passt', 'pasta'}, res.stdout
    return out


def checks_of(checks, name):
    """The check lines of one call, from 'name:' to its 'else:' line"""
    m = re.search(rf'^\s+{name}: (.*?)^\s+else: ([^\n]*)$', checks,
                  re.M | re.S)
    return (m.group(1), m.group(2)) if m else None


def need(cc):
    if not shutil.which(cc):
        pytest.skip(f'{cc} missing: run tests/deps.sh')


@pytest.mark.parametrize('arch', ARCHES)
def test_list_per_arch(arch):
    cc = ARCHES[arch]
    need(cc)
    lists = seccomp_print(cc)
    for mode, (names, checks) in lists.items():
        assert 'clock_gettime' in names, (arch, mode)
        assert 'ioctl' not in names, (arch, mode)
        sock = checks_of(checks, 'socket')
        assert sock, (arch, mode, checks)
        assert 'a0=AF_INET' in sock[0] and 'AF_UNIX' not in sock[0]
        assert sock[1] == 'errno EAFNOSUPPORT'
        if arch in ('aarch64', 'riscv64'):
            assert 'epoll_pwait' in names and 'epoll_wait' not in names
        else:
            assert 'epoll_wait' in names
        if arch == 'i686':
            for n in ('clock_gettime64', 'recvmmsg_time64', 'ftruncate64',
                      'socketcall'):
                assert n in names, (arch, mode, n)
            sc = checks_of(checks, 'socketcall')
            assert sc and 'SYS_CONNECT' in sc[0], (mode, checks)
            assert 'SYS_SOCKET,' not in sc[0] + ',', (mode, sc)
        else:
            assert 'socketcall' not in names
    pasta_names, pasta_checks = lists['pasta']
    clone = checks_of(pasta_checks, 'clone')
    assert clone and clone[0].strip() == \
        'a0=CLONE_VM|CLONE_VFORK|CLONE_FILES|SIGCHLD', clone
    setns = checks_of(pasta_checks, 'setns')
    assert setns and setns[0].strip() == 'a1=CLONE_NEWNET', setns
    if arch == 'i686':
        assert 'fcntl64' in pasta_names
    assert 'exit' not in pasta_names


@pytest.mark.parametrize('arch', ARCHES)
def test_filter_compiles(arch, tmp_path):
    cc = ARCHES[arch]
    need(cc)
    gen = tmp_path / 'gen'
    gen.mkdir()
    res = subprocess.run([SECCOMP_SH, cc, str(gen / 'seccomp.h')] + SRCS,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    header = (gen / 'seccomp.h').read_text()
    assert 'static const struct sandbox_call seccomp_passt[]' in header
    for src in ('filter.c', 'sandbox.c'):
        res = subprocess.run(
            [cc, '-std=gnu11', '-D_GNU_SOURCE', '-I' + os.path.join(REPO, 'src'),
             '-I' + str(gen), '-Wall', '-Wextra', '-Werror',
             '-Wno-unused-parameter', '-O2', '-c', '-o',
             str(tmp_path / (src + '.o')),
             os.path.join(REPO, 'src', 'sandbox', src)],
            capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, f'{arch} {src}: {res.stderr}'


def annotated(tmp_path, *lines):
    """A source file holding annotation lines"""
    f = tmp_path / 'a.c'
    f.write_text(''.join(f'/* {line} */\n' for line in lines))
    return str(f)


def test_plain_and_checked_is_an_error(tmp_path):
    src = annotated(tmp_path, '#syscalls ioctl:a1=SIOCOUTQ',
                    '#syscalls:passt ioctl')
    res = subprocess.run([SECCOMP_SH, 'cc', '-', src], capture_output=True,
                         text=True, timeout=30)
    assert res.returncode != 0
    assert 'ioctl is both unchecked and checked in passt' in res.stderr


def test_bad_check_is_an_error(tmp_path):
    src = annotated(tmp_path, '#syscalls ioctl:b1=SIOCOUTQ')
    res = subprocess.run([SECCOMP_SH, 'cc', '-', src], capture_output=True,
                         text=True, timeout=30)
    assert res.returncode != 0
    assert 'bad check' in res.stderr


def test_checks_are_alternatives(tmp_path):
    src = annotated(tmp_path, '#syscalls:pasta ioctl:a1=SIOCOUTQ',
                    '#syscalls:pasta ioctl:a1=FIONREAD:errno=ENOTTY',
                    '#syscalls read')
    lists = seccomp_print('cc', [src])
    assert lists['passt'][0] == ['read']
    assert lists['pasta'][0] == ['ioctl', 'read']
    chk = lists['pasta'][1]
    assert re.search(r'ioctl: a1=SIOCOUTQ\n\s+or: a1=FIONREAD\n'
                     r'\s+else: errno ENOTTY', chk), chk
