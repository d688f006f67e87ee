"""Business buyers (issue 14): apply with a company and its Unified Social Credit Code, upload documents,
operators verify or reject, and give a verified business net terms (a credit line on the ledger)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..domain.errors import NotFound, Unprocessable, ValidationFailed
from ..domain.identity import Actor, Role, require_role
from ..domain.ledger import Balance
from ..domain.trade import (
    MAX_DOCUMENTS,
    Business,
    business_id_of,
    clean_text,
    credit_account,
    credit_line_posting,
    receivable_account,
    reserved_account,
    validate_uscc,
)
from .ports import Ledger, MediaStore, Page, Position, TradeRepository

# What a business may upload: its licence and papers, and files for its RFQs (drawings, specifications).
UPLOAD_TYPES = {"application/pdf": b"%PDF-", "image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def upload_key(business_id: str, media_id: str) -> str:
    """Private: not under the public media prefix (`shops/`) that the CDN serves."""
    return f"businesses/{business_id}/uploads/{media_id}"


def request_upload(
    trade: TradeRepository,
    store: MediaStore,
    actor: Actor,
    content_type: str,
    size: int,
    name: str,
    *,
    media_id: str,
    now: str,
    expires_in: int,
) -> dict[str, Any]:
    """A presigned POST for a business document or an RFQ attachment (PDF, JPEG, PNG, at most 10 MB)."""
    require_role(actor, Role.BUYER)
    if content_type not in UPLOAD_TYPES:
        raise ValidationFailed(
            "unsupported content type",
            details=[{"field": "content_type", "message": f"must be one of {', '.join(UPLOAD_TYPES)}"}],
        )
    if not 1 <= size <= MAX_UPLOAD_BYTES:
        raise ValidationFailed(
            "file too large", details=[{"field": "size", "message": f"must be 1 to {MAX_UPLOAD_BYTES} bytes"}]
        )
    business_id = business_id_of(actor.user_id)
    key = upload_key(business_id, media_id)
    trade.add_upload(
        business_id,
        {"media_id": media_id, "key": key, "content_type": content_type, "size": size, "name": name, "at": now},
    )
    return {
        "media_id": media_id,
        "upload": store.presigned_upload(key, content_type, size, expires_in),
        "expires_in": expires_in,
    }


def verified_uploads(
    store: MediaStore, uploads: dict[str, dict[str, Any]], media_ids: list[str], field: str
) -> tuple[dict[str, Any], ...]:
    """The announced uploads `media_ids`, each checked in storage: it arrived, within its declared size, and its
    first bytes are what its type says (a PDF starts with %PDF-)."""
    out = []
    for i, media_id in enumerate(dict.fromkeys(media_ids)):
        upload = uploads.get(media_id)
        where = f"{field}[{i}]"
        if upload is None:
            raise ValidationFailed(
                "unknown upload", details=[{"field": where, "message": f"{media_id} was not announced by this account"}]
            )
        head = store.head(upload["key"])
        if head is None:
            raise Unprocessable(
                f"{media_id} has not been uploaded yet",
                code="upload_missing",
                details=[{"field": where, "message": "send the file to the upload URL first"}],
            )
        magic = UPLOAD_TYPES[upload["content_type"]]
        if head["size"] > upload["size"] or not store.read(upload["key"], len(magic)).startswith(magic):
            raise Unprocessable(
                f"{media_id} is not the {upload['content_type']} file that was announced",
                code="upload_mismatch",
                details=[{"field": where, "message": "not the announced type or size"}],
            )
        out.append({k: upload[k] for k in ("media_id", "key", "content_type", "size", "name")})
    return tuple(out)


def _application(data: dict[str, Any]) -> dict[str, Any]:
    """The application's fields, cleaned; the tax id checked with its check character."""
    return {
        "company_name": clean_text(data["company_name"], "company_name", 120),
        "tax_id": validate_uscc(data["tax_id"]),
        "address": {k: v.strip() if isinstance(v, str) else v for k, v in data["address"].items()},
        "contact": {k: v.strip() if isinstance(v, str) else v for k, v in data["contact"].items() if v is not None},
    }


