# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest benchmark: the e2e harness (tests/e2e/e2e_guest.py: guest image,
# qemu; tests/integration/conftest.py: HOST and REMOTE namespaces), and the
# table of figures printed at the end.

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', '..', 'tests', 'e2e'))

from e2e_guest import it  # noqa: E402

session_env = it.session_env
topo = it.topo
tmp = it.tmp
_stop_test_procs = it._stop_test_procs

ROWS = []


def pytest_terminal_summary(terminalreporter):
    if not ROWS:
        return
    terminalreporter.section('guest benchmark: stream socket vs vhost-user')
    for line in ROWS:
        terminalreporter.write_line(line)
