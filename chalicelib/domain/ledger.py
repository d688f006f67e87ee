"""The double-entry ledger: accounts, postings, booking rules and statements. Pure Python.

Every movement of value is a `Posting`: two or more `Entry`s `(account, amount, currency)` whose amounts sum
to zero per currency. A balance is the sum of an account's entries; nothing ever edits a balance.

Sign convention: an entry's amount is what flows INTO its account. `+500` makes the account's balance grow by
500, `-500` makes it shrink. A balance is therefore what the account holds (or is owed): a shop's `available`
balance is what the platform owes the seller, `points:<user>` is the user's points. `external:*` accounts are
the world outside the ledger: money a buyer pays in makes `external:buyer-payments` go negative by as much.

Amounts are Python ints in minor units (fen, kopecks, cents; `PTS` for points: 1 point = 1 unit). The currency
is an ISO 4217 code (`ISO_4217` below), or `PTS` for points. Accounts of kind `points` hold only `PTS`; the
other owned kinds hold only money; `platform:*` holds money, `external:*` either.

Account ids (`<owner kind>:<owner id>:<purpose>`; see `ACCOUNT_KINDS` for the rules of each kind):

    shop:<shop_id>:pending | available      a seller's money not yet / already payable
    village:<village_id>:cash | fees | goods | remittances | commissions (on producers' sales, issue 11)
    county:<county_id>:cash | remittances | variance
    producer:<producer_id>:payable          what the platform owes a producer
    points:<user_id>                        a user's points (PTS, never below zero)
    business:<business_id>:credit | reserved | receivable   a business buyer's net terms (issue 14)
    platform:commission | fees | compensation | guarantee | points | rounding | promotions (coupons, issue 12)
    external:buyer-payments | cash | bank-payouts | points

Owned accounts keep a running balance: each entry carries the account's balance after it and its sequence
number, so a statement costs the same whatever the account's history. `platform:*` and `external:*` are
touched by nearly every posting; they keep no running balance (their balance is spread over shards that are
summed on read), so they never serialise the postings of unrelated sellers. See docs/ledger.md.

Rounding: `basis_points(amount, bp)` rounds half away from zero (0.5 of a minor unit goes up in magnitude).
Give the remainder of a split to one party (`split` does: the source pays exactly the sum of the shares), so
entries always add up to the gross amount.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import Conflict, ValidationFailed

POINTS = "PTS"
# ISO 4217 active currency codes (funds, metals and test codes left out).
_ISO_4217_CODES = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF
    CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD
    HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD
    MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN
    PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY
    TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
"""
ISO_4217 = frozenset(_ISO_4217_CODES.split())

MAX_ENTRIES = 20  # per posting; a posting is 1 + 2 x entries DynamoDB actions (see `ledger_actions`)
MAX_TRANSACTION_ACTIONS = 100  # DynamoDB's TransactWriteItems limit, the posting and the caller's writes together
MAX_AMOUNT = 10**15  # per entry, in minor units
MAX_REFS = 10
MAX_MEMO = 500
MAX_PAGE = 100

_OWNER = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
_POSTING_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@/+=-]{0,199}$")
_KIND = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
_REF_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class InsufficientFunds(Conflict):
    """A debit would take an account that may not go below zero below zero. Maps to 409."""

    code = "insufficient_balance"

    def __init__(self, account: str, currency: str, balance: int, amount: int) -> None:
        super().__init__(
            f"{account} holds {balance} {currency}; {-amount} cannot be taken from it",
            details=[{"field": "balance", "message": f"{balance} {currency} available, {-amount} needed"}],
        )
        self.account = account
        self.currency = currency
        self.balance = balance
        self.amount = amount


class LedgerIntegrityError(Exception):
    """Stored entries do not chain (a running balance that is not the previous one plus the amount): a bug."""


