"""Markets (issue 12): the markets and their currencies, exchange rates, and storefront reads shown in a
foreign market (prices converted at read time from the CNY cards, texts in the buyer's language)."""

from __future__ import annotations

from typing import Any

from ..domain import markets
from ..domain.buying import Cart
from ..domain.errors import NotFound, ServiceUnavailable
from ..domain.identity import Actor, Role, require_role
from ..domain.markets import FxRate, Market
from ..domain.orders import Order
from . import order_lifecycle
from .cart import line_product
from .ports import JSON, BuyingRepository, CatalogRepository, MarketsRepository, Page, Position


def all_markets() -> list[dict[str, Any]]:
    return [m.public() for m in markets.MARKETS.values()]


def record_rate(
    repo: MarketsRepository, actor: Actor, pair: str, rate: str, as_of: str | None, *, now: str, rate_id: str
) -> FxRate:
    """An operator records `1 base = rate quote` as of `as_of` (default: now). Every rate is kept; the one with
    the latest `as_of` is in force. The rate is a decimal string (a float is refused at the edge)."""
    require_role(actor, Role.OPERATOR)
    markets.check_pair(pair)
    markets.parse_rate(rate)
    recorded = FxRate(
        rate_id=rate_id,
        pair=pair,
        rate=rate,
        as_of=as_of or now,
        recorded_at=now,
        recorded_by=actor.user_id,
    )
    return repo.record_rate(recorded)


def rate_history(repo: MarketsRepository, actor: Actor, pair: str, limit: int, start: Position | None) -> Page[FxRate]:
    require_role(actor, Role.OPERATOR)
    markets.check_pair(pair)
    return repo.rate_history(pair, limit, start)


def rate_for(repo: MarketsRepository, market: Market, *, fresh: bool = False) -> FxRate | None:
    """The rate a foreign market's prices are converted at (None for the home market). Cached per warm
    instance (adapters/markets.RATE_CACHE_SECONDS) unless `fresh`."""
    if market.market == markets.HOME_MARKET:
        return None
    rate = repo.current_rate(markets.market_pair(market), fresh=fresh)
    if rate is None:
        raise ServiceUnavailable(
            f"prices in {market.currency} are not available yet: no exchange rate recorded",
            code="no_exchange_rate",
            retry_after=60,
        )
    return rate


def price_in(amount: int, rate: FxRate | None) -> dict[str, Any]:
    """A CNY amount as shown in a market: converted by the rounding rule of domain/markets.py."""
    if rate is None:
        return {"amount": amount, "currency": markets.HOME_CURRENCY}
    return {"amount": rate.convert(amount), "currency": rate.quote}


def localise_cart(view: JSON, cart: Cart, market: Market, rate: FxRate) -> JSON:
    """The cart view (services/cart.describe) in a foreign market's currency: each line converted by the same
    rule checkout charges with; a line whose offer was shown at another rate (or in the home market) says
    `price_changed`, since checkout will refuse it once (409 price_changed) so the buyer sees the new price."""
    out = dict(view)
    shown = {line_product(k, line): (line.get("offer") or {}).get("fx") for k, line in cart.lines.items()}
    total = 0
    shops = []
    for group in view["shops"]:
        lines = []
        subtotal = 0
        for line in group["lines"]:
            line = dict(line)
            if line.get("unit_price"):
                unit, line_total = markets.charge_line(line["unit_price"]["amount"], line["quantity"], rate)
                line["unit_price"] = {"amount": unit, "currency": market.currency}
                line["line_total"] = {"amount": line_total, "currency": market.currency}
                fx = shown.get(line["product_id"])
                line["price_changed"] = not fx or fx.get("rate_id") != rate.rate_id or fx.get("market") != market.market
                if not line["problems"]:
                    subtotal += line_total
            lines.append(line)
        total += subtotal
        shops.append({**group, "lines": lines, "subtotal": {"amount": subtotal, "currency": market.currency}})
    out["shops"] = shops
    out["base_total"] = view["total"]
    out["total"] = {"amount": total, "currency": market.currency}
    out["fx"] = rate.tag()
    out["market"] = market.market
    return out


def offer_fx(market: Market, rate: FxRate) -> dict[str, str]:
    """What a cart line's offer records of the rate the buyer was shown (domain/buying.Offer.fx)."""
    return {"market": market.market, "rate_id": rate.rate_id, "rate": rate.rate}


def localise_card(card: JSON, lang: str | None, rate: FxRate | None) -> JSON:
    """A public card (api/presenters.card_public) in the buyer's language and market currency."""
    out = dict(card)
    titles = out.pop("titles", None) or {}
    out.pop("markets", None)
    if lang and lang in titles:
        out["title"] = titles[lang]
    if rate is not None:
        out["base_price"] = out["price"]
        out["price"] = price_in(out["price"]["amount"], rate)
        out["fx"] = rate.tag()
        if out.get("b2b"):
            b2b = dict(out["b2b"])
            b2b["from_amount"] = rate.convert(b2b["from_amount"])
            b2b["price_tiers"] = [{**t, "amount": rate.convert(t["amount"])} for t in b2b.get("price_tiers", [])]
            out["b2b"] = b2b
    return out


def localise_product(body: JSON, translations: dict[str, Any], lang: str | None, rate: FxRate | None) -> JSON:
    """A public product page in the buyer's language and market currency."""
    out = dict(body)
    out["title"], out["description"] = markets.translated(out["title"], out["description"], translations, lang)
    out["language"] = lang if lang and lang in translations else None
    if rate is not None:
        out["base_price"] = out["price"]
        out["price"] = price_in(out["price"]["amount"], rate)
        out["fx"] = rate.tag()
    return out


def customs_declaration(
    catalog: CatalogRepository, repo: BuyingRepository, actor: Actor, shop_id: str, order_id: str
) -> Order:
    """The order of the seller's shop whose customs declaration they print (a foreign market's order)."""
    order = order_lifecycle.shop_order(catalog, repo, actor, shop_id, order_id)
    if not order.customs:
        raise NotFound("this order ships within its market: no customs declaration", code="no_customs_declaration")
    return order
