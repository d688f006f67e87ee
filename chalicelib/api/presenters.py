"""Public shapes of what the API returns. Views return these only, so internal fields never leak."""

from __future__ import annotations

import datetime as dt

from ..domain import seasons
from ..domain.assisted import FeeRule
from ..domain.carriers import Carrier
from ..domain.catalog import Product, Shop, gi_badge
from ..domain.coupons import Coupon
from ..domain.ledger import BookedEntry
from ..domain.network import County, Manifest, ManifestLine, Village, phone_last4
from ..domain.orders import Order, Return, TimelineEntry
from ..domain.provenance import GiClaim, Maker, ShopUpload
from ..domain.remittances import Remittance
from ..domain.seller_money import Payout, PayoutAccount, masked_destination, reason_text
from ..domain.villagers import Villager
from ..services import delivery_promise
from ..services.cash import VillageStatement


def shop_public(shop: Shop, *, private: bool = False) -> dict:
    body = {
        "shop_id": shop.shop_id,
        "name": shop.name,
        "slug": shop.slug,
        "storefront": shop.storefront,
        "description": shop.description,
        "region": shop.region,
        "status": shop.status,
        "created_at": shop.created_at,
        "export_markets": list(shop.export_markets),  # issue 12
    }
    if private:
        body["updated_at"] = shop.updated_at
        body["owner_id"] = shop.owner_id
        body["managed_by"] = shop.managed_by  # issue 11: the partner managing a producer's shop
    return body


def media_public(ref, media_url) -> dict:
    return {
        "media_id": ref.media_id,
        "url": media_url(ref.key),
        "thumbnail_url": media_url(ref.thumbnail_key),
        "medium_url": media_url(ref.medium_key) if ref.medium_key else None,
        "content_type": ref.content_type,
        "width": ref.width,
        "height": ref.height,
        "thumbnail_width": ref.thumbnail_width or None,
        "medium_width": ref.medium_width or None,
    }


def product_public(p: Product, media_url, *, private: bool = False, today: dt.date | None = None) -> dict:
    """`today` (issue 15): the storefront view says whether it is in season, and when it would ship."""
    body = {
        "product_id": p.product_id,
        "shop_id": p.shop_id,
        "storefront": p.storefront,
        "title": p.title,
        "description": p.description,
        "category": p.category,
        "price": {"amount": p.price_amount, "currency": p.currency},
        "stock": p.stock,
        "in_stock": p.in_stock,
        "attributes": p.attributes,
        "media": [media_public(m, media_url) for m in p.media],
        "created_at": p.created_at,
        "updated_at": p.updated_at,
    }
    if private:
        body["status"] = p.status
        body["version"] = p.version
        body["listed"] = p.is_listed
    else:
        body["shop"] = {k: p.shop[k] for k in ("shop_id", "name", "slug", "region")}
        body["prefecture"] = p.prefecture
        body["rating"] = p.rating
        if today is not None:
            body["season"] = seasons.describe(p.attributes, today)
            ships = seasons.estimated_ship_date(p.attributes, today)
            body["estimated_ship_date"] = ships.isoformat() if ships else None
    body["gi"] = gi_badge(p.gi) if p.gi else None
    # issue 12: shipping data, translations, and the foreign markets it is sold in
    body["shipping"] = p.shipping
    body["translations"] = p.translations
    body["markets"] = list(p.markets)
    return body


def card_public(card: dict, media_url, today: dt.date | None = None) -> dict:
    """`today` (issue 15): the card says whether the product is in season, on pre-sale or out of season."""
    out = {k: v for k, v in card.items() if k not in ("thumbnail_key", "medium_key", "stock", "season")}
    if card.get("season") and today is not None:
        out["season"] = seasons.describe(card["season"], today)
    # entries written before cards lost their stock count still carry it
    out["in_stock"] = card["in_stock"] if "in_stock" in card else card.get("stock", 0) > 0
    out["thumbnail_url"] = media_url(card["thumbnail_key"]) if card.get("thumbnail_key") else None
    out["medium_url"] = media_url(card["medium_key"]) if card.get("medium_key") else None
    return out


def money(amount: int, currency: str) -> dict:
    return {"amount": amount, "currency": currency}


