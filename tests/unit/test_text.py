"""Text that is not valid Unicode (api/text.py) and the JSON encoder that never fails on stored data."""

from __future__ import annotations

import json
from decimal import Decimal

from chalicelib.api.http import ok
from chalicelib.api.text import encodable, invalid_text_fields, is_valid_text

BROKEN = "\ud800"


def test_valid_text_of_every_script_is_valid():
    for text in ("", "Aygul", "新疆和田红枣", "Грецкие орехи", "ئۇيغۇر", "😀", "\u0000\uffff"):
        assert is_valid_text(text) and encodable(text) == text


def test_a_lone_surrogate_is_invalid_and_made_encodable_as_a_replacement_character():
    for text in (BROKEN, "a" + BROKEN, "\udfff", "\ud83d", "红" + BROKEN + "枣"):
        assert not is_valid_text(text)
        assert "\ufffd" in encodable(text)
        encodable(text).encode("utf-8")  # never raises


def test_every_broken_string_of_a_document_is_named_by_its_path_keys_included():
    document = {
        "title": "ok",
        "attributes": {"maker": BROKEN, "materials": ["silk", BROKEN], "k" + BROKEN: 1},
        "lines": [{"x": [BROKEN]}],
        BROKEN: "v",
    }
    assert invalid_text_fields(document) == [
        "attributes.maker",
        "attributes.materials.1",
        "attributes.k\ufffd",
        "lines.0.x.0",
        "\ufffd",
    ]
    assert invalid_text_fields(BROKEN) == ["body"]
    assert invalid_text_fields({"a": 1, "b": [True, None, 2.5], "c": "fine"}) == []


def test_a_document_nested_as_deep_as_json_allows_is_walked_without_recursion():
    deep: object = BROKEN
    for _ in range(50_000):
        deep = [deep]
    assert len(invalid_text_fields(deep)) == 1


def test_the_json_response_encodes_what_dynamodb_and_old_data_return():
    body = {
        "amount": Decimal("15900"),
        "rate": Decimal("0.125"),
        "tags": {"b", "a"},
        "raw": b"\xffok",
        "nan": Decimal("NaN"),
    }
    decoded = json.loads(ok(body).body)
    assert decoded == {"amount": 15900, "rate": 0.125, "tags": ["a", "b"], "raw": "\ufffdok", "nan": None}
