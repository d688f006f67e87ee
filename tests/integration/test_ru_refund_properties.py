"""Property tests of refunds in roubles (issue 12): an order of the `ru` market is charged in kopecks fixed at order
time; each of its refunds gives back its share of that charge by the cumulative rule (domain/markets.charge_refund,
recorded by Order.with_refund), on the in-memory fakes and the acquirer simulator (devtools/ru_acquirer.py).

Random rates (decimal strings), lines, quantities, a coupon or none, and random splits of the whole order into 1 to
5 partial returns, each through the same steps as services/returns.receive_return (platform_funding.settle_return,
Order.with_refund, settlement.record_refund), then sent to the simulator's Cancel by services/refunds.issue_due.
After every return:
- the kopecks refunded so far are exactly what the base refunded so far gives back in one piece, never more than
  the charge; the order records them (`market.refunded`);
- the simulator refunded exactly what the ledger's refund postings say (`refs.charge_amount`), in kopecks;
and once everything is back the buyer got exactly the rouble charge, as a single full return gives back.
No float anywhere: rates are decimal strings, amounts integers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from chalicelib.domain import coupons, markets, platform_funding, ru_payments
from chalicelib.domain.markets import FxRate
from chalicelib.domain.orders import Order, OrderLine, TimelineEntry
from chalicelib.services import refunds, settlement
from devtools.ru_acquirer import RuAcquirer
from tests.fakes import InMemoryLedger
from tests.integration.test_seller_money_properties import FakeOrders

START = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
TERMINAL, PASSWORD = "BazaarTest", "terminal-password"


def iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class SimulatorProvider:
    """The payment provider port straight onto the simulator's API (what adapters/ru_acquirer.py sends, signed)."""

    def __init__(self, sim: RuAcquirer) -> None:
        self.sim = sim

    def refund(self, payment_ref: str, amount: int, currency: str, idempotency_key: str) -> str:
        assert currency == "RUB" and isinstance(amount, int)
        fields = {
            "PaymentId": ru_payments.acquirer_payment_id(payment_ref),
            "Amount": amount,
            "ExternalRequestId": idempotency_key[:100],
        }
        answer = self.sim.handle("Cancel", ru_payments.signed(fields, TERMINAL, PASSWORD))
        assert answer["Success"] is True, answer
        return f"{fields['PaymentId']}/{idempotency_key[:100]}"


def rates():
    """0.05 .. 200 roubles a yuan, as decimal strings with up to 8 decimals (all parse_rate takes)."""
    return st.integers(5_000_000, 20_000_000_000).map(lambda n: f"{n // 100_000_000}.{n % 100_000_000:08d}")


