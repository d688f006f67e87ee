"""Product pictures end to end, in process: presigned POST -> moto S3 -> complete -> product and storefront.

moto enforces none of the presigned-POST conditions, so two things are tested separately: the policy we sign
(decoded from the form fields) and the server-side verification on complete, which is the real gate.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import struct
import zlib
from urllib.parse import parse_qs, unquote, urlparse

import pytest
import requests
from botocore.exceptions import ClientError

from tests.support import png_bytes, product_body

MB = 1024 * 1024


# --- helpers ----------------------------------------------------------------------------------------


def jpeg_bytes(width: int = 64, height: int = 48) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def webp_bytes(width: int = 32, height: int = 32) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (width, height), (10, 120, 200, 128)).save(out, format="WEBP")
    return out.getvalue()


def noisy_png(width: int, height: int) -> bytes:
    """A PNG whose image data does not compress away, so cutting it loses pixels."""
    import random

    from PIL import Image

    rnd = random.Random(7)
    img = Image.frombytes("RGB", (width, height), bytes(rnd.getrandbits(8) for _ in range(width * height * 3)))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_claiming(width: int, height: int) -> bytes:
    """A well-formed PNG header (valid CRCs) claiming huge dimensions, followed by one tiny IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


class Seller:
    """One seller with an active shop and a product, and shortcuts for the media routes."""

    def __init__(self, api, factory, stack, storefront: str = "handicrafts") -> None:
        self.api, self.stack = api, stack
        self.token = factory.user("seller")
        self.shop = factory.shop(self.token, storefront)
        self.product = factory.product(self.token, self.shop)
        self.base = f"/v1/shops/{self.shop['shop_id']}/products/{self.product['product_id']}"

    def request(self, content_type: str = "image/png", size: int | None = None, body: bytes | None = None, **kw):
        size = size if size is not None else len(body or png_bytes())
        return self.api.post(
            f"{self.base}/media", {"content_type": content_type, "size": size}, token=kw.pop("token", self.token)
        )

    def upload(self, announced: dict, body: bytes) -> None:
        """Posts the file through the presigned form, as a browser would (moto intercepts `requests`)."""
        form = announced["upload"]
        reply = requests.post(form["url"], data=form["fields"], files={"file": ("picture", body)}, timeout=10)
        assert reply.status_code in (200, 201, 204), reply.text

    def complete(self, media_id: str, token: str | None = None):
        return self.api.post(f"{self.base}/media/{media_id}/complete", token=token or self.token)

    def add_picture(self, body: bytes | None = None, content_type: str = "image/png") -> dict:
        body = body if body is not None else png_bytes()
        announced = self.request(content_type, body=body)
        assert announced.status == 201, announced
        self.upload(announced.json, body)
        done = self.complete(announced.json["media_id"])
        assert done.status == 200, done
        return done.json

    def owner_view(self) -> dict:
        reply = self.api.get(self.base, token=self.token)
        assert reply.status == 200, reply
        return reply.json


def s3_exists(stack, key: str) -> bool:
    try:
        stack.media._s3.head_object(Bucket=stack.settings.media_bucket, Key=key)
        return True
    except ClientError as exc:
        assert exc.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound")
        return False


def s3_get(stack, key: str) -> dict:
    return stack.media._s3.get_object(Bucket=stack.settings.media_bucket, Key=key)


def key_of_url(stack, url: str) -> str:
    """The object key a media URL points at (virtual-host or path style)."""
    parsed = urlparse(url)
    path = unquote(parsed.path).lstrip("/")
    bucket = stack.settings.media_bucket
    if path.startswith(bucket + "/"):
        path = path[len(bucket) + 1 :]
    else:
        assert parsed.hostname.startswith(bucket + "."), url
    return path


def decode_policy(fields: dict) -> dict:
    return json.loads(base64.b64decode(fields["policy"]))


@pytest.fixture
def seller(api, factory, stack):
    return Seller(api, factory, stack)


def pending_key(seller: Seller, media_id: str) -> str:
    return f"shops/{seller.shop['shop_id']}/products/{seller.product['product_id']}/{media_id}"


# --- the happy path -----------------------------------------------------------------------------------