def order_public(order: Order, *, viewer: str) -> dict:
    """The order as its buyer or its seller sees it (only they ever see delivery details)."""
    body = {
        "order_id": order.order_id,
        "checkout_id": order.checkout_id,
        "shop": {"shop_id": order.shop_id, "name": order.shop_name},
        "storefront": order.storefront,
        "status": order.status,
        "lines": [
            {
                "line_id": line.line_id,
                "product_id": line.product_id,
                "title": line.title,
                "quantity": line.quantity,
                "unit_price": money(line.unit_amount, line.currency),
                "line_total": money(line.total, line.currency),
                "returned_quantity": order.returned.get(line.line_id, 0),
                "attributes": line.attributes,
                "personalisation": line.personalisation,
                "estimated_ship_date": line.estimated_ship_date,
                "presale": line.presale,
                **({"sample": True} if line.sample else {}),  # issue 14: a sample line
            }
            for line in order.lines
        ],
        "total": money(order.total, order.currency),
        "points_redeemed": order.points_redeemed,
        "refunded": money(order.refunded, order.currency),
        "refunds": [
            {
                "return_id": r.return_id,
                "amount": money(r.amount, order.currency),
                "at": r.at,
                "status": r.status,
                "refund_id": r.refund_id,
                # issue 12: what it gives back in the currency the buyer was charged (roubles), if not the order's
                **(
                    {"charged": money(r.charge_amount, r.charge_currency)}
                    if r.charge_amount is not None and r.charge_currency
                    else {}
                ),
            }
            for r in order.refunds
        ],
        "payment_method": order.payment_method,
        "paid_at": order.paid_at,
        "shipment": order.shipment,
        "delivered_at": order.delivered_at,
        "return_window_closes": order.return_window_closes(),
        "delivery": order.delivery,
        "timeline": [timeline_entry_public(e) for e in order.timeline],
        "timeline_total": order.timeline_total,
        "payment_due_by": order.expires_at if order.status == "pending_payment" else None,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "version": order.version,
    }
    if viewer == "seller":
        body["buyer_id"] = order.buyer_id
    if order.pickup:
        body["pickup"] = pickup_public(order, with_code=viewer == "buyer")
    body["estimated_ship_date"] = order.ship_by
    body["amount_due"] = money(order.amount_due, order.currency)
    body["deposit"] = (
        {
            "deposit": money(order.deposit_amount, order.currency),
            "balance": money(order.balance_amount, order.currency),
            "deposit_paid_at": order.deposit_paid_at,
        }
        if order.deposit_amount
        else None
    )
    # issue 14: the verified business badge, invoice details, the RFQ it comes from, its invoice
    for name in ("business", "invoice_details", "rfq", "invoice_id"):
        if getattr(order, name, None):
            body[name] = getattr(order, name)
    if getattr(order, "group", None):  # issue 19: the group buy it comes from
        body["group"] = order.group
    if order.market:  # issue 12
        body["market"] = order_market_public(order.market)
        body["market"]["refunded"] = money(order.charge_refunded, order.market["currency"])
    if order.customs:
        body["customs"] = customs_public(order.customs)
    if order.delivery_promise:
        body["delivery_promise"] = delivery_promise.promise_public(order)
    if order.tracking:
        body["tracking"] = [dict(t) for t in order.tracking]
    if order.coupon:  # issue 12: a coupon spent on it
        body["coupon"] = order_coupon_public(order)
    if order.carrier:  # issue 12: the carrier it was handed to
        body["carrier"] = dict(order.carrier)
    return body


def customs_public(c: dict) -> dict:
    cur = c["currency"]
    return {
        "lines": [
            {
                "line_id": d["line_id"],
                "hs_code": d["hs_code"],
                "description": d["description"],
                "quantity": d["quantity"],
                "value": money(d["value"], cur),
                "weight_g": d["weight_g"],
            }
            for d in c["lines"]
        ],
        "value": money(c["value"], cur),
        "value_eur": money(c["value_eur"], "EUR"),
        "weight_g": c["weight_g"],
        "allowance": {"value": money(c["threshold_eur"], "EUR"), "weight_g": c["max_weight_g"]},
        "over_allowance": c["over_allowance"],
        "duty_estimate": money(c["duty"], c["duty_currency"]),
        "duty_eur": money(c["duty_eur"], "EUR"),
        "duty_accepted": c["duty_accepted"],
        "eur_rate_id": c["eur_rate_id"],
        "eur_rate": c["eur_rate"],
    }


def customs_declaration_public(order: Order) -> dict:
    d = order.delivery
    return {
        "order_id": order.order_id,
        "shop": {"shop_id": order.shop_id, "name": order.shop_name},
        "created_at": order.created_at,
        "consignee": {k: d.get(k) for k in ("name", "phone", "lines", "city", "region", "postal_code", "country")},
        "customs": customs_public(order.customs or {}),
    }


def order_market_public(charge: dict) -> dict:
    cur = charge["currency"]
    return {
        "market": charge["market"],
        "currency": cur,
        "rate_id": charge["rate_id"],
        "rate": charge["rate"],
        "as_of": charge["as_of"],
        "total": money(charge["total"], cur),
        "base_total": money(charge["base_total"], "CNY"),
        "goods_total": money(charge["goods_total"], cur) if "goods_total" in charge else None,
        "lines": {
            line_id: {"unit_price": money(c["unit_amount"], cur), "line_total": money(c["total"], cur)}
            for line_id, c in charge["lines"].items()
        },
    }


