"""Domain errors. Each carries a stable machine-readable code; api/errors.py maps the class to a status."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class ValidationFailed(DomainError):
    code = "validation_error"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class Forbidden(DomainError):
    code = "forbidden"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class PreconditionFailed(DomainError):
    code = "precondition_failed"


class Unprocessable(DomainError):
    code = "unprocessable"


class ServiceUnavailable(DomainError):
    """A dependency is throttling or down; the client may retry."""

    code = "service_unavailable"

    def __init__(self, message: str, *, retry_after: int = 1, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class TooManyAttempts(DomainError):
    """Too many wrong tries (a pickup code): locked for `retry_after` seconds (429 + Retry-After)."""

    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
