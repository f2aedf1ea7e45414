# SPDX-License-Identifier: GPL-2.0-or-later
#
# The sandbox (man page, NOTES, Sandbox; src/sandbox/sandbox.c): what a
# running passt or pasta has given up by the time it serves traffic, checked
# from outside through /proc/PID, and that it still serves traffic then.
#
#   - seccomp in filter mode (Seccomp: 2, one filter), no_new_privs, no
#     capabilities left in any set, except CAP_SYS_ADMIN (bit 21) in pasta's
#     effective, permitted and bounding sets
#   - an empty, read-only tmpfs as root directory, the only mount there
#   - mount, IPC and UTS namespaces of its own, created after the move to the
#     user namespace it runs in (their owner is that user namespace: 'ip
#     netns exec' gives every process a new mount namespace already, so "not
#     ours" alone wouldn't tell)
#   - passt: its own user namespace, a child of ours, mapping its user and
#     group IDs to themselves; in the background, PID 1 of a new PID
#     namespace. pasta: the user namespace of the namespace it serves
#   - after that, the main loop works: passt's guest (GUEST behind tap_relay)
#     gets a DHCP lease and a SLAAC address and reaches REMOTE by TCP and
#     UDP over both families; pasta's namespace does the same, and a
#     spliced -t connection (new sockets in the namespace, from clones that
#     need the CAP_SYS_ADMIN pasta keeps) works
#   - --runas, starting as root: the user and group (real, effective, saved,
#     file system) become the given ones, nobody by default, with no
#     supplementary groups, and passt serves its socket; files opened
#     before the change (PID file, log) can be in places only root may
#     write; pasta started as root runs as nobody too; as nobody, --runas 1
#     fails; as root, --runas 0 is refused (more bad values in test_cli.py)
#   - a system call outside the list kills the process with SIGSYS: the
#     test-only build build/test/passt-selftest (make
#     build/test/passt-selftest) calls getcwd() on SIGUSR2
#
# The sanitizer build (PASST_BIN=.../passt.asan) installs no seccomp filter
# and keeps /proc in the empty root, for the leak checker (man page): the
# expectations follow, and the SIGSYS test is skipped.
#
# REMOTE servers listen on test_tcp's SRV4 and SRV6 (REMOTE's loopback).

import fcntl
import grp
import json
import os
import signal
import stat

import pytest

from conftest import (GUEST_MAC, HOST4, HOST6, NET6, NOBODY_GID, NOBODY_UID,
                      PASST, REMOTE4, SELFTEST_PASST, SELFTEST_PASTA,
                      addrs_of, eui64_addr, ip_json,
                      passt_argv, pasta_argv, require_binaries, run, run_in,
                      spawn_in, start_passt, start_relay, wait_until,
                      write_file)
from test_passt import guest_dhcp
from test_pasta_join import target  # noqa: F401
from test_tcp import PY, SRV4, SRV6, remote  # noqa: F401

ASAN = PASST.endswith('.asan')
SELFTEST = SELFTEST_PASST

NO_CAPS = '0000000000000000'
CAP_SYS_ADMIN = '0000000000200000'	# 1 << 21
CAPS = {'passt': NO_CAPS, 'pasta': CAP_SYS_ADMIN}
SECCOMP = '0' if ASAN else '2'
ROOT_LISTING = ['proc'] if ASAN else []

NS_GET_USERNS = 0xb701		# ioctl_ns(2): _IO(0xb7, 0x1)
NS_GET_PARENT = 0xb702		# _IO(0xb7, 0x2)

