"""Product media on S3, served to browsers through the stage's CloudFront distribution (stable URLs)."""

from __future__ import annotations

from urllib.parse import quote

from botocore.exceptions import BotoCoreError, ClientError

from ..domain.errors import ServiceUnavailable

# Media keys are content-addressed (services/media.py): the bytes under a key never change.
from ..domain.images import IMMUTABLE_CACHE_CONTROL as IMMUTABLE


class S3MediaStore:
    def __init__(self, client, bucket: str, base_url: str) -> None:
        self._s3 = client
        self._bucket = bucket
        self._base_url = base_url.rstrip("/")

    def presigned_upload(
        self, key: str, content_type: str, max_size: int, expires_in: int, redirect: str | None = None
    ) -> dict:
        """A presigned POST for one object. `content_type` "image/*" accepts any image type (a browser form
        cannot name the file's type: the completion sniffs it); `redirect`: S3 sends the browser there (303)
        after the upload, for forms posted without JavaScript."""
        fields = {"Content-Type": "image/jpeg" if content_type == "image/*" else content_type}
        conditions: list = [{"bucket": self._bucket}, ["eq", "$key", key], ["content-length-range", 1, max_size]]
        if content_type == "image/*":
            conditions.append(["starts-with", "$Content-Type", "image/"])
        else:
            conditions.append({"Content-Type": content_type})
        if redirect:
            fields["success_action_redirect"] = redirect
            conditions.append({"success_action_redirect": redirect})
        return self._s3.generate_presigned_post(
            Bucket=self._bucket, Key=key, Fields=fields, Conditions=conditions, ExpiresIn=expires_in
        )

    def head(self, key: str) -> dict | None:
        try:
            head = self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise self._translate(exc) from exc
        except BotoCoreError as exc:
            raise self._unreachable() from exc
        return {"size": head["ContentLength"], "content_type": head.get("ContentType", "")}

    def read(self, key: str, max_bytes: int) -> bytes:
        try:
            body = self._s3.get_object(Bucket=self._bucket, Key=key, Range=f"bytes=0-{max_bytes - 1}")["Body"]
            return body.read(max_bytes)
        except ClientError as exc:
            raise self._translate(exc) from exc
        except BotoCoreError as exc:  # connection lost, timed out, or the body stream broke
            raise self._unreachable() from exc

    def write(self, key: str, body: bytes, content_type: str, cache_control: str = IMMUTABLE) -> None:
        try:
            self._s3.put_object(
                Bucket=self._bucket, Key=key, Body=body, ContentType=content_type, CacheControl=cache_control
            )
        except ClientError as exc:
            raise self._translate(exc) from exc
        except BotoCoreError as exc:
            raise self._unreachable() from exc

    def delete(self, key: str) -> None:
        try:
            self._s3.delete_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            raise self._translate(exc) from exc
        except BotoCoreError as exc:
            raise self._unreachable() from exc

    def url(self, key: str) -> str:
        """A stable URL (no signature, no expiry): the same key always gives the same URL, so browsers and
        the CDN cache it. Computed locally: no AWS call."""
        return f"{self._base_url}/{quote(key, safe='/')}"

    def download_url(self, key: str, expires_in: int) -> str:
        """A presigned GET (computed locally: no AWS call) for private files outside the CDN's prefix."""
        return self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=expires_in
        )

    @staticmethod
    def _unreachable() -> ServiceUnavailable:
        return ServiceUnavailable("media storage is busy, please retry", retry_after=1)

    @staticmethod
    def _translate(exc: ClientError) -> Exception:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "503", "500"}:
            return ServiceUnavailable("media storage is busy, please retry", retry_after=1)
        return exc