def pickup_public(order: Order, *, with_code: bool) -> dict:
    """Where the order is collected. The pickup code is only ever computed for its buyer (never stored)."""
    p = order.pickup or {}
    code = None
    if with_code and order.status == "ready_for_pickup" and p.get("ready_at"):
        from ..bootstrap import container
        from ..domain.network import pickup_code

        code = pickup_code(container().settings.pickup_code_secret, order.order_id, p["ready_at"])
    return {
        "village_id": p["village_id"],
        "centre": p["village_name"],
        "village": p.get("village", ""),
        "address": p["village_address"],
        "hours": p["hours"],
        "county_id": p["county_id"],
        "county_name": p["county_name"],
        "ship_to": p["county_address"],
        "ready_at": p.get("ready_at"),
        "pickup_code": code,
    }


def timeline_entry_public(e: TimelineEntry) -> dict:
    return {
        "at": e.at,
        "actor": e.actor,
        "actor_id": e.actor_id,
        "action": e.action,
        "status": e.status,
        "note": e.note,
        "seq": e.seq,
    }


def buyer_order_public(order: Order) -> dict:
    return order_public(order, viewer="buyer")


def seller_order_public(order: Order) -> dict:
    return order_public(order, viewer="seller")


def return_public(ret: Return) -> dict:
    return {
        "return_id": ret.return_id,
        "order_id": ret.order_id,
        "shop_id": ret.shop_id,
        "status": ret.status,
        "reason": ret.reason,
        "lines": [
            {
                "line_id": line["line_id"],
                "product_id": line["product_id"],
                "quantity": line["quantity"],
                "refund": money(line["amount"], ret.currency),
            }
            for line in ret.lines
        ],
        "refund": money(ret.refund, ret.currency),
        "refund_is_estimate": ret.refunded is None,
        "goods_value": money(ret.amount, ret.currency),
        "refunded": money(ret.refunded, ret.currency) if ret.refunded is not None else None,
        "outcome": ret.outcome,
        "created_at": ret.created_at,
        "updated_at": ret.updated_at,
        "leg": (ret.network or {}).get("leg"),
        "version": ret.version,
    }


# --- the rural service network (issue 10) --------------------------------------------------------------------


def county_public(county: County) -> dict:
    return {
        "county_id": county.county_id,
        "name": county.name,
        "province": county.province,
        "prefecture": county.prefecture,
        "county": county.county,
        "address": county.address,
        "created_at": county.created_at,
    }


def village_public(village: Village, *, partner_password: str | None = None, operator: bool = False) -> dict:
    """The public directory's view (never the partner's contact details); operators also see the partner."""
    body: dict = {
        "village_id": village.village_id,
        "county_id": village.county_id,
        "county_name": village.county_name,
        "name": village.name,
        "village": village.village,
        "address": village.address,
        "hours": village.hours,
        "created_at": village.created_at,
    }
    if operator:
        body["partner"] = {
            "user_id": village.partner_id,
            "email": village.partner_email,
            "temporary_password": partner_password,
        }
    return body


def parcel_public(order: Order, villagers: dict | None = None) -> dict:
    """An order as a county centre or a village partner sees it: the recipient's name and the last four
    digits of the phone; never the full phone, the address, the buyer's id, or the pickup code. An assisted
    order names its villager by id only (issue 11): `villagers` (id -> Villager, read by the partner's page)
    gives their name and phone as they are now, blank once erased."""
    p = order.pickup or {}
    shipment = order.shipment or {}
    recipient = {
        "name": str(order.delivery.get("name", "")),
        "phone_last4": phone_last4(str(order.delivery.get("phone", ""))),
    }
    villager = (villagers or {}).get((order.assisted or {}).get("villager_id"))
    if villager is not None:
        recipient = {"name": villager.name, "phone_last4": phone_last4(villager.phone or "")}
    return {
        "order_id": order.order_id,
        "status": order.status,
        "status_since": order.status_since(),
        "county_id": p.get("county_id", ""),
        "village_id": p.get("village_id", ""),
        "village_name": p.get("village_name", ""),
        "shop_name": order.shop_name,
        "recipient": recipient,
        "carrier": shipment.get("carrier"),
        "tracking_number": shipment.get("tracking_number"),
        "manifest_id": p.get("manifest_id"),
        "payment_method": order.payment_method,
        "paid": order.paid_at is not None,
        "total": money(order.total, order.currency),
        "lines": [
            {
                "line_id": line.line_id,
                "title": line.title,
                "quantity": line.quantity,
                "returned_quantity": order.returned.get(line.line_id, 0),
            }
            for line in order.lines
        ],
        "steps": [{"at": e.at, "action": e.action, "status": e.status} for e in order.timeline],
        "delivered_at": order.delivered_at,
        "return_window_closes": order.return_window_closes(),
        "handover_locked_until": p.get("locked_until"),
        "assisted": assisted_public(order),
    }


