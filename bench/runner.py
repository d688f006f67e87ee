"""What the size-comparing bench modules share: measure at each size, render, print the report and append it to
`make bench`'s results file; the in-process stack they measure on; their command line; their table cells.

    def report(append_to: Path | None = None, sizes: list[int] | None = None) -> bool:
        return runner.report(measure, render, sizes or SIZES, "ledger with {size:,} entries per account", append_to)

    def main(argv: list[str] | None = None) -> int:
        return runner.main(argv, __doc__, report, SIZES, "entries per account")
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any


def report(
    measure: Callable[[int], list],
    render: Callable[[list[int], list], tuple[str, bool]],
    sizes: Iterable[int],
    progress: str,
    append_to: Path | None = None,
) -> bool:
    """Measures every size, smallest first (`progress`, formatted with the size, goes to stderr before each),
    renders the rows of them all, publishes the report; True when `render` found every target met."""
    ordered = sorted(sizes)
    rows: list = []
    for size in ordered:
        print(f"bench: {progress.format(size=size)} ...", file=sys.stderr, flush=True)
        rows += measure(size)
    text, ok = render(ordered, rows)
    publish(text, append_to)
    return ok


def publish(text: str, append_to: Path | None = None, separator: str = "\n") -> None:
    """Prints a report and appends it (after `separator`) to the results file, if one is given."""
    print(text)
    if append_to is not None:
        with append_to.open("a") as f:
            f.write(separator + text)


def main(
    argv: list[str] | None, doc: str | None, report: Callable[..., bool], sizes: Sequence[int], help: str | None = None
) -> int:
    """`python -m bench.<module> [--sizes a,b]`: the module's docstring's first line as the description; exit
    status 1 when a target failed."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(n) for n in sizes), help=help)
    args = parser.parse_args(argv)
    return 0 if report(sizes=[int(s) for s in args.sizes.split(",")]) else 1


@contextlib.contextmanager
def api_stack() -> Iterator[tuple[Any, Any]]:
    """moto in process with the tables and the rest from infra/, moto's fast transactions, and the app behind
    `chalice.test.Client` (its JSON request log swallowed): yields (the container, an ApiClient)."""
    from chalice.test import Client

    from app import app
    from devtools.moto_patches import fast_moto_transactions
    from tests.support import ROOT, ApiClient, moto_aws_stack

    with (
        contextlib.redirect_stdout(io.StringIO()),
        moto_aws_stack() as stack,
        fast_moto_transactions(),
        Client(app, stage_name="local", project_dir=str(ROOT)) as client,
    ):
        yield stack, ApiClient(client)


def pair(small: object, large: object) -> str:
    """A table cell: one value when both sizes agree, else `small / large` in bold."""
    return f"{small}" if small == large else f"**{small} / {large}**"


def same_at(sizes: Iterable[int]) -> str:
    """The heading of a "same at every size" column: `1k and 10k`."""
    return " and ".join(f"{n // 1000}k" if n >= 1000 else str(n) for n in sizes)
