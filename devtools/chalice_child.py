"""Runs the `chalice` CLI in a process that dies with its parent (devtools.local_stack starts it).

    python -m devtools.chalice_child PARENT_PID [chalice arguments...]

Linux PR_SET_PDEATHSIG makes the kernel send SIGTERM when the launcher dies, even by SIGKILL, so no
`chalice local` is left holding the port. Elsewhere it is simply `chalice`.
"""

from __future__ import annotations

import os
import signal
import sys


def die_with_parent(parent_pid: int) -> bool:
    """Asks the kernel for SIGTERM when the parent dies; False if the parent is already gone."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    return os.getppid() == parent_pid


def main() -> int:
    if not die_with_parent(int(sys.argv[1])):
        return 1
    sys.argv = ["chalice", *sys.argv[2:]]
    from chalice.cli import main as chalice_main
    from chalice.local import ChaliceRequestHandler

    # API Gateway routes every method to the app; chalice local's HTTP server answers unknown methods (TRACE,
    # QUERY, ...) with a bare HTML 501. Route them through Chalice too, so they get the app's JSON 405 as on AWS.
    def any_method(handler, name: str):
        if name.startswith("do_"):
            return handler._generic_handle
        raise AttributeError(name)

    ChaliceRequestHandler.__getattr__ = any_method

    return chalice_main()


if __name__ == "__main__":
    raise SystemExit(main())
