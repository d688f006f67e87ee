"""Discounts the platform funds (a coupon, issue 12; points redeemed, issue 13) when goods come back. Pure Python.

When an order with such a discount is paid, the platform pays its share into the shop's pending balance, so the
seller is settled on the full price (domain/seller_money.payment_posting). When goods of that order are returned,
the buyer gets back what they paid for them, and the platform's share of the same goods goes back to the account
that funded it (`platform:promotions` for a coupon, `platform:points` for points), out of the seller's money, in
the return's own posting: the seller keeps nothing for goods it took back.

The proportional rule, in integer arithmetic: after goods worth `R` (cumulated over every return received on the
order, at the prices on the order) have come back out of an order of total `T` with funded discounts `D` in all
(coupon `C` + points `P`), the platform has been given back `S = floor(D * R / T)`: the coupon's part
`floor(C * S / D)` to `platform:promotions`, the rest to `platform:points`. A return gives back the difference
between that and what earlier returns gave back (recorded on the order, `Order.funded_returned`), so:
- a return of everything that is left gives back exactly the rest of each discount (`R = T`);
- several partial returns never give back more than the discount, whatever their order or sizes;
- the buyer's refund for a return is the returned goods' value less the platform's share of them (capped, as
  ever, by what the buyer paid and was not yet refunded).

The points the buyer spent on the returned goods come back to them (`points_back`): the points share the returns
gave back to `platform:points` so far, `F` of the points discount `P` that the `N` points redeemed stood for,
is worth `floor(N * F / P)` points, and a return credits the difference that it made. So a return of everything
left gives back exactly the points redeemed, and partial returns never more.
"""

from __future__ import annotations

from collections.abc import Mapping

from .ledger import Account, Entry, Posting
from .orders import Order
from .seller_money import BUYERS, PLATFORM_POINTS, PLATFORM_PROMOTIONS

FUNDERS: dict[str, Account] = {"coupon": PLATFORM_PROMOTIONS, "points": PLATFORM_POINTS}


def funded_discounts(order: Order) -> dict[str, int]:
    """The discounts the platform paid into this order's pending balance when it was paid (none on an order whose
    payment was not posted, or a pre-sale with a deposit, which takes no discount): funder kind -> amount."""
    if not order.pending_credited or order.deposit_amount:
        return {}
    amounts = {"coupon": order.coupon_discount, "points": order.points_discount}
    return {kind: amount for kind, amount in amounts.items() if amount > 0}


def share_due(discount: int, returned_goods: int, total: int) -> int:
    """What a funder is owed back once goods worth `returned_goods` of an order of `total` came back."""
    if total <= 0 or returned_goods <= 0:
        return 0
    return discount * min(returned_goods, total) // total


def funders_due(discounts: dict[str, int], returned_goods: int, total: int) -> dict[str, int]:
    """What each funder is owed back in all once goods worth `returned_goods` came back: the discounts' sum
    rounded down as one (so the buyer's refunds, the goods' value less it, never exceed what they paid), the
    coupon's part of it rounded down and the points' the rest (each grows with the goods returned, and reaches
    its whole discount when everything is back)."""
    whole = sum(discounts.values())
    due = share_due(whole, returned_goods, total)
    coupon = whole and discounts.get("coupon", 0) * due // whole
    return {kind: coupon if kind == "coupon" else due - coupon for kind in discounts}


def settle_return(order: Order, goods_value: int) -> tuple[int, dict[str, int], dict[str, int]]:
    """A return of goods worth `goods_value` received on `order`: (the buyer's refund, what goes back to each
    funder, the order's new `funded_returned` record). On an order without funded discounts this is the
    usual refund (`goods_value`, capped by what was paid and not yet refunded) and nothing else."""
    cap = order.received - order.refunded
    discounts = funded_discounts(order)
    if not discounts:
        return max(0, min(goods_value, cap)), {}, dict(order.funded_returned)
    done = order.funded_returned
    goods = min(order.total, done.get("goods", 0) + max(goods_value, 0))
    shares: dict[str, int] = {}
    for kind, due in funders_due(discounts, goods, order.total).items():
        owed = due - done.get(kind, 0)
        if owed > 0:
            shares[kind] = owed
    refund = max(0, min(goods_value - sum(shares.values()), cap))
    record = {**done, "goods": goods}
    for kind, amount in shares.items():
        record[kind] = done.get(kind, 0) + amount
    return refund, shares, record


def points_back(order: Order, record: Mapping[str, int]) -> int:
    """The points a return gives back to the buyer of `order` (as it was before the return), given the order's new
    `funded_returned` record (settle_return's third value): the points share of the returned goods, in points."""
    if order.points_redeemed <= 0 or order.points_discount <= 0:
        return 0

    def worth(funded: Mapping[str, int]) -> int:
        given = max(0, min(funded.get("points", 0), order.points_discount))
        return order.points_redeemed * given // order.points_discount

    return max(0, worth(record) - worth(order.funded_returned))


def redirect_to_funders(posting: Posting, refund: int, shares: Mapping[str, int], currency: str) -> Posting:
    """`posting` is the seller's refund of the returned goods' whole value (their refund plus the platform's
    shares) to the buyers' account (seller_money.refund, before or after completion): the buyer's entry keeps
    `refund` and each funder's share goes back to its account instead, in the same posting."""
    if not shares:
        return posting
    gross = refund + sum(shares.values())
    entries: list[Entry] = []
    for entry in posting.entries:
        if entry.account == str(BUYERS) and entry.currency == currency:
            if entry.amount != gross:
                raise ValueError("the refund posting does not pay the buyer the returned goods' value")
            if refund:
                entries.append(Entry(entry.account, refund, currency))
        else:
            entries.append(entry)
    for kind, amount in sorted(shares.items()):
        entries.append(Entry(str(FUNDERS[kind]), amount, currency))
    given = ", ".join(f"{amount} {kind} discount to {FUNDERS[kind]}" for kind, amount in sorted(shares.items()))
    return Posting(
        posting.posting_id,
        posting.kind,
        posting.at,
        tuple(entries),
        refs=posting.refs,
        memo=f"{posting.memo} ({given})"[:500],
        no_overdraft=posting.no_overdraft,
    )