# Echo servers in REMOTE, clients in the guest or pasta's namespace. Replies
# name the peer address the server saw.
TOOL = r'''
import socket, sys, threading


def fam(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def tcp_echo(s, peer):
    with s:
        data = b''
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
        s.sendall(b'echo ' + data + b' from ' + peer[0].encode())


def tcp_loop(ls):
    while True:
        s, peer = ls.accept()
        threading.Thread(target=tcp_echo, args=(s, peer), daemon=True).start()


def udp_loop(u):
    while True:
        data, peer = u.recvfrom(65536)
        u.sendto(b'echo ' + data + b' from ' + peer[0].encode(), peer)


def serve(port, addrs):
    for a in addrs:
        t = socket.socket(fam(a), socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((a, port))
        t.listen(16)
        threading.Thread(target=tcp_loop, args=(t,), daemon=True).start()
        u = socket.socket(fam(a), socket.SOCK_DGRAM)
        u.bind((a, port))
        threading.Thread(target=udp_loop, args=(u,), daemon=True).start()
    print('listening', flush=True)
    threading.Event().wait()


def client(proto, addr, port, msg):
    if proto == 'tcp':
        s = socket.create_connection((addr, port), timeout=5)
        s.sendall(msg.encode())
        s.shutdown(socket.SHUT_WR)
        data = b''
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
        print(data.decode(), flush=True)
        return
    s = socket.socket(fam(addr), socket.SOCK_DGRAM)
    s.settimeout(1)
    for _ in range(5):
        s.sendto(msg.encode(), (addr, port))
        try:
            print(s.recv(65536).decode(), flush=True)
            return
        except TimeoutError:
            pass
    sys.exit('no UDP reply')


def arp(path, src, dst):
    """ARP request for dst over passt's socket, print the reply's sender"""
    import struct
    mac = bytes.fromhex('02000000 0d02'.replace(' ', ''))
    req = b'\xff' * 6 + mac + b'\x08\x06' + struct.pack(
        '!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1, mac, socket.inet_aton(src),
        bytes(6), socket.inet_aton(dst))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(3)
    s.connect(path)
    s.sendall(struct.pack('!I', len(req)) + req)
    f = s.makefile('rb')
    while True:
        n = struct.unpack('!I', f.read(4))[0]
        frame = f.read(n)
        if frame[12:14] == b'\x08\x06' and frame[20:22] == b'\x00\x02':
            print('arp-reply', socket.inet_ntoa(frame[28:32]), flush=True)
            return


if sys.argv[1] == 'serve':
    serve(int(sys.argv[2]), sys.argv[3:])
elif sys.argv[1] == 'arp':
    arp(*sys.argv[2:5])
else:
    client(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
'''

_port = [22000]


def new_port():
    """A port not used before in this session"""
    _port[0] += 1
    return _port[0]


# ---------------------------------------------------------------------------
# /proc/PID

def proc_status(pid):
    """/proc/PID/status as a dict of raw values ('65534\\t65534\\t...')"""
    with open(f'/proc/{pid}/status') as f:
        return dict(line.rstrip('\n').split(':\t', 1) for line in f
                    if ':\t' in line)


def ns_ino(pid, ns):
    return os.stat(f'/proc/{pid}/ns/{ns}').st_ino


def ns_ioctl_ino(pid, ns, req):
    """Inode of the namespace NS_GET_USERNS or NS_GET_PARENT returns"""
    fd = os.open(f'/proc/{pid}/ns/{ns}', os.O_RDONLY | os.O_CLOEXEC)
    try:
        rfd = fcntl.ioctl(fd, req)
    finally:
        os.close(fd)
    try:
        return os.fstat(rfd).st_ino
    finally:
        os.close(rfd)


def mounts(pid):
    """[(mount point, mount options, fs type, super options)] of pid"""
    out = []
    with open(f'/proc/{pid}/mountinfo') as f:
        for line in f:
            pre, post = line.rstrip('\n').split(' - ', 1)
            pre, post = pre.split(' '), post.split(' ')	# source may be ''
            out.append((pre[4], pre[5].split(','), post[0],
                        post[2].split(',')))
    return out


