"""Issue 13: DynamoDB cost of a product's review pages at two sizes (1k and 10k reviews of one product).

The reviews are seeded straight into the Trust table (as the review's own transaction stores them), a tenth of
them hidden (kept out of the pages' indexes). Each page (newest first, best rated first, and the newest's
second page through its cursor) must cost the same calls and read the same items at both sizes: one Query of
20 items, whatever the product has.

    python -m bench.trust_bench [--sizes 1000,10000]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench import environment

environment.prepare()

from bench.counting import CallRecorder  # noqa: E402

SIZES = (1_000, 10_000)
PAGE = 20
PRODUCT = "prd_bench_reviews"


def _review(i: int):
    from chalicelib.domain.trust import Review

    day, second = divmod(i, 86_400)
    return Review(
        review_id=f"rev-ord_bench_{i:06d}-1",
        order_id=f"ord_bench_{i:06d}",
        line_id=f"ord_bench_{i:06d}-1",
        product_id=PRODUCT,
        shop_id="shp_bench",
        seller_id="usr_seller",
        buyer_id=f"usr_buyer_{i % 500}",
        storefront="handicrafts",
        rating=1 + (i * 7) % 5,
        text=f"Review number {i}",
        photos=(),
        created_at=f"2026-{1 + day % 12:02d}-{1 + (second // 3600) % 28:02d}T{second % 24:02d}:00:{i % 60:02d}.000Z",
        status="hidden" if i % 10 == 9 else "visible",
    )


def seed_reviews(container, n: int) -> None:
    trust = container.trust
    client, table = trust._client, trust._table
    items = [trust._review_item(_review(i)) for i in range(n)]
    for start in range(0, n, 25):
        batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        client.batch_write_item(RequestItems={table: batch})


def measure(n: int) -> dict[str, tuple[int, int, int]]:
    """(calls, items read, items returned) per page kind, over `n` reviews of one product."""
    from chalicelib.services import reviews
    from tests.support import moto_aws_stack

    out = {}
    with moto_aws_stack() as c:
        seed_reviews(c, n)
        for sort in ("newest", "rating"):
            with CallRecorder() as rec:
                page = reviews.product_reviews(c.trust, PRODUCT, sort, PAGE, None)
            d = rec.dynamodb()
            assert len(page.items) == PAGE and all(r.status == "visible" for r in page.items)
            out[sort] = (d.calls, d.items_read, d.items_returned)
            if sort == "newest":
                with CallRecorder() as rec:
                    second = reviews.product_reviews(c.trust, PRODUCT, sort, PAGE, page.last_key)
                d = rec.dynamodb()
                assert len(second.items) == PAGE
                assert not {r.review_id for r in second.items} & {r.review_id for r in page.items}
                out["newest, page 2"] = (d.calls, d.items_read, d.items_returned)
    return out


def report(path: Path | None = None, sizes=SIZES) -> bool:
    figures = {n: measure(n) for n in sizes}
    kinds = list(figures[sizes[0]])
    lines = [
        "",
        "## Product reviews (issue 13): one page of 20",
        "",
        "| page | " + " | ".join(f"{n:,} reviews: calls / items read / returned" for n in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    for kind in kinds:
        lines.append(f"| {kind} | " + " | ".join(" / ".join(map(str, figures[n][kind])) for n in sizes) + " |")
    flat = all(len({figures[n][kind] for n in sizes}) == 1 for kind in kinds)
    one_call = all(figures[n][kind][0] == 1 for n in sizes for kind in kinds)
    ok = flat and one_call
    lines += ["", f"- review pages: {'flat, one Query each' if ok else 'NOT FLAT'}"]
    text = "\n".join(lines) + "\n"
    print(text)
    if path is not None:
        with path.open("a") as out:
            out.write(text)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    args = parser.parse_args(argv)
    return 0 if report(None, tuple(int(s) for s in args.sizes.split(","))) else 1


if __name__ == "__main__":
    sys.exit(main())