def test_full_flow_attaches_picture_thumbnail_and_mid_size_rendition_under_content_keys(api, seller, stack):
    picture = png_bytes(1200, 800)
    announced = seller.request("image/png", body=picture)
    assert announced.status == 201, announced
    body = announced.json
    assert set(body) == {"media_id", "upload", "expires_in"}
    assert set(body["upload"]) == {"url", "fields"}
    assert body["expires_in"] > 0
    media_id = body["media_id"]
    key = body["upload"]["fields"]["key"]
    assert key == pending_key(seller, media_id)

    seller.upload(body, picture)
    done = seller.complete(media_id)
    assert done.status == 200, done
    ref = done.json
    assert ref["media_id"] == media_id
    assert (ref["width"], ref["height"]) == (1200, 800)
    prefix = f"shops/{seller.shop['shop_id']}/products/{seller.product['product_id']}"
    original_key = key_of_url(stack, ref["url"])
    assert original_key == f"{prefix}/{hashlib.sha256(picture).hexdigest()}.png"  # content-addressed
    thumb_key = key_of_url(stack, ref["thumbnail_url"])
    medium_key = key_of_url(stack, ref["medium_url"])
    assert not s3_exists(stack, key)  # the upload moved to its content key

    # the original is untouched; the thumbnail is a JPEG no larger than 400 x 400, the mid-size a WebP of 800
    from PIL import Image

    original = s3_get(stack, original_key)
    assert original["Body"].read() == picture
    for stored_key, kind, fmt, size in (
        (thumb_key, "image/jpeg", "JPEG", (400, 267)),
        (medium_key, "image/webp", "WEBP", (800, 533)),
    ):
        obj = s3_get(stack, stored_key)
        assert obj["ContentType"] == kind
        assert obj["CacheControl"] == "public, max-age=31536000, immutable"
        data = obj["Body"].read()
        assert stored_key == f"{prefix}/{hashlib.sha256(data).hexdigest()}.{fmt.lower().replace('jpeg', 'jpg')}"
        with Image.open(io.BytesIO(data)) as img:
            assert (img.format, img.size) == (fmt, size)
    assert original["CacheControl"] == "public, max-age=31536000, immutable"
    assert (ref["thumbnail_width"], ref["medium_width"]) == (400, 800)

    # stable URLs: no signature, the same every time, and the bucket answers them unsigned (as CloudFront will)
    for url in (ref["url"], ref["thumbnail_url"], ref["medium_url"]):
        assert url.startswith(stack.settings.media_base_url + "/")
        assert not {"X-Amz-Signature", "Signature", "Expires"} & set(parse_qs(urlparse(url).query))
    fetched = requests.get(ref["medium_url"], timeout=10)
    assert fetched.status_code == 200 and fetched.content == s3_get(stack, medium_key)["Body"].read()

    # the pending record is gone once the picture is attached
    assert stack.catalog.get_pending_media(media_id) is None

    # owner view
    product = seller.owner_view()
    assert [m["media_id"] for m in product["media"]] == [media_id]
    assert product["media"][0]["url"] and product["media"][0]["thumbnail_url"]
    assert key_of_url(stack, product["media"][0]["url"]) == original_key
    assert (product["media"][0]["width"], product["media"][0]["height"]) == (1200, 800)

    # public product page
    page = api.get(f"/v1/storefronts/handicrafts/products/{seller.product['product_id']}")
    assert page.status == 200, page
    assert [m["media_id"] for m in page.json["media"]] == [media_id]
    assert page.json["media"][0] == ref  # the same stable URLs in every response
    assert urlparse(page.json["media"][0]["url"]).scheme in ("http", "https")

    # storefront card carries the thumbnail
    grid = api.get("/v1/storefronts/handicrafts/products")
    assert grid.status == 200, grid
    card = next(i for i in grid.json["items"] if i["product_id"] == seller.product["product_id"])
    assert card["thumbnail_url"] == ref["thumbnail_url"] and card["medium_url"] == ref["medium_url"]
    assert "thumbnail_key" not in card


def test_card_without_pictures_has_no_thumbnail(api, seller):
    grid = api.get("/v1/storefronts/handicrafts/products")
    card = next(i for i in grid.json["items"] if i["product_id"] == seller.product["product_id"])
    assert card["thumbnail_url"] is None