# --- accounts -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountKind:
    name: str
    owned: bool  # "<kind>:<owner id>[:<purpose>]" or "<kind>:<purpose>"
    purposes: frozenset[str]  # the allowed last part; empty: the id ends with the owner ("points:<user_id>")
    units: str  # "money" (ISO 4217), "points" (PTS) or "any"
    non_negative: bool = False  # a debit may never take the balance below zero (checked inside the transaction)
    running_balance: bool = True  # each entry carries the balance after it; False: a hot system account


# Add a purpose here (one line) when a feature needs a new account; a typo then fails loudly instead of
# creating a phantom account.
ACCOUNT_KINDS: dict[str, AccountKind] = {
    k.name: k
    for k in (
        AccountKind("shop", True, frozenset({"pending", "available"}), "money"),
        AccountKind("village", True, frozenset({"cash", "fees", "goods", "remittances", "commissions"}), "money"),
        AccountKind("county", True, frozenset({"cash", "remittances", "variance"}), "money"),
        AccountKind("producer", True, frozenset({"payable"}), "money"),
        AccountKind("points", True, frozenset(), "points", non_negative=True),
        AccountKind("business", True, frozenset({"credit", "reserved", "receivable"}), "money"),  # issue 14: net terms
        AccountKind(
            "platform",
            False,
            frozenset(
                {"commission", "fees", "compensation", "guarantee", "points", "rounding", "credit-lines", "promotions"}
            ),
            "money",
            running_balance=False,
        ),
        AccountKind(
            "external",
            False,
            frozenset({"buyer-payments", "cash", "bank-payouts", "points"}),
            "any",
            running_balance=False,
        ),
    )
}


@dataclass(frozen=True)
class Account:
    """A typed account identity. `str(account)` is its stable id, e.g. `shop:shp_123:available`."""

    kind: str
    owner: str | None = None
    purpose: str | None = None

    def __post_init__(self) -> None:
        rules = ACCOUNT_KINDS.get(self.kind)
        if rules is None:
            raise _bad_account(f"unknown account kind {self.kind!r}")
        if rules.owned:
            if not isinstance(self.owner, str) or not _OWNER.match(self.owner):
                raise _bad_account(f"{self.kind} accounts need an owner id of letters, digits, _ . -")
        elif self.owner is not None:
            raise _bad_account(f"{self.kind} accounts have no owner")
        if rules.purposes:
            if self.purpose not in rules.purposes:
                allowed = ", ".join(sorted(rules.purposes))
                raise _bad_account(f"{self.kind} accounts are one of: {allowed} (got {self.purpose!r})")
        elif self.purpose is not None:
            raise _bad_account(f"{self.kind} accounts have no purpose")

    def __str__(self) -> str:
        return ":".join(p for p in (self.kind, self.owner, self.purpose) if p is not None)

    @property
    def rules(self) -> AccountKind:
        return ACCOUNT_KINDS[self.kind]

    @classmethod
    def parse(cls, text: str) -> Account:
        if not isinstance(text, str) or len(text) > 256:
            raise _bad_account("an account id is a string such as shop:<shop_id>:available")
        parts = text.split(":")
        rules = ACCOUNT_KINDS.get(parts[0])
        if rules is None:
            raise _bad_account(f"unknown account kind in {text!r}")
        expected = 1 + int(rules.owned) + int(bool(rules.purposes))
        if len(parts) != expected:
            raise _bad_account(f"{text!r} does not follow the {rules.name} account scheme")
        owner = parts[1] if rules.owned else None
        purpose = parts[-1] if rules.purposes else None
        return cls(rules.name, owner, purpose)

    # Constructors for the scheme (return the typed identity; use str() for the id).
    @classmethod
    def shop(cls, shop_id: str, purpose: str) -> Account:
        return cls("shop", shop_id, purpose)

    @classmethod
    def village(cls, village_id: str, purpose: str) -> Account:
        return cls("village", village_id, purpose)

    @classmethod
    def county(cls, county_id: str, purpose: str) -> Account:
        return cls("county", county_id, purpose)

    @classmethod
    def producer(cls, producer_id: str, purpose: str = "payable") -> Account:
        return cls("producer", producer_id, purpose)

    @classmethod
    def points(cls, user_id: str) -> Account:
        return cls("points", user_id)

    @classmethod
    def platform(cls, purpose: str) -> Account:
        return cls("platform", None, purpose)

    @classmethod
    def external(cls, purpose: str) -> Account:
        return cls("external", None, purpose)


