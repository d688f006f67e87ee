"""Product pictures: announce an upload, verify what arrived, attach it with a thumbnail, remove it."""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import replace
from typing import Any

from ..domain.catalog import MAX_MEDIA_PER_PRODUCT, MediaRef
from ..domain.errors import Conflict, DomainError, NotFound, Unprocessable, ValidationFailed
from ..domain.identity import Actor, Role, require_role
from ..domain.images import (
    ALLOWED_TYPES,
    MAX_UPLOAD_BYTES,
    PIL_FORMATS,
    THUMBNAIL_SIZE,
    check_dimensions,
    check_upload,
)
from .catalog import owned_product, owned_shop_and_product
from .ports import CatalogRepository, MediaStore, PendingMedia

log = logging.getLogger(__name__)


def _key(shop_id: str, product_id: str, media_id: str) -> str:
    return f"shops/{shop_id}/products/{product_id}/{media_id}"


def request_upload(
    repo: CatalogRepository,
    store: MediaStore,
    actor: Actor,
    shop_id: str,
    product_id: str,
    content_type: str,
    size: int,
    *,
    media_id: str,
    now: str,
    expires_in: int,
) -> dict[str, Any]:
    require_role(actor, Role.SELLER)
    product = owned_product(repo, actor, shop_id, product_id)
    if product.status == "archived":
        raise Conflict("an archived product cannot get new pictures", code="product_archived")
    if content_type not in ALLOWED_TYPES:
        raise ValidationFailed(
            "unsupported content type",
            details=[{"field": "content_type", "message": f"must be one of {', '.join(ALLOWED_TYPES)}"}],
        )
    if not 1 <= size <= MAX_UPLOAD_BYTES:
        raise ValidationFailed(
            "file too large", details=[{"field": "size", "message": f"must be 1 to {MAX_UPLOAD_BYTES} bytes"}]
        )
    if len(product.media) >= MAX_MEDIA_PER_PRODUCT:
        raise Conflict(f"a product has at most {MAX_MEDIA_PER_PRODUCT} pictures", code="too_many_media")
    key = _key(shop_id, product_id, media_id)
    repo.add_pending_media(PendingMedia(media_id, shop_id, product_id, key, content_type, size, now))
    upload = store.presigned_upload(key, content_type, size, expires_in)
    return {"media_id": media_id, "upload": upload, "expires_in": expires_in}


def _render_thumbnail(data: bytes, content_type: str) -> tuple[int, int, bytes]:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[PIL_FORMATS[content_type]]) as img:
                width, height = img.size
                check_dimensions(width, height)
                img.load()
                thumb = img.convert("RGBA") if img.mode in ("P", "LA") else img.copy()
        if thumb.mode in ("RGBA", "LA"):
            background = Image.new("RGB", thumb.size, (255, 255, 255))
            background.paste(thumb, mask=thumb.getchannel("A"))
            thumb = background
        elif thumb.mode != "RGB":
            thumb = thumb.convert("RGB")
        thumb.thumbnail(THUMBNAIL_SIZE)
        out = io.BytesIO()
        thumb.save(out, format="JPEG", quality=85, optimize=True)
        return width, height, out.getvalue()
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow refuses huge images in Image.open, before check_dimensions sees them: same reason.
        raise Unprocessable("the image has too many pixels", code="media_too_large") from exc
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise Unprocessable("the uploaded file is not a readable image", code="media_unreadable") from exc


def complete_upload(
    repo: CatalogRepository,
    store: MediaStore,
    actor: Actor,
    shop_id: str,
    product_id: str,
    media_id: str,
    *,
    now: str,
) -> MediaRef:
    require_role(actor, Role.SELLER)
    shop, product = owned_shop_and_product(repo, actor, shop_id, product_id)
    existing = next((m for m in product.media if m.media_id == media_id), None)
    if existing:
        return existing  # completing twice is harmless
    pending = repo.get_pending_media(media_id)
    if pending is None or pending.product_id != product_id or pending.shop_id != shop_id:
        raise NotFound("upload not found", code="media_not_found")
    stored = store.head(pending.key)
    if stored is None:
        raise Unprocessable("nothing was uploaded for this media yet", code="media_not_uploaded")
    try:
        if product.status == "archived":
            raise Conflict("an archived product cannot get new pictures", code="product_archived")
        if len(product.media) >= MAX_MEDIA_PER_PRODUCT:
            raise Conflict(f"a product has at most {MAX_MEDIA_PER_PRODUCT} pictures", code="too_many_media")
        data = store.read(pending.key, MAX_UPLOAD_BYTES + 1) if 1 <= stored["size"] <= MAX_UPLOAD_BYTES else b""
        check_upload(pending.content_type, pending.size, stored["size"], data[:16])
        width, height, thumbnail = _render_thumbnail(data, pending.content_type)
    except (Unprocessable, Conflict):
        # A rejected upload is never kept: the object and its pending record go.
        store.delete(pending.key)
        repo.delete_pending_media(media_id)
        raise
    ref = MediaRef(
        media_id=media_id,
        key=pending.key,
        thumbnail_key=f"{pending.key}-thumb.jpg",
        content_type=pending.content_type,
        width=width,
        height=height,
    )
    store.write(ref.thumbnail_key, thumbnail, "image/jpeg")
    repo.save_product(replace(product, media=(*product.media, ref), updated_at=now), product.version, shop.status)
    repo.delete_pending_media(media_id)
    return ref


def remove_media(
    repo: CatalogRepository,
    store: MediaStore,
    actor: Actor,
    shop_id: str,
    product_id: str,
    media_id: str,
    *,
    now: str,
) -> None:
    require_role(actor, Role.SELLER)
    shop, product = owned_shop_and_product(repo, actor, shop_id, product_id)
    ref = next((m for m in product.media if m.media_id == media_id), None)
    if ref is None:
        pending = repo.get_pending_media(media_id)
        if pending is None or pending.product_id != product_id or pending.shop_id != shop_id:
            raise NotFound("media not found", code="media_not_found")
        store.delete(pending.key)
        repo.delete_pending_media(media_id)
        return
    remaining = tuple(m for m in product.media if m.media_id != media_id)
    repo.save_product(replace(product, media=remaining, updated_at=now), product.version, shop.status)
    for key in (ref.key, ref.thumbnail_key):
        try:
            store.delete(key)
        except DomainError:
            log.warning("media object left behind after detach", extra={"media_id": media_id})
