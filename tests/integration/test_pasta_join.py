# SPDX-License-Identifier: GPL-2.0-or-later
#
# pasta joining an existing user + network namespace: by PID, or by path
# with --netns / --userns. The target is 'unshare -rUn sleep', started by
# nobody in HOST, as a rootless container engine would.

import json
import os
import signal
import time

import pytest

from conftest import (HOST4, HOST6, REMOTE4, addrs_of, default_gateways,
                      link_of, pasta_argv, require_binaries, run, spawn_in,
                      wait_until)


@pytest.fixture
def target(topo):
    """nobody's 'unshare -rUn sleep 60' in HOST: (Proc, pid)"""
    t = spawn_in(topo.host, ['unshare', '-rUn', 'sleep', '60'],
                 user='nobody')

    def ready():
        try:
            with open(f'/proc/{t.pid}/comm') as f:
                return f.read().strip() == 'sleep'
        except FileNotFoundError:
            return False
    wait_until(ready, timeout=5, what='unshare -rUn sleep')
    yield t
    t.stop()


def ns_ip_json(pid, *args):
    """ip -j ARGS in the network namespace of pid (root, via nsenter)"""
    res = run(['nsenter', '-t', str(pid), '-n', 'ip', '-j'] + list(args))
    if res.returncode:
        return []
    return json.loads(res.stdout or '[]')


def wait_configured(pid, ifname='h0', timeout=5):
    def ok():
        a = ns_ip_json(pid, 'addr', 'show')
        return a if f'{HOST4}/24' in addrs_of(a, ifname) else None
    return wait_until(ok, timeout=timeout,
                      what=f'{HOST4} on {ifname} in netns of {pid}')


def start_pasta(topo, *args):
    require_binaries()
    return spawn_in(topo.host, pasta_argv(*args), user='nobody')


def test_join_pid(topo, target):
    p = start_pasta(topo, '--config-net', '-f', str(target.pid))
    a = wait_configured(target.pid)
    h0 = link_of(a, 'h0')
    assert 'UP' in h0['flags']
    assert 'UP' in link_of(a, 'lo')['flags']
    wait_until(lambda: f'{HOST6}/64' in addrs_of(
        ns_ip_json(target.pid, 'addr', 'show'), 'h0'), timeout=3,
        what='IPv6 address')
    assert default_gateways(ns_ip_json(target.pid, 'route', 'show')) == \
        [REMOTE4]
    assert p.running(), p.output

    # The namespace's only process goes away: pasta follows
    target.stop()
    rc = p.wait(5)
    assert rc is not None, f'pasta still running:\n{p.output}'


def test_join_pid_ifname(topo, target):
    p = start_pasta(topo, '--config-net', '-f', '-I', 'tap9',
                    str(target.pid))
    wait_configured(target.pid, ifname='tap9')
    assert p.running()


def test_join_pid_background(topo, target, tmp):
    """Without -f, pasta forks to background: -P tells its PID"""
    pidfile = os.path.join(tmp, 'pasta.pid')
    p = start_pasta(topo, '--config-net', '-P', pidfile, str(target.pid))
    assert p.wait(10) == 0, p.output
    pid = int(open(pidfile).read())
    try:
        assert os.path.exists(f'/proc/{pid}'), 'pasta not running'
        wait_configured(target.pid)
        target.stop()
        wait_until(lambda: not os.path.exists(f'/proc/{pid}'), timeout=5,
                   what='background pasta to exit with its namespace')
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_join_netns_userns_paths(topo, target):
    p = start_pasta(topo, '--config-net', '-f',
                    '--netns', f'/proc/{target.pid}/ns/net',
                    '--userns', f'/proc/{target.pid}/ns/user')
    wait_configured(target.pid)
    assert p.running(), p.output
    # The namespace goes away with its process: so does its /proc file
    target.stop()
    assert p.wait(5) is not None, f'pasta still running:\n{p.output}'


def test_join_netns_file_deleted(topo, target, tmp):
    """pasta quits once the netns file it was given is deleted"""
    link = os.path.join(tmp, 'netns')
    os.symlink(f'/proc/{target.pid}/ns/net', link)
    p = start_pasta(topo, '--config-net', '-f', '--netns', link,
                    '--userns', f'/proc/{target.pid}/ns/user')
    wait_configured(target.pid)
    assert p.running(), p.output
    os.unlink(link)
    assert p.wait(5) is not None, f'pasta still running:\n{p.output}'
    assert target.running()


def test_join_no_netns_quit(topo, target, tmp):
    link = os.path.join(tmp, 'netns')
    os.symlink(f'/proc/{target.pid}/ns/net', link)
    p = start_pasta(topo, '--config-net', '-f', '--no-netns-quit',
                    '--netns', link, '--userns',
                    f'/proc/{target.pid}/ns/user')
    wait_configured(target.pid)
    os.unlink(link)
    time.sleep(1)
    assert p.running(), p.output