def assisted_public(order: Order) -> dict | None:
    """Issue 11: who placed it for which villager, the partner's fee, and what the partner collects."""
    a = order.assisted
    if not a:
        return None
    fee = int(a.get("service_fee") or 0)
    due = order.total + fee if a["payment"] == "cash_on_pickup" else fee
    return {
        "placed_by": a["placed_by"],
        "villager_id": a["villager_id"],
        "payment": a["payment"],
        "service_fee": money(fee, order.currency),
        "due_at_pickup": money(due, order.currency),
    }


def manifest_public(m: Manifest) -> dict:
    return {
        "manifest_id": m.manifest_id,
        "direction": m.direction,
        "county_id": m.county_id,
        "county_name": m.county_name,
        "village_id": m.village_id,
        "village_name": m.village_name,
        "status": m.status,
        "parcel_count": m.parcel_count,
        "received_count": m.received_count,
        "missing_count": m.missing_count,
        "created_at": m.created_at,
        "updated_at": m.updated_at,
        "dispatched_at": m.dispatched_at,
        "received_at": m.received_at,
    }


def manifest_line_public(line: ManifestLine) -> dict:
    return {
        "item_id": line.item_id,
        "order_id": line.order_id,
        "return_id": line.return_id,
        "tracking_number": line.tracking_number,
        "recipient": {"name": line.recipient, "phone_last4": line.phone_last4},
        "shop_name": line.shop_name,
        "state": line.state,
    }


def network_return_public(ret: Return) -> dict:
    n = ret.network or {}
    return {
        "return_id": ret.return_id,
        "order_id": ret.order_id,
        "status": ret.status,
        "leg": n.get("leg"),
        "village_id": n.get("village_id", ""),
        "village_name": n.get("village_name", ""),
        "county_id": n.get("county_id", ""),
        "shop_name": n.get("shop_name", ""),
        "recipient": {"name": n.get("recipient", ""), "phone_last4": n.get("phone_last4", "")},
        "lines": [
            {
                "line_id": line["line_id"],
                "product_id": line["product_id"],
                "quantity": line["quantity"],
                "refund": money(line["amount"], ret.currency),
            }
            for line in ret.lines
        ],
        "refund": money(ret.refund, ret.currency),
        "reason": ret.reason,
        "manifest_id": n.get("manifest_id"),
        "forwarding": n.get("forwarding"),
        "created_at": ret.created_at,
        "updated_at": ret.updated_at,
    }


# --- sellers' money (issue 17) -------------------------------------------------------------------------------


def commission_public(view) -> dict:
    """`view`: services.commissions.CommissionView."""

    def terms(t) -> dict:
        return {
            "percent_bp": t.percent_bp,
            "min_amount": money(t.min_amount, t.currency),
            "effective_from": t.effective_from,
        }

    return {
        "storefront": view.storefront,
        "market": view.market,
        **terms(view.current),
        "default": view.is_default,
        "history": [terms(t) for t in view.history],
    }


def balance_public(balance) -> dict:
    """`balance`: services.balances.ShopBalance."""
    return {
        "shop_id": balance.shop_id,
        "available": money(balance.available, balance.currency),
        "pending": money(balance.pending, balance.currency),
        "next_payout_at": balance.next_payout_at,
        "payout_threshold": money(balance.payout_threshold, balance.currency),
        "other_currencies": [
            {"currency": c, "available": money(a, c), "pending": money(p, c)}
            for c, (a, p) in sorted(balance.others.items())
        ],
    }


_REFERENCES = ("dispute_id", "compensation_id", "village_id", "producer_id")


def ledger_entry_public(entry: BookedEntry) -> dict:
    return {
        "posting_id": entry.posting_id,
        "account": entry.account.rsplit(":", 1)[-1],
        "kind": entry.kind,
        "reason": reason_text(entry.kind),
        "amount": money(entry.amount, entry.currency),
        "balance_after": None if entry.balance_after is None else money(entry.balance_after, entry.currency),
        "at": entry.at,
        "booked_at": entry.booked_at,
        "order_id": entry.refs.get("order_id"),
        "refund_id": entry.refs.get("refund_id"),
        "payout_id": entry.refs.get("payout_id"),
        "reference": next((entry.refs[k] for k in _REFERENCES if k in entry.refs), None),
        "memo": entry.memo,
    }


