"""chalice's local HTTP server on a free port, in this process, so a test can move the stack's clock.

`chalice.local.create_local_server` re-parents the app's class (`CustomLocalChalice.__bases__ = (LocalChalice,
app.__class__)`) and never undoes it; a second server in the same process then makes an inheritance cycle. The
app's class is put back when the server stops, so every test may start its own.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def serving() -> Iterator[str]:
    from chalice.local import create_local_server
    from chalice.test import Client

    from app import app

    app_class = app.__class__
    with Client(app, stage_name="local", project_dir=str(ROOT)) as client:  # the stage's environment
        local = create_local_server(app, client._chalice_config, "127.0.0.1", 0)
        thread = threading.Thread(target=local.serve_forever, name="chalice-local", daemon=True)
        thread.start()
        host, port = local.server.server_address[:2]
        try:
            yield f"http://{host}:{port}"
        finally:
            local.server.shutdown()
            local.server.server_close()
            thread.join(timeout=5)
            app.__class__ = app_class
