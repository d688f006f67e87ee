"""Payouts (issue 17): payout details masked, the weekly run through the bank's API with idempotency keys, the
bank's signed callbacks, failures that give the money back, and a run that crashes half way and is re-run."""

from __future__ import annotations

import json

import pytest

from chalicelib.services import payouts
from tests.api.money.conftest import Seller, complete_due, deliver_callbacks, payout_account, run_payouts, sell
from tests.support import Storage, assert_api_error

ACCOUNT = "6228480012345678901"
CLOSED = "6228480012340000"  # the bank simulator fails transfers to accounts ending in 0000


@pytest.fixture
def earned(api, stack, factory, clock, bank):
    """A seller with 190.00 CNY available (two orders of 100.00, 5 % commission) and payout details."""

    def make(number: str = ACCOUNT, orders: int = 2) -> Seller:
        seller, buyer = Seller(api, factory, price=10_000), factory.user("buyer")
        for _ in range(orders):
            sell(api, seller, buyer)
        clock.advance(days=8)
        complete_due(stack)
        if number:
            payout_account(api, seller, number)
        return seller

    return make


def payouts_of(seller: Seller) -> list[dict]:
    return seller.get("/payouts")["items"]


def notifications(api, seller: Seller) -> list[dict]:
    return api.get("/v1/me/notifications?limit=100", token=seller.token).json["items"]


# --- payout details ----------------------------------------------------------------------------------------


def test_payout_details_are_answered_masked_and_never_logged(api, factory, capsys):
    seller = Seller(api, factory)
    capsys.readouterr()
    body = {
        "holder_name": "Aygul Tursun",
        "bank_name": "Agricultural Bank of China",
        "account_number": "6228 4800 1234 5678 901",
        "bank_code": "abocCNBJ",
    }
    put = api.put(f"/v1/shops/{seller.shop_id}/payout-account", body, token=seller.token)
    assert put.status == 200, put
    got = api.get(f"/v1/shops/{seller.shop_id}/payout-account", token=seller.token)
    assert got.status == 200, got
    for reply in (put, got):
        assert ACCOUNT not in reply.body.decode() and "12345678" not in reply.body.decode()
        assert reply.json["account_last4"] == "8901"
        assert reply.json["account_number_masked"] == "*" * 15 + "8901"
        assert reply.json["bank_code"] == "ABOCCNBJ" and reply.json["holder_name"] == "Aygul Tursun"
    logged = capsys.readouterr().out
    assert ACCOUNT not in logged and "6228 4800" not in logged


@pytest.mark.parametrize(
    "change",
    [
        {"account_number": "12-34"},
        {"account_number": "6228480012345678901ABCDEFGHIJKLMNOPQRSTU"},
        {"account_number": "6228 4800 1234 5678 9@1"},
        {"holder_name": "   "},
        {"bank_code": "AB"},
        {"iban": "DE89370400440532013000"},
    ],
)
def test_payout_details_are_validated(api, factory, change):
    seller = Seller(api, factory)
    body = {"holder_name": "Aygul Tursun", "bank_name": "ABC", "account_number": ACCOUNT, **change}
    reply = api.put(f"/v1/shops/{seller.shop_id}/payout-account", body, token=seller.token)
    assert_api_error(reply, 400)
    assert "account_number" not in reply.body.decode() or ACCOUNT not in reply.body.decode()


def test_a_shop_without_payout_details_has_none(api, factory):
    seller = Seller(api, factory)
    reply = api.get(f"/v1/shops/{seller.shop_id}/payout-account", token=seller.token)
    assert_api_error(reply, 404, "payout_account_not_found")


# --- the run ---------------------------------------------------------------------------------------------------


def test_the_weekly_run_pays_a_seller_above_the_threshold_once_through_the_bank(api, stack, earned, bank):
    seller = earned()
    assert seller.amounts() == (19_000, 0)
    report = run_payouts(stack)
    assert report["counts"]["created"] >= 1
    (payout,) = payouts_of(seller)
    assert payout["status"] == "sent" and payout["amount"] == {"amount": 19_000, "currency": "CNY"}
    assert payout["destination"]["account_last4"] == "8901" and ACCOUNT not in json.dumps(payout)
    assert seller.amounts() == (0, 0)
    (transfer,) = [t for t in bank.transfers.values() if t.reference == payout["payout_id"]]
    assert transfer.idempotency_key == payout["payout_id"] and transfer.amount == 19_000
    assert transfer.destination["account_number"] == ACCOUNT
    debit = seller.entries()[0]
    assert debit["kind"] == "payout.sent" and debit["payout_id"] == payout["payout_id"]
    assert debit["amount"]["amount"] == -19_000

    run_payouts(stack)  # the same week again: nobody is paid twice
    assert len(payouts_of(seller)) == 1
    assert len([t for t in bank.transfers.values() if t.reference == payout["payout_id"]]) == 1

    results = deliver_callbacks(api, bank, bank.settle())
    assert {"status": "applied"} in results
    (paid,) = payouts_of(seller)
    assert paid["status"] == "paid" and paid["paid_at"] and paid["transfer_id"] == transfer.transfer_id
    assert seller.amounts() == (0, 0)
    assert any(n["type"] == "payout.paid" and n["payout_id"] == paid["payout_id"] for n in notifications(api, seller))