def statement_public(statement, shop_id: str, month: str, next_cursor: str | None) -> dict:
    return {
        "shop_id": shop_id,
        "month": month,
        "currency": statement.currency,
        "start_at": statement.start_at,
        "end_at": statement.end_at,
        "opening": money(statement.opening, statement.currency),
        "closing": money(statement.closing, statement.currency),
        "change": money(statement.change, statement.currency),
        "items": [ledger_entry_public(e) for e in statement.entries],
        "next_cursor": next_cursor,
    }


def payout_account_public(account: PayoutAccount) -> dict:
    masked = account.masked()
    return {
        "shop_id": account.shop_id,
        "holder_name": masked["holder_name"],
        "bank_name": masked["bank_name"],
        "bank_code": masked["bank_code"],
        "account_last4": masked["account_last4"],
        "account_number_masked": masked["account_number_masked"],
        "updated_at": account.updated_at,
    }


def payout_public(payout: Payout) -> dict:
    return {
        "payout_id": payout.payout_id,
        "run_id": payout.run_id,
        "shop_id": payout.shop_id,
        "amount": money(payout.amount, payout.currency),
        "status": payout.status,
        "destination": masked_destination(payout.destination),
        "transfer_id": payout.transfer_id,
        "failure_reason": payout.failure_reason,
        "created_at": payout.created_at,
        "updated_at": payout.updated_at,
        "sent_at": payout.sent_at,
        "paid_at": payout.paid_at,
        "failed_at": payout.failed_at,
    }


def payout_run_public(record: dict) -> dict:
    return {
        "run_id": record["run_id"],
        "started_at": record["started_at"],
        "updated_at": record.get("updated_at") or record["started_at"],
        "complete": bool(record.get("complete")),
        "counts": {k: int(v) for k, v in (record.get("counts") or {}).items()},
    }


# --- bulk trade (issue 14) -------------------------------------------------------------------------------------


def _document(doc: dict, download=None) -> dict:
    out = {k: doc[k] for k in ("media_id", "name", "content_type", "size")}
    if download is not None:
        out["url"] = download(doc["key"])
    return out


def business_public(business, *, credit=None, operator: bool = False, download=None) -> dict:
    """The business as its owner sees it (with its credit) or as an operator does (owner, document links)."""
    terms = business.terms
    body = {
        "business_id": business.business_id,
        "company_name": business.company_name,
        "tax_id": business.tax_id,
        "address": business.address,
        "contact": business.contact,
        "documents": [_document(d, download if operator else None) for d in business.documents],
        "status": business.status,
        "reason": business.reason,
        "verified_at": business.verified_at,
        "terms": None
        if terms is None
        else {
            "terms_days": terms.terms_days,
            "credit_limit": money(terms.credit_limit, terms.currency),
            "set_at": terms.set_at,
        },
        "overdue_invoices": business.overdue_invoices,
        "net_terms_available": business.net_terms_refusal() is None,
        "created_at": business.created_at,
        "updated_at": business.updated_at,
    }
    if credit is not None and terms is not None:
        body["credit"] = {
            "limit": money(terms.credit_limit, terms.currency),
            "available": money(credit["available"].amount, terms.currency),
            "reserved": money(credit["reserved"].amount, terms.currency),
            "receivable": money(credit["receivable"].amount, terms.currency),
        }
    if operator:
        body["owner_id"] = business.owner_id
    return body


def supplier_public(supplier, month: str) -> dict:
    return {
        "shop_id": supplier.shop_id,
        "categories": list(supplier.categories),
        "monthly_quota": supplier.quota,
        "quotes_used_this_month": supplier.used(month),
    }


def rfq_public(rfq, *, viewer: str, download=None, winner: bool = False) -> dict:
    """`viewer`: "buyer" (everything) or "seller" (no order; the accepted quote only to its winner)."""
    body = {
        "rfq_id": rfq.rfq_id,
        "business": rfq.business,
        "category": rfq.category,
        "title": rfq.title,
        "specification": rfq.specification,
        "quantity": rfq.quantity,
        "unit": rfq.unit,
        "target_unit_price": money(rfq.target_unit_amount, rfq.currency) if rfq.target_unit_amount else None,
        "deliver_to": rfq.deliver_to,
        "quote_deadline": rfq.quote_deadline,
        "attachments": [_document(a, download) for a in rfq.attachments],
        "status": rfq.status,
        "quote_count": rfq.quote_count,
        "created_at": rfq.created_at,
        "updated_at": rfq.updated_at,
    }
    if viewer == "buyer":
        body["accepted_quote_id"] = rfq.accepted_quote_id
        body["order_id"] = rfq.order_id
    elif winner:
        body["accepted_quote_id"] = rfq.accepted_quote_id
    return body


