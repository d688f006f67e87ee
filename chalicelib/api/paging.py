"""Paging once: a list's request (limit + where to start) from its signed cursor, and its answer back.

A cursor is bound to its scope: the operation, its path parameters, its filters and its caller
(`cursor_scope`), so it only continues the listing that produced it. The JSON API gets a PageRequest from its
route declaration (`call.page`); the web pages build theirs with `page_request` and the same scope, so a
cursor works on the page and on the API alike.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..services.ports import Page
from . import cursors


def cursor_scope(operation_id: str, *, path: Mapping[str, str], params: Mapping[str, Any], caller: str | None) -> str:
    """What a cursor is bound to: the listing's operation, path, filters (not limit/cursor) and caller."""
    bound = {"path": dict(path), "query": dict(params), "caller": caller}
    return f"{operation_id}:{json.dumps(bound, sort_keys=True, separators=(',', ':'), ensure_ascii=True)}"


@dataclass(frozen=True)
class PageRequest:
    limit: int
    start: dict | None  # the service's opaque position, None for the first page
    scope: str
    secret: str

    @classmethod
    def open(cls, scope: str, cursor: str | None, limit: int, secret: str) -> PageRequest:
        """Decodes `cursor` for `scope` (400 invalid_cursor when it was made for anything else)."""
        return cls(limit, cursors.decode(secret, scope, cursor), scope, secret)

    def next_cursor(self, page: Page) -> str | None:
        return cursors.encode(self.secret, self.scope, page.last_key)

    def respond(self, page: Page, present: Callable[[Any], Any] | None = None) -> dict:
        """`{"items", "next_cursor"}`: every list of the API answers in this shape."""
        items = [present(item) for item in page.items] if present else list(page.items)
        return {"items": items, "next_cursor": self.next_cursor(page)}


def page_request(scope: str, cursor: str | None, limit: int) -> PageRequest:
    from ..bootstrap import container

    return PageRequest.open(scope, cursor, limit, container().settings.cursor_secret)