def test_a_repeated_callback_changes_nothing(api, stack, earned, bank):
    seller = earned()
    run_payouts(stack)
    bodies = bank.settle()
    deliver_callbacks(api, bank, bodies)
    before = payouts_of(seller)
    assert all(r["status"] == "duplicate" for r in deliver_callbacks(api, bank, bodies))
    assert payouts_of(seller) == before
    assert len([n for n in notifications(api, seller) if n["type"] == "payout.paid"]) == 1


def test_a_failed_payout_gives_the_money_back_and_tells_the_seller(api, stack, earned, bank):
    seller = earned(CLOSED)
    run_payouts(stack)
    assert seller.amounts() == (0, 0)
    deliver_callbacks(api, bank, bank.settle())
    (payout,) = payouts_of(seller)
    assert payout["status"] == "failed" and payout["failure_reason"] == "account_closed"
    assert seller.amounts() == (19_000, 0)
    back = seller.entries()[0]
    assert back["kind"] == "payout.failed" and back["amount"]["amount"] == 19_000
    assert any(n["type"] == "payout.failed" for n in notifications(api, seller))
    assert not bank.paid or all(t.reference != payout["payout_id"] for t in bank.paid)


def test_a_run_that_crashes_between_the_bank_and_the_write_pays_nobody_twice_when_it_is_run_again(
    api, stack, earned, bank
):
    seller = earned()
    real = stack.payouts

    class CrashAfterTheBank:
        """The bank accepts the transfer, then the run dies before it records the bank's answer."""

        def send(self, request):
            real.send(request)
            raise SystemExit("crashed after the bank's answer")

        def status(self, transfer_id):
            return real.status(transfer_id)

    stack.payouts = CrashAfterTheBank()
    with pytest.raises(SystemExit):
        run_payouts(stack)
    (payout,) = payouts_of(seller)
    assert payout["status"] == "pending"  # the bank has the transfer; we never wrote its answer
    assert seller.amounts() == (0, 0)
    assert len(bank.transfers) == 1

    stack.payouts = real
    run_payouts(stack)
    (payout,) = payouts_of(seller)
    assert payout["status"] == "sent"
    assert len(bank.transfers) == 1, "the re-run asked again with the same idempotency key: the same transfer"
    assert seller.amounts() == (0, 0)
    deliver_callbacks(api, bank, bank.settle())
    assert [p["status"] for p in payouts_of(seller)] == ["paid"]
    assert len(bank.paid) == 1 and bank.paid[0].amount == 19_000
    assert len([e for e in seller.entries() if e["kind"] == "payout.sent"]) == 1


def test_a_run_that_crashes_before_the_bank_sends_on_the_re_run(api, stack, earned, bank):
    seller = earned()

    class Down:
        def send(self, request):
            raise SystemExit("crashed before the bank")

        def status(self, transfer_id):
            raise SystemExit("crashed before the bank")

    real, stack.payouts = stack.payouts, Down()
    with pytest.raises(SystemExit):
        run_payouts(stack)
    assert [p["status"] for p in payouts_of(seller)] == ["pending"] and not bank.transfers
    stack.payouts = real
    run_payouts(stack)
    assert [p["status"] for p in payouts_of(seller)] == ["sent"] and len(bank.transfers) == 1


def test_a_bank_that_cannot_be_reached_leaves_the_payout_pending_for_the_poll(api, stack, earned, bank):
    from chalicelib.adapters.payouts_bank import HttpPayoutProvider

    seller = earned()
    real = stack.payouts
    stack.payouts = HttpPayoutProvider("http://127.0.0.1:9", lambda: "key", timeout=1)  # nothing listens there
    run_payouts(stack)
    assert [p["status"] for p in payouts_of(seller)] == ["pending"]
    stack.payouts = real
    counts = payouts.poll_open_payouts(stack.finance, stack.ledger, stack.payouts, stack.buying, now=stack.clock())
    assert counts["resumed"] >= 1
    assert [p["status"] for p in payouts_of(seller)] == ["sent"]