def quote_public(quote) -> dict:
    return {
        "quote_id": quote.quote_id,
        "rfq_id": quote.rfq_id,
        "shop": {"shop_id": quote.shop_id, "name": quote.shop_name},
        "unit_price": money(quote.unit_amount, quote.currency),
        "moq": quote.moq,
        "lead_time_days": quote.lead_time_days,
        "valid_until": quote.valid_until,
        "sample": None
        if quote.sample is None
        else {"price": money(quote.sample["amount"], quote.currency), "quantity": quote.sample["quantity"]},
        "note": quote.note,
        "product_id": quote.product_id,
        "product_title": quote.product_title,
        "status": quote.status,
        "revision": len(quote.revisions),
        "revisions": [
            {
                "unit_price": money(r["unit_amount"], quote.currency),
                "moq": r["moq"],
                "lead_time_days": r["lead_time_days"],
                "valid_until": r["valid_until"],
                "at": r["at"],
            }
            for r in quote.revisions
        ],
        "created_at": quote.created_at,
        "updated_at": quote.updated_at,
    }


def message_public(message) -> dict:
    return {
        "message_id": message.message_id,
        "quote_id": message.quote_id,
        "author": message.author,
        "text": message.text,
        "at": message.at,
    }


def invoice_public(invoice, now: str) -> dict:
    from ..domain.trade import rate_text

    cur = invoice.currency
    return {
        "invoice_id": invoice.invoice_id,
        "number": invoice.number,
        "seller": invoice.seller,
        "order_id": invoice.order_id,
        "bill_to": invoice.bill_to,
        "lines": [
            {
                "title": line["title"],
                "quantity": line["quantity"],
                "unit": line["unit"],
                "unit_price": money(line["unit_amount"], cur),
                "amount": money(line["amount"], cur),
                "vat_rate": rate_text(line["vat_rate_bp"]),
                "vat": money(line["vat_amount"], cur),
            }
            for line in invoice.lines
        ],
        "total": money(invoice.total, cur),
        "vat": money(invoice.vat_amount, cur),
        "net": money(invoice.net_amount, cur),
        "terms_days": invoice.terms_days,
        "issued_at": invoice.issued_at,
        "due_at": invoice.due_at,
        "status": invoice.display_status(now),
        "paid_at": invoice.paid_at,
        "payment": invoice.payment,
    }


# --- issue 15 ---------------------------------------------------------------------------------------


def file_public(file: dict | None, media_url) -> dict | None:
    """A stored shop upload (a maker's photo, a claim's document) under its stable URLs."""
    if not file:
        return None
    out = {"url": media_url(file["key"]), "content_type": file.get("content_type", "application/octet-stream")}
    for name in ("thumbnail", "medium"):
        if file.get(f"{name}_key"):
            out[f"{name}_url"] = media_url(file[f"{name}_key"])
    for name in ("width", "height"):
        if file.get(name):
            out[name] = file[name]
    return out


def maker_public(maker: Maker, media_url, *, private: bool = False) -> dict:
    body = {
        "maker_id": maker.maker_id,
        "shop_id": maker.shop_id,
        "name": maker.name,
        "story": maker.story,
        "workshop": maker.workshop,
        "region": maker.region,
        "craft": maker.craft,
        "photo": file_public(maker.photo, media_url),
        "updated_at": maker.updated_at,
    }
    if private:
        body["created_at"] = maker.created_at
        body["version"] = maker.version
    return body


def maker_profile_public(profile: dict, media_url) -> dict:
    """The maker's public profile as stored in their listing partition (adapters/provenance.maker_profile)."""
    return {
        **{k: profile[k] for k in ("maker_id", "shop_id", "name", "story", "workshop", "region", "craft")},
        "photo": file_public(profile.get("photo"), media_url),
        "updated_at": profile["updated_at"],
    }


def upload_public(upload: ShopUpload, media_url) -> dict:
    return {
        "upload_id": upload.upload_id,
        "purpose": upload.purpose,
        "status": upload.status,
        "file": file_public(upload.file, media_url) if upload.status == "ready" else None,
    }


def claim_public(claim: GiClaim, media_url) -> dict:
    return {
        "claim_id": claim.claim_id,
        "shop_id": claim.shop_id,
        "product_ids": list(claim.product_ids),
        "register": claim.register,
        "registration_number": claim.registration_number,
        "protected_name": claim.protected_name,
        "document": file_public(claim.document, media_url),
        "status": claim.status,
        "created_at": claim.created_at,
        "updated_at": claim.updated_at,
        "decided_at": claim.decided_at,
        "reason": claim.reason,
    }


# --- issue 12: markets ------------------------------------------------------------------------------


def fx_rate_public(rate) -> dict:
    return rate.to_dict()


# --- villagers a partner serves (issue 11) -------------------------------------------------------------------


