"""docs/data-model.md stays true: its table list is the PynamoDB models' list, with their keys and indexes."""

from __future__ import annotations

import re

from chalicelib.adapters.models import MODELS_BY_SETTING
from tests.support import ROOT

NUMBERS = {
    "Nine": 9,
    "Ten": 10,
    "Eleven": 11,
    "Twelve": 12,
    "Thirteen": 13,
    "Fourteen": 14,
    "Fifteen": 15,
    "Sixteen": 16,
    "Seventeen": 17,
    "Eighteen": 18,
    "Nineteen": 19,
    "Twenty": 20,
}


def _doc() -> str:
    return (ROOT / "docs" / "data-model.md").read_text()


def _documented() -> dict[str, tuple[str, set[str], set[str]]]:
    """model -> (table title, key names, index names), from the table at the top of the document."""
    rows = re.findall(r"^\| (\w+) \| `(\w+)` \| (.+?) \| (.+?) \|$", _doc(), re.M)
    return {
        model: (title, set(re.findall(r"`([\w-]+)`", keys)), set(re.findall(r"`([\w-]+)`", indexes)))
        for title, model, keys, indexes in rows
    }


def _model_keys(model) -> set[str]:
    return {name for name, a in model.get_attributes().items() if a.is_hash_key or a.is_range_key}


def test_the_documents_tables_are_the_models():
    documented = _documented()
    assert set(documented) == {m.__name__ for m in MODELS_BY_SETTING.values()}
    count = re.search(r"^(\w+) DynamoDB tables", _doc(), re.M).group(1)
    assert NUMBERS.get(count) == len(MODELS_BY_SETTING), f"the document says {count} tables"
    for model in MODELS_BY_SETTING.values():
        title, keys, indexes = documented[model.__name__]
        assert keys == _model_keys(model), model.__name__
        assert indexes == {i.Meta.index_name for i in model._indexes.values()}, model.__name__
        assert re.search(rf"^### {title} — ", _doc(), re.M), f"no section for the {title} table"
