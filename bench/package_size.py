"""Deployment package size per stage: `chalice package` output, zipped and unzipped, and no test-only code.

python -m bench.package_size        (also the last section of `make bench`)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("dev", "prod")
# Top-level packages that must never be deployed (tests/packaging checks the same list on every CI run); devtools
# holds the local stack and the simulators of outside services (the card payment provider).
TEST_ONLY = (
    "moto",
    "pytest",
    "_pytest",
    "cfn_lint",
    "requests",
    "schemathesis",
    "playwright",
    "hypothesis",
    "ruff",
    "devtools",
    "tests",
    "bench",
)


def _top_level(name: str) -> str:
    parts = name.split("/")
    top = parts[4] if name.startswith("python/lib/") and len(parts) > 5 else parts[0]
    return top.split("-")[0].removesuffix(".py")


def measure(stage: str) -> list[dict]:
    with tempfile.TemporaryDirectory() as out:
        env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
        chalice = Path(sys.executable).parent / "chalice"
        subprocess.run(
            [str(chalice), "package", "--stage", stage, "--merge-template", "infra/data-stack.json", out],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=900,
        )
        rows = []
        for archive in sorted(Path(out).glob("*.zip")):
            with zipfile.ZipFile(archive) as zf:
                infos = zf.infolist()
            tops = {_top_level(i.filename) for i in infos}
            rows.append(
                {
                    "stage": stage,
                    "archive": archive.name,
                    "zipped": archive.stat().st_size,
                    "unzipped": sum(i.file_size for i in infos),
                    "files": len(infos),
                    "test_only": sorted(tops & set(TEST_ONLY)),
                }
            )
        return rows


def report(results_file: Path | None = None) -> bool:
    rows = [row for stage in STAGES for row in measure(stage)]
    lines = [
        "## Deployment packages (`chalice package`, automatic layer)",
        "",
        "| stage | archive | zipped | unzipped | files | test-only code |",
        "|---|---|--:|--:|--:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['stage']} | {r['archive']} | {r['zipped'] / 1e6:.1f} MB | {r['unzipped'] / 1e6:.1f} MB "
            f"| {r['files']} | {', '.join(r['test_only']) or 'none'} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if results_file:
        with results_file.open("a") as f:
            f.write("\n" + text)
    return not any(r["test_only"] for r in rows)


if __name__ == "__main__":
    sys.exit(0 if report() else 1)
