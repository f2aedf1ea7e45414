# SPDX-License-Identifier: GPL-2.0-or-later
#
# qemu guests for the e2e tests: the guest image (tests/guest/build.sh), a
# Guest class running qemu-system-x86_64 in HOST behind passt's socket, and
# the command channel to the guest's /init on its second serial port.
#
# The integration suite's conftest.py (topology, namespaces, Proc, cleanup)
# is loaded from ../integration as a module of its own name, it_conftest,
# unless this pytest session has loaded it already.

import importlib.util
import os
import re
import socket
import subprocess
import sys
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
IT_CONFTEST = os.path.join(REPO, 'tests', 'integration', 'conftest.py')
BUILD_SH = os.path.join(REPO, 'tests', 'guest', 'build.sh')
QEMU = 'qemu-system-x86_64'

# Measured figures, name -> text: printed by conftest.py at the end
FIGURES = {}


def _load_it():
    path = os.path.realpath(IT_CONFTEST)
    for m in list(sys.modules.values()):
        f = getattr(m, '__file__', None)
        if f and os.path.realpath(f) == path:
            return m
    spec = importlib.util.spec_from_file_location('it_conftest', path)
    m = importlib.util.module_from_spec(spec)
    sys.modules['it_conftest'] = m
    spec.loader.exec_module(m)
    return m


it = _load_it()


def build_guest():
    """Run tests/guest/build.sh (quick when cached), return guest.env"""
    t0 = time.monotonic()
    res = subprocess.run([BUILD_SH], capture_output=True, text=True,
                         timeout=600)
    if res.returncode:
        pytest.fail(f'{BUILD_SH} failed ({res.returncode}):\n'
                    f'{res.stdout}\n{res.stderr}')
    env = {}
    for line in res.stdout.splitlines():
        if '=' in line:
            k, v = line.split('=', 1)
            env[k] = v
    for k in ('KERNEL', 'INITRD'):
        if not os.path.isfile(env.get(k, '')):
            pytest.fail(f'{BUILD_SH}: no {k}:\n{res.stdout}\n{res.stderr}')
    env['build_seconds'] = time.monotonic() - t0
    return env


def nobody_dir(path):
    """A directory writable by nobody (passt's files), readable by root"""
    os.makedirs(path, mode=0o755, exist_ok=True)
    os.chown(path, it.NOBODY_UID, it.NOBODY_GID)
    return path


class GuestError(Exception):
    pass


