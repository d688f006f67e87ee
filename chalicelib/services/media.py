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
    MEDIUM_SIZE,
    PIL_FORMATS,
    THUMBNAIL_SIZE,
    check_dimensions,
    check_upload,
    content_key,
    sniff_type,
)
from .catalog import owned_product, owned_shop_and_product
from .ports import CatalogRepository, MediaStore, PendingMedia

log = logging.getLogger(__name__)


def _prefix(shop_id: str, product_id: str) -> str:
    return f"shops/{shop_id}/products/{product_id}"


def _key(shop_id: str, product_id: str, media_id: str) -> str:
    """Where the seller's browser uploads (presigned POST); the verified picture moves to content keys."""
    return f"{_prefix(shop_id, product_id)}/{media_id}"


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
    require_role(actor, Role.SELLER, Role.PARTNER)
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


BROWSER_UPLOAD = "image/*"  # a form posted straight to S3 cannot name its file's type: completion sniffs it


def request_browser_upload(
    repo: CatalogRepository,
    store: MediaStore,
    actor: Actor,
    shop_id: str,
    product_id: str,
    *,
    media_id: str,
    now: str,
    expires_in: int,
    redirect: str,
) -> dict[str, Any]:
    """The same upload for a browser without JavaScript (the village console's producer page, as the evidence
    upload): any image type up to the size limit; S3 sends the browser back to `redirect` when the file is stored,
    and `complete_upload` sniffs its type."""
    require_role(actor, Role.SELLER, Role.PARTNER)
    product = owned_product(repo, actor, shop_id, product_id)
    if product.status == "archived":
        raise Conflict("an archived product cannot get new pictures", code="product_archived")
    if len(product.media) >= MAX_MEDIA_PER_PRODUCT:
        raise Conflict(f"a product has at most {MAX_MEDIA_PER_PRODUCT} pictures", code="too_many_media")
    key = _key(shop_id, product_id, media_id)
    repo.add_pending_media(PendingMedia(media_id, shop_id, product_id, key, BROWSER_UPLOAD, MAX_UPLOAD_BYTES, now))
    upload = store.presigned_upload(key, BROWSER_UPLOAD, MAX_UPLOAD_BYTES, expires_in, redirect)
    return {"media_id": media_id, "upload": upload, "expires_in": expires_in}


# JPEG decodes at 1/2, 1/4 or 1/8 scale (Pillow's draft) to no less than this many times the largest rendition:
# a 40-megapixel photo never exists in memory at full size. 2 = Pillow's own reducing gap for thumbnails.
DECODE_MARGIN = 2
_REDUCIBLE = ("L", "LA", "RGB", "RGBA")


def _fitted(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """`size` scaled down (never up) to fit in `box`, keeping its proportions."""
    width, height = size
    scale = min(box[0] / width, box[1] / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _render(data: bytes, content_type: str) -> tuple[int, int, list[tuple[bytes, str, int]]]:
    """(width, height, renditions): the 400 px JPEG thumbnail and the 800 px WebP, as (bytes, type, width).

    Memory stays near the size of the renditions, not of the picture: a JPEG is decoded straight at a reduced
    scale (draft), anything else is reduced by an integer factor right after decoding, before any conversion
    or copy; the thumbnail is made from the 800 px rendition. (`make bench` measures the peak of a 40 MP JPEG.)"""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[PIL_FORMATS[content_type]]) as img:
                width, height = img.size
                check_dimensions(width, height)
                wanted = _fitted((width, height), MEDIUM_SIZE)
                decode_at = (wanted[0] * DECODE_MARGIN, wanted[1] * DECODE_MARGIN)
                if img.format == "JPEG":
                    img.draft(None, decode_at)
                img.load()
                factor = min(img.width // decode_at[0], img.height // decode_at[1])
                picture = img.reduce(factor) if factor >= 2 and img.mode in _REDUCIBLE else img.copy()
        picture = _flattened(picture)
        picture.thumbnail(MEDIUM_SIZE)
        renditions = []
        for size, fmt, kind, options in (
            (MEDIUM_SIZE, "WEBP", "image/webp", {"quality": 80, "method": 4}),
            (THUMBNAIL_SIZE, "JPEG", "image/jpeg", {"quality": 85, "optimize": True}),
        ):
            picture.thumbnail(size)
            out = io.BytesIO()
            picture.save(out, format=fmt, **options)
            renditions.append((out.getvalue(), kind, picture.width))
        return width, height, renditions[::-1]
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


def _flattened(picture: Any) -> Any:
    """RGB on white: transparency (RGBA, LA, a palette with a transparent colour) is composed onto white."""
    from PIL import Image

    if picture.mode in ("P", "LA"):
        picture = picture.convert("RGBA")
    if picture.mode == "RGBA":
        background = Image.new("RGB", picture.size, (255, 255, 255))
        background.paste(picture, mask=picture.getchannel("A"))
        return background
    return picture if picture.mode == "RGB" else picture.convert("RGB")


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
    require_role(actor, Role.SELLER, Role.PARTNER)
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
        content_type = pending.content_type
        if content_type == BROWSER_UPLOAD:
            content_type = sniff_type(data[:16]) or content_type
        check_upload(content_type, pending.size, stored["size"], data[:16])
        width, height, ((thumbnail, thumb_type, thumb_width), (medium, medium_type, medium_width)) = _render(
            data, content_type
        )
    except (Unprocessable, Conflict):
        # A rejected upload is never kept: the object and its pending record go.
        store.delete(pending.key)
        repo.delete_pending_media(media_id)
        raise
    prefix = _prefix(shop_id, product_id)
    medium_key = content_key(prefix, medium, medium_type)
    ref = MediaRef(
        media_id=media_id,
        key=content_key(prefix, data, content_type),
        thumbnail_key=content_key(prefix, thumbnail, thumb_type),
        content_type=content_type,
        width=width,
        height=height,
        medium_key=medium_key,
        medium_width=medium_width,
        thumbnail_width=thumb_width,
    )
    # Each object is written under the hash of its bytes with a year-long immutable Cache-Control, so the
    # CDN and browsers keep it; writing it again (a retried completion) writes the same bytes.
    store.write(ref.key, data, content_type)
    store.write(ref.thumbnail_key, thumbnail, thumb_type)
    store.write(medium_key, medium, medium_type)
    repo.save_product(replace(product, media=(*product.media, ref), updated_at=now), product.version, shop.status)
    repo.delete_pending_media(media_id)
    try:
        store.delete(pending.key)  # the upload itself; the picture now lives under its content key
    except DomainError:
        log.warning("uploaded object left behind after completion", extra={"media_id": media_id})
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
    require_role(actor, Role.SELLER, Role.PARTNER)
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
    # Content keys are shared by identical pictures: keep the objects another picture of the product uses.
    still_used = {k for m in remaining for k in (m.key, m.thumbnail_key, m.medium_key)}
    for key in (ref.key, ref.thumbnail_key, ref.medium_key):
        if not key or key in still_used:
            continue
        try:
            store.delete(key)
        except DomainError:
            log.warning("media object left behind after detach", extra={"media_id": media_id})