@st.composite
def scenarios(draw):
    lines = draw(st.lists(st.tuples(st.integers(1, 50_000), st.integers(1, 5)), min_size=1, max_size=4))
    rate = draw(rates())
    units = [(i, 1) for i, (_, quantity) in enumerate(lines) for _ in range(quantity)]
    order = draw(st.permutations(units))
    steps = draw(st.integers(1, min(5, len(order))))
    cuts = []
    if steps > 1:  # where the units are split into `steps` returns
        cuts = sorted(
            draw(st.lists(st.integers(1, len(order) - 1), min_size=steps - 1, max_size=steps - 1, unique=True))
        )
    bounds = [0, *cuts, len(order)]
    returns = [order[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    coupon_bp = draw(st.sampled_from([0, 0, 137, 2500, 9000]))  # a coupon's share of the charge, in basis points
    return lines, rate, returns, coupon_bp


def placed(lines, rate: str, coupon_bp: int) -> Order:
    at = iso(START)
    fx = FxRate("fx_1", "CNY-RUB", rate, at, at, "usr_op")
    order_lines = tuple(
        OrderLine(f"ln-{i}", f"prd_{i}", "Atlas scarf", quantity, unit, "CNY", {})
        for i, (unit, quantity) in enumerate(lines)
    )
    charge = markets.order_charge(
        [(ln.line_id, ln.unit_amount, ln.quantity) for ln in order_lines], fx, markets.MARKETS["ru"]
    )
    order = Order(
        order_id="ord_ru1", checkout_id="chk_ru1", buyer_id="usr_buyer", seller_id="usr_seller", shop_id="shp_ru",
        shop_name="Atlas", storefront="handicrafts", status="pending_payment", lines=order_lines, currency="CNY",
        delivery={"country": "RU"}, payment_method="mir_card", created_at=at, updated_at=at,
        timeline=(TimelineEntry(at, "buyer", "placed", "pending_payment"),), market=charge,
    )  # fmt: skip
    share = min(int(charge["total"]) * coupon_bp // 10_000, int(charge["total"]) - coupons.MIN_TO_PAY)
    if share <= 0:
        return order
    total = int(charge["total"])  # as services/coupons.apply takes a coupon's share off the charge
    market = {**charge, "total": total - share, "goods_total": total, "coupon": share}
    record = {
        "code": "DP-TEST",
        "amount": share,
        "currency": "RUB",
        "base_amount": coupons.base_share(share, total, order.total),
    }
    return replace(order, market=market, coupon=record)


def paid(sim: RuAcquirer, orders: FakeOrders, ledger: InMemoryLedger, order: Order) -> Order:
    """Init at the simulator for the rouble charge, the buyer pays, the notification pays the order."""
    init = sim.handle(
        "Init",
        ru_payments.signed({"Amount": int(order.market["total"]), "OrderId": order.order_id}, TERMINAL, PASSWORD),
    )
    assert init["Success"] is True, init
    sim.decide(init["PaymentId"], "pay")
    orders.insert(order)
    now = iso(START)
    ref = ru_payments.payment_ref(init["PaymentId"])
    order = settlement.record_payment(orders, ledger, order, order.mark_paid("payments", now, payment_ref=ref), now=now)
    order = orders.save_order(order.ship("Почта России", "RA1", now), order.version, event="order.shipped")
    return orders.save_order(order.deliver(now), order.version, event="order.delivered")


def a_return(orders, ledger, order: Order, units, return_id: str, now: str) -> Order:
    """What services/returns.receive_return does with a return of `units` ((line index, 1) each)."""
    quantities: dict[str, int] = {}
    for index, quantity in units:
        line_id = order.lines[index].line_id
        quantities[line_id] = quantities.get(line_id, 0) + quantity
    by_id = {line.line_id: line for line in order.lines}
    goods = sum(by_id[line_id].unit_amount * quantity for line_id, quantity in quantities.items())
    refund, funded_back, record = platform_funding.settle_return(order, goods)
    returned = {k: order.returned.get(k, 0) + quantities.get(k, 0) for k in {*order.returned, *quantities}}
    changed = replace(order, returned=returned, funded_returned=record, updated_at=now)
    if refund:
        changed = changed.with_refund(return_id, refund, now)
    return settlement.record_refund(
        orders, ledger, order, changed, refund, return_id, now=now, event="order.refunded", funded_back=funded_back
    )


def ledger_kopecks(ledger: InMemoryLedger, order: Order) -> int:
    """What the ledger's refund postings of `order` say went back in roubles."""
    total = 0
    for refund in order.refunds:
        posted = ledger.get_posting(f"order-refunded:{order.order_id}:{refund.return_id}")
        assert posted is not None and posted.posting.refs["charge_currency"] == "RUB"
        total += int(posted.posting.refs["charge_amount"])
    return total


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_partial_returns_in_roubles_add_up_to_exactly_what_one_full_return_gives_back(scenario):
    lines, rate, returns, coupon_bp = scenario
    sim = RuAcquirer()
    sim.register(TERMINAL, PASSWORD, deliver=lambda url, body: (200, "OK"))
    provider = SimulatorProvider(sim)
    ledger, orders = InMemoryLedger(), FakeOrders()
    order = placed(lines, rate, coupon_bp)
    assume(int(order.market["total"]) >= 100)  # the acquirer takes payments of 1.00 RUB and more
    order = paid(sim, orders, ledger, order)
    payment_id = ru_payments.acquirer_payment_id(order.payment_ref or "")
    charged = int(order.market["total"])
    paid_cny = order.total - order.coupon_discount
    assert sim.payments[payment_id]["Amount"] == charged

    # one full return of the same order, on its own copy: gives back the whole charge
    single_ledger, single_orders = InMemoryLedger(), FakeOrders()
    single_orders.insert(order)
    everything = [(i, line.quantity) for i, line in enumerate(order.lines)]
    whole = a_return(single_orders, single_ledger, order, everything, "ret_all", iso(START))
    assert whole.refunds[-1].charge_amount == charged == whole.market["refunded"]
    assert whole.refunded == paid_cny

    now = START
    for step, units in enumerate(returns):
        now += dt.timedelta(hours=1)
        order = a_return(orders, ledger, orders.get_order(order.order_id), units, f"ret_{step}", iso(now))
        refunds.issue_due(orders, provider, orders.get_order(order.order_id), now=iso(now))
        order = orders.get_order(order.order_id)
        kopecks = sum(r.charge_amount or 0 for r in order.refunds)
        assert all(isinstance(r.charge_amount, int) and r.charge_amount >= 0 for r in order.refunds)
        assert kopecks == markets.charge_refunded(charged, paid_cny, order.refunded) <= charged
        assert order.market["refunded"] == kopecks
        assert sim.payments[payment_id]["Refunded"] == kopecks == ledger_kopecks(ledger, order)
        assert not order.pending_refunds  # each went through the simulator's Cancel (or gave back no kopeck)

    assert order.refunded == paid_cny
    assert sim.payments[payment_id]["Refunded"] == charged
    assert sim.payments[payment_id]["Status"] == "REFUNDED"


def test_a_refund_split_in_three_gives_back_what_it_gives_back_whole():
    # a charge of 10.00 RUB for 0.03 CNY refunded a fen at a time: 3.33 + 3.34 + 3.33, not 3 x 3.33 = 9.99
    assert markets.charge_refunded(1000, 3, 1) == 333  # 333.33
    steps = [markets.charge_refund(1000, 3, k, markets.charge_refunded(1000, 3, k), 1) for k in range(3)]
    assert steps == [333, 334, 333] and sum(steps) == 1000
    assert markets.charge_refunded(1000, 3, 5) == 1000  # never beyond the charge
    assert markets.charge_refunded(410678, 31998, 15999) == 205339


def paid_by_card(order: Order) -> Order:
    now = iso(START)
    return order.mark_paid("payments", now, payment_ref="ru:1001")


def test_a_cancelled_order_with_a_coupon_gives_back_exactly_its_rouble_charge():
    order = paid_by_card(placed([(15_999, 3)], "12.8345", 2500))
    cancelled = order.cancel("buyer", iso(START))
    (refund,) = cancelled.refunds
    assert refund.amount == order.total - order.coupon_discount and refund.status == "pending"
    assert (refund.charge_amount, refund.charge_currency) == (int(order.market["total"]), "RUB")
    assert refunds.refund_in_charge_currency(cancelled, refund) == (int(order.market["total"]), "RUB")
    assert cancelled.charge_refs("cancellation") == {
        "charge_amount": str(order.market["total"]),
        "charge_currency": "RUB",
    }


@given(
    lines=st.lists(st.tuples(st.integers(1, 50_000), st.integers(1, 5)), min_size=1, max_size=3),
    rate=rates(),
    percent=st.integers(1, 100),
    coupon_bp=st.sampled_from([0, 137, 2500]),
)
@settings(max_examples=100, deadline=None)
def test_a_percent_refund_then_returns_never_give_back_more_than_the_charge_and_all_of_it_at_the_end(
    lines, rate, percent, coupon_bp
):
    order = placed(lines, rate, coupon_bp)
    assume(int(order.market["total"]) >= 100)
    order = paid_by_card(order).ship("Почта России", "RA1", iso(START)).deliver(iso(START))
    charged = int(order.market["total"])
    # as services/delivery_promise compensates a missed promise with a percent refund
    amount = min(order.total * percent // 100, max(order.total - order.refunded, 0))
    order = order.with_refund("compensation", amount, iso(START))
    assert 0 <= order.market["refunded"] <= charged
    for i, line in enumerate(order.lines):  # then everything comes back, a line at a time
        refund, _, record = platform_funding.settle_return(order, line.total)
        order = replace(order, funded_returned=record)
        if refund:
            order = order.with_refund(f"ret_{i}", refund, iso(START))
        assert sum(r.charge_amount or 0 for r in order.refunds) == order.market["refunded"] <= charged
    assert order.market["refunded"] == charged


def test_a_late_payment_is_a_charge_of_its_own_refunded_whole():
    order = paid_by_card(placed([(15_999, 2)], "12.8345", 0)).cancel("buyer", iso(START))
    late = order.late_payment("ru:1002", order.total, iso(START))
    refund = late.refunds[-1]
    assert (refund.charge_amount, refund.payment_ref, refund.status) == (2 * 205_339, "ru:1002", "pending")
    assert late.market["refunded"] == order.market["refunded"] == 2 * 205_339  # the first charge's refunds only


def test_a_refund_worth_no_kopeck_has_nothing_to_send_to_the_acquirer():
    order = paid_by_card(placed([(1, 200), (30_000, 1)], "0.5", 0)).ship("SF", "1", iso(START)).deliver(iso(START))
    order = order.with_refund("ret_1", 1, iso(START))  # 1 fen = half a kopeck: rounds up to one
    order = order.with_refund("ret_2", 1, iso(START))  # 2 fen = one kopeck: already given back
    first, second = order.refunds
    assert (first.charge_amount, first.status) == (1, "pending")
    assert (second.charge_amount, second.status) == (0, "recorded")
    assert order.market["refunded"] == 1
