"""`make deploy-dry-run`: the whole `make deploy` against a moto server reaches "stack created" and prints the
outputs (what moto can and cannot cover: devtools/deploy_dry_run.py)."""

from __future__ import annotations

import json
import re

import boto3
import pytest
from moto import mock_aws

from devtools.deploy import deploy_stack, load_stage
from devtools.deploy_dry_run import MOTO_CANNOT_CREATE, dry_run, for_moto


@pytest.fixture(scope="module")
def dry(tmp_path_factory):
    stage = load_stage("dev")
    out = tmp_path_factory.mktemp("dry-run") / "dev"
    seen, lines = {}, []

    def inspect(session, url):
        lam = session.client("lambda", endpoint_url=url)
        seen["functions"] = lam.list_functions()["Functions"]
        seen["mappings"] = lam.list_event_source_mappings()["EventSourceMappings"]
        seen["apis"] = session.client("apigateway", endpoint_url=url).get_rest_apis()["items"]
        seen["dashboards"] = session.client("cloudwatch", endpoint_url=url).list_dashboards()["DashboardEntries"]
        s3 = session.client("s3", endpoint_url=url)
        seen["artifacts"] = [o["Key"] for o in s3.list_objects_v2(Bucket=stage.artifacts_bucket)["Contents"]]
        seen["buckets"] = [b["Name"] for b in s3.list_buckets()["Buckets"]]
        seen["pools"] = session.client("cognito-idp", endpoint_url=url).list_user_pools(MaxResults=10)["UserPools"]
        iam = session.client("iam", endpoint_url=url)
        seen["role_policies"] = {
            r["RoleName"]: iam.list_role_policies(RoleName=r["RoleName"])["PolicyNames"]
            for r in iam.list_roles()["Roles"]
        }
        seen["stack"] = session.client("cloudformation", endpoint_url=url).describe_stacks(StackName=stage.stack_name)[
            "Stacks"
        ][0]

    status, outputs, skipped = dry_run(stage, out=out, inspect=inspect, log=lines.append)
    return stage, status, outputs, skipped, seen, "\n".join(lines), out


def test_the_dry_run_reaches_stack_created_and_prints_the_three_outputs(dry):
    stage, status, outputs, _, seen, printed, _ = dry
    assert status == "CREATE_COMPLETE" and seen["stack"]["StackStatus"] == "CREATE_COMPLETE"
    assert f"{stage.stack_name}: CREATE_COMPLETE (stack created)" in printed
    api_id = seen["apis"][0]["id"]
    assert outputs["EndpointURL"] == f"https://{api_id}.execute-api.{stage.region}.amazonaws.com/api/"
    assert re.search(rf"API URL\s+{re.escape(outputs['EndpointURL'])}", printed)
    bucket = outputs["MediaBaseUrl"].removeprefix("https://").split(".s3.")[0]
    assert bucket in seen["buckets"] and re.search(rf"media URL\s+{re.escape(outputs['MediaBaseUrl'])}", printed)
    assert outputs["UserPoolId"] == seen["pools"][0]["Id"]
    assert re.search(rf"user pool id\s+{re.escape(outputs['UserPoolId'])}", printed)
    assert json.loads((dry[6] / "outputs.json").read_text()) == outputs