def villager_public(v: Villager) -> dict:
    return {
        "villager_id": v.villager_id,
        "village_id": v.village_id,
        "name": None if v.erased else v.name,
        "phone": v.phone,
        "consent": {
            "method": v.consent.get("method", ""),
            "recorded_at": v.consent.get("recorded_at"),
            "witness": v.consent.get("witness"),
        },
        "erased": v.erased,
        "created_at": v.created_at,
        "updated_at": v.updated_at,
        "erased_at": v.erased_at,
    }


def fee_rule_public(rule: FeeRule) -> dict:
    return {"county_id": rule.county_id, **rule.as_dict(), "updated_at": rule.updated_at}


def remittance_public(r: Remittance) -> dict:
    return {
        "remittance_id": r.remittance_id,
        "village_id": r.village_id,
        "village_name": r.village_name,
        "county_id": r.county_id,
        "amount": money(r.amount, r.currency),
        "status": r.status,
        "amount_received": None if r.amount_received is None else money(r.amount_received, r.currency),
        "variance": None if r.variance is None else money(r.variance, r.currency),
        "created_at": r.created_at,
        "confirmed_at": r.confirmed_at,
    }


def village_entry_public(entry: BookedEntry) -> dict:
    return {
        "posting_id": entry.posting_id,
        "kind": entry.kind,
        "amount": money(entry.amount, entry.currency),
        "balance_after": None if entry.balance_after is None else money(entry.balance_after, entry.currency),
        "at": entry.at,
        "order_id": entry.refs.get("order_id"),
        "remittance_id": entry.refs.get("remittance_id"),
        "memo": entry.memo,
    }


def village_statement_public(s: VillageStatement, next_cursor: str | None) -> dict:
    st = s.statement
    return {
        "village_id": s.village_id,
        "account": s.account,
        "start_at": st.start_at,
        "end_at": st.end_at,
        "opening": money(st.opening, st.currency),
        "closing": money(st.closing, st.currency),
        "items": [village_entry_public(e) for e in st.entries],
        "next_cursor": next_cursor,
        "cash_on_hand": money(s.cash_on_hand, st.currency),
        "fees_earned": money(s.fees_earned, st.currency),
        "in_transit": money(s.in_transit, st.currency),
        "goods_paid": money(s.goods_paid, st.currency),  # issue 11
        "commissions_earned": money(s.commissions_earned, st.currency),
    }


# --- buyer trust (issue 13) ---------------------------------------------------------------------------------


def _pictures(ids, keys: dict, media_url) -> list[dict]:
    return [{"media_id": m, "url": media_url(keys[m]) if m in keys else None} for m in ids]


def dispute_public(d, media_url) -> dict:
    cur = d.currency
    return {
        "dispute_id": d.dispute_id,
        "order_id": d.order_id,
        "shop_id": d.shop_id,
        "status": d.status,
        "reason": d.reason,
        "description": d.description,
        "lines": [
            {
                "line_id": x["line_id"],
                "product_id": x["product_id"],
                "title": x["title"],
                "quantity": x["quantity"],
                "amount": money(int(x["amount"]), cur),
            }
            for x in d.lines
        ],
        "claimed": money(d.claimed, cur),
        "evidence": _pictures(d.evidence, d.evidence_keys, media_url),
        "seller_evidence": _pictures(d.seller_evidence, d.evidence_keys, media_url),
        "due_at": d.due_at,
        "response": d.response,
        "decision": d.decision,
        "refund": d.refund,
        "steps": [
            {
                "at": s.at,
                "actor": s.actor,
                "action": s.action,
                "note": s.note,
                "amount": None if s.amount is None else money(s.amount, cur),
            }
            for s in d.steps
        ],
        "created_at": d.created_at,
        "updated_at": d.updated_at,
    }


def review_public(r, media_url, *, party: bool = False) -> dict:
    body = {
        "review_id": r.review_id,
        "product_id": r.product_id,
        "rating": r.rating,
        "text": r.text,
        "photos": _pictures(r.photos, r.photo_keys, media_url),
        "author": r.author,
        "created_at": r.created_at,
        "status": r.status,
        "reply": r.reply,
    }
    if party:
        body.update({"order_id": r.order_id, "line_id": r.line_id, "hidden": r.hidden, "hide_request": r.hide_request})
    return body


def points_entry_public(e) -> dict:
    return {
        "points": e.amount,
        "kind": e.kind,
        "at": e.at,
        "balance_after": e.balance_after,
        "order_id": e.refs.get("order_id"),
        "memo": e.memo,
    }


# --- issue 19: buy together -------------------------------------------------------------------------------------


def commitment_public(commitment) -> dict:
    return {
        "group_id": commitment.group_id,
        "quantity": commitment.quantity,
        "delivery": commitment.delivery,
        "payment_method": commitment.payment_method,
        "committed_at": commitment.committed_at,
        "order_id": commitment.order_id,
        "villager_id": commitment.villager_id,
        "village_id": (commitment.for_villager or {}).get("village_id"),
    }


