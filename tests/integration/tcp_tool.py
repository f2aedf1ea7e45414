#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/integration/tcp_tool.py - the tool test_tcp.py runs on every side:
# servers, clients, and what they do on a connected socket. Each result is
# one line on stdout. Copied next to the test data and run with
# /usr/bin/python3, as root, in the namespace of its side.

import asyncio, hashlib, os, random, select, socket, struct, sys, threading
import time

_lock = threading.Lock()


def say(*a):
    with _lock:
        print(*a, flush=True)


def fam(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def pattern(seed, n):
    return random.Random(seed).randbytes(n)


def read_all(s):
    chunks = []
    while True:
        d = s.recv(1 << 20)
        if not d:
            return b''.join(chunks)
        chunks.append(d)


def peer(s):
    a = s.getpeername()
    return f'{a[0]} {a[1]}'


def send_progress(s, data):
    """Non-blocking send, printing the bytes the kernel took every 50 ms"""
    mv = memoryview(data)
    off, last = 0, 0.0
    s.setblocking(False)
    while off < len(data):
        try:
            off += s.send(mv[off:off + (1 << 18)])
        except BlockingIOError:
            select.select([], [s], [], 0.05)
        now = time.monotonic()
        if now - last >= 0.05:
            say(f'progress {off}')
            last = now
    say(f'progress {off}')
    s.setblocking(True)


def role_send(s, path, progress=False):
    """Send a file, shut down our side, print what the receiver replies"""
    with open(path, 'rb') as f:
        data = f.read()
    me = peer(s)
    if progress:
        send_progress(s, data)
    else:
        s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    reply = read_all(s).decode(errors='replace').strip()
    s.close()
    say(f'sent {len(data)} {me} reply {reply}')


def role_recv(s, pre=None, gofile=None):
    """Hash all until EOF (pausing after pre bytes until gofile exists),
    print and reply: SHA256 BYTES PEERADDR PEERPORT"""
    h = hashlib.sha256()
    n = 0
    buf = bytearray(1 << 20)
    mv = memoryview(buf)
    paused = pre is None
    while True:
        if not paused and n >= pre:
            say(f'paused {n}')
            while not os.path.exists(gofile):
                time.sleep(0.01)
            say('resumed')
            paused = True
        want = len(buf) if paused else min(len(buf), pre - n)
        k = s.recv_into(buf, want)
        if not k:
            break
        h.update(mv[:k])
        n += k
    res = f'{h.hexdigest()} {n} {peer(s)}'
    say(f'recv {res}')
    s.sendall(res.encode() + b'\n')
    s.close()


def role_half(s, first, size):
    """Half-close: the first side sends and shuts down its write side, then
    reads the reply; the second reads until EOF, then replies"""
    p1, p2 = pattern(1, size), pattern(2, size)
    if first:
        s.sendall(p1)
        s.shutdown(socket.SHUT_WR)
        got = read_all(s)
        want = p2
    else:
        got = read_all(s)
        s.sendall(p2)
        s.shutdown(socket.SHUT_WR)
        tail = read_all(s)
        got += tail
        want = p1
    s.close()
    tag = 'first' if first else 'second'
    if got == want:
        say(f'half-{tag} ok {len(got)}')
    else:
        say(f'half-{tag} bad {len(got)} of {len(want)}')


def role_abort(s):
    """Wait for one byte from the peer, then close with an RST"""
    d = s.recv(1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    s.close()
    say(f'aborted after {d!r}')


def role_wait_reset(s, t0):
    """Send one byte, then wait (3 s at most) for what comes back"""
    try:
        s.sendall(b'x')
        s.settimeout(3)
        d = s.recv(1 << 16)
        if d:
            say(f'data {d!r}')
        else:
            say(f'eof {time.monotonic() - t0:.3f}')
    except ConnectionResetError:
        say(f'reset {time.monotonic() - t0:.3f}')
    except socket.timeout:
        say('timeout')
    except OSError as e:
        say(f'error {e.errno} {e}')
    s.close()


def run_role(s, t0, role, args):
    if role == 'send':
        role_send(s, args[0])
    elif role == 'send-progress':
        role_send(s, args[0], progress=True)
    elif role == 'recv':
        role_recv(s)
    elif role == 'recv-pause':
        role_recv(s, int(args[0]), args[1])
    elif role == 'half-first':
        role_half(s, True, int(args[0]))
    elif role == 'half-second':
        role_half(s, False, int(args[0]))
    elif role == 'abort':
        role_abort(s)
    elif role == 'wait-reset':
        role_wait_reset(s, t0)
    else:
        raise SystemExit(f'unknown role {role}')


def listen(addr, port, once, role, args, rcvbuf=None):
    s = socket.socket(fam(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((addr, port))
    s.listen(1024)
    say('listening')
    while True:
        c, _ = s.accept()
        t0 = time.monotonic()
        if once:
            run_role(c, t0, role, args)
            return
        threading.Thread(target=run_role, args=(c, t0, role, args),
                         daemon=True).start()


def connect(addr, port, src, role, args):
    s = socket.socket(fam(addr), socket.SOCK_STREAM)
    if src:
        s.bind((src, 0))
    s.settimeout(10)
    t0 = time.monotonic()
    try:
        s.connect((addr, port))
    except ConnectionResetError:
        # Reset before connect() even returned: accepted, then reset
        say(f'reset {time.monotonic() - t0:.3f} (in connect)')
        return
    s.settimeout(None)
    run_role(s, time.monotonic(), role, args)


def refused(addr, port):
    s = socket.socket(fam(addr), socket.SOCK_STREAM)
    s.settimeout(5)
    t0 = time.monotonic()
    try:
        s.connect((addr, port))
        say('connected')
    except ConnectionRefusedError:
        say(f'refused {time.monotonic() - t0:.3f}')
    except socket.timeout:
        say('timeout')
    except OSError as e:
        say(f'error {e.errno} {e}')


async def echo_server(addr, port):
    """Echo until EOF; b'h' first, so that clients know we're there.
    Prints 'max N' whenever N connections are open at once, a new high."""
    st = {'active': 0, 'max': 0}

    async def handle(r, w):
        st['active'] += 1
        if st['active'] > st['max']:
            st['max'] = st['active']
            say(f'max {st["max"]}')
        try:
            w.write(b'h')
            while True:
                d = await r.read(1 << 16)
                if not d:
                    break
                w.write(d)
                await w.drain()
        except Exception as e:
            say(f'error {e!r}')
        finally:
            st['active'] -= 1
            w.close()

    srv = await asyncio.start_server(handle, addr, port, backlog=1024,
                                     reuse_address=True)
    say('listening')
    await srv.serve_forever()


async def pong_server(addr, port):
    """Read a line, answer pong, close first"""
    async def handle(r, w):
        try:
            line = await r.readline()
            w.write(b'pong\n' if line == b'ping\n' else b'what\n')
            await w.drain()
        except Exception as e:
            say(f'error {e!r}')
        finally:
            w.close()

    srv = await asyncio.start_server(handle, addr, port, backlog=1024,
                                     reuse_address=True)
    say('listening')
    await srv.serve_forever()


async def many(addr, port, n, size):
    """n connections at once to the echo server: all open and greeted
    first, then each sends size bytes of its own and checks the echo"""
    conns = await asyncio.gather(*(asyncio.open_connection(addr, port)
                                   for _ in range(n)))
    hello = await asyncio.gather(*(r.readexactly(1) for r, _ in conns))
    assert all(h == b'h' for h in hello), hello
    say(f'open {n}')

    async def xfer(i, r, w):
        data = pattern(1000 + i, size)

        async def wr():
            w.write(data)
            await w.drain()
            w.write_eof()
        _, got = await asyncio.gather(wr(), r.read(-1))
        w.close()
        return got == data

    res = await asyncio.gather(*(xfer(i, r, w)
                                 for i, (r, w) in enumerate(conns)))
    say(f'many ok {sum(res)} bad {n - sum(res)}')


def short(addr, port, n, par):
    """n connections, par at a time: ping, expect pong and EOF, close"""
    errors = []

    def worker(k):
        for _ in range(k):
            try:
                s = socket.create_connection((addr, port), timeout=10)
                s.sendall(b'ping\n')
                d = read_all(s)
                s.close()
                if d != b'pong\n':
                    errors.append(f'reply {d!r}')
            except OSError as e:
                errors.append(repr(e))

    t0 = time.monotonic()
    ts = [threading.Thread(target=worker, args=(n // par + (i < n % par),))
          for i in range(par)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    say(f'short {n} errors {len(errors)} time {time.monotonic() - t0:.2f} '
        f'{errors[:5]}')


def close_first(addr, port, n):
    """n connections, one after the other, to the echo server: greeting,
    one byte there and back, and we close first (our end goes to TIME_WAIT,
    holding its port, unless something ends it)"""
    for i in range(n):
        try:
            s = socket.create_connection((addr, port), timeout=10)
            got = s.recv(1)
            s.sendall(b'x')
            while len(got) < 2:
                d = s.recv(2 - len(got))
                if not d:
                    break
                got += d
            s.close()
        except OSError as e:
            say(f'closefirst failed at {i}: {e!r}')
            return
        if got != b'hx':
            say(f'closefirst failed at {i}: got {got!r}')
            return
    say(f'closefirst ok {n}')


def burst(addr, port, n, go):
    """n connections to a server that doesn't answer (pong-server, before
    a whole line); once file go exists, one byte on each in a tight loop.
    Then, within 5 s: the bytes the peer didn't acknowledge, and the
    retransmissions the kernel made (TCP_INFO tcpi_unacked, total_retrans)"""
    def info(s, off):
        return struct.unpack_from('I', s.getsockopt(
            socket.IPPROTO_TCP, socket.TCP_INFO, 104), off)[0]

    conns = [socket.create_connection((addr, port), timeout=10)
             for _ in range(n)]
    say(f'open {n}')
    while not os.path.exists(go):
        time.sleep(0.005)
    for s in conns:
        s.send(b'b')
    say('sent')
    end = time.monotonic() + 5
    while True:
        unacked = sum(info(s, 24) for s in conns)
        if not unacked or time.monotonic() > end:
            break
        time.sleep(0.01)
    retrans = sum(info(s, 100) for s in conns)
    for s in conns:
        s.close()
    say(f'burst {n} unacked {unacked} retrans {retrans}')


def main(a):
    cmd = a[0]
    if cmd == 'listen':
        rest, rcvbuf = a[3:], None
        if rest[0] == '--rcvbuf':
            rcvbuf, rest = int(rest[1]), rest[2:]
        once = rest[0] == '--once'
        rest = rest[1:] if once else rest
        listen(a[1], int(a[2]), once, rest[0], rest[1:], rcvbuf)
    elif cmd == 'connect':
        src = None
        rest = a[3:]
        if rest[0] == '--from':
            src, rest = rest[1], rest[2:]
        connect(a[1], int(a[2]), src, rest[0], rest[1:])
    elif cmd == 'refused':
        refused(a[1], int(a[2]))
    elif cmd == 'echo-server':
        asyncio.run(echo_server(a[1], int(a[2])))
    elif cmd == 'pong-server':
        asyncio.run(pong_server(a[1], int(a[2])))
    elif cmd == 'many':
        asyncio.run(many(a[1], int(a[2]), int(a[3]), int(a[4])))
    elif cmd == 'short':
        short(a[1], int(a[2]), int(a[3]), int(a[4]))
    elif cmd == 'closefirst':
        close_first(a[1], int(a[2]), int(a[3]))
    elif cmd == 'burst':
        burst(a[1], int(a[2]), int(a[3]), a[4])
    else:
        raise SystemExit(f'unknown command {cmd}')


main(sys.argv[1:])