def account_rules(account: str) -> AccountKind:
    return Account.parse(account).rules


def check_currency(currency: str, account: str | None = None) -> str:
    if not isinstance(currency, str) or (currency != POINTS and currency not in ISO_4217):
        raise _invalid("currency", f"{currency!r} is neither an ISO 4217 currency code nor {POINTS}")
    if account is not None:
        units = account_rules(account).units
        if units == "points" and currency != POINTS:
            raise _invalid("currency", f"{account} holds points ({POINTS}), not {currency}")
        if units == "money" and currency == POINTS:
            raise _invalid("currency", f"{account} holds money, not points")
    return currency


# --- time -------------------------------------------------------------------------------------------------


def canonical_time(value: str, name: str = "at") -> str:
    """UTC ISO-8601 with milliseconds (`2026-01-31T09:30:00.000Z`): one fixed-width form, so text order is time
    order. Accepts any ISO-8601 time with a timezone."""
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        raise _invalid(name, "a UTC ISO-8601 time is required")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise _invalid(name, f"{value!r} is not an ISO-8601 time") from None
    if parsed.tzinfo is None:
        raise _invalid(name, "the time must carry a timezone (e.g. a trailing Z)")
    return parsed.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- postings ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One leg of a posting: `amount` (non-zero int, minor units) flows into `account` (negative: out of it)."""

    account: str
    amount: int
    currency: str

    def __post_init__(self) -> None:
        account = str(self.account) if isinstance(self.account, Account) else self.account
        object.__setattr__(self, "account", str(Account.parse(account)))
        if type(self.amount) is not int:  # bool and float are refused: money is an int of minor units
            raise _invalid("amount", f"amounts are ints of minor units, not {type(self.amount).__name__}")
        if self.amount == 0 or abs(self.amount) > MAX_AMOUNT:
            raise _invalid("amount", f"an entry moves a non-zero amount of at most {MAX_AMOUNT} minor units")
        check_currency(self.currency, self.account)

    @property
    def key(self) -> tuple[str, str]:
        return (self.account, self.currency)


@dataclass(frozen=True)
class Posting:
    """One movement: entries that sum to zero per currency, applied all together or not at all.

    `posting_id` is the idempotency key: derive it from the business event (`order-completed:<order_id>`), so
    that running the same step twice posts once. `kind` is the reason (`order.completed`, `points.redeemed`).
    `at` is the caller's clock (`container().clock()`), normalised to UTC milliseconds. `refs` name the
    business objects (`{"order_id": ..., "return_id": ...}`). `no_overdraft` lists accounts of this posting
    that it may not take below zero although their kind allows it (a payout from a seller's balance).
    """

    posting_id: str
    kind: str
    at: str
    entries: tuple[Entry, ...]
    refs: Mapping[str, str] = field(default_factory=dict)
    memo: str = ""
    no_overdraft: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not isinstance(self.posting_id, str) or not _POSTING_ID.match(self.posting_id):
            raise _invalid("posting_id", "1-200 characters: letters, digits and _ . : @ / + = -")
        if not isinstance(self.kind, str) or not _KIND.match(self.kind):
            raise _invalid("kind", "a lowercase reason such as order.completed (letters, digits, _ . -)")
        object.__setattr__(self, "at", canonical_time(self.at))
        entries = tuple(self.entries)
        if not all(isinstance(e, Entry) for e in entries):
            raise _invalid("entries", "entries are ledger Entry values")
        if not 2 <= len(entries) <= MAX_ENTRIES:
            raise _invalid("entries", f"a posting has 2 to {MAX_ENTRIES} entries")
        keys = [e.key for e in entries]
        if len(set(keys)) != len(keys):
            raise _invalid("entries", "an account appears at most once per currency in a posting")
        totals: dict[str, int] = {}
        for e in entries:
            totals[e.currency] = totals.get(e.currency, 0) + e.amount
        unbalanced = {c: t for c, t in totals.items() if t != 0}
        if unbalanced:
            raise _invalid("entries", f"entries must sum to zero per currency; they leave {unbalanced}")
        object.__setattr__(self, "entries", entries)
        refs = dict(self.refs or {})
        if len(refs) > MAX_REFS or not all(
            isinstance(k, str) and _REF_NAME.match(k) and isinstance(v, str) and 0 < len(v) <= 200
            for k, v in refs.items()
        ):
            raise _invalid("refs", f"at most {MAX_REFS} references: snake_case names to strings of 1-200 characters")
        object.__setattr__(self, "refs", refs)
        if not isinstance(self.memo, str) or len(self.memo) > MAX_MEMO:
            raise _invalid("memo", f"a memo is text of at most {MAX_MEMO} characters")
        guarded = frozenset(str(Account.parse(str(a))) for a in self.no_overdraft)
        accounts = {e.account for e in entries}
        if not guarded <= accounts:
            raise _invalid("no_overdraft", "no_overdraft names accounts of this posting")
        if any(not account_rules(a).running_balance for a in guarded):
            raise _invalid("no_overdraft", "only accounts with a running balance can refuse an overdraft")
        object.__setattr__(self, "no_overdraft", guarded)

    def fingerprint(self) -> str:
        """What makes two postings with the same id the same posting: kind, entries, refs, no_overdraft.
        `at` and `memo` are left out: a retry runs later on the caller's clock."""
        content = {
            "kind": self.kind,
            "entries": sorted([e.account, e.currency, e.amount] for e in self.entries),
            "refs": dict(sorted(self.refs.items())),
            "no_overdraft": sorted(self.no_overdraft),
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()

    def guards(self, account: str) -> bool:
        """True when a debit of this posting may not take `account` below zero."""
        return account in self.no_overdraft or account_rules(account).non_negative


def ledger_actions(posting: Posting) -> int:
    """DynamoDB actions a posting takes in its transaction: the posting record + 2 per entry."""
    return 1 + 2 * len(posting.entries)


def check_transaction_size(posting: Posting, alongside: int) -> None:
    total = ledger_actions(posting) + alongside
    if total > MAX_TRANSACTION_ACTIONS:
        raise _invalid(
            "alongside",
            f"the posting ({ledger_actions(posting)} actions) and {alongside} writes exceed "
            f"{MAX_TRANSACTION_ACTIONS} actions in one transaction",
        )


# --- booking ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunningState:
    """The running-balance item of one (account, currency): what the next entry builds on."""

    balance: int = 0
    seq: int = 0  # entries booked so far
    booked_at: str = ""  # when the last one was booked


@dataclass(frozen=True)
class BookedEntry:
    """An entry as its account keeps it. `seq` and `balance_after` exist on running-balance accounts only."""

    account: str
    currency: str
    amount: int
    posting_id: str
    kind: str
    at: str  # the posting's time
    booked_at: str  # its place in the account's history: `at`, or the previous entry's time if the clock went back
    seq: int | None = None
    balance_after: int | None = None
    refs: Mapping[str, str] = field(default_factory=dict)
    memo: str = ""
    counterparts: tuple[str, ...] = ()  # the other accounts of the posting

    @property
    def sort_key(self) -> str:
        """Order within the account: booking time, then sequence (running) or posting id (system accounts)."""
        tail = f"{self.seq:012d}" if self.seq is not None else self.posting_id
        return f"{self.booked_at}#{tail}"

    @property
    def balance_before(self) -> int | None:
        return None if self.balance_after is None else self.balance_after - self.amount


@dataclass(frozen=True)
class Posted:
    """What `Ledger.post` answers: the posting, its entries as booked, and whether this call was a replay."""

    posting: Posting
    entries: tuple[BookedEntry, ...]
    replayed: bool = False

    def balance_after(self, account: str | Account, currency: str) -> int | None:
        account = str(account)
        return next((e.balance_after for e in self.entries if (e.account, e.currency) == (account, currency)), None)


def book(
    posting: Posting, states: Mapping[tuple[str, str], RunningState]
) -> tuple[tuple[BookedEntry, ...], dict[tuple[str, str], RunningState]]:
    """Books a posting on the current running states: its entries and the new states of running accounts.

    Raises InsufficientFunds when a debit would take a guarded account below zero. Entries of one account are
    booked in sequence and never before the previous one (`booked_at` = max(at, last booked)), so an account's
    entries in time order are its entries in sequence order and running balances chain in both.
    """
    booked, new_states = [], {}
    for entry in posting.entries:
        counterparts = tuple(e.account for e in posting.entries if e is not entry)
        common: dict[str, Any] = {
            "account": entry.account,
            "currency": entry.currency,
            "amount": entry.amount,
            "posting_id": posting.posting_id,
            "kind": posting.kind,
            "at": posting.at,
            "refs": dict(posting.refs),
            "memo": posting.memo,
            "counterparts": counterparts,
        }
        if not account_rules(entry.account).running_balance:
            booked.append(BookedEntry(**common, booked_at=posting.at))
            continue
        state = states.get(entry.key, RunningState())
        after = state.balance + entry.amount
        if entry.amount < 0 and after < 0 and posting.guards(entry.account):
            raise InsufficientFunds(entry.account, entry.currency, state.balance, entry.amount)
        booked_at = max(posting.at, state.booked_at)
        booked.append(BookedEntry(**common, booked_at=booked_at, seq=state.seq + 1, balance_after=after))
        new_states[entry.key] = RunningState(after, state.seq + 1, booked_at)
    return tuple(booked), new_states


# --- helpers for the common movements ----------------------------------------------------------------------


def _id(account: str | Account) -> str:
    return str(account)


def transfer(
    posting_id: str,
    kind: str,
    at: str,
    *,
    source: str | Account,
    destination: str | Account,
    amount: int,
    currency: str,
    refs: Mapping[str, str] | None = None,
    memo: str = "",
    no_overdraft: Iterable[str | Account] = (),
) -> Posting:
    """`amount` moves from `source` to `destination` (two entries)."""
    return split(
        posting_id,
        kind,
        at,
        source=source,
        shares={_id(destination): amount},
        currency=currency,
        refs=refs,
        memo=memo,
        no_overdraft=no_overdraft,
    )


def split(
    posting_id: str,
    kind: str,
    at: str,
    *,
    source: str | Account,
    shares: Mapping[str | Account, int],
    currency: str,
    refs: Mapping[str, str] | None = None,
    memo: str = "",
    no_overdraft: Iterable[str | Account] = (),
) -> Posting:
    """`source` pays the sum of `shares`, each share into its account. Zero shares are left out, a negative
    share flows the other way (into `source`)."""
    entries = [Entry(_id(account), amount, currency) for account, amount in shares.items() if amount != 0]
    total = sum(e.amount for e in entries)
    if total == 0:
        raise _invalid("entries", "the shares move nothing")
    entries.insert(0, Entry(_id(source), -total, currency))
    return Posting(
        posting_id,
        kind,
        at,
        tuple(entries),
        refs=dict(refs or {}),
        memo=memo,
        no_overdraft=frozenset(_id(a) for a in no_overdraft),
    )


def reversal(
    original: Posting | Posted,
    posting_id: str,
    at: str,
    *,
    kind: str | None = None,
    refs: Mapping[str, str] | None = None,
    memo: str = "",
) -> Posting:
    """A posting that undoes `original` entirely (every entry negated); refs gain `reverses: <original id>`.
    Reverse partially (one returned line of several) with a new posting of the amounts concerned instead."""
    posting = original.posting if isinstance(original, Posted) else original
    return Posting(
        posting_id,
        kind or f"{posting.kind}.reversed"[:64],
        at,
        tuple(Entry(e.account, -e.amount, e.currency) for e in posting.entries),
        refs={**posting.refs, **(refs or {}), "reverses": posting.posting_id},
        memo=memo,
    )


def basis_points(amount: int, bp: int) -> int:
    """`amount` x `bp` / 10,000 in integers, rounded half away from zero (2,5 fen -> 3 fen; -2,5 -> -3).

    1 bp = 0.01 %: a 5 % commission is 500 bp. Compute the shares that are percentages with this, and give the
    remainder to the party that gets "the rest" (the seller), so the entries sum to the gross exactly."""
    if type(amount) is not int or type(bp) is not int:
        raise _invalid("amount", "amounts and basis points are ints")
    if not 0 <= bp <= 10_000:
        raise _invalid("percent_bp", "basis points are between 0 and 10000 (100 %)")
    magnitude = (abs(amount) * bp + 5_000) // 10_000
    return magnitude if amount >= 0 else -magnitude


# --- statements ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    account: str
    currency: str
    amount: int
    entry_count: int | None = None  # entries booked on it (running-balance accounts; None on system accounts)
    last_booked_at: str | None = None


@dataclass(frozen=True)
class Summary:
    """Opening balance, movements and closing balance of a run of entries."""

    opening: int
    credits: int  # sum of the positive amounts (value in)
    debits: int  # sum of the negative amounts (value out), <= 0
    closing: int
    count: int

    @property
    def change(self) -> int:
        return self.closing - self.opening


def summarize(entries: Sequence[BookedEntry], opening: int | None = None) -> Summary:
    """Opening, movements and closing of consecutive entries of one account (in any order; sorted here).

    Without `opening`, it comes from the first entry's running balance (balance_after - amount). Running
    balances are checked to chain (each = the previous + its amount): LedgerIntegrityError when they do not.
    """
    ordered = sorted(entries, key=lambda e: e.sort_key)
    if len({(e.account, e.currency) for e in ordered}) > 1:
        raise ValueError("summarize takes the entries of one account and currency")
    if opening is None:
        if not ordered or ordered[0].balance_after is None:
            raise ValueError("the opening balance is needed (no running balance to derive it from)")
        opening = ordered[0].balance_after - ordered[0].amount
    running = opening
    credits = debits = 0
    for e in ordered:
        running += e.amount
        if e.amount > 0:
            credits += e.amount
        else:
            debits += e.amount
        if e.balance_after is not None and e.balance_after != running:
            raise LedgerIntegrityError(
                f"{e.account} {e.currency}: entry {e.seq} of {e.posting_id} says {e.balance_after}, "
                f"the sum is {running}"
            )
    return Summary(opening, credits, debits, running, len(ordered))


@dataclass(frozen=True)
class Statement:
    """An account's period `[start_at, end_at)`: opening and closing balance of the whole period, and one page of
    its entries (oldest first). The amounts of all pages together sum to `closing - opening`."""

    account: str
    currency: str
    start_at: str
    end_at: str
    opening: int
    closing: int
    entries: tuple[BookedEntry, ...]
    last_key: dict[str, Any] | None  # the next page of entries (None: this was the last)

    @property
    def change(self) -> int:
        return self.closing - self.opening


def check_period(start_at: str | None, end_at: str | None) -> tuple[str | None, str | None]:
    start = canonical_time(start_at, "from") if start_at is not None else None
    end = canonical_time(end_at, "to") if end_at is not None else None
    if start is not None and end is not None and end < start:
        raise _invalid("to", "the period ends before it starts")
    return start, end


def check_limit(limit: int) -> int:
    if type(limit) is not int or not 1 <= limit <= MAX_PAGE:
        raise _invalid("limit", f"a page holds 1 to {MAX_PAGE} entries")
    return limit


def require_running_balance(account: str) -> None:
    if not account_rules(account).running_balance:
        raise ValidationFailed(
            f"{account} is a system account: it keeps no running balance, so it has no statement "
            "(read its balance, or page its entries)",
            code="no_statement",
            details=[{"field": "account", "message": "statements exist for accounts with a running balance"}],
        )


# --- serialisation (adapters store these) -------------------------------------------------------------------


def posting_to_dict(posting: Posting) -> dict[str, Any]:
    return {
        "posting_id": posting.posting_id,
        "kind": posting.kind,
        "at": posting.at,
        "entries": [[e.account, e.amount, e.currency] for e in posting.entries],
        "refs": dict(posting.refs),
        "memo": posting.memo,
        "no_overdraft": sorted(posting.no_overdraft),
    }


def posting_from_dict(data: Mapping[str, Any]) -> Posting:
    return Posting(
        data["posting_id"],
        data["kind"],
        data["at"],
        tuple(Entry(a, int(n), c) for a, n, c in data["entries"]),
        refs=dict(data.get("refs") or {}),
        memo=data.get("memo", ""),
        no_overdraft=frozenset(data.get("no_overdraft") or ()),
    )


def booked_to_dict(entry: BookedEntry) -> dict[str, Any]:
    return {
        "account": entry.account,
        "currency": entry.currency,
        "amount": entry.amount,
        "posting_id": entry.posting_id,
        "kind": entry.kind,
        "at": entry.at,
        "booked_at": entry.booked_at,
        "seq": entry.seq,
        "balance_after": entry.balance_after,
        "refs": dict(entry.refs),
        "memo": entry.memo,
        "counterparts": list(entry.counterparts),
    }


def booked_from_dict(data: Mapping[str, Any]) -> BookedEntry:
    return BookedEntry(
        account=data["account"],
        currency=data["currency"],
        amount=int(data["amount"]),
        posting_id=data["posting_id"],
        kind=data["kind"],
        at=data["at"],
        booked_at=data["booked_at"],
        seq=None if data.get("seq") is None else int(data["seq"]),
        balance_after=None if data.get("balance_after") is None else int(data["balance_after"]),
        refs=dict(data.get("refs") or {}),
        memo=data.get("memo", ""),
        counterparts=tuple(data.get("counterparts") or ()),
    )


def posted_to_dict(posted: Posted) -> dict[str, Any]:
    return {"posting": posting_to_dict(posted.posting), "entries": [booked_to_dict(e) for e in posted.entries]}


def posted_from_dict(data: Mapping[str, Any], *, replayed: bool = False) -> Posted:
    return Posted(
        posting_from_dict(data["posting"]), tuple(booked_from_dict(e) for e in data["entries"]), replayed=replayed
    )


def replay_of(stored: Posted, fingerprint: str, posting: Posting) -> Posted:
    """The answer to posting `posting` again: the stored result, or a Conflict when the id was used for another."""
    if fingerprint != posting.fingerprint():
        raise Conflict(
            f"posting id {posting.posting_id!r} was already used for a different posting",
            code="posting_id_reused",
            details=[{"field": "posting_id", "message": "derive posting ids from the business event they record"}],
        )
    return Posted(stored.posting, stored.entries, replayed=True)


def _bad_account(message: str) -> ValidationFailed:
    return _invalid("account", message, "invalid_account")


def _invalid(field_name: str, message: str, code: str = "invalid_posting") -> ValidationFailed:
    return ValidationFailed(message, code=code, details=[{"field": field_name, "message": message}])