def test_a_lost_callback_is_made_up_for_by_the_poll(api, stack, earned, bank):
    seller = earned()
    run_payouts(stack)
    bank.settle()  # the bank settled, its callback never arrived
    payouts.poll_open_payouts(stack.finance, stack.ledger, stack.payouts, stack.buying, now=stack.clock())
    assert [p["status"] for p in payouts_of(seller)] == ["paid"]


def test_a_seller_below_the_threshold_or_without_details_is_not_paid(api, stack, earned, bank):
    small = earned(orders=1)  # 95.00 < 100.00
    unregistered = earned(number="")
    report = run_payouts(stack)
    assert payouts_of(small) == [] and payouts_of(unregistered) == []
    assert small.amounts() == (9_500, 0) and unregistered.amounts() == (19_000, 0)
    assert report["counts"]["no_payout_account"] >= 1 and report["counts"]["below_threshold"] >= 1
    assert any(n["type"] == "payout.account_missing" for n in notifications(api, unregistered))
    run_payouts(stack)
    assert len([n for n in notifications(api, unregistered) if n["type"] == "payout.account_missing"]) == 1


def test_an_operator_runs_payouts_by_hand_one_slice_at_a_time(api, stack, earned, bank, factory, monkeypatch):
    from chalicelib.api import money

    monkeypatch.setattr(money, "RUN_SLICE_SHOPS", 1)
    sellers = [earned(), earned()]
    replies = []
    while True:
        reply = api.post("/v1/admin/payouts/run", token=factory.operator)
        assert reply.status == 200, reply
        replies.append(reply.json)
        if reply.json["complete"]:
            break
    assert len(replies) >= 2  # one shop per slice
    assert all(r["run_id"] == replies[0]["run_id"] for r in replies)
    assert [[p["status"] for p in payouts_of(s)] for s in sellers] == [["sent"], ["sent"]]


# --- the bank's callbacks ------------------------------------------------------------------------------------


def test_an_unsigned_or_forged_callback_is_refused_and_changes_nothing(api, stack, earned, bank):
    seller = earned()
    run_payouts(stack)
    (body,) = bank.settle()
    storage = Storage(stack)
    before = storage.snapshot()
    for headers in ({}, {"X-Bank-Signature": "t=1,v1=00"}, {"X-Bank-Signature": bank.sign(body, 1)}):
        reply = api.request("POST", "/v1/payouts/webhook", body=body, headers=headers)
        assert_api_error(reply, 401, "bad_signature")
    forged = body.replace(b"transfer.paid", b"transfer.failed")  # the real signature, another body
    reply = api.request("POST", "/v1/payouts/webhook", body=forged, headers={"X-Bank-Signature": bank.sign(body)})
    assert_api_error(reply, 401)
    assert storage.snapshot() == before
    assert [p["status"] for p in payouts_of(seller)] == ["sent"]


def test_a_callback_for_another_transfer_or_an_unknown_payout_is_refused(api, stack, earned, bank):
    seller = earned()
    run_payouts(stack)
    (payout,) = payouts_of(seller)
    for event, status in (
        ({"transfer_id": "tr_other", "reference": payout["payout_id"]}, 409),
        ({"transfer_id": payout["transfer_id"], "reference": "po-2026W01-shp_nobody"}, 404),
    ):
        body = json.dumps({"event_id": "evt_x", "type": "transfer.paid", **event}).encode()
        reply = api.request("POST", "/v1/payouts/webhook", body=body, headers={"X-Bank-Signature": bank.sign(body)})
        assert_api_error(reply, status)
    assert [p["status"] for p in payouts_of(seller)] == ["sent"]


def test_a_stage_without_the_banks_url_makes_no_payout(api, stack, factory, clock):
    seller, buyer = Seller(api, factory, price=10_000), factory.user("buyer")
    for _ in range(2):
        sell(api, seller, buyer)
    clock.advance(days=8)
    complete_due(stack)
    payout_account(api, seller)
    reply = api.post("/v1/admin/payouts/run", token=factory.operator)
    assert_api_error(reply, 503, "service_unavailable")
    assert payouts_of(seller) == [] and seller.amounts() == (19_000, 0)