def wait_sandboxed(pid, what, proc=None, log=None):
    """Wait until pid set no_new_privs and (not asan) installed its filter

    Both come last, right before the main loop: everything else in the
    sandbox is in place by then.
    """
    def done():
        try:
            st = proc_status(pid)
        except (FileNotFoundError, ProcessLookupError):
            return 'gone'
        if proc is not None and not proc.running():
            return 'gone'
        if st.get('NoNewPrivs') == '1' and st.get('Seccomp') == SECCOMP:
            return 'ok'
        return None
    r = wait_until(done, timeout=10, what=f'{what} (PID {pid}) sandboxed')
    if r == 'gone':
        out = proc.output if proc is not None else ''
        if log and os.path.exists(log):
            out += open(log, errors='replace').read()
        pytest.fail(f'{what} exited before its main loop '
                    f'({proc.wait(1) if proc else "?"}):\n{out}')


def check_sandbox(pid, mode, daemon=False, userns=None):
    """Everything the sandbox of mode takes away, seen from outside"""
    st = proc_status(pid)
    want = {'Seccomp': SECCOMP, 'NoNewPrivs': '1',
            'CapInh': NO_CAPS, 'CapPrm': CAPS[mode], 'CapEff': CAPS[mode],
            'CapBnd': CAPS[mode], 'CapAmb': NO_CAPS}
    assert {k: st.get(k) for k in want} == want
    if 'Seccomp_filters' in st:
        assert st['Seccomp_filters'] == ('0' if ASAN else '1')

    # Empty read-only tmpfs as root, nothing else mounted (but /proc, asan)
    assert sorted(os.listdir(f'/proc/{pid}/root')) == ROOT_LISTING
    m = mounts(pid)
    root = [x for x in m if x[0] == '/']
    assert len(root) == 1, m
    assert root[0][2] == 'tmpfs', m
    assert 'ro' in root[0][1] and 'ro' in root[0][3], m
    others = [x[0] for x in m if x[0] != '/']
    if ASAN:
        assert all(x == '/proc' or x.startswith('/proc/') for x in others), m
    else:
        assert others == [], m

    # Namespaces: user first, then those created in it
    user = ns_ino(pid, 'user')
    assert user != ns_ino('self', 'user')
    if userns is not None:
        assert user == userns
    for ns in ('mnt', 'ipc', 'uts'):
        assert ns_ino(pid, ns) != ns_ino('self', ns), ns
        assert ns_ioctl_ino(pid, ns, NS_GET_USERNS) == user, \
            f'{ns} namespace not created in the user namespace of {mode}'

    if mode == 'passt':
        # A child of the user namespace it was started in, identity maps
        assert ns_ioctl_ino(pid, 'user', NS_GET_PARENT) == \
            ns_ino('self', 'user')
        uid = st['Uid'].split('\t')[0]
        gid = st['Gid'].split('\t')[0]
        for f, i in (('uid_map', uid), ('gid_map', gid)):
            with open(f'/proc/{pid}/{f}') as fd:
                assert fd.read().split() == [i, i, '1'], f

    if mode == 'passt' and daemon:
        # First process of a PID namespace of its own, also owned by it
        assert st['NSpid'] == f'{pid}\t1'
        assert ns_ino(pid, 'pid') != ns_ino('self', 'pid')
        assert ns_ioctl_ino(pid, 'pid', NS_GET_USERNS) == user
    else:
        # pasta never, passt in the foreground can't (man page)
        assert st['NSpid'] == f'{pid}'
        assert ns_ino(pid, 'pid') == ns_ino('self', 'pid')
    return st


def ids(st):
    """(Uid, Gid, Groups) lines of a status dict"""
    return st['Uid'], st['Gid'], st['Groups'].strip()


def ids_of(uid, gid):
    """What ids() shows for real = effective = saved = fs IDs, no groups"""
    return '\t'.join([str(uid)] * 4), '\t'.join([str(gid)] * 4), ''