class Guest:
    """qemu-system-x86_64 in namespace ns, NIC on passt's socket

    The console (ttyS0) goes to DIR/console.log, the command channel
    (ttyS1) is a UNIX socket qemu listens on (server=on,wait=off), the HMP
    monitor another one. qemu runs as root: only passt is unprivileged.
    """

    def __init__(self, name, ns, image, sock, mac, workdir, append='',
                 mem='256M', netdev_extra='', vhost_user=False):
        self.name = name
        self.ns = ns
        self.passt = None	# anything with a diag() method, for diag()
        self.mac = mac
        self.dir = nobody_dir(workdir)
        self.console = os.path.join(self.dir, 'console.log')
        self.cmd_path = os.path.join(self.dir, 'cmd.sock')
        self.mon_path = os.path.join(self.dir, 'mon.sock')
        for p in (self.console, self.cmd_path, self.mon_path):
            if os.path.lexists(p):
                os.unlink(p)
        self.argv = [
            QEMU, '-name', name, '-accel', 'tcg', '-m', mem,
            '-nodefaults', '-no-user-config', '-display', 'none',
            '-no-reboot', '-nic', 'none',
            '-kernel', image['KERNEL'], '-initrd', image['INITRD'],
            '-append', f'console=ttyS0 quiet panic=-1 {append}'.strip(),
            '-chardev', f'file,id=con,path={self.console}',
            '-serial', 'chardev:con',
            '-chardev', f'socket,id=cmd,path={self.cmd_path},'
                        'server=on,wait=off',
            '-serial', 'chardev:cmd',
            '-monitor', f'unix:{self.mon_path},server=on,wait=off',
        ] + (vhost_user_args(sock, mac, mem, netdev_extra) if vhost_user else [
            '-netdev', f'stream,id=n0,server=off,addr.type=unix,'
                       f'addr.path={sock}{netdev_extra}',
            '-device', f'virtio-net-pci,netdev=n0,mac={mac}',
        ])
        self.t_start = time.monotonic()
        self.t_ready = None
        self.proc = it.spawn_in(ns, self.argv)
        self._buf = b''
        self._pos = 0
        self._eof = False
        self._cond = threading.Condition()
        self._seq = 0
        self._lock = threading.Lock()
        self.sock = self._connect(self.cmd_path)
        self._t = threading.Thread(target=self._reader, daemon=True)
        self._t.start()

    # -- plumbing

    def _connect(self, path, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            if not self.proc.running():
                raise GuestError(f'{self.name}: qemu exited '
                                 f'({self.proc.wait(1)}):\n'
                                 f'{self.proc.output}')
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(path)
                return s
            except (FileNotFoundError, ConnectionRefusedError):
                s.close()
                if time.monotonic() > deadline:
                    raise GuestError(f'{self.name}: no {path}')
                time.sleep(0.02)

    def _reader(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b''
            with self._cond:
                if not data:
                    self._eof = True
                    self._cond.notify_all()
                    return
                self._buf += data
                self._cond.notify_all()

    def _wait_for(self, regex, timeout):
        """Wait for regex in the channel after what was consumed"""
        r = re.compile(regex)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                m = r.search(self._buf, self._pos)
                if m:
                    out = self._buf[self._pos:m.start()]
                    self._pos = m.end()
                    return m, out.decode(errors='replace')
                left = deadline - time.monotonic()
                if left <= 0 or self._eof:
                    return None, self._buf[self._pos:].decode(
                        errors='replace')
                self._cond.wait(min(left, 1))

    def console_text(self):
        try:
            with open(self.console, errors='replace') as f:
                return f.read()
        except FileNotFoundError:
            return ''

    def diag(self):
        """What to show when something about this guest fails"""
        text = (f'--- {self.name} console:\n{self.console_text()[-6000:]}'
                f'\n--- {self.name} qemu (running: {self.proc.running()}):'
                f'\n{self.proc.output[-2000:]}')
        if self.passt:
            text += f'\n--- its passt: {self.passt.diag()}'
        return text

    # -- use

    def wait_ready(self, timeout=90):
        m, out = self._wait_for(rb'@@READY@@\n', timeout)
        if not m:
            pytest.fail(f'{self.name}: not ready within {timeout}s\n'
                        f'{self.diag()}')
        self.t_ready = time.monotonic()
        return self.t_ready - self.t_start

    def sh(self, cmd, timeout=30, check=True):
        """Run cmd (one line) with sh in the guest, return (status, output)

        The guest kills the command after timeout seconds (busybox timeout,
        SIGKILL), so that the channel stays usable after a failure.
        """
        assert '\n' not in cmd
        with self._lock:
            self._seq += 1
            seq = self._seq
            self.sock.sendall(f'{seq} timeout -s KILL {int(timeout)} '
                              f'sh -c {shq(cmd)}\n'.encode())
            m, out = self._wait_for(rb'\n@@END@@ ' + str(seq).encode() +
                                    rb' (\d+)\n', timeout + 15)
        if not m:
            pytest.fail(f'{self.name}: no answer to {cmd!r} within '
                        f'{timeout + 15}s, output so far:\n{out}\n'
                        f'{self.diag()}')
        rc = int(m.group(1))
        if check and rc:
            pytest.fail(f'{self.name}: {cmd!r} exited {rc}:\n{out}\n'
                        f'{self.diag()}')
        return rc, out

    def out(self, cmd, timeout=30):
        return self.sh(cmd, timeout)[1]

    def net_env(self):
        """/run/net.env: what init found while configuring eth0"""
        env = {}
        for line in self.out('cat /run/net.env').splitlines():
            if '=' in line:
                k, v = line.split('=', 1)
                env[k] = v
        return env

    def uptime(self):
        return float(self.out('cut -d" " -f1 /proc/uptime').strip())

    def monitor(self, command, timeout=5):
        """One HMP monitor command, its output"""
        return hmp(self.mon_path, command, timeout)

    def poweroff(self, timeout=20):
        """Power the guest off from inside; qemu quits: its exit status"""
        with self._lock:
            self._seq += 1
            self.sock.sendall(f'{self._seq} poweroff -f\n'.encode())
        rc = self.proc.wait(timeout)
        if rc is None:
            pytest.fail(f'{self.name}: qemu still running {timeout}s '
                        f'after poweroff\n{self.diag()}')
        return rc

    def stop(self):
        try:
            self.sock.close()
        except OSError:
            pass
        return self.proc.stop(timeout=3)


def vhost_user_args(sock, mac, mem, chardev_extra=''):
    """qemu arguments for a virtio-net NIC on a vhost-user back-end at sock,
    chardev_extra appended to the chardev's options (',reconnect=1')

    The guest's RAM must be shareable: a memfd backend, as the NUMA node's
    memory. qemu 7.2 under TCG crashes (msix_set_vector_notifiers) when a
    vhost-user virtio-net-pci device starts with MSI-X: vectors=0.
    """
    return [
        '-object', f'memory-backend-memfd,id=mem,share=on,size={mem}',
        '-numa', 'node,memdev=mem',
        '-chardev', f'socket,id=vu,path={sock}{chardev_extra}',
        '-netdev', 'vhost-user,id=n0,chardev=vu',
        '-device', f'virtio-net-pci,netdev=n0,mac={mac},vectors=0',
    ]


def hmp(path, command, timeout=5):
    """One command on qemu's HMP monitor at UNIX socket path, its output"""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    buf = b''
    try:
        while not buf.endswith(b'(qemu) '):
            data = s.recv(4096)
            if not data:
                raise GuestError(f'monitor {path} closed')
            buf += data
        buf = b''
        s.sendall(command.encode() + b'\n')
        while not buf.endswith(b'(qemu) '):
            data = s.recv(4096)
            if not data:
                break
            buf += data
    finally:
        s.close()
    text = buf.decode(errors='replace').replace('\r', '')
    # Drop the echoed command line (with its escape sequences) and the
    # final prompt
    return '\n'.join(text.split('\n')[1:]).rsplit('(qemu)', 1)[0]


def shq(s):
    """Quote s for sh"""
    return "'" + s.replace("'", "'\\''") + "'"
