# SPDX-License-Identifier: GPL-2.0-or-later
#
# e2e tests: the integration suite's topology and fixtures (HOST and REMOTE
# namespaces, tun mode, cleanup), imported from ../integration/conftest.py
# through e2e_guest, plus a summary of the figures the tests measured.

from e2e_guest import FIGURES, it

# Fixtures of the integration suite, by their own names
session_env = it.session_env
topo = it.topo
tmp = it.tmp
_stop_test_procs = it._stop_test_procs


def pytest_terminal_summary(terminalreporter):
    if not FIGURES:
        return
    terminalreporter.section('e2e figures')
    for k, v in FIGURES.items():
        terminalreporter.write_line(f'{k}: {v}')