def kill_wait(pid, what):
    """SIGTERM a daemon that isn't our child, SIGKILL if it stays"""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        wait_until(lambda: not os.path.exists(f'/proc/{pid}'), timeout=3,
                   what=f'{what} to exit on SIGTERM')
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# ---------------------------------------------------------------------------
# Traffic

@pytest.fixture
def tool(tmp):
    path = os.path.join(tmp, 'sandbox_tool.py')
    write_file(path, TOOL)
    return path


@pytest.fixture
def servers(remote, tool):  # noqa: F811
    """TCP and UDP echo on SRV4 and SRV6 in REMOTE: the port"""
    port = new_port()
    p = spawn_in(remote.remote, [PY, tool, 'serve', str(port), SRV4, SRV6])
    p.wait_output(r'listening', timeout=10)
    return port


def echo(prefix, tool, proto, dst, port, msg):
    """Run the client (prefix: how to get into the guest), its reply"""
    res = run(prefix + [PY, tool, proto, dst, str(port), msg], timeout=20)
    assert res.returncode == 0, \
        f'{proto} to {dst}: exit {res.returncode}\n{res.stdout}{res.stderr}'
    return res.stdout.strip()


def check_traffic(prefix, tool, port, what):
    """TCP and UDP, IPv4 and IPv6, to REMOTE, which sees HOST's address"""
    for proto in ('tcp', 'udp'):
        for dst, src in ((SRV4, HOST4), (SRV6, HOST6)):
            msg = f'{what}-{proto}-{dst}'
            assert echo(prefix, tool, proto, dst, port, msg) == \
                f'echo {msg} from {src}'


def guest_up(guest, tmp):
    """DHCP lease (applied) and SLAAC address in GUEST"""
    kv = guest_dhcp(guest, tmp)
    assert (kv['ip'], kv['router']) == (HOST4, REMOTE4)
    want = f'{eui64_addr(NET6, GUEST_MAC)}/64'
    wait_until(lambda: want in addrs_of(
        ip_json(guest, '-6', 'addr', 'show', 'dev', 'g0'), scope='global'),
        timeout=5, what=f'SLAAC {want}')


# ---------------------------------------------------------------------------
# passt

def test_passt_foreground(topo, tmp, guest, tool, servers):
    """passt -f: sandboxed once its socket is up, then serves a guest"""
    p = start_passt(topo, tmp)
    wait_sandboxed(p.pid, 'passt', proc=p)
    st = check_sandbox(p.pid, 'passt')
    assert ids(st) == ids_of(NOBODY_UID, NOBODY_GID)

    start_relay(guest, p.sock)
    guest_up(guest, tmp)
    check_traffic(['ip', 'netns', 'exec', guest], tool, servers, 'passt')
    assert p.running(), p.output
    assert proc_status(p.pid)['Seccomp'] == SECCOMP


def test_passt_background(topo, tmp, guest, tool, servers):
    """passt in the background: PID 1 of its own PID namespace, serves"""
    require_binaries()
    sock = os.path.join(tmp, 'passt.sock')
    pidfile = os.path.join(tmp, 'passt.pid')
    log = os.path.join(tmp, 'passt.log')
    res = run_in(topo.host, passt_argv('-s', sock, '-P', pidfile, '-l', log),
                 user='nobody', timeout=10)
    assert res.returncode == 0, res.stdout + res.stderr
    pid = int(open(pidfile).read())
    try:
        wait_sandboxed(pid, 'background passt', log=log)
        check_sandbox(pid, 'passt', daemon=True)
        assert open(f'/proc/{pid}/comm').read().startswith('passt')

        start_relay(guest, sock)
        guest_up(guest, tmp)
        check_traffic(['ip', 'netns', 'exec', guest], tool, servers,
                      'passt-bg')
        assert proc_status(pid)['Seccomp'] == SECCOMP
    finally:
        kill_wait(pid, 'background passt')


# ---------------------------------------------------------------------------
# pasta

