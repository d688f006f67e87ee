"""Issue 12: paying an order of the Russian market by Mir card or SBP through the acquirer, and its
notifications. Refunds go through the payment provider port (services/refunds.py), which sends roubles to the
acquirer's Cancel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain import ru_payments
from ..domain.errors import Conflict, DomainError, NotFound, Unauthenticated
from ..domain.identity import Actor, Role, require_role
from ..domain.orders import Order
from . import payments
from .ports import AcquirerPayment, BuyingRepository, Ledger, RuAcquirer


@dataclass(frozen=True)
class AcquirerUrls:
    """Where the acquirer notifies us, and the page (`<pages>/<order_id>`) it sends the buyer back to."""

    notification: str
    pages: str


def verify_notification(raw: dict[str, Any] | None, credentials: tuple[str, str]) -> None:
    """401 unless the notification comes from our terminal with a Token signed by its password."""
    terminal_key, password = credentials
    if not isinstance(raw, dict) or not ru_payments.verify(raw, terminal_key, password):
        raise Unauthenticated("the notification's Token does not match", code="bad_signature")


def start_payment(acquirer: RuAcquirer, order: Order, *, urls: AcquirerUrls) -> AcquirerPayment:
    """Init at the acquirer for an unpaid order of the Russian market paid by Mir card or SBP: the hosted payment
    page (and the SBP payload). Asking again for the same unpaid order answers the same payment."""
    if order.payment_method not in ru_payments.METHODS or not order.market:
        raise Conflict("this order is not paid through the acquirer", code="not_an_acquirer_order")
    if order.status != "pending_payment":
        raise Conflict("this order is not waiting for a payment", code="not_payable")
    return _init(acquirer, order.order_id, int(order.market["total"]), order.shop_name, order.payment_method, urls)


def _init(
    acquirer: RuAcquirer, order_id: str, amount: int, shop_name: str, method: str, urls: AcquirerUrls
) -> AcquirerPayment:
    page = f"{urls.pages}/{order_id}"
    return acquirer.init_payment(
        order_id,
        amount,
        f"Bazaar, заказ {order_id} ({shop_name})",
        notification_url=urls.notification,
        success_url=page,
        fail_url=page,
        sbp=method == "sbp",
    )


def payment_for(
    repo: BuyingRepository, acquirer: RuAcquirer, actor: Actor, order_id: str, *, urls: AcquirerUrls
) -> tuple[Order, AcquirerPayment]:
    """The buyer's (again) payment page for an unpaid Mir card or SBP order."""
    require_role(actor, Role.BUYER)
    order = repo.get_order(order_id)
    if order is None or order.buyer_id != actor.user_id:
        raise NotFound("order not found", code="order_not_found")
    return order, start_payment(acquirer, order, urls=urls)


def start_checkout_payments(
    acquirer: RuAcquirer, orders: list[dict[str, Any]], *, urls: AcquirerUrls
) -> list[dict[str, Any]]:
    """After a checkout in roubles paid by Mir card or SBP (`orders` as the checkout answers them): a payment
    per order. An acquirer that cannot be reached leaves that order unpaid with `payment_url` null:
    POST /v1/orders/{id}/payment asks again (unpaid, the order expires as card orders do)."""
    out = []
    for order in orders:
        charge = order.get("market") or {}
        amount = int((charge.get("total") or {}).get("amount", 0))
        base = {"order_id": order["order_id"], "amount": {"amount": amount, "currency": "RUB"}}
        if order.get("payment_method") not in ru_payments.METHODS or order.get("status") != "pending_payment":
            continue
        try:
            payment = _init(acquirer, order["order_id"], amount, order["shop"]["name"], order["payment_method"], urls)
        except DomainError as exc:
            out.append({**base, "payment_id": None, "payment_url": None, "sbp_payload": None, "error": exc.code})
            continue
        out.append(
            {
                **base,
                "payment_id": payment.payment_id,
                "payment_url": payment.payment_url,
                "sbp_payload": payment.sbp_payload,
            }
        )
    return out


def payment_public(order: Order, payment: AcquirerPayment) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "payment_id": payment.payment_id,
        "payment_url": payment.payment_url,
        "sbp_payload": payment.sbp_payload,
        "amount": {"amount": int((order.market or {}).get("total", 0)), "currency": "RUB"},
    }


def notification(repo: BuyingRepository, ledger: Ledger, fields: dict[str, Any], *, now: str) -> str:
    """A verified notification of the acquirer. CONFIRMED pays the order (once: the event id is the payment and
    its status; the money is posted to the shop's pending balance in CNY at the order's rate, issue 17); other
    statuses (REJECTED, refunds we asked for) change nothing. The acquirer is answered OK."""
    status = str(fields.get("Status", ""))
    if status not in ru_payments.PAID_STATUSES or fields.get("Success") is not True:
        return "ignored"
    event = {
        "event_id": f"ru-{fields.get('PaymentId')}-{status}",
        "type": "payment.succeeded",
        "order_id": str(fields.get("OrderId", "")),
        "payment_id": ru_payments.payment_ref(str(fields.get("PaymentId", ""))),
        "amount": {"amount": fields.get("Amount"), "currency": "RUB"},
    }
    return str(payments.payment_event(repo, ledger, event, now=now)["status"])
