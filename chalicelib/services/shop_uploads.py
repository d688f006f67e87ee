"""Files a seller uploads for the shop itself (issue 15): a maker's photo, a geographic-indication document.

The same two steps as a product picture (services/media.py): announce it (a presigned POST), then complete it,
when the server checks what arrived (size, type by its first bytes; a photo is decoded and gets its thumbnail
and 800 px WebP) and stores it under content-addressed keys. A maker or a claim then names it by its id.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import replace
from typing import Any

from ..domain.errors import Conflict, DomainError, NotFound, Unprocessable, ValidationFailed
from ..domain.identity import Actor, Role, require_role
from ..domain.images import MAX_UPLOAD_BYTES, check_upload, content_key
from ..domain.provenance import EXTENSIONS, UPLOAD_PURPOSES, UPLOAD_TYPES, ShopUpload, sniff_document
from .media import _render
from .ports import CatalogRepository, MediaStore, ProvenanceRepository
from .shops import owned_shop

log = logging.getLogger(__name__)

_FOLDERS = {"maker_photo": "makers", "gi_document": "documents"}


def request_upload(
    catalog: CatalogRepository,
    provenance: ProvenanceRepository,
    store: MediaStore,
    actor: Actor,
    shop_id: str,
    purpose: str,
    content_type: str,
    size: int,
    *,
    upload_id: str,
    now: str,
    expires_in: int,
) -> dict[str, Any]:
    shop = owned_shop(catalog, actor, shop_id)
    if purpose not in UPLOAD_PURPOSES:
        raise ValidationFailed(
            "unknown purpose", details=[{"field": "purpose", "message": f"one of {', '.join(UPLOAD_PURPOSES)}"}]
        )
    if content_type not in UPLOAD_TYPES[purpose]:
        raise ValidationFailed(
            "unsupported content type",
            details=[{"field": "content_type", "message": f"must be one of {', '.join(UPLOAD_TYPES[purpose])}"}],
        )
    if not 1 <= size <= MAX_UPLOAD_BYTES:
        raise ValidationFailed(
            "file too large", details=[{"field": "size", "message": f"must be 1 to {MAX_UPLOAD_BYTES} bytes"}]
        )
    key = f"shops/{shop.shop_id}/uploads/{upload_id}"
    provenance.add_upload(
        ShopUpload(upload_id, shop.shop_id, shop.owner_id, purpose, key, content_type, size, created_at=now)
    )
    upload = store.presigned_upload(key, content_type, size, expires_in)
    return {"upload_id": upload_id, "upload": upload, "expires_in": expires_in}


def owned_upload(
    catalog: CatalogRepository, provenance: ProvenanceRepository, actor: Actor, shop_id: str, upload_id: str
) -> ShopUpload:
    """The upload, if `actor` owns its shop: one read when the upload names them; else the shop's 403/404."""
    require_role(actor, Role.SELLER)
    upload = provenance.get_upload(upload_id)
    if upload is not None and upload.shop_id == shop_id and upload.owner_id == actor.user_id:
        return upload
    owned_shop(catalog, actor, shop_id)
    raise NotFound("upload not found", code="upload_not_found")


def complete_upload(
    catalog: CatalogRepository,
    provenance: ProvenanceRepository,
    store: MediaStore,
    actor: Actor,
    shop_id: str,
    upload_id: str,
    *,
    now: str,
) -> ShopUpload:
    upload = owned_upload(catalog, provenance, actor, shop_id, upload_id)
    if upload.status == "ready":
        return upload  # completing twice is harmless
    stored = store.head(upload.key)
    if stored is None:
        raise Unprocessable("nothing was uploaded for this file yet", code="media_not_uploaded")
    prefix = f"shops/{shop_id}/{_FOLDERS[upload.purpose]}"
    try:
        size = stored["size"]
        data = store.read(upload.key, MAX_UPLOAD_BYTES + 1) if 1 <= size <= MAX_UPLOAD_BYTES else b""
        if upload.content_type == "application/pdf":
            if not 1 <= size <= min(upload.size, MAX_UPLOAD_BYTES):
                raise Unprocessable(
                    f"the uploaded file is {size} bytes; {upload.size} were announced", code="media_size_mismatch"
                )
            if sniff_document(data[:16]) != "application/pdf":
                raise Unprocessable("the uploaded file is not a PDF document", code="media_type_mismatch")
            file: dict[str, Any] = {"key": content_key_of(prefix, data, upload.content_type)}
            writes = [(file["key"], data, upload.content_type)]
        else:
            check_upload(upload.content_type, upload.size, size, data[:16])
            width, height, ((thumb, thumb_type, thumb_width), (medium, medium_type, medium_width)) = _render(
                data, upload.content_type
            )
            file = {
                "key": content_key(prefix, data, upload.content_type),
                "thumbnail_key": content_key(prefix, thumb, thumb_type),
                "medium_key": content_key(prefix, medium, medium_type),
                "width": width,
                "height": height,
                "thumbnail_width": thumb_width,
                "medium_width": medium_width,
            }
            writes = [
                (file["key"], data, upload.content_type),
                (file["thumbnail_key"], thumb, thumb_type),
                (file["medium_key"], medium, medium_type),
            ]
    except Unprocessable:
        store.delete(upload.key)  # a rejected file is never kept
        raise
    for key, body, kind in writes:
        store.write(key, body, kind)
    ready = replace(upload, status="ready", file={**file, "content_type": upload.content_type})
    with contextlib.suppress(Conflict):  # completed meanwhile by another request: the same bytes, the same keys
        provenance.save_upload(ready)
    try:
        store.delete(upload.key)
    except DomainError:
        log.warning("uploaded file left behind after completion", extra={"upload_id": upload_id})
    return ready


def content_key_of(prefix: str, body: bytes, content_type: str) -> str:
    import hashlib

    return f"{prefix}/{hashlib.sha256(body).hexdigest()}.{EXTENSIONS[content_type]}"


def ready_upload(
    provenance: ProvenanceRepository, shop_id: str, upload_id: str, purpose: str, field: str
) -> ShopUpload:
    """A completed upload of `shop_id` for `purpose`, named in a request's `field` (400 otherwise)."""
    upload = provenance.get_upload(upload_id)
    if upload is None or upload.shop_id != shop_id or upload.purpose != purpose or upload.status != "ready":
        raise ValidationFailed(
            f"{field} is not valid",
            details=[{"field": field, "message": f"must be a completed {purpose} upload of this shop"}],
        )
    return upload
