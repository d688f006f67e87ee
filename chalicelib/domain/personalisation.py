"""Personalised handicrafts: the fields a product asks for, and the values a buyer gives them.

A product's `personalisation` (a handicrafts attribute) lists at most MAX_FIELDS fields:
`{"key", "label", "type": "text"|"choice", "required", "max_length"? (text), "choices"? (choice)}`. A cart line
is a product plus the buyer's values for those fields, so two personalisations of one product are two lines
(`line_key`). The values are checked against the definition the buyer was shown (the cart line's offer) and
travel unchanged to the order line.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from typing import Any

from .errors import ValidationFailed

MAX_FIELDS = 5
MAX_CHOICES = 20
DEFAULT_MAX_LENGTH = 100
MAX_TEXT_LENGTH = 500
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
_FIELD_KEYS = {"key", "label", "type", "required", "max_length", "choices"}


def _printable(text: str) -> bool:
    return not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text)


def _field_problems(i: int, item: Any, seen: set[str]) -> tuple[list[dict[str, str]], dict[str, Any] | None]:
    where = f"attributes.personalisation[{i}]"
    problems: list[dict[str, str]] = []

    def add(name: str, message: str) -> None:
        problems.append({"field": f"{where}.{name}" if name else where, "message": message})

    if not isinstance(item, dict):
        add("", "must be an object with key, label, type and required")
        return problems, None
    for name in sorted(set(item) - _FIELD_KEYS):
        add(name, "is not a known field")
    key, label, kind, required = item.get("key"), item.get("label"), item.get("type"), item.get("required")
    if not isinstance(key, str) or not _KEY.match(key):
        add("key", "must be 1-30 lowercase letters, digits or _, starting with a letter")
    elif key in seen:
        add("key", "must be unique")
    if not isinstance(label, str) or not label.strip() or len(label) > 60 or not _printable(label):
        add("label", "must be a non-empty string of at most 60 characters")
    if kind not in ("text", "choice"):
        add("type", "must be text or choice")
    if not isinstance(required, bool):
        add("required", "must be true or false")
    out: dict[str, Any] = {"key": key, "label": label.strip() if isinstance(label, str) else label, "type": kind}
    out["required"] = required
    max_length, choices = item.get("max_length"), item.get("choices")
    if kind == "text":
        if choices is not None:
            add("choices", "only applies to choice fields")
        if max_length is None:
            max_length = DEFAULT_MAX_LENGTH
        if isinstance(max_length, bool) or not isinstance(max_length, int) or not 1 <= max_length <= MAX_TEXT_LENGTH:
            add("max_length", f"must be an integer from 1 to {MAX_TEXT_LENGTH}")
        out["max_length"] = max_length
    elif kind == "choice":
        if max_length is not None:
            add("max_length", "only applies to text fields")
        if (
            not isinstance(choices, list)
            or not 1 <= len(choices) <= MAX_CHOICES
            or not all(isinstance(c, str) and c.strip() and len(c) <= 60 and _printable(c) for c in choices)
            or len({c.strip() for c in choices}) != len(choices)
        ):
            add("choices", f"must be 1 to {MAX_CHOICES} distinct non-empty strings of at most 60 characters")
        else:
            out["choices"] = [c.strip() for c in choices]
    if isinstance(key, str):
        seen.add(key)
    return problems, (out if not problems else None)


def definition_problems(value: Any) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """(problems, the normalised definition) of a product's `personalisation` attribute."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_FIELDS:
        return [{"field": "attributes.personalisation", "message": f"must be a list of 1 to {MAX_FIELDS} fields"}], []
    problems: list[dict[str, str]] = []
    fields: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        found, field = _field_problems(i, item, seen)
        problems += found
        if field is not None:
            fields.append(field)
    return problems, fields


def normalise(values: dict[str, Any] | None) -> dict[str, str]:
    """The values as a line is keyed by: trimmed, empty ones left out, in key order. Not a check."""
    out: dict[str, str] = {}
    for key, value in sorted((values or {}).items()):
        text = value.strip() if isinstance(value, str) else value
        if text == "" or text is None:
            continue
        out[str(key)] = text
    return out


def check(definition: list[dict[str, Any]] | None, values: dict[str, Any] | None) -> dict[str, str]:
    """The buyer's values, normalised, if they fit `definition`; ValidationFailed naming every problem."""
    given = normalise(values)
    fields = {f["key"]: f for f in definition or []}
    problems: list[dict[str, str]] = []
    for key in sorted(set(given) - set(fields)):
        problems.append({"field": f"personalisation.{key}", "message": "this product has no such personalisation"})
    for key, field in fields.items():
        value = given.get(key)
        where = f"personalisation.{key}"
        if value is None:
            if field["required"]:
                problems.append({"field": where, "message": f"{field['label']} is required"})
            continue
        if not isinstance(value, str) or not _printable(value):
            problems.append({"field": where, "message": "must be text without control characters"})
        elif field["type"] == "text" and len(value) > field["max_length"]:
            problems.append({"field": where, "message": f"at most {field['max_length']} characters"})
        elif field["type"] == "choice" and value not in field["choices"]:
            problems.append({"field": where, "message": f"must be one of: {', '.join(field['choices'])}"})
    if problems:
        raise ValidationFailed("the personalisation is not valid", code="invalid_personalisation", details=problems)
    return given


def line_key(product_id: str, values: dict[str, str]) -> str:
    """The cart line of a product with these (normalised) values: the product id alone when there are none, so
    lines of products that are not personalised keep the key they always had."""
    if not values:
        return product_id
    digest = hashlib.sha256(json.dumps(values, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]
    return f"{product_id}~{digest}"
