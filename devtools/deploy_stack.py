"""Deploys the data stack from infra/data-stack.json through CloudFormation (moto server in CI).

Resources that belong to Chalice's own template (the function, its role, their log group and policy) are
left out: `chalice package` merges them on real AWS. moto's CloudFormation skips Cognito resources, secrets and
alarms, so the user pool, client, groups and the secrets are created from the same template definitions by
devtools/provision.py (alarms are checked on the packaged template instead: tests/packaging).
moto's CloudFormation knows no CloudFront resources either: the media distribution, its origin access control
and the bucket-policy statement naming the distribution are left out, and the app serves media straight from
the (moto) bucket, its local media base URL (chalicelib/config.py).

    python -m devtools.deploy_stack --endpoint http://127.0.0.1:5000 --stack bazaar-ci
prints the environment the app needs (JSON).
"""

from __future__ import annotations

import argparse
import json
import time

from devtools.provision import (
    app_resources,
    cdn_origin_buckets,
    ensure_pool_client,
    ensure_secret,
    ensure_user_pool,
    load_template,
    serve_unsigned_reads,
)

CREATED_BY_PROVISIONER = (
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
    "AWS::Cognito::UserPoolGroup",
    "AWS::SecretsManager::Secret",
)
NOT_ON_MOTO = ("AWS::CloudFront::Distribution", "AWS::CloudFront::OriginAccessControl")


def _mentions(value, names) -> bool:
    text = json.dumps(value)
    return any(f'"{n}"' in text or "${" + n in text for n in names)


def chalice_owned(template: dict) -> set[str]:
    """Chalice's role plus every function the template only amends (a fragment without a Type)."""
    return {"DefaultRole"} | {name for name, r in template["Resources"].items() if "Type" not in r}


def cdn_resources(template: dict) -> set[str]:
    return {name for name, r in template["Resources"].items() if r.get("Type") in NOT_ON_MOTO}


def _without_cdn(name: str, resource: dict, cdn: set[str]) -> dict | None:
    """The resource with what names the CDN left out: a bucket policy loses those statements, others go."""
    if not _mentions(resource, cdn):
        return resource
    if resource.get("Type") != "AWS::S3::BucketPolicy":
        return None
    document = resource["Properties"]["PolicyDocument"]
    statements = [st for st in document["Statement"] if not _mentions(st, cdn)]
    return {
        **resource,
        "Properties": {**resource["Properties"], "PolicyDocument": {**document, "Statement": statements}},
    }


def data_stack(template: dict) -> dict:
    owned = chalice_owned(template)
    cdn = cdn_resources(template)
    resources = {}
    for name, resource in template["Resources"].items():
        if name in owned or name in cdn or _mentions(resource, owned):
            continue
        kept = _without_cdn(name, resource, cdn)
        if kept is not None:
            resources[name] = kept
    dropped = set(template["Resources"]) - set(resources)
    return {
        "AWSTemplateFormatVersion": template["AWSTemplateFormatVersion"],
        "Description": template["Description"],
        "Parameters": template.get("Parameters", {}),
        "Conditions": template.get("Conditions", {}),
        "Resources": resources,
        "Outputs": {k: v for k, v in template.get("Outputs", {}).items() if not _mentions(v, dropped)},
    }


def deploy(session, endpoint_url: str, stack_name: str, stage: str = "local", timeout: float = 60) -> dict[str, str]:
    template = load_template(stage)
    cloudformation = session.client("cloudformation", endpoint_url=endpoint_url)
    cloudformation.create_stack(StackName=stack_name, TemplateBody=json.dumps(data_stack(template)))
    deadline = time.monotonic() + timeout
    while True:
        status = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
        if status == "CREATE_COMPLETE":
            break
        if status.endswith(("FAILED", "ROLLBACK_COMPLETE")) or time.monotonic() > deadline:
            raise RuntimeError(f"stack {stack_name} ended in {status}")
        time.sleep(0.2)
    physical = {
        r["LogicalResourceId"]: r.get("PhysicalResourceId")
        for r in cloudformation.list_stack_resources(StackName=stack_name)["StackResourceSummaries"]
    }
    cognito = session.client("cognito-idp", endpoint_url=endpoint_url)
    env = {"STAGE": stage}
    wanted = app_resources(template)
    by_logical = {logical: var for var, logical in wanted.items()}
    for var, logical in wanted.items():
        kind = template["Resources"][logical]["Type"]
        if kind == "AWS::Cognito::UserPool":
            env[var] = ensure_user_pool(cognito, template, logical, f"{stage}-{stack_name}")
        elif kind == "AWS::SecretsManager::Secret":
            secretsmanager = session.client("secretsmanager", endpoint_url=endpoint_url)
            env[var] = ensure_secret(secretsmanager, template, logical, f"{stage}-{stack_name}")
        elif kind not in CREATED_BY_PROVISIONER:
            if not physical.get(logical):
                raise RuntimeError(f"CloudFormation did not create {logical}")
            env[var] = physical[logical]
            if logical in cdn_origin_buckets(template):
                serve_unsigned_reads(session.client("s3", endpoint_url=endpoint_url), env[var])
    for var, logical in wanted.items():
        resource = template["Resources"][logical]
        if resource["Type"] == "AWS::Cognito::UserPoolClient":
            pool_var = by_logical[resource["Properties"]["UserPoolId"]["Ref"]]
            env[var] = ensure_pool_client(cognito, template, logical, env[pool_var], f"{stage}-{stack_name}")
    return env


def main() -> None:
    import boto3

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--stack", default="bazaar-ci")
    args = parser.parse_args()
    session = boto3.session.Session(region_name="us-east-1")
    print(json.dumps(deploy(session, args.endpoint, args.stack), indent=2))


if __name__ == "__main__":
    main()