def _tier(tier, currency: str) -> dict | None:
    return {"min_quantity": tier["min_quantity"], "unit_price": money(tier["amount"], currency)} if tier else None


def group_share_path(group_id: str) -> str:
    return f"/groups/{group_id}"


def group_buy_public(group, *, now: str, base_url: str, mine=None, ref: str | None = None, media_url=None) -> dict:
    """`ref`: the signed-in viewer's referral code, carried by the share link they are given (issue 19)."""
    offer, currency = group.offer, group.offer.currency
    attrs = offer.attributes
    return {
        "group_id": group.group_id,
        "status": group.status,
        "product": {
            "product_id": offer.product_id,
            "title": offer.title,
            "shop_id": offer.shop_id,
            "shop_name": offer.shop_name,
            "unit": attrs.get("unit", ""),
            "moq": group.moq,
            "order_multiple": group.multiple,
            "tiers": [_tier(t, currency) for t in group.tiers()],
        },
        "target_quantity": group.target,
        "committed_quantity": group.committed,
        "participants": group.participants,
        "tier_reached": _tier(group.tier_reached(), currency),
        "next_tier": _tier(group.next_tier(), currency),
        "price_per_unit": money(group.price_per_unit(), currency),
        "deadline": group.deadline,
        "seconds_left": group.seconds_left(now) if group.is_open else 0,
        "failure": group.failure,
        "share_url": base_url + group_share_path(group.group_id) + (f"?ref={ref}" if ref else ""),
        "created_at": group.created_at,
        "closed_at": group.closed_at,
        "my_commitment": commitment_public(mine) if mine is not None else None,
        "picture_url": media_url(group.picture_key) if media_url and group.picture_key else None,
    }


# --- producers (issue 11) ------------------------------------------------------------------------------------


def producer_public(p) -> dict:
    return {
        "producer_id": p.producer_id,
        "village_id": p.village_id,
        "name": p.name or None,
        "phone": p.phone,
        "consent": dict(p.consent),
        "payout": p.public_payout(),
        "shop_id": p.shop_id,
        "erased": p.erased,
        "created_at": p.created_at,
        "updated_at": p.updated_at,
        "erased_at": p.erased_at,
    }


def producer_shop_public(producer, shop) -> dict:
    return {"producer": producer_public(producer), "shop": shop_public(shop, private=True)}


def producer_statement_public(s, next_cursor: str | None) -> dict:
    st = s.statement
    return {
        "producer_id": s.producer.producer_id,
        "village_id": s.producer.village_id,
        "account": st.account,
        "start_at": st.start_at,
        "end_at": st.end_at,
        "opening": money(st.opening, st.currency),
        "closing": money(st.closing, st.currency),
        "items": [village_entry_public(e) for e in st.entries],
        "next_cursor": next_cursor,
    }


def producer_commission_public(view) -> dict:
    def terms(t) -> dict:
        return {"percent_bp": t.percent_bp, "currency": t.currency, "effective_from": t.effective_from}

    return {"county_id": view.county_id, **terms(view.current), "history": [terms(t) for t in view.history]}


# --- issue 12: coupons ------------------------------------------------------------------------------------


def order_coupon_public(order: Order) -> dict | None:
    c = order.coupon
    if not c:
        return None
    return {
        "code": c["code"],
        "discount": money(c["amount"], c["currency"]),
        "base_amount": money(c["base_amount"], order.currency),
        "funded_by": "platform",
    }


def coupon_public(coupon: Coupon, now: str) -> dict:
    return {
        "code": coupon.code,
        "value": money(coupon.amount, coupon.currency),
        "status": coupon.status(now),
        "issued_at": coupon.issued_at,
        "expires_at": coupon.expires_at,
        "reason": coupon.reason,
        "order_id": coupon.order_id,
        "redeemed_at": coupon.redeemed_at,
        "restored_at": coupon.restored_at,
    }


# --- issue 12: carriers -------------------------------------------------------------------------------------


def carrier_public(carrier: Carrier) -> dict:
    return {
        "carrier_id": carrier.carrier_id,
        "name": carrier.name,
        "status": carrier.status,
        "created_at": carrier.created_at,
        "created_by": carrier.created_by,
        "suspended_at": carrier.suspended_at,
        "suspended_by": carrier.suspended_by,
        "reason": carrier.reason,
        "key_version": carrier.key_version,
        "secret_rotated_at": carrier.secret_rotated_at,
    }


def carrier_secret_public(carrier: Carrier, secret: str) -> dict:
    """A rotated secret, shown once (never stored: derived again on each request)."""
    return {
        "carrier_id": carrier.carrier_id,
        "name": carrier.name,
        "key_version": carrier.key_version,
        "secret_rotated_at": carrier.secret_rotated_at,
        "signing_secret": secret,
    }
