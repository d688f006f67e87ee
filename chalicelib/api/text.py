"""Text that is not valid Unicode never gets in, and never breaks a response on its way out.

JSON can spell a lone UTF-16 surrogate (`"\\ud800"`), and Python decodes it into a `str` that has no UTF-8
encoding: stored, it would make every response that shows it fail while being encoded. So such text is refused
at the edge - anywhere in a JSON body, keys included (api/http.json_body), and in path and query parameters
(api/routing) - and every response body is made encodable before it leaves (api/middleware: anything stored
before this rule shows U+FFFD where the broken character was).
"""

from __future__ import annotations

import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"
INVALID_TEXT = "is not valid Unicode text (it contains a lone surrogate)"


def is_valid_text(text: str) -> bool:
    return text.isascii() or _SURROGATE.search(text) is None


def encodable(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD: always encodable as UTF-8."""
    return text if is_valid_text(text) else _SURROGATE.sub(REPLACEMENT, text)


def invalid_text_fields(value: Any, root: str = "") -> list[str]:
    """The dotted path (as validation errors name fields: `attributes.maker`, `lines.0`) of every string in
    `value` - a decoded JSON document - that is not valid Unicode, object keys included, in document order.
    Iterative: a document nested as deep as the JSON parser allows is walked without recursion."""
    found: list[str] = []
    stack: list[tuple[str, Any, bool]] = [(root, value, False)]  # (path, value, its key is broken)
    while stack:
        path, item, broken_key = stack.pop()
        if broken_key:
            found.append(path)
        if isinstance(item, str):
            if not is_valid_text(item):
                found.append(path or "body")
        elif isinstance(item, dict):
            children = [
                (f"{path}.{encodable(key)}" if path else encodable(key), child, not is_valid_text(key))
                for key, child in item.items()
            ]
            stack.extend(reversed(children))
        elif isinstance(item, list):
            stack.extend(reversed([(f"{path}.{i}" if path else str(i), child, False) for i, child in enumerate(item)]))
    return found
