"""`make package STAGE=dev|prod`: Chalice's SAM template merged with infra/ (devtools/template.py), linted.

Writes dist/<stage>/sam.json, deployment.zip and layer-deployment.zip; dist/<stage>.merge.json is the merged
infra template that `chalice package --merge-template` took.

    python -m devtools.package --stage dev [--out dist/dev] [--no-lint]
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from devtools.template import merged_template

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@contextlib.contextmanager
def _chalice_cache_lock() -> Iterator[None]:
    """One `chalice package` at a time per checkout: it reuses .chalice/deployments/<hash>.zip when the file
    exists and writes it in place, so a second packager (another test worker) could take a half-written zip."""
    lock_path = ROOT / ".chalice" / "deployments" / ".package.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def package(stage: str, out: Path | None = None, *, lint: bool = True, region: str | None = None) -> Path:
    out = (out or ROOT / "dist" / stage).resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    merge = out.parent / f"{out.name}.merge.json"
    merge.write_text(json.dumps(merged_template(stage), indent=2))
    env = {**os.environ, "AWS_DEFAULT_REGION": region or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"}
    with _chalice_cache_lock():
        subprocess.run(
            [str(BIN / "chalice"), "package", "--stage", stage, "--merge-template", str(merge), str(out)],
            cwd=ROOT,
            env=env,
            check=True,
        )
    if lint:
        subprocess.run([str(BIN / "cfn-lint"), str(out / "sam.json")], cwd=ROOT, check=True)
    return out / "sam.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", required=True)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--no-lint", action="store_true")
    args = parser.parse_args()
    print(package(args.stage, args.out, lint=not args.no_lint))


if __name__ == "__main__":
    main()
