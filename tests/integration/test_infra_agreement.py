"""The PynamoDB models and infra/data-stack.json describe the same tables, keys and indexes."""

import pytest

from chalicelib.adapters.models import MODELS_BY_SETTING
from devtools.provision import app_resources, load_template

TEMPLATE = load_template()
RESOURCES = app_resources(TEMPLATE)


def _keys(key_schema):
    return {k["KeyType"]: k["AttributeName"] for k in key_schema}


@pytest.mark.parametrize("setting", sorted(MODELS_BY_SETTING))
def test_model_keys_and_indexes_match_the_template(setting):
    model = MODELS_BY_SETTING[setting]
    logical_id = RESOURCES[setting.upper()]
    props = TEMPLATE["Resources"][logical_id]["Properties"]
    assert TEMPLATE["Resources"][logical_id]["Type"] == "AWS::DynamoDB::Table"

    schema = model._get_schema()
    assert _keys(props["KeySchema"]) == _keys(schema["key_schema"])

    template_types = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
    model_types = {a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]}
    assert template_types == model_types

    template_indexes = {
        gsi["IndexName"]: (_keys(gsi["KeySchema"]), gsi["Projection"]["ProjectionType"])
        for gsi in props.get("GlobalSecondaryIndexes", [])
    }
    model_indexes = {
        gsi["index_name"]: (_keys(gsi["key_schema"]), gsi["projection"]["ProjectionType"])
        for gsi in schema.get("global_secondary_indexes", [])
    }
    assert template_indexes == model_indexes
    assert not schema.get("local_secondary_indexes") and "LocalSecondaryIndexes" not in props


def test_every_model_has_a_table_in_the_template_and_nothing_more():
    tables = {
        var for var, logical in RESOURCES.items() if TEMPLATE["Resources"][logical]["Type"] == "AWS::DynamoDB::Table"
    }
    assert tables == {setting.upper() for setting in MODELS_BY_SETTING}


def test_tables_have_point_in_time_recovery_and_encryption():
    for var in (s.upper() for s in MODELS_BY_SETTING):
        props = TEMPLATE["Resources"][RESOURCES[var]]["Properties"]
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        assert props["SSESpecification"]["SSEEnabled"] is True
