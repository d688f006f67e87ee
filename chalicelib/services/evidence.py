"""Pictures a buyer (or a seller) attaches to a dispute or a review: the presigned upload of product pictures
(services/media.py), scoped to the uploader. Announce -> upload to S3 -> complete (verified, re-encoded, stored
under a content key). Only the uploader can attach them; disputes show them to the parties and operators."""

from __future__ import annotations

from typing import Any

from ..domain.errors import NotFound, Unprocessable, ValidationFailed
from ..domain.identity import Actor
from ..domain.images import ALLOWED_TYPES, MAX_UPLOAD_BYTES, check_upload, content_key, sniff_type
from .media import _render
from .ports import MediaStore, TrustRepository


def _prefix(user_id: str) -> str:
    return f"evidence/{user_id}"


def request_upload(
    trust: TrustRepository,
    store: MediaStore,
    actor: Actor,
    content_type: str,
    size: int,
    *,
    media_id: str,
    now: str,
    expires_in: int,
) -> dict[str, Any]:
    if content_type not in ALLOWED_TYPES:
        raise ValidationFailed(
            "unsupported content type",
            details=[{"field": "content_type", "message": f"must be one of {', '.join(ALLOWED_TYPES)}"}],
        )
    if not 1 <= size <= MAX_UPLOAD_BYTES:
        raise ValidationFailed("file too large", details=[{"field": "size", "message": f"1 to {MAX_UPLOAD_BYTES}"}])
    key = f"{_prefix(actor.user_id)}/uploads/{media_id}"
    trust.save_evidence(
        {"media_id": media_id, "owner": actor.user_id, "upload_key": key, "content_type": content_type, "size": size,
         "status": "pending", "created_at": now}
    )  # fmt: skip
    return {
        "media_id": media_id,
        "upload": store.presigned_upload(key, content_type, size, expires_in),
        "expires_in": expires_in,
    }


BROWSER_UPLOAD = "image/*"  # a form posted straight to S3 cannot name its file's type: completion sniffs it


def request_browser_upload(
    trust: TrustRepository, store: MediaStore, actor: Actor, *, media_id: str, now: str, expires_in: int, redirect: str
) -> dict[str, Any]:
    """The same upload for a browser without JavaScript (web/trust.py): any image type up to the size limit,
    and S3 sends the browser back to `redirect` when the file is stored."""
    key = f"{_prefix(actor.user_id)}/uploads/{media_id}"
    trust.save_evidence(
        {"media_id": media_id, "owner": actor.user_id, "upload_key": key, "content_type": BROWSER_UPLOAD,
         "size": MAX_UPLOAD_BYTES, "status": "pending", "created_at": now}
    )  # fmt: skip
    upload = store.presigned_upload(key, BROWSER_UPLOAD, MAX_UPLOAD_BYTES, expires_in, redirect)
    return {"media_id": media_id, "upload": upload, "expires_in": expires_in}


def complete_upload(
    trust: TrustRepository, store: MediaStore, actor: Actor, media_id: str, *, now: str
) -> dict[str, Any]:
    record = trust.get_evidence([media_id]).get(media_id)
    if record is None or record["owner"] != actor.user_id:
        raise NotFound("upload not found", code="media_not_found")
    if record["status"] == "ready":
        return record
    stored = store.head(record["upload_key"])
    if stored is None:
        raise Unprocessable("nothing was uploaded for this media yet", code="media_not_uploaded")
    try:
        size = stored["size"]
        data = store.read(record["upload_key"], MAX_UPLOAD_BYTES + 1) if 1 <= size <= MAX_UPLOAD_BYTES else b""
        declared = record["content_type"]
        if declared == BROWSER_UPLOAD:
            declared = sniff_type(data[:16]) or declared
        check_upload(declared, record["size"], size, data[:16])
        _, _, ((thumbnail, thumb_type, _), (medium, medium_type, _)) = _render(data, declared)
    except Unprocessable:
        store.delete(record["upload_key"])
        raise
    prefix = _prefix(actor.user_id)
    key, thumb_key = content_key(prefix, medium, medium_type), content_key(prefix, thumbnail, thumb_type)
    store.write(key, medium, medium_type)
    store.write(thumb_key, thumbnail, thumb_type)
    store.delete(record["upload_key"])
    ready = {**record, "status": "ready", "key": key, "thumbnail_key": thumb_key, "completed_at": now}
    trust.save_evidence(ready)
    return ready
