"""Cold-start proxy: CPU time of `import app` in fresh interpreters, against the bare framework imports.

ratio = median CPU time of `import app` / median CPU time of `import chalice, pynamodb.models, boto3`
(time.process_time() around the import statement only, so interpreter start-up is left out; the two kinds
of run are interleaved so machine load affects both alike). Target: <= 1.1.

A separate run imports app with botocore instrumented and asserts that importing creates no botocore
client or session-made client and opens no socket (no AWS call at import).

`app + first request` adds what a first (write) request imports lazily (boto3, the adapters, the request
schemas, the logger), for information: a cheap `import app` must not hide a cost moved to the first request.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_TIMED = """
import json, time
t0 = time.process_time()
{imports}
t1 = time.process_time()
print(json.dumps({{"cpu": t1 - t0}}))
"""

_CHECKED = """
import json, socket
import botocore.client, botocore.session
created = {"clients": 0, "session_clients": 0, "sockets": 0}
_init = botocore.client.BaseClient.__init__
def _counted_init(self, *a, **k):
    created["clients"] += 1
    return _init(self, *a, **k)
botocore.client.BaseClient.__init__ = _counted_init
_create = botocore.session.Session.create_client
def _counted_create(self, *a, **k):
    created["session_clients"] += 1
    return _create(self, *a, **k)
botocore.session.Session.create_client = _counted_create
_connect = socket.socket.connect
def _counted_connect(self, *a, **k):
    created["sockets"] += 1
    return _connect(self, *a, **k)
socket.socket.connect = _counted_connect
import app
print(json.dumps(created))
"""

IMPORTS = {
    "app": "import app",
    "baseline": "import chalice, pynamodb.models, boto3",
    "app + first request": (
        "import app\n"
        "import boto3, chalicelib.adapters.dynamodb, chalicelib.adapters.s3, chalicelib.adapters.cognito, "
        "chalicelib.api.schemas\n"
        "from aws_lambda_powertools import Logger"
    ),
}


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # .pyc files as a deployed package has them
    return env


def _run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(), capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@dataclass
class ColdStart:
    runs: int
    median_ms: dict[str, float]
    created_at_import: dict[str, int]

    @property
    def ratio(self) -> float:
        return self.median_ms["app"] / self.median_ms["baseline"]

    @property
    def first_request_ratio(self) -> float:
        return self.median_ms["app + first request"] / self.median_ms["baseline"]

    @property
    def nothing_created(self) -> bool:
        return not any(self.created_at_import.values())


def measure(runs: int = 15) -> ColdStart:
    # warm the file cache and .pyc files once, untimed
    for code in IMPORTS.values():
        _run(_TIMED.format(imports=code))
    samples: dict[str, list[float]] = {name: [] for name in IMPORTS}
    for _ in range(runs):
        for name, code in IMPORTS.items():
            samples[name].append(_run(_TIMED.format(imports=code))["cpu"] * 1000)
    created = _run(_CHECKED)
    return ColdStart(runs, {k: statistics.median(v) for k, v in samples.items()}, created)


if __name__ == "__main__":
    result = measure(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
    print(result, f"ratio={result.ratio:.3f}")
