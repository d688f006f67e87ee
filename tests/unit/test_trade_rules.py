"""Bulk trade's pure rules (issue 14): the Unified Social Credit Code, VAT on invoices, business, quote, RFQ and
invoice states, the credit postings, the due-index days."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.ledger import Account
from chalicelib.domain.trade import (
    USCC_ALPHABET,
    USCC_WEIGHTS,
    Business,
    Invoice,
    Quote,
    Rfq,
    Supplier,
    check_deadline,
    check_quote_terms,
    credit_line_posting,
    days_back,
    due_day,
    invoice_lines,
    quote_id_for,
    rate_text,
    terms_order_posting,
    uscc_check_character,
    validate_uscc,
    vat_included,
    vat_rate,
)

NOW = "2026-03-01T08:00:00.000Z"

# Codes of real registered companies (published on their licences): their check characters are right.
REAL_CODES = [
    "91350100M000100Y43",
    "91330100716105852F",
    "9144030071526726XG",
    "914403001922038216",
    "91110000802100433B",
]


# --- the Unified Social Credit Code (GB 32100-2015) ---------------------------------------------------------


def test_the_alphabet_and_weights_are_the_standards():
    assert len(USCC_ALPHABET) == 31 and not set("IOZSV") & set(USCC_ALPHABET)
    assert tuple(pow(3, i, 31) for i in range(17)) == USCC_WEIGHTS


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_pass_with_their_check_character(code):
    assert uscc_check_character(code[:17]) == code[17]
    assert validate_uscc(code) == code


def test_a_check_character_of_31_is_written_0():
    """31 - (sum mod 31) is 31 when the sum is a multiple of 31: the check character is then 0."""
    prefix = "91650100MA7G1TGQ"
    last = next(c for c in USCC_ALPHABET if uscc_check_character(prefix + c) == "0")
    first17 = prefix + last
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    assert total % 31 == 0
    assert validate_uscc(first17 + "0") == first17 + "0"


def test_lower_case_and_spaces_around_are_accepted():
    assert validate_uscc(" 91350100m000100y43 ") == "91350100M000100Y43"


@pytest.mark.parametrize("code", REAL_CODES)
def test_every_wrong_check_character_is_refused_with_a_clear_message(code):
    for wrong in (c for c in USCC_ALPHABET if c != code[17]):
        with pytest.raises(ValidationFailed) as caught:
            validate_uscc(code[:17] + wrong)
        assert caught.value.code == "tax_id_check_character"
        assert "check character" in caught.value.message and "mistyped" in caught.value.message
        assert caught.value.details == [{"field": "tax_id", "message": caught.value.details[0]["message"]}]


def test_a_swapped_pair_of_characters_is_caught():
    code = REAL_CODES[0]
    swapped = code[:8] + code[9] + code[8] + code[10:]  # "M0" -> "0M"
    assert swapped != code
    with pytest.raises(ValidationFailed):
        validate_uscc(swapped)


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100Y433", "18 characters"),
        ("91350100M000100I43", "not I"),
        ("91350100M00010OY43", "not O"),
        ("B1350100M000100Y43", "registration authority"),
        ("9135A100M000100Y43", "administrative division"),
    ],
)
def test_malformed_codes_say_what_is_wrong(code, says):
    with pytest.raises(ValidationFailed) as caught:
        validate_uscc(code)
    assert says in caught.value.message
    assert caught.value.code == "invalid_tax_id"


# --- VAT -----------------------------------------------------------------------------------------------------


def test_vat_rates_are_nine_percent_for_farm_products_and_thirteen_otherwise():
    assert vat_rate("dried-fruit") == vat_rate("nuts") == vat_rate("grain") == 900
    assert vat_rate("cotton-textiles") == vat_rate(None) == 1300
    assert rate_text(900) == "0.09" and rate_text(1300) == "0.13" and rate_text(10_000) == "1"


def test_vat_inside_a_tax_inclusive_price_rounds_half_up():
    assert vat_included(10_900, 900) == 900  # 10,000 net + 900 VAT
    assert vat_included(11_300, 1300) == 1300
    assert vat_included(1, 900) == 0
    assert vat_included(6, 900) == 0 and vat_included(7, 900) == 1  # 6 x 0.09/1.09 = 0.495; 7 -> 0.578


def test_invoice_lines_take_the_rate_of_each_lines_category():
    lines = invoice_lines(
        [
            {"title": "Jujubes", "quantity": 10, "unit_amount": 1090, "product_id": "p1", "attributes": {"unit": "kg"}},
            {
                "title": "Lot",
                "quantity": 1,
                "unit_amount": 11300,
                "product_id": "",
                "attributes": {"category": "other"},
            },
        ],
        {"p1": "dried-fruit"},
    )
    assert [(line["amount"], line["vat_rate_bp"], line["vat_amount"]) for line in lines] == [
        (10_900, 900, 900),
        (11_300, 1300, 1300),
    ]


# --- businesses ----------------------------------------------------------------------------------------------


def business(**changes) -> Business:
    base = Business(
        business_id="biz_u1",
        owner_id="u1",
        company_name="Good Harvest",
        tax_id=REAL_CODES[0],
        address={},
        contact={},
        documents=(),
        status="pending",
        created_at=NOW,
        updated_at=NOW,
    )
    from dataclasses import replace

    return replace(base, **changes)


def test_a_business_is_verified_once_and_may_be_revoked():
    verified = business().verify(NOW)
    assert verified.verified and verified.verified_at == NOW
    with pytest.raises(Conflict):
        verified.verify(NOW)
    revoked = verified.reject("licence withdrawn", NOW)
    assert revoked.status == "rejected" and revoked.net_terms_refusal() is not None
    with pytest.raises(Conflict):
        verified.reapply({"company_name": "x", "tax_id": "y", "address": {}, "contact": {}}, (), NOW)


def test_net_terms_need_verification_a_credit_line_and_no_overdue_invoice():
    assert business().net_terms_refusal() == "net terms are for verified businesses"
    verified = business().verify(NOW)
    assert verified.net_terms_refusal() == "this business has no credit line"
    with_terms = verified.with_terms(30, 100_000, "CNY", NOW)
    assert with_terms.net_terms_refusal() is None and with_terms.terms.version == 1
    from dataclasses import replace

    assert "overdue" in replace(with_terms, overdue_invoices=1).net_terms_refusal()
    with pytest.raises(ValidationFailed):
        verified.with_terms(45, 100_000, "CNY", NOW)
    with pytest.raises(Conflict):
        business().with_terms(30, 100_000, "CNY", NOW)


def test_a_credit_line_change_posts_only_the_difference():
    verified = business().verify(NOW)
    first = verified.with_terms(30, 100_000, "CNY", NOW)
    posting = credit_line_posting(first, 0, NOW)
    assert {e.account: e.amount for e in posting.entries} == {
        "platform:credit-lines": -100_000,
        "business:biz_u1:credit": 100_000,
    }
    lower = first.with_terms(30, 60_000, "CNY", NOW)
    down = credit_line_posting(lower, 100_000, NOW)
    assert {e.account: e.amount for e in down.entries} == {
        "business:biz_u1:credit": -40_000,
        "platform:credit-lines": 40_000,
    }
    assert down.posting_id == "credit-line:biz_u1:2"
    assert credit_line_posting(first.with_terms(60, 100_000, "CNY", NOW), 100_000, NOW) is None


def test_an_order_on_terms_may_not_take_the_credit_below_zero():
    posting = terms_order_posting("biz_u1", "chk_1", 5_000, "CNY", NOW, order_1="ord_1")
    assert posting.no_overdraft == frozenset({str(Account("business", "biz_u1", "credit"))})
    assert posting.posting_id == "terms-order:chk_1"


# --- RFQs and quotes -------------------------------------------------------------------------------------------


def rfq(**changes) -> Rfq:
    base = Rfq(
        rfq_id="rfq_1",
        buyer_id="u1",
        business={"business_id": "biz_u1", "company_name": "Good Harvest", "verified": True},
        category="dried-fruit",
        title="Jujubes",
        specification="Grade 1",
        quantity=200,
        unit="carton",
        target_unit_amount=None,
        currency="CNY",
        deliver_to={},
        quote_deadline="2026-03-08T08:00:00.000Z",
        attachments=(),
        status="open",
        created_at=NOW,
        updated_at=NOW,
    )
    from dataclasses import replace

    return replace(base, **changes)


def quote(**changes) -> Quote:
    base = Quote(
        quote_id="qte_1",
        rfq_id="rfq_1",
        buyer_id="u1",
        shop_id="shp_1",
        shop_name="Hotan Orchards",
        seller_id="s1",
        unit_amount=8800,
        currency="CNY",
        moq=100,
        lead_time_days=10,
        valid_until="2026-03-20T08:00:00.000Z",
        note="",
        status="live",
        created_at=NOW,
        updated_at=NOW,
    )
    from dataclasses import replace

    return replace(base, **changes)


def test_the_quoting_deadline_is_one_hour_to_ninety_days_out():
    assert check_deadline("2026-03-02T08:00:00Z", NOW) == "2026-03-02T08:00:00.000Z"
    for too in ("2026-03-01T08:30:00Z", "2026-06-01T08:00:00Z", "2026-03-02T08:00:00"):
        with pytest.raises(ValidationFailed):
            check_deadline(too, NOW)


def test_quotes_are_quotable_only_while_open_and_before_the_deadline():
    assert rfq().quotable(NOW)
    with pytest.raises(Conflict) as caught:
        rfq().require_quotable("2026-03-08T08:00:00.000Z")
    assert caught.value.code == "quote_deadline_passed"
    with pytest.raises(Conflict):
        rfq(status="awarded").require_quotable(NOW)


def test_one_quote_id_per_shop_and_rfq():
    assert quote_id_for("rfq_1", "shp_1") == quote_id_for("rfq_1", "shp_1")
    assert quote_id_for("rfq_1", "shp_1") != quote_id_for("rfq_1", "shp_2")
    assert quote_id_for("rfq_1", "shp_1") != quote_id_for("rfq_2", "shp_1")


def test_a_revision_keeps_the_earlier_terms():
    revised = quote().revise({"unit_amount": 8500, "lead_time_days": 8}, "2026-03-02T08:00:00.000Z")
    assert (revised.unit_amount, revised.lead_time_days, revised.version) == (8500, 8, 2)
    assert revised.revisions[0]["unit_amount"] == 8800 and revised.revisions[0]["at"] == NOW
    with pytest.raises(Conflict):
        quote(status="accepted").revise({"unit_amount": 1}, NOW)


def test_a_quote_is_accepted_while_live_and_valid():
    assert quote().accept(NOW).status == "accepted"
    with pytest.raises(Conflict) as caught:
        quote().accept("2026-03-21T08:00:00.000Z")
    assert caught.value.code == "quote_expired"
    with pytest.raises(Conflict):
        quote(status="expired").accept(NOW)


def test_quote_terms_are_checked_against_the_rfq_and_the_clock():
    ok = {"unit_amount": 1, "currency": "CNY", "moq": 10, "lead_time_days": 1, "valid_until": "2026-03-10T00:00:00Z"}
    assert check_quote_terms(ok, rfq(), NOW)["valid_until"] == "2026-03-10T00:00:00.000Z"
    for bad in (
        {"valid_until": "2026-02-28T00:00:00Z"},
        {"valid_until": "2027-03-01T00:00:00Z"},
        {"currency": "USD"},
        {"sample": {"amount": 10, "quantity": 10}},
    ):
        with pytest.raises(ValidationFailed):
            check_quote_terms({**ok, **bad}, rfq(), NOW)


def test_an_rfq_is_awarded_once():
    awarded = rfq().award("qte_1", "ord_1", NOW)
    assert (awarded.status, awarded.accepted_quote_id, awarded.order_id, awarded.closes_at) == (
        "awarded",
        "qte_1",
        "ord_1",
        None,
    )
    with pytest.raises(Conflict):
        awarded.award("qte_2", "ord_2", NOW)
    with pytest.raises(Conflict):
        awarded.cancel(NOW)


def test_the_default_quote_quota_is_twenty_a_month():
    assert Supplier("shp_1").quota == 20
    assert Supplier("shp_1", monthly_quota=3, quotes_used={"2026-03": 3}).used("2026-03") == 3


# --- invoices and the due index ------------------------------------------------------------------------------


def invoice(**changes) -> Invoice:
    base = Invoice(
        invoice_id="inv_1",
        seq=7,
        shop_id="shp_1",
        seller_id="s1",
        seller={"name": "Hotan Orchards"},
        order_id="ord_1",
        business_id="biz_u1",
        buyer_id="u1",
        bill_to={},
        lines=(),
        currency="CNY",
        total=10_900,
        vat_amount=900,
        terms_days=30,
        issued_at=NOW,
        due_at="2026-03-31T08:00:00.000Z",
        status="open",
    )
    from dataclasses import replace

    return replace(base, **changes)


def test_an_invoice_is_overdue_only_after_its_due_date():
    assert invoice().number == "00000007" and invoice().net_amount == 10_000
    with pytest.raises(Conflict):
        invoice().mark_overdue("2026-03-31T08:00:00.000Z")
    overdue = invoice().mark_overdue("2026-03-31T08:00:00.001Z")
    assert overdue.status == "overdue"
    assert invoice().display_status("2026-04-01T00:00:00.000Z") == "overdue"
    paid = overdue.pay("bank_transfer", "ref", "2026-04-02T00:00:00.000Z")
    assert paid.status == "paid" and paid.display_status("2027-01-01T00:00:00.000Z") == "paid"
    with pytest.raises(Conflict):
        paid.pay("bank_transfer", None, NOW)


def test_the_due_index_is_partitioned_by_day_and_jobs_read_back():
    assert due_day("2026-03-31T08:00:00.000Z") == "2026-03-31"
    assert days_back("2026-03-02T08:00:00.000Z", 2) == ["2026-02-28", "2026-03-01", "2026-03-02"]
