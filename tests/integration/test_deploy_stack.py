"""The data stack in infra/ deploys through CloudFormation, and the app runs against what it created."""

import json

import boto3
from moto import mock_aws

from devtools.deploy_stack import data_stack, deploy
from devtools.provision import load_template


def test_data_stack_leaves_out_only_what_chalice_owns_and_what_moto_cannot_create():
    template = load_template()
    stack = data_stack(template)
    kept = set(stack["Resources"])
    dropped = set(template["Resources"]) - kept
    statements = stack["Resources"]["MediaBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert [s["Sid"] for s in statements] == ["DenyInsecureTransport"]  # the CloudFront grant went with it
    assert dropped == {
        "MediaDistribution",
        "MediaOriginAccessControl",
        "APIHandler",
        "APIHandlerLogGroup",
        "OrderEvents",
        "OrderEventsLogGroup",
        "OrderEventsMapping",
        "CompleteOrders",
        "CompleteOrdersLogGroup",
        "SeasonSweep",
        "SeasonSweepLogGroup",
        "RunPayouts",
        "RunPayoutsLogGroup",
        "PollPayouts",
        "PollPayoutsLogGroup",
        "ExpireQuotations",  # issue 14: bulk trade's hourly and daily jobs
        "ExpireQuotationsLogGroup",
        "MarkOverdueInvoices",
        "MarkOverdueInvoicesLogGroup",
        "ExpireOrders",  # issue 9: reservation expiry, the outbox relay (stream) and sweeper, refund retries
        "ExpireOrdersLogGroup",
        "OutboxRelay",
        "OutboxRelayLogGroup",
        "SweepOutbox",
        "SweepOutboxLogGroup",
        "RetryRefunds",
        "RetryRefundsLogGroup",
        "DefaultRole",  # an override of the policy Chalice generates for the stream trigger (narrowed)
        "BazaarDataAccessPolicy",
        "BazaarSecretsReadPolicy",
        "OperationsDashboard",
        "RestAPI",  # Chalice's API: infra/gateway-responses.json amends its definition
    } | {
        f"{fn}{metric}Alarm"
        for fn in (
            "APIHandler",
            "OrderEvents",
            "CompleteOrders",
            "RunPayouts",
            "PollPayouts",
            "SeasonSweep",
            "ExpireQuotations",
            "MarkOverdueInvoices",
            "ExpireOrders",
            "OutboxRelay",
            "SweepOutbox",
            "RetryRefunds",
        )
        for metric in ("Errors", "Throttles")
    }


def test_cloudformation_deploys_every_resource_the_app_needs():
    with mock_aws():
        session = boto3.session.Session(region_name="us-east-1")
        env = deploy(session, None, "bazaar-test")
        tables = session.client("dynamodb").list_tables()["TableNames"]
        for name in ("SHOPS_TABLE", "PRODUCTS_TABLE", "LISTINGS_TABLE", "ORDERS_TABLE", "CARTS_TABLE", "LEDGER_TABLE"):
            assert env[name] in tables
        indexes = session.client("dynamodb").describe_table(TableName=env["LISTINGS_TABLE"])["Table"]
        assert [i["IndexName"] for i in indexes["GlobalSecondaryIndexes"]] == ["price-index"]
        session.client("s3").head_bucket(Bucket=env["MEDIA_BUCKET"])
        groups = session.client("cognito-idp").list_groups(UserPoolId=env["COGNITO_USER_POOL_ID"])["Groups"]
        assert {g["GroupName"] for g in groups} == {"buyer", "seller", "operator", "partner", "county_staff"}
        assert env["COGNITO_CLIENT_ID"]
        secrets = session.client("secretsmanager")
        cursor = json.loads(secrets.get_secret_value(SecretId=env["SECRET_ID_CURSOR"])["SecretString"])
        assert len(cursor["current"]) >= 32
        assert len(secrets.get_secret_value(SecretId=env["SECRET_ID_PAYMENT_WEBHOOK"])["SecretString"]) >= 32