def test_the_dry_run_deployed_the_packaged_functions_from_the_uploaded_artifacts(dry):
    stage, _, _, _, seen, _, out = dry
    handlers = {f["Handler"] for f in seen["functions"]}
    assert handlers == {
        "app.app",
        "chalicelib.events.order_events.order_events",
        "chalicelib.events.order_events.complete_orders",
        "chalicelib.events.order_events.expire_orders",
        "chalicelib.events.order_events.retry_refunds",
        "chalicelib.events.outbox.outbox_relay",
        "chalicelib.events.outbox.sweep_outbox",
        "chalicelib.events.seasons.season_sweep",
        "chalicelib.events.payouts.run_payouts",
        "chalicelib.events.payouts.poll_payouts",
        "chalicelib.events.trade_jobs.expire_quotations",  # issue 14
        "chalicelib.events.trade_jobs.mark_overdue_invoices",
    }
    code_size = (out / "deployment.zip").stat().st_size
    for function in seen["functions"]:
        assert function["CodeSize"] == code_size
        variables = function["Environment"]["Variables"]
        assert variables["STAGE"] == "dev"
        assert variables["SECRET_ID_CURSOR"].startswith(f"arn:aws:secretsmanager:{stage.region}:{stage.account_id}:")
    assert (
        sum(k.endswith(".zip") for k in seen["artifacts"]) == 2
        and sum(k.endswith(".template.json") for k in seen["artifacts"]) == 1
    )
    # the outbox relay is triggered by the Outbox table's stream, reporting partial batch failures
    (stream_mapping,) = [m for m in seen["mappings"] if ":dynamodb:" in m["EventSourceArn"]]
    assert "/stream/" in stream_mapping["EventSourceArn"] and "outbox" in stream_mapping["EventSourceArn"].lower()
    assert stream_mapping["FunctionArn"].split(":")[-1] in {f["FunctionName"] for f in seen["functions"]}
    function_role = next(name for name in seen["role_policies"] if "DefaultRole" in name)
    assert {"bazaar-data-access", "bazaar-read-secrets"} <= set(seen["role_policies"][function_role])
    assert {"bazaar-deploy-dev", "bazaar-cfn-exec-dev"} <= set(seen["role_policies"])  # infra/bootstrap.json
    assert [d["DashboardName"] for d in seen["dashboards"]] == ["bazaar-dev-operations"]
    assert seen["stack"]["RoleARN"] == stage.execution_role_arn
    assert {t["Key"]: t["Value"] for t in seen["stack"]["Tags"]}["stage"] == "dev"


def test_the_dry_run_says_what_moto_did_not_create(dry):
    _, _, _, skipped, _, printed, _ = dry
    assert set(skipped) <= set(MOTO_CANNOT_CREATE)
    from devtools.template import secrets_catalogue

    assert skipped["AWS::CloudWatch::Alarm"] >= 15
    assert skipped["AWS::SecretsManager::Secret"] == len(secrets_catalogue())
    assert "the API URL does not serve" in printed and "AWS::CloudWatch::Alarm x" in printed


def test_for_moto_expands_every_sam_resource_and_leaves_out_only_what_moto_cannot_create(dry):
    _, _, _, _, _, _, out = dry
    template = json.loads((out / "sam.json").read_text())
    for resource in template["Resources"].values():
        for field in ("CodeUri", "ContentUri"):
            if field in resource.get("Properties", {}):
                resource["Properties"][field] = "s3://bucket/key.zip"
    physical = {"UserPool": {"Ref": "pool", "Arn": "arn:pool"}}
    plain = for_moto(json.loads(json.dumps(template)), physical)
    assert "Transform" not in plain
    assert not any(r["Type"].startswith("AWS::Serverless::") for r in plain["Resources"].values())
    dropped = {n for n in template["Resources"] if n not in plain["Resources"]}
    assert {template["Resources"][n]["Type"] for n in dropped} <= set(MOTO_CANNOT_CREATE)
    assert "pool" in json.dumps(plain["Outputs"]["UserPoolId"])


def test_a_second_deploy_updates_the_existing_stack():
    template = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {}}},
        "Outputs": {"Q": {"Value": {"Ref": "Queue"}}},
    }
    with mock_aws():
        session = boto3.session.Session(region_name="us-east-1")
        s3 = session.client("s3")
        s3.create_bucket(Bucket="artifacts")
        s3.put_object(Bucket="artifacts", Key="t.json", Body=json.dumps(template))
        url = "https://artifacts.s3.us-east-1.amazonaws.com/t.json"
        cloudformation = session.client("cloudformation")
        args = {"parameters": {}, "tags": {"app": "bazaar"}, "role_arn": None, "poll": 0.05, "log": lambda m: None}
        first, outputs = deploy_stack(cloudformation, "s", url, **args)
        second, again = deploy_stack(cloudformation, "s", url, **args)
        assert first == "CREATE_COMPLETE" and second == "UPDATE_COMPLETE" and outputs["Q"] == again["Q"]
