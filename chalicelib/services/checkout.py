"""Checkout: one order per shop, created atomically with every line's stock decrement, idempotently, at the
prices the buyer was shown (each cart line's Offer)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import replace
from typing import Any, NoReturn

from ..domain import delivery, markets, personalisation, seasons
from ..domain.buying import Cart, CheckoutClaim, LinesRefused, Offer, UnpaidHolds
from ..domain.errors import Conflict, ServiceUnavailable, Unprocessable, ValidationFailed
from ..domain.identity import Actor, Role, require_role
from ..domain.markets import FxRate, Market
from ..domain.network import pickup_snapshot
from ..domain.orders import (
    MAX_CHECKOUT_LINES,
    MAX_CHECKOUT_SHOPS,
    Order,
    OrderLine,
    TimelineEntry,
    line_problems,
    payment_deadline,
    rule_text,
    terms_problems,
    unit_amount,
)
from ..domain.storefronts import stock_needed_for_hold, unpaid_hold_cap
from ..domain.trade import Business, business_id_of, validate_uscc
from ..domain.trust import allocate_redemption
from . import coupons as coupon_service
from . import terms
from .cart import line_product
from .points import redemption_posting
from .ports import BuyingRepository, CouponsRepository, Ledger, TradeRepository, Write


def _digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _claim_key(buyer_id: str, key: str) -> str:
    return f"checkout#{buyer_id}#{key}"


def _replay(claim: CheckoutClaim, digest: str) -> dict[str, Any]:
    """The answer the first attempt got (its orders' events were written with them: nothing to re-send)."""
    if claim.digest != digest:
        raise Unprocessable(
            "this Idempotency-Key was already used with a different request", code="idempotency_key_reused"
        )
    return {**claim.result, "replayed": True}


def _problem(product_id: str, code: str, message: str) -> dict[str, str]:
    return {"field": f"lines.{product_id}", "message": message, "code": code}


def _offers(repo: BuyingRepository, cart: Cart, day: dt.date) -> tuple[dict[str, Offer], list[dict[str, str]]]:
    """Each line's Offer (by line key), and the problems known without asking the store.

    Lines set before offers were recorded on the cart have none: their products are read (one BatchGetItem,
    the old 3-call checkout) and checked as they are now. Issue 15: a line out of season on `day` (and not on a
    pre-sale), or whose personalisation no longer fits the offer's fields (the seller changed them and the cart
    took the new offer), is a problem too.
    """
    offers: dict[str, Offer] = {}
    problems: list[dict[str, str]] = []
    for key, line in cart.lines.items():
        offer = Offer.from_dict(line.get("offer"))
        if offer is not None:
            offers[key] = offer
    legacy = [key for key in cart.lines if key not in offers]
    products = repo.get_products(legacy) if legacy else {}
    for key in legacy:
        product = products.get(key)
        for code in line_problems(product, cart.lines[key]["quantity"], _sample(cart, key)):
            problems.append(_problem(key, code, rule_text(code, product)))
        if product is not None:
            offers[key] = Offer.of(product)
    for key, offer in offers.items():
        line = cart.lines[key]
        if key not in legacy:
            for code in terms_problems(offer, line["quantity"], _sample(cart, key)):
                problems.append(_problem(key, code, rule_text(code, offer)))
        if not seasons.buyable(offer.attributes, day):
            problems.append(_problem(key, "out_of_season", rule_text("out_of_season", offer)))
        try:
            personalisation.check(offer.attributes.get("personalisation"), line.get("personalisation"))
        except ValidationFailed:
            problems.append(
                _problem(
                    key,
                    "personalisation_changed",
                    "the seller changed this product's personalisation: set this line again",
                )
            )
    return offers, problems


def _sample(cart: Cart, key: str) -> bool:
    """A sample line (issue 14): below the MOQ at the sample price, once per buyer and product."""
    return bool(cart.lines[key].get("sample"))


def _sample_claim(buyer_id: str, product_id: str) -> str:
    return f"sample#{buyer_id}#{product_id}"


def _invoice_details(body: dict[str, Any], business: Business | None) -> dict[str, Any] | None:
    """What the seller of a b2b order invoices (issue 14): the company title and tax id the buyer gives, or
    those of the buyer's verified business."""
    given = body.get("invoice")
    if given:
        return {
            "company_title": given["company_title"].strip(),
            "tax_id": validate_uscc(given["tax_id"], "invoice.tax_id"),
        }
    if business is not None and business.verified:
        address = business.address
        return {
            "company_title": business.company_name,
            "tax_id": business.tax_id,
            "address": ", ".join(
                str(address[k]) for k in ("line", "county", "prefecture", "province") if address.get(k)
            ),
        }
    return None


def _refused(
    repo: BuyingRepository,
    cart: Cart,
    offers: dict[str, Offer],
    refused: LinesRefused,
    now: str,
    holds: UnpaidHolds,
) -> NoReturn:
    """The transaction refused some products (or lines of one product were set at different prices): read those
    products (only now) to say why, line by line.

    A line whose product is no longer sold as it was (gone, sold out, below a new MOQ, out of season) is
    `lines_unavailable`. A line that would take the buyer's unpaid units of the product over the storefront's cap
    is `lines_unavailable` with the detail code `unpaid_limit`. A line that is fine but whose price (or terms)
    changed since the buyer set it is `price_changed`: the cart's offer for it is renewed here, so the cart shows
    the new price and the buyer's next checkout pays it. A line refused for none of these reasons lost a race
    (sold meanwhile): `lines_unavailable`.
    """
    products = repo.get_products(refused.product_ids)
    day = seasons.day_of(now)
    unavailable: list[dict[str, str]] = []
    repriced: list[dict[str, str]] = []
    renewed: dict[str, Offer] = {}
    wanted: Counter[str] = Counter()  # the units of each product in the cart (its lines add up)
    for key, line in cart.lines.items():
        wanted[line_product(key, line)] += line["quantity"]
    for key, line in cart.lines.items():
        product_id = line_product(key, line)
        if product_id not in refused.product_ids:
            continue
        product, quantity, offer = products.get(product_id), line["quantity"], offers[key]
        codes = line_problems(product, quantity, _sample(cart, key), day=day)
        unavailable += [_problem(key, code, rule_text(code, product)) for code in codes]
        if product is not None and not codes:
            held = holds.held(product_id) + wanted[product_id]
            cap = unpaid_hold_cap(product.storefront, product.attributes, product.stock)
            if held > cap:  # the storefront's unpaid-hold rule (domain/storefronts.py)
                codes = ["unpaid_limit"]
                unavailable.append(
                    _problem(
                        key,
                        "unpaid_limit",
                        f"one buyer may hold at most {cap} unpaid units of this product (this would make {held}); "
                        "pay for your open orders of it first, or buy fewer",
                    )
                )
        if product is not None and product.price_fingerprint != offer.price_fp:
            renewed[key] = Offer.of(product)
            if not codes:
                was, now_amount = unit_amount(offer, quantity), unit_amount(product, quantity)
                message = (
                    f"the unit price changed from {was} to {now_amount} {product.currency} (minor units)"
                    if was != now_amount
                    else "the terms of sale changed (pre-sale, personalisation or b2b terms)"
                )
                repriced.append(_problem(key, "price_changed", message))
        elif not codes:
            unavailable.append(_problem(key, "out_of_stock", "sold out or unavailable meanwhile"))
    if renewed:
        lines = {
            key: ({**line, "offer": renewed[key].to_dict()} if key in renewed else line)
            for key, line in cart.lines.items()
        }
        # If the cart changed meanwhile (another tab), that change recorded fresh offers, or the next one will.
        with contextlib.suppress(Conflict):
            repo.save_cart(replace(cart, lines=lines), now)
    if unavailable:
        _raise_unavailable(unavailable)
    raise Conflict(
        "the price of some lines changed since they were put in the cart; the cart now shows the new prices",
        code="price_changed",
        details=repriced,
    )


def _check_market_offers(
    repo: BuyingRepository, cart: Cart, offers: dict[str, Offer], market: Market, rate: FxRate, now: str
) -> None:
    """Issue 12: every line must have been shown at the rate in force, in this market. Lines set at another
    rate (or in another market) are renewed with this one (the cart then shows the new price) and checkout is
    409 price_changed; the products of lines set in another market are read (only then) to know whether they
    are sold here at all (409 lines_unavailable `not_sold_in_market` if not)."""
    shown = {key: offer.fx or {} for key, offer in offers.items()}
    stale = [
        key
        for key, fx_shown in shown.items()
        if fx_shown.get("rate_id") != rate.rate_id or fx_shown.get("market") != market.market
    ]
    if not stale:
        return
    elsewhere = [key for key in stale if shown[key].get("market") != market.market or not offers[key].shipping]
    products = repo.get_products([line_product(k, cart.lines[k]) for k in elsewhere]) if elsewhere else {}
    fx = {"market": market.market, "rate_id": rate.rate_id, "rate": rate.rate}
    unavailable, repriced = [], []
    lines = dict(cart.lines)
    for key in stale:
        line, offer = cart.lines[key], offers[key]
        product = products.get(line_product(key, line))
        if key in elsewhere and (product is None or market.market not in product.markets):
            unavailable.append(_problem(key, "not_sold_in_market", f"not sold in the {market.market} market"))
            continue
        renewed = Offer.of(product, fx) if product is not None else replace(offer, fx=fx)
        lines[key] = {**line, "offer": renewed.to_dict()}
        was = shown[key].get("rate")
        unit = unit_amount(offer, line["quantity"], _sample(cart, key))
        new_amount = markets.charge_line(unit, line["quantity"], rate)[0]
        repriced.append(
            _problem(
                key,
                "price_changed",
                f"the exchange rate changed ({was or 'no rate'} -> {rate.rate}): the unit price is now "
                f"{new_amount} {market.currency} (minor units)",
            )
        )
    with contextlib.suppress(Conflict):
        repo.save_cart(replace(cart, lines=lines), now)
    if unavailable:
        _raise_unavailable(unavailable)
    raise Conflict(
        "the exchange rate changed since these lines were put in the cart; the cart now shows the new prices",
        code="price_changed",
        details=repriced,
    )


def _parcel(
    lines: tuple[OrderLine, ...],
    offers: dict[str, Offer],
    market: Market,
    rate: FxRate,
    eur_rate: FxRate,
    *,
    accepted: bool,
) -> dict[str, Any]:
    """Issue 12: one shop's parcel (its order) against the market's duty-free allowance: the customs
    declaration and the duty estimate (domain/markets.parcel_customs)."""
    shipping = {offer.product_id: offer.shipping or {} for offer in offers.values()}
    parcel = markets.parcel_customs(
        market.market,
        [
            {
                "line_id": line.line_id,
                "hs_code": shipping[line.product_id].get("hs_code", ""),
                "description": line.title,
                "quantity": line.quantity,
                "unit_amount": line.unit_amount,
                "weight_g": int(shipping[line.product_id].get("weight_g", 0)),
            }
            for line in lines
        ],
        eur_rate,
        rate,
    )
    return {**parcel, "duty_accepted": accepted and parcel["over_allowance"]}


def _promise(terms: dict[str, Any], city: str, lines: tuple[OrderLine, ...]) -> dict[str, Any] | None:
    """Issue 12: the order's delivery promise in a market with zones: its zone for the buyer's city, the
    processing time of its lines, the compensation owed if it is missed (fixed now); the day itself is set when
    the order is paid (Order.with_promise_started)."""
    if not terms.get("zones"):
        return None
    zones = delivery.validate_zones(terms["zones"])
    zone = delivery.zone_for(zones, city)
    return {
        "zone": zone.zone,
        "city": city,
        "promise_days": zone.promise_days,
        "processing_days": delivery.processing_days([line.attributes for line in lines]),
        "compensation": terms.get("compensation"),
        "status": delivery.OPEN,
    }


def _require_duty_acceptance(orders: list[Order], accepted: bool) -> None:
    """A parcel over the allowance needs the buyer's `accept_duty` (409 duty_acceptance_required, with the
    estimates, before anything is written)."""
    over = [o for o in orders if o.customs and o.customs["over_allowance"]]
    if not over or accepted:
        return
    details = []
    for order in over:
        p = order.customs or {}
        details.append(
            {
                "field": f"shops.{order.shop_id}",
                "message": (
                    f"parcel of {p['value_eur'] / 100:.2f} EUR and {p['weight_g'] / 1000:.1f} kg is over "
                    f"{p['threshold_eur'] // 100} EUR / {p['max_weight_g'] // 1000} kg: estimated import duty "
                    f"{p['duty'] / 100:.2f} {p['duty_currency']} ({p['duty_eur'] / 100:.2f} EUR), paid on import"
                ),
                "code": "duty",
            }
        )
    raise Conflict(
        "a parcel is over the duty-free allowance: accept the estimated import duty (accept_duty: true)",
        code="duty_acceptance_required",
        details=details,
    )


def _raise_unavailable(problems: list[dict[str, str]]) -> NoReturn:
    """409 lines_unavailable; out_of_season (issue 15) when every refused line is refused for its season."""
    if all(p["code"] == "out_of_season" for p in problems):
        raise Conflict("some lines are out of season", code="out_of_season", details=problems)
    raise Conflict("some lines cannot be bought as they are", code="lines_unavailable", details=problems)


def _order_line(order_id: str, i: int, offer: Offer, line: dict[str, Any], day: dt.date) -> OrderLine:
    """An order line from what the buyer was shown: the offer, the personalisation, and (issue 15) the ship
    date the buyer was promised (made to order, pre-sale) and the pre-sale it was bought under."""
    quantity, sample = line["quantity"], bool(line.get("sample"))
    ships = seasons.estimated_ship_date(offer.attributes, day)
    presale = seasons.presale_terms(offer.attributes, day)
    return OrderLine(
        line_id=f"{order_id}-{i + 1}",
        product_id=offer.product_id,
        title=offer.title,
        quantity=quantity,
        unit_amount=unit_amount(offer, quantity, sample),
        currency=offer.currency,
        attributes=offer.attributes,
        sample=sample,
        personalisation=dict(line.get("personalisation") or {}),
        estimated_ship_date=ships.isoformat() if ships else None,
        presale=(
            {
                "ships_from": presale.ships_from.isoformat(),
                **({"deposit_percent": presale.deposit_percent} if presale.deposit_percent else {}),
            }
            if presale
            else None
        ),
    )


def checkout(
    repo: BuyingRepository,
    actor: Actor,
    idempotency_key: str,
    body: dict[str, Any],
    *,
    now: str,
    new_id: Callable[[str], str],
    present_order: Callable[[Order], dict[str, Any]],
    card_payment_minutes: int = 30,
    bank_transfer_hours: int = 72,
    ledger: Ledger | None = None,
    trade: TradeRepository | None = None,
    coupons: CouponsRepository | None = None,
) -> tuple[dict[str, Any], bool]:
    """Returns (result, replayed). The result is stored with the idempotency claim, so a replay answers exactly
    what the first attempt answered: `present_order` gives each order the shape the caller shows.

    Two DynamoDB calls: one BatchGetItem (the cart, with each line's Offer, the idempotency claim and the buyer's
    unpaid holds) and one transaction (claim, cart, holds, per line a stock update conditioned on stock, listing,
    the offer's price fingerprint and the unpaid-hold cap, per shop a check that it is still active and an order,
    and the orders' events). Products are read only when the transaction refuses a line (to say why) or for cart
    lines that predate offers. Unpaid card and bank-transfer orders expire (their stock comes back) after
    `card_payment_minutes` / `bank_transfer_hours` (settings per stage).

    With `points_to_redeem` (issue 13) the points are spread over the orders (each at most 25 % of its goods)
    and their ledger posting commits in the same transaction as the orders (`ledger.post(..., alongside=...)`):
    one more call (the ledger's BatchGetItem of the points balance and the posting's claim) and 5 more actions.
    Issue 14: the first read also fetches the buyer's business (its badge and invoice details go on b2b
    orders); a sample line adds its once-per-buyer claim to the transaction. `payment_method: net_terms`
    (a verified business with a credit line, b2b orders) is 3 calls: the transaction rides in a ledger posting
    (its BatchGetItem of the credit balance + the TransactWriteItems) that takes the orders' total from the
    available credit, refused when it is not enough (services/terms.py).
    """
    require_role(actor, Role.BUYER)
    claim_key = _claim_key(actor.user_id, idempotency_key)
    digest = _digest(body)
    market = markets.get_market(body.get("market") or markets.HOME_MARKET)
    rate: FxRate | None = None
    eur_rate: FxRate | None = None
    delivery_terms: dict[str, Any] = {}
    pickup_point = body["delivery"].get("pickup_point")
    village = None
    if pickup_point and market.market != markets.HOME_MARKET:
        raise ValidationFailed(
            "village service centres serve the home market",
            code="pickup_not_in_market",
            details=[{"field": "delivery.pickup_point", "message": "deliver to an address in this market"}],
        )
    if pickup_point:  # collected at a village service centre (issue 10): read with the cart, still 2 calls
        cart, claim, holds, business, village = repo.pickup_checkout_reads(
            actor.user_id, claim_key, pickup_point, business_id_of(actor.user_id)
        )
    elif market.market == markets.HOME_MARKET:
        cart, claim, holds, business = repo.checkout_reads(actor.user_id, claim_key, business_id_of(actor.user_id))
    else:  # issue 12: the rates in force (the charge's, and EUR for customs) are read with the cart: one call
        pair = markets.market_pair(market)
        cart, claim, holds, business, rates, delivery_terms = repo.checkout_reads_in_market(
            actor.user_id, claim_key, business_id_of(actor.user_id), (pair, markets.CUSTOMS_PAIR), market.market
        )
        rate, eur_rate = rates.get(pair), rates.get(markets.CUSTOMS_PAIR)
    if claim is not None:
        return _replay(claim, digest), True
    if pickup_point and village is None:
        raise Unprocessable(
            "there is no such village service centre",
            code="pickup_point_not_found",
            details=[{"field": "delivery.pickup_point", "message": "is not a village service centre"}],
        )
    if rate is not None and int(body.get("points_to_redeem") or 0):
        raise ValidationFailed(
            "points are spent in the home market",
            code="points_not_in_market",
            details=[{"field": "points_to_redeem", "message": "check out in roubles without points"}],
        )
    if (rate is None or eur_rate is None) and market.market != markets.HOME_MARKET:
        raise ServiceUnavailable(
            f"checkout in {market.currency} is not available yet: no exchange rate recorded",
            code="no_exchange_rate",
            retry_after=60,
        )
    foreign_only = {m for methods in markets.MARKET_PAYMENT_METHODS.values() for m in methods} - {"cash_on_delivery"}
    if rate is None and body["payment_method"] in foreign_only:  # issue 12: Mir card and SBP charge roubles
        raise ValidationFailed(
            'Mir card and SBP pay orders of the Russian market ("market": "ru")',
            code="payment_method_unavailable",
            details=[{"field": "payment_method", "message": "not offered in this market"}],
        )
    if rate is not None and body["payment_method"] not in markets.MARKET_PAYMENT_METHODS[market.market]:
        raise ValidationFailed(
            f"in the {market.market} market you can pay by {', '.join(markets.MARKET_PAYMENT_METHODS[market.market])}",
            code="payment_method_unavailable",
            details=[{"field": "payment_method", "message": "not offered in this market"}],
        )
    if rate is not None and body["delivery"].get("country") != market.market.upper():
        raise ValidationFailed(
            f"orders in the {market.market} market are delivered to {market.market.upper()}",
            code="delivery_outside_market",
            details=[{"field": "delivery.country", "message": f"must be {market.market.upper()}"}],
        )
    if not cart.lines:
        raise ValidationFailed("the cart is empty", code="empty_cart")
    if len(cart.lines) > MAX_CHECKOUT_LINES:
        raise ValidationFailed(f"one checkout takes at most {MAX_CHECKOUT_LINES} lines", code="too_many_lines")
    day = seasons.day_of(now)
    offers, problems = _offers(repo, cart, day)
    if problems:
        _raise_unavailable(problems)
    if rate is not None:
        _check_market_offers(repo, cart, offers, market, rate, now)
    if len({offer.shop_id for offer in offers.values()}) > MAX_CHECKOUT_SHOPS:
        raise ValidationFailed(
            f"one checkout takes the products of at most {MAX_CHECKOUT_SHOPS} shops; check out the rest separately",
            code="too_many_shops",
        )
    fingerprints: dict[str, set[str]] = defaultdict(set)
    for key, line in cart.lines.items():
        fingerprints[line_product(key, line)].add(offers[key].price_fp)
    mixed = [pid for pid, fps in fingerprints.items() if len(fps) > 1]
    if mixed:  # two lines of one product set at different prices: one of them is stale
        _refused(repo, cart, offers, LinesRefused(mixed), now, holds)

    checkout_id = new_id("chk")
    by_shop: dict[str, list[tuple[Offer, dict[str, Any]]]] = defaultdict(list)
    for key, line in sorted(cart.lines.items(), key=lambda kv: kv[1]["added_at"]):
        by_shop[offers[key].shop_id].append((offers[key], line))
    orders = []
    invoice_details = _invoice_details(body, business)
    net_terms = body["payment_method"] == "net_terms"
    if net_terms and business is not None and business.terms is not None and invoice_details is not None:
        invoice_details = {**invoice_details, "terms_days": business.terms.terms_days}
    for shop_id, items in by_shop.items():
        first = items[0][0]
        order_id = new_id("ord")
        lines = tuple(_order_line(order_id, i, offer, line, day) for i, (offer, line) in enumerate(items))
        b2b = first.storefront == "b2b"
        status = "pending_payment"
        deadline = payment_deadline(
            body["payment_method"], now, card_minutes=card_payment_minutes, bank_transfer_hours=bank_transfer_hours
        )
        orders.append(
            Order(
                order_id=order_id,
                checkout_id=checkout_id,
                buyer_id=actor.user_id,
                seller_id=first.seller_id,
                shop_id=shop_id,
                shop_name=first.shop_name,
                storefront=first.storefront,
                status=status,
                lines=lines,
                currency=first.currency,
                delivery=body["delivery"],
                payment_method=body["payment_method"],
                created_at=now,
                updated_at=now,
                timeline=(
                    TimelineEntry(at=now, actor="buyer", action="placed", status=status, actor_id=actor.user_id, seq=1),
                ),
                timeline_total=1,
                expires_at=deadline,
                holds=True,
                pickup=pickup_snapshot(village) if village is not None else None,
                deposit_amount=sum(line.deposit for line in lines),
                business=business.badge() if b2b and business is not None and business.verified else None,
                invoice_details=invoice_details if b2b else None,
                market=(
                    markets.order_charge([(ln.line_id, ln.unit_amount, ln.quantity) for ln in lines], rate, market)
                    if rate is not None
                    else None
                ),
                customs=(
                    _parcel(lines, offers, market, rate, eur_rate, accepted=bool(body.get("accept_duty")))
                    if rate is not None and eur_rate is not None
                    else None
                ),
                delivery_promise=_promise(delivery_terms, body["delivery"].get("city", ""), lines),
            )
        )
        if body["payment_method"] == "cash_on_delivery":  # nothing to wait for: the promise runs from now
            orders[-1] = orders[-1].with_promise_started(now)
    _require_duty_acceptance(orders, bool(body.get("accept_duty")))
    spend_coupon: list[Write] = []
    if body.get("coupon_code"):  # issue 12: one GetItem, and its spending rides in the transaction
        if coupons is None:
            raise ValidationFailed("coupons cannot be used here", code="coupons_unavailable")
        orders, coupon, spent = coupon_service.apply(
            coupons,
            actor,
            str(body["coupon_code"]),
            orders,
            checkout_id=checkout_id,
            payment_method=body["payment_method"],
            now=now,
        )
        spend_coupon.append(spent)
    points = int(body.get("points_to_redeem") or 0)
    if points and any(o.deposit_amount for o in orders):
        raise ValidationFailed(
            "points cannot be used on a pre-sale paid by deposit",
            code="points_not_on_deposits",
            details=[{"field": "points_to_redeem", "message": "check out the pre-sale without points"}],
        )
    if points:
        shares = allocate_redemption(points, [o.total for o in orders])
        orders = [replace(o, points_redeemed=p, points_discount=p) for o, p in zip(orders, shares, strict=True)]
    result: dict[str, Any] = {
        "checkout_id": checkout_id,
        "orders": [present_order(o) for o in orders],
        "total": {"amount": sum(o.total for o in orders), "currency": orders[0].currency},
    }
    if rate is not None:  # issue 12: what the buyer is charged, in the market's currency
        result["charged"] = {
            "amount": sum(o.market["total"] for o in orders if o.market),
            "currency": market.currency,
        }
        result["fx"] = rate.tag()
    if spend_coupon:
        result["coupon"] = {
            "code": coupon.code,
            "discount": {"amount": coupon.amount, "currency": coupon.currency},
        }
    if points:
        result["points_redeemed"] = points
        result["amount_due"] = {"amount": sum(o.amount_due for o in orders), "currency": orders[0].currency}
    # One stock update per product: the lines of one product (personalisations) add up inside the transaction.
    stock: Counter[str] = Counter()
    price_fps: dict[str, str] = {}
    kinds: dict[str, Offer] = {}
    for key, line in cart.lines.items():
        stock[line_product(key, line)] += line["quantity"]
        price_fps[line_product(key, line)] = offers[key].price_fp
        kinds[line_product(key, line)] = offers[key]
    hold_stock = {
        pid: need
        for pid, units in stock.items()
        if (need := stock_needed_for_hold(kinds[pid].storefront, kinds[pid].attributes, holds.held(pid) + units))
    }
    samples = tuple(
        _sample_claim(actor.user_id, line_product(key, line)) for key, line in cart.lines.items() if line.get("sample")
    )
    on_terms = terms.require_net_terms(business, orders) if net_terms else None
    if points and on_terms is not None:
        raise ValidationFailed(
            "points cannot be used on net terms",
            code="points_not_on_terms",
            details=[{"field": "points_to_redeem", "message": "pay by card, cash or bank transfer to use points"}],
        )
    try:
        if points:  # issue 13: the redemption posting carries the checkout's writes, in one transaction
            if ledger is None:
                raise ValidationFailed("points cannot be redeemed here", code="points_unavailable")
            writes, explain = repo.placement_writes(
                orders,
                dict(stock),
                price_fps,
                cart,
                claim_key,
                CheckoutClaim(digest, result),
                now,
                samples,
                holds=holds,
                hold_stock=hold_stock,
            )
            posting = redemption_posting(actor.user_id, claim_key, points, now)
            if ledger.post(posting, alongside=writes, explain=explain).replayed:
                raise Conflict("this checkout was placed meanwhile", code="idempotency_race")
        elif on_terms is not None:
            if ledger is None or trade is None:
                raise RuntimeError("net terms need the ledger and the trade repository")
            writes, explain = repo.placement_writes(
                orders,
                dict(stock),
                price_fps,
                cart,
                claim_key,
                CheckoutClaim(digest, result),
                now,
                samples,
                holds=holds,
                hold_stock=hold_stock,
            )
            terms.place_on_terms(ledger, trade, on_terms, checkout_id, orders, writes, explain, now=now)
        else:
            repo.place_orders(
                orders,
                dict(stock),
                price_fps,
                cart,
                claim_key,
                CheckoutClaim(digest, result),
                now,
                samples,
                holds=holds,
                hold_stock=hold_stock,
                fx=rate,
                extra=spend_coupon,
            )
    except LinesRefused as refused:
        _refused(repo, cart, offers, refused, now, holds)
    except Conflict as exc:
        if exc.code == "fx_rate_changed" and rate is not None:
            pair = markets.market_pair(market)
            fresh = repo.checkout_reads_in_market(actor.user_id, claim_key, None, (pair,), market.market)[4]
            _check_market_offers(repo, cart, offers, market, fresh.get(pair) or rate, now)
        if exc.code != "idempotency_race":
            raise
        earlier = repo.get_claim(claim_key)
        if earlier is None:  # the claim that won the race is written with its orders: it is there
            raise
        return _replay(earlier, digest), True
    return {**result, "replayed": False}, False
