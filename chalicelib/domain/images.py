"""What an uploaded product picture must be. Pure checks; decoding is done by the media service."""

from __future__ import annotations

from .errors import Unprocessable

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
THUMBNAIL_SIZE = (400, 400)  # JPEG: storefront cards and the gallery's thumbnails
MEDIUM_SIZE = (800, 800)  # WebP: the product page's main picture (srcset picks it over the original)
ALLOWED_TYPES = ("image/jpeg", "image/png", "image/webp")
PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
# Content-addressed keys never change what they hold, so caches may keep them for a year.
IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable"


def content_key(prefix: str, body: bytes, content_type: str) -> str:
    """An immutable, content-addressed key: the SHA-256 of the bytes. The same key never holds other bytes,
    so what is stored under it may be cached forever (Cache-Control: immutable)."""
    import hashlib

    return f"{prefix}/{hashlib.sha256(body).hexdigest()}.{EXTENSIONS[content_type]}"


def sniff_type(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_upload(declared_type: str, declared_size: int, stored_size: int, head: bytes) -> None:
    if stored_size < 1 or stored_size > min(declared_size, MAX_UPLOAD_BYTES):
        raise Unprocessable(
            f"the uploaded file is {stored_size} bytes; {declared_size} were announced", code="media_size_mismatch"
        )
    actual = sniff_type(head)
    if actual != declared_type:
        raise Unprocessable(f"the uploaded file is not a {declared_type} image", code="media_type_mismatch")


def check_dimensions(width: int, height: int) -> None:
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        raise Unprocessable(f"images may have at most {MAX_PIXELS} pixels", code="media_too_large")