@pytest.mark.parametrize(
    ("content_type", "make"),
    [("image/jpeg", jpeg_bytes), ("image/webp", webp_bytes), ("image/png", lambda: png_bytes(30, 20))],
)
def test_each_allowed_type_is_accepted(seller, stack, content_type, make):
    picture = make()
    ref = seller.add_picture(picture, content_type)
    from PIL import Image

    with Image.open(io.BytesIO(picture)) as img:
        assert (ref["width"], ref["height"]) == img.size
    assert ref["content_type"] == content_type
    assert s3_get(stack, key_of_url(stack, ref["thumbnail_url"]))["Body"].read()[:3] == b"\xff\xd8\xff"


def test_presigned_post_policy_pins_key_type_size_and_expiry(seller, stack):
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    announced = seller.request("image/jpeg", size=12345)
    assert announced.status == 201, announced
    upload, expires_in = announced.json["upload"], announced.json["expires_in"]
    fields = upload["fields"]
    key = fields["key"]
    assert key.startswith(f"shops/{seller.shop['shop_id']}/")
    assert fields["Content-Type"] == "image/jpeg"
    assert stack.settings.media_bucket in upload["url"]

    policy = decode_policy(fields)
    conditions = policy["conditions"]
    assert ["eq", "$key", key] in conditions
    assert {"Content-Type": "image/jpeg"} in conditions
    assert ["content-length-range", 1, 12345] in conditions
    assert {"bucket": stack.settings.media_bucket} in conditions
    # no condition lets the client choose another key or type
    for cond in conditions:
        if isinstance(cond, list):
            assert cond[0] != "starts-with", cond
    expiration = dt.datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    after = dt.datetime.now(dt.UTC)
    assert before + dt.timedelta(seconds=expires_in) <= expiration + dt.timedelta(seconds=1)
    assert expiration <= after + dt.timedelta(seconds=expires_in + 1)
    assert expires_in <= 3600

    # the pending record matches what was signed
    pending = stack.catalog.get_pending_media(announced.json["media_id"])
    assert (pending.key, pending.content_type, pending.size) == (key, "image/jpeg", 12345)


def test_each_upload_gets_its_own_key(seller):
    a = seller.request("image/png", size=100).json
    b = seller.request("image/png", size=100).json
    assert a["media_id"] != b["media_id"]
    assert a["upload"]["fields"]["key"] != b["upload"]["fields"]["key"]


# --- request validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"content_type": "image/png", "size": 10 * MB + 1},
        {"content_type": "image/png", "size": 0},
        {"content_type": "image/png", "size": -5},
        {"content_type": "image/png", "size": "100"},
        {"content_type": "image/gif", "size": 100},
        {"content_type": "text/html", "size": 100},
        {"content_type": "image/png"},
        {"size": 100},
        {"content_type": "image/png", "size": 100, "key": "shops/other/evil"},
    ],
)
def test_bad_upload_requests_are_400(api, seller, stack, body):
    reply = api.post(f"{seller.base}/media", body, token=seller.token)
    assert reply.status == 400, reply
    assert reply.json["error"]["code"]
    assert "details" in reply.json["error"]


def test_exactly_10_mb_is_allowed(seller):
    reply = seller.request("image/png", size=10 * MB)
    assert reply.status == 201, reply
    assert ["content-length-range", 1, 10 * MB] in decode_policy(reply.json["upload"]["fields"])["conditions"]


def test_archived_product_gets_no_new_pictures(api, seller):
    assert api.delete(seller.base, token=seller.token).status == 204
    reply = seller.request("image/png", size=100)
    assert reply.status == 409, reply


# --- the gate on complete -------------------------------------------------------------------------------


def _announce(seller, content_type="image/png", size=None, body=None):
    reply = seller.request(content_type, size=size, body=body)
    assert reply.status == 201, reply
    return reply.json


def _assert_rejected(seller, stack, announced, code: str | None = None):
    media_id = announced["media_id"]
    key = announced["upload"]["fields"]["key"]
    reply = seller.complete(media_id)
    assert reply.status == 422, reply
    assert reply.json["error"]["code"]
    if code:
        assert reply.json["error"]["code"] == code
    assert not s3_exists(stack, key), "the rejected object must be removed"
    assert not s3_exists(stack, f"{key}-thumb.jpg")
    assert stack.catalog.get_pending_media(media_id) is None
    assert seller.owner_view()["media"] == []
    return reply


def test_complete_without_upload_is_422_and_can_be_retried(seller, stack):
    picture = png_bytes()
    announced = _announce(seller, body=picture)
    reply = seller.complete(announced["media_id"])
    assert reply.status == 422, reply
    assert reply.json["error"]["code"] == "media_not_uploaded"
    assert seller.owner_view()["media"] == []
    # nothing to remove yet; the announced upload stays usable
    seller.upload(announced, picture)
    assert seller.complete(announced["media_id"]).status == 200


