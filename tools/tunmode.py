# SPDX-License-Identifier: GPL-2.0-or-later
"""tools/tunmode.py - /dev/net/tun opened to every user for a session of
tests or benchmarks, and its mode put back afterwards

Distributions ship /dev/net/tun with mode 0666; on machines where it is
0600, pasta can't open it as the unprivileged user the integration tests
and the bench run it as. A session, named PREFIX<pid> ('pstit' for the
integration tests, 'pstbench' for the bench), writes the device's mode to
its state file, TMPDIR/PREFIX<pid>-tunmode, before opening the device up,
and removes it when done. Sessions may overlap: the mode goes back only when
no other live session has a state file, and a session that starts while
the device is open takes the original mode from another's state file. A
session that died leaves its state file behind: the next one takes the
mode from it, and removes it.
"""

import os
import re
import stat
import tempfile

TUN = '/dev/net/tun'
STATE_RE = re.compile(r'^(pstbench|pstit)(\d+)-tunmode$')


def state_path(prefix):
    """This session's state file"""
    return os.path.join(tempfile.gettempdir(),
                        f'{prefix}{os.getpid()}-tunmode')


def _states():
    """(prefix, pid, path) of every session's state file but ours"""
    tmpdir = tempfile.gettempdir()
    for name in sorted(os.listdir(tmpdir)):
        m = STATE_RE.match(name)
        if m and int(m.group(2)) != os.getpid():
            yield m.group(1), int(m.group(2)), os.path.join(tmpdir, name)


def open_for_all(prefix, alive):
    """chmod 0666 the device, keep its original mode in our state file;
    alive(prefix, pid) tells whether session prefix<pid> still runs"""
    mode = None
    for pfx, pid, path in _states():
        try:
            with open(path) as f:
                mode = int(f.read(), 8)
        except (OSError, ValueError):
            pass
        if not alive(pfx, pid):
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
    if mode is None:
        mode = stat.S_IMODE(os.stat(TUN).st_mode)
    with open(state_path(prefix), 'w') as f:
        f.write(f'{mode:o}')
    os.chmod(TUN, 0o666)


def restore(prefix, alive):
    """Remove our state file; put the mode back unless another live session
    still needs the device open (then that one puts it back)"""
    try:
        with open(state_path(prefix)) as f:
            mode = int(f.read(), 8)
    except (OSError, ValueError):
        return
    os.unlink(state_path(prefix))
    if any(alive(pfx, pid) for pfx, pid, _ in _states()):
        return
    os.chmod(TUN, mode)