def start_pasta_cmd(topo, tmp, *args, user='nobody', argv0=None):
    """pasta --config-net ARGS -- sh (writes its PID, sleeps): (Proc, PID)

    The command runs in pasta's new namespace once the network is set up.
    argv0: what to run instead of pasta (a list).
    """
    require_binaries()
    pidfile = os.path.join(tmp, 'ns.pid')
    script = os.path.join(tmp, 'ns.sh')
    write_file(script, f'#!/bin/sh\necho $$ > {pidfile}.tmp\n'
               f'mv {pidfile}.tmp {pidfile}\nexec sleep 600\n', 0o755)
    p = spawn_in(topo.host, (argv0 or pasta_argv()) +
                 ['--config-net', *args, '--', '/bin/sh', script], user=user)
    wait_until(lambda: os.path.exists(pidfile) or not p.running(),
               timeout=10, what='pasta namespace')
    if not p.running():
        pytest.fail(f'pasta exited ({p.wait(1)}):\n{p.output}')
    return p, int(open(pidfile).read())


def kill_ns(nspid):
    try:
        os.kill(nspid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def test_pasta_spawned(topo, tmp, tool, servers):
    """pasta with a command: sandboxed in the command's user namespace"""
    fwd = new_port()
    p, nspid = start_pasta_cmd(topo, tmp, '-t', str(fwd))
    try:
        wait_sandboxed(p.pid, 'pasta', proc=p)
        check_sandbox(p.pid, 'pasta', userns=ns_ino(nspid, 'user'))

        inside = ['nsenter', f'--net=/proc/{nspid}/ns/net', '--']
        check_traffic(inside, tool, servers, 'pasta')

        # Spliced -t: HOST's loopback to a server in the namespace
        srv = spawn_in(topo.host, inside + [PY, tool, 'serve', str(fwd),
                                            '0.0.0.0'])
        srv.wait_output(r'listening', timeout=10)
        res = run_in(topo.host, [PY, tool, 'tcp', '127.0.0.1', str(fwd),
                                 'spliced'], timeout=20)
        assert res.returncode == 0, res.stdout + res.stderr
        # A namespace socket connected to the namespace's own address
        assert res.stdout.strip() == f'echo spliced from {HOST4}'
        p.signal(signal.SIGUSR1)
        m = p.wait_output(r'TCP splice: (\d+) connections spliced')
        assert m.group(1) == '1', p.output

        assert p.running(), p.output
        assert proc_status(p.pid)['Seccomp'] == SECCOMP
    finally:
        kill_ns(nspid)


def ip_json_in(prefix):
    """ip -j addr show, run with prefix (nsenter), parsed"""
    res = run(prefix + ['ip', '-j', 'addr', 'show'])
    return json.loads(res.stdout or '[]') if res.returncode == 0 else []


def test_pasta_join_background(topo, tmp, tool, servers, target):
    """pasta joining a namespace by PID, in the background: sandboxed in
    the target's user namespace, serves it, quits with it"""
    require_binaries()
    pidfile = os.path.join(tmp, 'pasta.pid')
    log = os.path.join(tmp, 'pasta.log')
    res = run_in(topo.host, pasta_argv('--config-net', '-P', pidfile,
                                       '-l', log, str(target.pid)),
                 user='nobody', timeout=10)
    assert res.returncode == 0, res.stdout + res.stderr
    pid = int(open(pidfile).read())
    try:
        wait_sandboxed(pid, 'background pasta', log=log)
        check_sandbox(pid, 'pasta', daemon=True,
                      userns=ns_ino(target.pid, 'user'))
        inside = ['nsenter', f'--net=/proc/{target.pid}/ns/net', '--']
        wait_until(lambda: f'{HOST4}/24' in addrs_of(
            ip_json_in(inside), 'h0'), timeout=5, what='h0 configured')
        check_traffic(inside, tool, servers, 'pasta-bg')
        assert proc_status(pid)['Seccomp'] == SECCOMP

        # The pidfd watch still works in the sandbox
        target.stop()
        wait_until(lambda: not os.path.exists(f'/proc/{pid}'), timeout=5,
                   what='background pasta to exit with its namespace')
    finally:
        kill_wait(pid, 'background pasta')


# ---------------------------------------------------------------------------
# --runas

def _group_other_than_nogroup():
    """A group name (and ID) other than nobody's, for LOGIN:GROUP"""
    for name in ('users', 'staff', 'daemon'):
        try:
            return name, grp.getgrnam(name).gr_gid
        except KeyError:
            pass
    return None, None


_OTHER, _OTHER_GID = _group_other_than_nogroup()

RUNAS = [
    ([], NOBODY_UID, NOBODY_GID),
    (['--runas', f'{NOBODY_UID}:{NOBODY_GID}'], NOBODY_UID, NOBODY_GID),
    (['--runas', 'nobody'], NOBODY_UID, NOBODY_GID),
    (['--runas', str(NOBODY_UID)], NOBODY_UID, NOBODY_GID),
    (['--runas', 'nobody:nogroup'], NOBODY_UID, NOBODY_GID),
    (['--runas', f'{NOBODY_UID}:100'], NOBODY_UID, 100),
    (['--runas', f'nobody:{_OTHER}'], NOBODY_UID, _OTHER_GID),
]


def arp_client(topo, tool, sock, user=None):
    """ARP for the gateway over passt's socket, from a root client, or as
    user

    The socket is bound before the change of user (passt listens first,
    for libvirt), then given to the --runas user: that user can connect.
    """
    res = run_in(topo.host, [PY, tool, 'arp', sock, HOST4, REMOTE4],
                 user=user, timeout=10)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.strip() == f'arp-reply {REMOTE4}'


@pytest.mark.parametrize('args,uid,gid', RUNAS,
                         ids=[' '.join(a) or 'default' for a, _, _ in RUNAS])
def test_runas_root_passt(topo, tmp, tool, args, uid, gid):
    """passt started as root runs as the --runas user (nobody by default):
    real, effective, saved and file system IDs, no supplementary groups"""
    if gid is None:
        pytest.skip('no group other than nogroup in the group database')
    require_binaries()
    sock = os.path.join(tmp, 'passt.sock')
    p = spawn_in(topo.host, passt_argv('-f', '-s', sock, *args))
    wait_sandboxed(p.pid, 'passt', proc=p)
    assert ids(proc_status(p.pid)) == ids_of(uid, gid)
    st = os.stat(sock)
    assert stat.S_ISSOCK(st.st_mode)
    assert (st.st_uid, st.st_gid) == (uid, gid)
    arp_client(topo, tool, sock, user='nobody')
    assert p.running(), p.output
    # The rest of the sandbox as for an unprivileged start
    check_sandbox(p.pid, 'passt')


def test_runas_root_passt_files_opened_first(topo, tmp, tool):
    """As root, PID file and log open before the change: a directory only
    root may write to is fine, and the files are root's"""
    require_binaries()
    d = os.path.join(tmp, 'root-only')
    os.mkdir(d, 0o755)		# root's
    pidfile = os.path.join(d, 'passt.pid')
    log = os.path.join(d, 'passt.log')
    sock = os.path.join(tmp, 'passt.sock')
    res = run_in(topo.host, passt_argv('-s', sock, '-P', pidfile, '-l', log,
                                       '--runas', 'nobody'), timeout=10)
    assert res.returncode == 0, res.stdout + res.stderr
    pid = int(open(pidfile).read())
    try:
        wait_sandboxed(pid, 'background passt', log=log)
        assert ids(proc_status(pid)) == ids_of(NOBODY_UID, NOBODY_GID)
        for f in (pidfile, log):
            assert os.stat(f).st_uid == 0, f
        assert os.path.getsize(log) > 0
        arp_client(topo, tool, sock)
        check_sandbox(pid, 'passt', daemon=True)
    finally:
        kill_wait(pid, 'background passt')


def test_runas_root_pasta(topo, tmp):
    """pasta started as root runs as nobody, sandboxed as usual"""
    p, nspid = start_pasta_cmd(topo, tmp, user=None)
    try:
        wait_sandboxed(p.pid, 'pasta', proc=p)
        st = check_sandbox(p.pid, 'pasta', userns=ns_ino(nspid, 'user'))
        assert ids(st) == ids_of(NOBODY_UID, NOBODY_GID)
        # The namespace's root maps to nobody, not to root
        with open(f'/proc/{nspid}/uid_map') as f:
            assert f.read().split() == ['0', str(NOBODY_UID), '1']
    finally:
        kill_ns(nspid)


def test_runas_self_as_nobody(topo, tmp):
    """--runas naming the user we already are: nothing to change"""
    p = start_passt(topo, tmp, '--runas', 'nobody')
    wait_sandboxed(p.pid, 'passt', proc=p)
    assert ids(proc_status(p.pid)) == ids_of(NOBODY_UID, NOBODY_GID)
    check_sandbox(p.pid, 'passt')


def runas_argv(mode, tmp, spec):
    """passt or pasta with --runas SPEC, exiting at once if it starts"""
    require_binaries()
    if mode == 'passt':
        return passt_argv('-f', '-1', '-s', os.path.join(tmp, 'never.sock'),
                          '--runas', spec)
    return pasta_argv('--runas', spec, '--', 'true')


@pytest.mark.parametrize('mode', ['passt', 'pasta'])
def test_runas_not_permitted(topo, tmp, mode):
    """As nobody, --runas 1 can't be applied: exit 1, and say why"""
    res = run_in(topo.host, runas_argv(mode, tmp, '1:1'), user='nobody',
                 timeout=10)
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "Can't change to UID 1, GID 1" in out, out


@pytest.mark.parametrize('mode', ['passt', 'pasta'])
def test_runas_root_refused_as_root(topo, tmp, mode):
    """Started as root, --runas 0 is an error, not a way to stay root"""
    res = run_in(topo.host, runas_argv(mode, tmp, '0'), timeout=10)
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "Invalid --runas: 0: UID or GID 0 (root) can't be a target" \
        in out, out
    assert not os.path.exists(os.path.join(tmp, 'never.sock'))


# ---------------------------------------------------------------------------
# A call outside the list is fatal

@pytest.mark.parametrize('mode', ['passt', 'pasta'])
def test_seccomp_kills(topo, tmp, mode):
    """SIGUSR2 makes the selftest build call getcwd(): killed by SIGSYS.
    SIGUSR1 first (counters to the log) is the control: the signal path
    itself is allowed."""
    if ASAN:
        pytest.skip('sanitizer build: no seccomp filter')
    for b in (SELFTEST, SELFTEST_PASTA):
        if not os.access(b, os.X_OK):
            pytest.fail(f'{b} missing: run make build/test/passt-selftest')
    # No core file: prlimit execs, the PID stays the one we wait for
    nocore = ['prlimit', '--core=0', '--']
    nspid = None
    if mode == 'passt':
        sock = os.path.join(tmp, 'passt.sock')
        p = spawn_in(topo.host, nocore + [SELFTEST, '-f', '-s', sock],
                     user='nobody')
        wait_until(lambda: os.path.exists(sock) or not p.running(),
                   timeout=5, what='passt socket')
    else:
        p, nspid = start_pasta_cmd(topo, tmp,
                                   argv0=nocore + [SELFTEST_PASTA])
    try:
        wait_sandboxed(p.pid, mode, proc=p)
        p.signal(signal.SIGUSR1)
        p.wait_output(r'flows: \d+ in use', timeout=5)
        assert p.running(), p.output
        p.signal(signal.SIGUSR2)
        rc = p.wait(5)
        assert rc == -signal.SIGSYS, f'exit {rc}:\n{p.output}'
    finally:
        if nspid:
            kill_ns(nspid)

