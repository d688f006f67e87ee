"""`chalice package --merge-template infra/...` for each stage: lint-clean, least privilege, safe defaults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from chalicelib.adapters.models import MODELS_BY_SETTING
from tests.support import ROOT

STAGES = ("dev", "prod")
DATA_ACTIONS = ("dynamodb:", "s3:", "cognito-idp:", "sqs:")
TEST_ONLY = ("moto", "pytest", "_pytest", "cfn_lint", "requests", "schemathesis", "playwright", "hypothesis", "ruff")


@pytest.fixture(scope="session", params=STAGES)
def packaged(request, tmp_path_factory) -> tuple[str, dict, Path]:
    stage = request.param
    out = tmp_path_factory.mktemp(f"package-{stage}")
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    chalice = Path(sys.executable).parent / "chalice"
    subprocess.run(
        [str(chalice), "package", "--stage", stage, "--merge-template", "infra/data-stack.json", str(out)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return stage, json.loads((out / "sam.json").read_text()), out


def _statements(template: dict):
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::IAM::Policy":
            yield name, resource["Properties"]["PolicyDocument"]["Statement"]
        if resource["Type"] == "AWS::IAM::Role":
            for policy in resource["Properties"].get("Policies", []):
                yield name, policy["PolicyDocument"]["Statement"]


def _as_list(value):
    return value if isinstance(value, list) else [value]


def test_packaged_template_passes_cfn_lint(packaged):
    _, _, out = packaged
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(cfn_lint), str(out / "sam.json")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_lambda_role_touches_only_this_stacks_data_with_the_actions_it_uses(packaged):
    _, template, _ = packaged
    data_statements = []
    for _, statements in _statements(template):
        for statement in statements:
            actions = _as_list(statement["Action"])
            assert "*" not in actions and not any(a.endswith(":*") for a in actions if a.startswith(DATA_ACTIONS))
            if any(a.startswith(DATA_ACTIONS) for a in actions):
                data_statements.append(statement)
                for resource in _as_list(statement["Resource"]):
                    assert resource != "*", statement
                    assert isinstance(resource, dict), f"data access must name this stack's resources: {resource}"
    actions = {a for s in data_statements for a in _as_list(s["Action"])}
    assert "dynamodb:Scan" not in actions
    assert {"dynamodb:Query", "dynamodb:GetItem", "s3:PutObject", "cognito-idp:AdminCreateUser"} <= actions
    s3_resources = [r for s in data_statements for r in _as_list(s["Resource"]) if "s3" in json.dumps(s["Action"])]
    assert all("/shops/*" in json.dumps(r) for r in s3_resources), "S3 access is limited to the media prefix"


def test_tables_have_point_in_time_recovery_and_encryption(packaged):
    _, template, _ = packaged
    tables = [r for r in template["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table"]
    assert len(tables) == len(MODELS_BY_SETTING)
    for table in tables:
        props = table["Properties"]
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["SSESpecification"]["SSEEnabled"] is True


def test_media_bucket_blocks_public_access_and_enforces_tls(packaged):
    _, template, _ = packaged
    bucket = template["Resources"]["MediaBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    policy = template["Resources"]["MediaBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in policy)


def test_media_is_served_by_cloudfront_through_origin_access_control_and_only_that_distribution_reads_it(packaged):
    _, template, _ = packaged
    resources = template["Resources"]
    oac = resources["MediaOriginAccessControl"]
    assert oac["Type"] == "AWS::CloudFront::OriginAccessControl"
    config = oac["Properties"]["OriginAccessControlConfig"]
    assert (config["OriginAccessControlOriginType"], config["SigningBehavior"], config["SigningProtocol"]) == (
        "s3",
        "always",
        "sigv4",
    )

    distribution = resources["MediaDistribution"]
    assert distribution["Type"] == "AWS::CloudFront::Distribution"
    dist = distribution["Properties"]["DistributionConfig"]
    (origin,) = dist["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": ["MediaBucket", "RegionalDomainName"]}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["MediaOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # OAC, not the legacy identity
    behaviour = dist["DefaultCacheBehavior"]
    assert behaviour["TargetOriginId"] == origin["Id"]
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behaviour["AllowedMethods"] == ["GET", "HEAD"]
    assert behaviour["CachePolicyId"] == "658327ea-f89d-4fab-a63d-7e88639e58f6"  # managed CachingOptimized

    # the bucket stays private: its policy lets this distribution (and nothing else) read objects
    policy = resources["MediaBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    distribution_arn = "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${MediaDistribution}"
    allows = [s for s in policy if s["Effect"] == "Allow"]
    assert allows == [
        {
            "Sid": "CloudFrontDistributionReadsMedia",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": {"Fn::Sub": "${MediaBucket.Arn}/*"},
            "Condition": {"StringEquals": {"AWS:SourceArn": {"Fn::Sub": distribution_arn}}},
        }
    ]
    assert all(resources["MediaBucket"]["Properties"]["PublicAccessBlockConfiguration"].values())

    # every function builds media URLs from the distribution's domain; the stack says where media live
    base = {"Fn::Sub": "https://${MediaDistribution.DomainName}"}
    functions = [r for r in resources.values() if r["Type"] == "AWS::Serverless::Function"]
    assert functions and all(f["Properties"]["Environment"]["Variables"]["MEDIA_BASE_URL"] == base for f in functions)
    assert template["Outputs"]["MediaBaseUrl"]["Value"] == base


def test_log_groups_have_a_retention_period(packaged):
    _, template, _ = packaged
    functions = [n for n, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"]
    groups = [r for r in template["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"]
    assert functions and len(groups) >= len(functions)
    assert all(g["Properties"]["RetentionInDays"] > 0 for g in groups)
    named = {json.dumps(g["Properties"]["LogGroupName"]) for g in groups}
    for function in functions:
        assert any(function in n for n in named), f"{function} has no log group with retention"


def test_every_function_gets_every_resource_name_from_the_stack(packaged):
    stage, template, _ = packaged
    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Function"]
    for function in functions:
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["STAGE"] == stage
        for name in [s.upper() for s in MODELS_BY_SETTING] + [
            "MEDIA_BUCKET",
            "COGNITO_USER_POOL_ID",
            "ORDER_EVENTS_QUEUE_URL",
            "CURSOR_SECRET",
        ]:
            assert isinstance(variables[name], dict) and "Ref" in variables[name], name


def test_deployment_packages_hold_no_test_only_dependency(packaged):
    _, _, out = packaged
    for archive in out.glob("*.zip"):
        with zipfile.ZipFile(archive) as zf:
            names = zf.namelist()
        top_level = {
            (n.split("/")[4] if n.startswith("python/lib/") else n.split("/")[0]).split("-")[0].removesuffix(".py")
            for n in names
            if n.count("/") >= (5 if n.startswith("python/lib/") else 0)
        }
        offenders = sorted(top_level & set(TEST_ONLY))
        assert not offenders, f"{archive.name} contains {offenders}"