@pytest.mark.parametrize(
    ("declared", "payload"),
    [
        ("image/png", jpeg_bytes),
        ("image/jpeg", png_bytes),
        ("image/webp", png_bytes),
        ("image/png", lambda: b"hello, this is plain text and not a picture at all"),
        ("image/png", lambda: b"<svg xmlns='http://www.w3.org/2000/svg'></svg>"),
    ],
)
def test_bytes_not_of_declared_type_are_rejected_and_removed(seller, stack, declared, payload):
    body = payload()
    announced = _announce(seller, declared, body=body)
    seller.upload(announced, body)
    _assert_rejected(seller, stack, announced, "media_type_mismatch")


def test_bigger_than_announced_is_rejected_and_removed(seller, stack):
    body = png_bytes(200, 200)
    announced = _announce(seller, "image/png", size=len(body) - 1)
    seller.upload(announced, body)
    _assert_rejected(seller, stack, announced, "media_size_mismatch")


def test_empty_file_is_rejected_and_removed(seller, stack):
    announced = _announce(seller, "image/png", size=100)
    seller.upload(announced, b"")
    _assert_rejected(seller, stack, announced)


def test_smaller_than_announced_but_valid_is_accepted(seller):
    body = png_bytes()
    announced = _announce(seller, "image/png", size=len(body) + 1000)
    seller.upload(announced, body)
    assert seller.complete(announced["media_id"]).status == 200


