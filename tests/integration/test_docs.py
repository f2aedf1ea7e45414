# SPDX-License-Identifier: GPL-2.0-or-later
#
# The documentation matches the binary:
#
#   - every long option the binary accepts (the options[] table of
#     src/conf/conf.c) is described in the man page (doc/passt.1) and in the
#     --help text of at least one mode;
#   - the seccomp system call counts the man page gives (section Sandbox),
#     passt --vhost-user's own list included,
#     are the ones the build generates (tools/seccomp.sh, as 'make seccomp'
#     prints them), for the architecture the tests run on, and the section
#     describes each call of the lists, argument checks included.
#
# No namespaces, no traffic: the binary only prints its help text.

import os
import re
import subprocess

from conftest import PASST, PASTA, REPO, require_binaries

CONF_C = os.path.join(REPO, 'src', 'conf', 'conf.c')
MAN = os.path.join(REPO, 'doc', 'passt.1')


def long_options():
    """Long option names from the options[] table of conf.c"""
    with open(CONF_C) as f:
        text = f.read()
    table = text[text.index('static const struct option options[]'):]
    table = table[:table.index('};')]
    return sorted(set(re.findall(r'\{\s*"([a-z0-9-]+)",', table)))


def man_text():
    with open(MAN) as f:
        # roff escapes: \- is a dash, \f. font changes
        return re.sub(r'\\f[BIRP]', '', f.read()).replace('\\-', '-')


def help_text():
    require_binaries()
    out = ''
    for b in (PASST, PASTA):
        res = subprocess.run([b, '--help'], capture_output=True, text=True,
                             timeout=10)
        assert res.returncode == 0, res.stderr
        out += res.stdout
    return out


def test_every_option_documented():
    opts = long_options()
    assert len(opts) > 60, opts
    man, hlp = man_text(), help_text()
    missing_man = [o for o in opts
                   if not re.search(rf'--{re.escape(o)}(?![a-z0-9-])', man)]
    missing_help = [o for o in opts
                    if not re.search(rf'--{re.escape(o)}(?![a-z0-9-])', hlp)]
    assert not missing_man, f'not in doc/passt.1: {missing_man}'
    assert not missing_help, f'not in --help: {missing_help}'


def make_seccomp():
    """What 'make seccomp' prints, for the compiler the tests build with"""
    srcs = []
    for root, _, files in os.walk(os.path.join(REPO, 'src')):
        srcs += [os.path.join(root, f) for f in files if f.endswith('.c')]
    res = subprocess.run([os.path.join(REPO, 'tools', 'seccomp.sh'), 'cc',
                          '-'] + sorted(srcs), capture_output=True,
                         text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    return res


def test_seccomp_counts_in_man_page():
    res = make_seccomp()
    counts = dict(re.findall(r'^(passt|pasta): (\d+) system calls',
                             res.stdout, re.M))
    assert set(counts) == {'passt', 'pasta'}, res.stdout
    m = re.search(r'allows (\d+) system calls for passt and (\d+) for\s+'
                  r'pasta', man_text())
    assert m, 'no system call counts in the Sandbox section of doc/passt.1'
    assert (m.group(1), m.group(2)) == (counts['passt'], counts['pasta']), \
        f'man page says {m.groups()}, the build generates {counts}'
    vu = re.search(r'^passt --vhost-user: (\d+) system calls', res.stdout,
                   re.M)
    assert vu, res.stdout
    m = re.search(r'vhost-user back-end needs[^:]*:\s+(\d+) system calls',
                  man_text())
    assert m, 'no passt --vhost-user system call count in doc/passt.1'
    assert m.group(1) == vu.group(1), \
        f'man page says {m.group(1)} for --vhost-user, the build ' \
        f'generates {vu.group(1)}'


def test_sandbox_section_names_every_call():
    """Each call of the x86_64 lists is described in the Sandbox section,
    and so is each call with argument checks"""
    res = make_seccomp()
    man = man_text()
    sandbox = man[man.index('.SS Sandbox'):]
    sandbox = sandbox[:sandbox.index('\n.SS ', 1)]
    described = set()
    for line in re.findall(r'^\.B (.*)$', sandbox, re.M):
        described.update(line.split())
    names = set()
    for m in re.finditer(r'^(?:passt|pasta|passt --vhost-user): \d+ '
                         r'system calls\n((?:  \S.*\n)+)',
                         res.stdout, re.M):
        names.update(m.group(1).split())
    names.discard('argument')
    names.discard('checks:')
    assert names, res.stdout
    assert not names - described, \
        f'not described in the Sandbox section: {sorted(names - described)}'
    checked = set(re.findall(r'^\s+(\w+): a\d', res.stdout, re.M)) - {'or'}
    assert checked and checked <= described, checked
