"""Issue 12: post a carrier's signed tracking event, as a carrier's system does (a local tool; never packaged).

    python -m devtools.carrier --base http://127.0.0.1:8000 --carrier car_... --secret <signing_secret> \\
        --shop shp_... --order ord_... --event arrived_in_city --location Kazan

The operator registers the carrier (POST /v1/admin/carriers: its id and signing secret) and the seller names it
on the parcel's handed_to_carrier event; then the carrier signs each request (domain/carriers.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
import urllib.error
import urllib.request

from chalicelib.domain.carriers import signature


def post_event(
    base: str,
    carrier_id: str,
    secret: str,
    shop_id: str,
    order_id: str,
    event: str,
    *,
    at: str | None = None,
    location: str | None = None,
    timestamp: int | None = None,
) -> tuple[int, dict]:
    """POSTs the signed event; returns (status, JSON answer)."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    payload = {"event": event, "at": at or now, **({"location": location} if location else {})}
    body = json.dumps(payload).encode()
    ts = str(timestamp if timestamp is not None else int(time.time()))
    request = urllib.request.Request(
        f"{base.rstrip('/')}/v1/shops/{shop_id}/orders/{order_id}/tracking",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Carrier-Id": carrier_id,
            "X-Carrier-Timestamp": ts,
            "X-Carrier-Signature": signature(secret, ts, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310 - a URL the operator gives
            return reply.status, json.loads(reply.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--carrier", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--shop", required=True)
    parser.add_argument("--order", required=True)
    parser.add_argument("--event", required=True)
    parser.add_argument("--location")
    args = parser.parse_args(argv)
    status, answer = post_event(
        args.base, args.carrier, args.secret, args.shop, args.order, args.event, location=args.location
    )
    print(status, json.dumps(answer, ensure_ascii=False)[:2000])
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