def apply(
    trade: TradeRepository, store: MediaStore, actor: Actor, data: dict[str, Any], *, now: str
) -> tuple[Business, bool]:
    """Creates the caller's application (pending), or replaces a pending or rejected one. Returns (business,
    created). A verified business cannot re-apply (409)."""
    require_role(actor, Role.BUYER)
    fields = _application(data)
    media_ids = list(data.get("documents") or [])
    if len(media_ids) > MAX_DOCUMENTS:
        raise ValidationFailed(
            "too many documents", details=[{"field": "documents", "message": f"at most {MAX_DOCUMENTS}"}]
        )
    business_id = business_id_of(actor.user_id)
    existing, uploads = trade.business_and_uploads(business_id, media_ids)
    documents = verified_uploads(store, uploads, media_ids, "documents")
    if existing is not None:
        return trade.save_business(existing.reapply(fields, documents, now), existing.version), False
    business = Business(
        business_id=business_id,
        owner_id=actor.user_id,
        documents=documents,
        status="pending",
        created_at=now,
        updated_at=now,
        **fields,
    )
    return trade.save_business(business, None), True


def my_business(trade: TradeRepository, ledger: Ledger, actor: Actor) -> tuple[Business, dict[str, Balance] | None]:
    """The caller's business and, when it has net terms, its credit: available, reserved by orders not yet
    invoiced, and owed on invoices (ledger balances, one BatchGetItem)."""
    require_role(actor, Role.BUYER)
    business = trade.get_business(business_id_of(actor.user_id))
    if business is None:
        raise NotFound("this account has not applied as a business", code="business_not_found")
    return business, credit_of(ledger, business)


def credit_of(ledger: Ledger, business: Business) -> dict[str, Balance] | None:
    if business.terms is None:
        return None
    currency = business.terms.currency
    accounts = {
        "available": credit_account(business.business_id),
        "reserved": reserved_account(business.business_id),
        "receivable": receivable_account(business.business_id),
    }
    balances = ledger.balances([(account, currency) for account in accounts.values()])
    return {name: balances[(str(account), currency)] for name, account in accounts.items()}


# --- operators ----------------------------------------------------------------------------------------------


def queue(trade: TradeRepository, actor: Actor, status: str, limit: int, start: Position | None) -> Page[Business]:
    require_role(actor, Role.OPERATOR)
    return trade.businesses_by_status(status, limit, start)


def operator_view(trade: TradeRepository, actor: Actor, business_id: str) -> Business:
    require_role(actor, Role.OPERATOR)
    return _load(trade, business_id)


def _load(trade: TradeRepository, business_id: str) -> Business:
    business = trade.get_business(business_id)
    if business is None:
        raise NotFound("business not found", code="business_not_found")
    return business


def review(
    trade: TradeRepository, actor: Actor, business_id: str, decision: str, reason: str | None, *, now: str
) -> Business:
    """verify | reject (a reason is required to reject; rejecting a verified business revokes it)."""
    require_role(actor, Role.OPERATOR)
    business = _load(trade, business_id)
    if decision == "verify":
        changed = business.verify(now)
    else:
        if not reason or not reason.strip():
            raise ValidationFailed("a reason is required", details=[{"field": "reason", "message": "say why"}])
        changed = business.reject(reason.strip(), now)
    return trade.save_business(changed, business.version)


def set_terms(
    trade: TradeRepository,
    ledger: Ledger,
    actor: Actor,
    business_id: str,
    terms_days: int,
    credit_limit: int,
    currency: str,
    *,
    now: str,
) -> Business:
    """Gives (or changes) a verified business's net terms: the business and the change of its credit line on
    the ledger in one transaction (lowering the limit below what is in use leaves the available credit
    negative: no new order on terms until invoices are paid)."""
    require_role(actor, Role.OPERATOR)
    business = _load(trade, business_id)
    previous = business.terms.credit_limit if business.terms else 0
    updated = business.with_terms(terms_days, credit_limit, currency, now)
    write = trade.business_write(updated, business.version)
    posting = credit_line_posting(updated, previous, now)
    if posting is None:
        trade.commit([write])
    else:
        ledger.post(posting, alongside=[write])
    return replace(updated, version=business.version + 1)
