"""What an uploaded picture must be (domain/images.py): pure checks, no S3."""

from __future__ import annotations

import pytest

from chalicelib.domain import images
from chalicelib.domain.errors import Unprocessable
from chalicelib.domain.images import MAX_UPLOAD_BYTES, check_dimensions, check_upload, sniff_type

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 "


@pytest.mark.parametrize(("head", "kind"), [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp")])
def test_sniff_known_types(head, kind):
    assert sniff_type(head) == kind


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"GIF89a\x01\x00\x01\x00",
        b"<svg xmlns='http://www.w3.org/2000/svg'>",
        b"%PDF-1.7",
        b"\x89PNG\r\n",  # cut short
        b"\xff\xd8",  # cut short
        b"RIFF\x24\x00\x00\x00WAVEfmt ",  # RIFF but not WEBP
        b"RIFF",
        b"hello world, not an image",
        b"\x00" * 16,
    ],
)
def test_sniff_rejects_others(head):
    assert sniff_type(head) is None


def test_check_upload_accepts_matching_file():
    check_upload("image/png", 1000, 1000, PNG)
    check_upload("image/jpeg", 1000, 10, JPEG)  # smaller than announced is fine
    check_upload("image/webp", MAX_UPLOAD_BYTES, MAX_UPLOAD_BYTES, WEBP)


@pytest.mark.parametrize(
    ("declared", "head"),
    [("image/png", JPEG), ("image/jpeg", PNG), ("image/webp", PNG), ("image/png", b"text"), ("image/png", b"")],
)
def test_check_upload_rejects_type_mismatch(declared, head):
    with pytest.raises(Unprocessable) as exc:
        check_upload(declared, 100, 50, head)
    assert exc.value.code == "media_type_mismatch"


@pytest.mark.parametrize(
    ("declared_size", "stored_size"),
    [(100, 101), (100, 0), (100, -1), (MAX_UPLOAD_BYTES + 10, MAX_UPLOAD_BYTES + 1)],
)
def test_check_upload_rejects_size(declared_size, stored_size):
    with pytest.raises(Unprocessable) as exc:
        check_upload("image/png", declared_size, stored_size, PNG)
    assert exc.value.code == "media_size_mismatch"


def test_size_is_checked_before_type():
    with pytest.raises(Unprocessable) as exc:
        check_upload("image/png", 10, 11, b"junk")
    assert exc.value.code == "media_size_mismatch"


def test_dimensions():
    check_dimensions(1, 1)
    check_dimensions(8000, 5000)  # exactly MAX_PIXELS
    for w, h in ((0, 10), (10, 0), (8001, 5000), (40_000_001, 1)):
        with pytest.raises(Unprocessable) as exc:
            check_dimensions(w, h)
        assert exc.value.code == "media_too_large"


def test_dimension_limit_follows_max_pixels(monkeypatch):
    monkeypatch.setattr(images, "MAX_PIXELS", 100)
    check_dimensions(10, 10)
    with pytest.raises(Unprocessable):
        check_dimensions(10, 11)


def test_constants_match_the_spec():
    assert images.MAX_UPLOAD_BYTES == 10 * 1024 * 1024
    assert set(images.ALLOWED_TYPES) == {"image/jpeg", "image/png", "image/webp"}
    assert max(images.THUMBNAIL_SIZE) <= 400