def test_truncated_png_is_rejected_and_removed(seller, stack):
    body = noisy_png(300, 300)
    truncated = body[: len(body) // 2]
    announced = _announce(seller, "image/png", body=truncated)
    seller.upload(announced, truncated)
    _assert_rejected(seller, stack, announced, "media_unreadable")


def test_corrupt_png_is_rejected_and_removed(seller, stack):
    body = bytearray(noisy_png(120, 90))
    # keep the signature and IHDR, scramble everything after them
    for i in range(33, len(body) - 12):
        body[i] ^= 0x5A
    announced = _announce(seller, "image/png", body=bytes(body))
    seller.upload(announced, bytes(body))
    _assert_rejected(seller, stack, announced, "media_unreadable")


def test_magic_bytes_only_is_rejected_and_removed(seller, stack):
    body = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    announced = _announce(seller, "image/png", body=body)
    seller.upload(announced, body)
    _assert_rejected(seller, stack, announced, "media_unreadable")


@pytest.mark.parametrize(("width", "height"), [(10_000, 10_000), (40_000, 1_001), (60_000, 60_000)])
def test_png_claiming_too_many_pixels_is_rejected_and_removed(seller, stack, width, height):
    body = png_claiming(width, height)
    announced = _announce(seller, "image/png", body=body)
    seller.upload(announced, body)
    _assert_rejected(seller, stack, announced, "media_too_large")


def test_real_image_over_pixel_limit_is_rejected_and_removed(seller, stack, monkeypatch):
    from chalicelib.domain import images

    monkeypatch.setattr(images, "MAX_PIXELS", 100 * 100 - 1)
    body = png_bytes(100, 100)
    announced = _announce(seller, "image/png", body=body)
    seller.upload(announced, body)
    _assert_rejected(seller, stack, announced, "media_too_large")
    # and exactly at the limit passes
    monkeypatch.setattr(images, "MAX_PIXELS", 100 * 100)
    assert seller.add_picture(body)["width"] == 100


def test_rejected_media_cannot_be_completed_again(seller, stack):
    body = b"not a picture"
    announced = _announce(seller, "image/png", body=body)
    seller.upload(announced, body)
    _assert_rejected(seller, stack, announced)
    again = seller.complete(announced["media_id"])
    assert again.status == 404, again


def test_unknown_media_id_is_404(seller):
    reply = seller.complete("med_doesnotexist")
    assert reply.status == 404, reply


def test_complete_twice_returns_same_result_without_duplicates(seller, stack):
    body = png_bytes(80, 60)
    announced = _announce(seller, body=body)
    seller.upload(announced, body)
    first = seller.complete(announced["media_id"])
    second = seller.complete(announced["media_id"])
    assert first.status == second.status == 200, (first, second)
    strip = lambda r: {k: v for k, v in r.items() if k not in ("url", "thumbnail_url")}  # noqa: E731
    assert strip(first.json) == strip(second.json)
    assert key_of_url(stack, first.json["url"]) == key_of_url(stack, second.json["url"])
    assert key_of_url(stack, first.json["thumbnail_url"]) == key_of_url(stack, second.json["thumbnail_url"])
    assert [m["media_id"] for m in seller.owner_view()["media"]] == [announced["media_id"]]


def test_pictures_keep_their_order(seller):
    ids = [seller.add_picture(png_bytes(10 + i, 10))["media_id"] for i in range(3)]
    assert [m["media_id"] for m in seller.owner_view()["media"]] == ids


# --- delete -------------------------------------------------------------------------------------------


def test_delete_media_detaches_and_removes_both_objects(api, seller, stack):
    first = seller.add_picture(png_bytes(50, 50))
    second = seller.add_picture(png_bytes(60, 60))
    key = key_of_url(stack, first["url"])
    thumb = key_of_url(stack, first["thumbnail_url"])
    assert s3_exists(stack, key) and s3_exists(stack, thumb)

    reply = api.delete(f"{seller.base}/media/{first['media_id']}", token=seller.token)
    assert reply.status == 204, reply
    assert not s3_exists(stack, key)
    assert not s3_exists(stack, thumb)
    assert [m["media_id"] for m in seller.owner_view()["media"]] == [second["media_id"]]
    # the other picture is untouched
    assert s3_exists(stack, key_of_url(stack, second["url"]))

    # the storefront card now shows the remaining picture's thumbnail
    grid = api.get("/v1/storefronts/handicrafts/products")
    card = next(i for i in grid.json["items"] if i["product_id"] == seller.product["product_id"])
    assert key_of_url(stack, card["thumbnail_url"]) == key_of_url(stack, second["thumbnail_url"])

    again = api.delete(f"{seller.base}/media/{first['media_id']}", token=seller.token)
    assert again.status == 404, again


def test_deleting_last_picture_clears_card_thumbnail(api, seller, stack):
    ref = seller.add_picture()
    assert api.delete(f"{seller.base}/media/{ref['media_id']}", token=seller.token).status == 204
    assert seller.owner_view()["media"] == []
    page = api.get(f"/v1/storefronts/handicrafts/products/{seller.product['product_id']}")
    assert page.json["media"] == []
    grid = api.get("/v1/storefronts/handicrafts/products")
    card = next(i for i in grid.json["items"] if i["product_id"] == seller.product["product_id"])
    assert card["thumbnail_url"] is None


def test_delete_pending_upload_removes_object_and_record(api, seller, stack):
    body = png_bytes()
    announced = _announce(seller, body=body)
    seller.upload(announced, body)
    key = announced["upload"]["fields"]["key"]
    reply = api.delete(f"{seller.base}/media/{announced['media_id']}", token=seller.token)
    assert reply.status == 204, reply
    assert not s3_exists(stack, key)
    assert stack.catalog.get_pending_media(announced["media_id"]) is None
    assert seller.complete(announced["media_id"]).status == 404


# --- limits ---------------------------------------------------------------------------------------------


def test_at_most_8_pictures_per_product(api, seller, stack):
    tiny = png_bytes(8, 8)
    for _ in range(8):
        seller.add_picture(tiny)
    assert len(seller.owner_view()["media"]) == 8
    reply = seller.request("image/png", body=tiny)
    assert reply.status == 409, reply
    assert reply.json["error"]["code"] == "too_many_media"

    # freeing a slot allows one more
    first = seller.owner_view()["media"][0]["media_id"]
    assert api.delete(f"{seller.base}/media/{first}", token=seller.token).status == 204
    seller.add_picture(tiny)
    assert len(seller.owner_view()["media"]) == 8


def test_ninth_completion_of_uploads_announced_early_is_409_and_the_upload_is_removed(seller, stack):
    tiny = png_bytes(8, 8)
    announced = [_announce(seller, body=tiny) for _ in range(9)]
    for a in announced:
        seller.upload(a, tiny)
    for a in announced[:8]:
        assert seller.complete(a["media_id"]).status == 200
    reply = seller.complete(announced[8]["media_id"])
    assert reply.status == 409, reply
    assert reply.json["error"]["code"] == "too_many_media"
    media = seller.owner_view()["media"]
    assert len(media) == 8 and announced[8]["media_id"] not in {m["media_id"] for m in media}
    assert not s3_exists(stack, announced[8]["upload"]["fields"]["key"])
    assert stack.catalog.get_pending_media(announced[8]["media_id"]) is None


# --- tenancy -------------------------------------------------------------------------------------------


def test_other_seller_cannot_request_complete_or_delete(api, factory, seller, stack):
    picture = png_bytes()
    attached = seller.add_picture(picture)
    pending = _announce(seller, body=picture)
    seller.upload(pending, picture)
    before = seller.owner_view()

    intruder = factory.user("seller")
    buyer = factory.user("buyer")
    for token, allowed in ((intruder, {403, 404}), (buyer, {403})):
        reply = seller.request("image/png", size=100, token=token)
        assert reply.status in allowed, reply
        reply = seller.complete(pending["media_id"], token=token)
        assert reply.status in allowed, reply
        reply = api.delete(f"{seller.base}/media/{attached['media_id']}", token=token)
        assert reply.status in allowed, reply
        reply = api.delete(f"{seller.base}/media/{pending['media_id']}", token=token)
        assert reply.status in allowed, reply
    assert api.post(f"{seller.base}/media", {"content_type": "image/png", "size": 100}).status == 401

    # nothing changed
    after = seller.owner_view()
    assert after["version"] == before["version"]
    assert [m["media_id"] for m in after["media"]] == [attached["media_id"]]
    assert s3_exists(stack, key_of_url(stack, attached["url"]))
    assert s3_exists(stack, pending["upload"]["fields"]["key"])
    assert stack.catalog.get_pending_media(pending["media_id"]) is not None
    # the owner can still finish the pending upload
    assert seller.complete(pending["media_id"]).status == 200


def test_pending_shop_of_another_seller_is_404(api, factory, stack):
    owner = factory.user("seller")
    shop = factory.shop(owner, "handicrafts", approve=False)
    product = factory.product(owner, shop)
    base = f"/v1/shops/{shop['shop_id']}/products/{product['product_id']}"
    intruder = factory.user("seller")
    assert api.post(f"{base}/media", {"content_type": "image/png", "size": 10}, token=intruder).status == 404
    assert api.post(f"{base}/media/med_x/complete", token=intruder).status == 404
    assert api.delete(f"{base}/media/med_x", token=intruder).status == 404


def test_media_of_another_product_cannot_be_completed_or_deleted_through_own_product(api, factory, seller, stack):
    """A seller who learns another shop's media_id cannot attach or delete it via their own product."""
    picture = png_bytes()
    victim_pending = _announce(seller, body=picture)
    seller.upload(victim_pending, picture)
    victim_attached = seller.add_picture(picture)

    intruder = Seller(seller.api, factory, stack)
    for media_id in (victim_pending["media_id"], victim_attached["media_id"]):
        assert intruder.complete(media_id).status == 404
        assert seller.api.delete(f"{intruder.base}/media/{media_id}", token=intruder.token).status == 404
    assert intruder.owner_view()["media"] == []
    assert s3_exists(stack, victim_pending["upload"]["fields"]["key"])
    assert stack.catalog.get_pending_media(victim_pending["media_id"]) is not None
    assert [m["media_id"] for m in seller.owner_view()["media"]] == [victim_attached["media_id"]]

    # and another product of the same seller cannot take it over either
    second = seller.api.post(
        f"/v1/shops/{seller.shop['shop_id']}/products",
        product_body("handicrafts", title="Copper teapot"),
        token=seller.token,
    )
    assert second.status == 201
    path = f"/v1/shops/{seller.shop['shop_id']}/products/{second.json['product_id']}/media"
    assert seller.api.post(f"{path}/{victim_pending['media_id']}/complete", token=seller.token).status == 404


def test_upload_completed_after_its_product_was_archived_is_409_and_removed(api, seller, stack):
    picture = png_bytes()
    pending = _announce(seller, body=picture)
    seller.upload(pending, picture)
    assert api.delete(seller.base, token=seller.token).status == 204

    reply = seller.complete(pending["media_id"])

    assert reply.status == 409, reply
    assert reply.json["error"]["code"] == "product_archived"
    assert not s3_exists(stack, pending["upload"]["fields"]["key"])
    assert stack.catalog.get_pending_media(pending["media_id"]) is None
