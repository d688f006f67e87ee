"""`make deploy-dry-run STAGE=dev`: `make deploy` end to end against a moto server, to "stack created" and the outputs.

What it runs for real, with the same code as `make deploy` (devtools/deploy.py):
- the refusals: the stage file, git (a dirty tree or a non-tag commit for prod), and STS GetCallerIdentity; the moto
  server runs with MOTO_ACCOUNT_ID = the stage's AccountId, so the account check passes only for that stage;
- `make package` (chalice package, infra/ merged, cfn-lint), the upload of the archives and of the template to the
  artifacts bucket, which infra/bootstrap.json creates first (deployed through moto's CloudFormation too);
- CreateStack/UpdateStack with the template URL, the execution role, the alarm-email parameter and tags, the wait
  for CREATE_COMPLETE, and the outputs (printed, and written to dist/<stage>/outputs.json).

What it cannot cover, because moto's CloudFormation cannot:
- the SAM transform (moto has none): the dry run replaces each Chalice SAM resource with the plain resource the
  transform makes for it (`for_moto`): function -> AWS::Lambda::Function (the uploaded code, layer, role,
  environment), schedule -> AWS::Events::Rule + permission, DynamoDB stream trigger (the outbox relay) ->
  AWS::Lambda::EventSourceMapping, layer -> AWS::Lambda::LayerVersion, API -> AWS::ApiGateway::RestApi without
  its OpenAPI routes and stage (moto cannot import the body, so neither the routes nor the gateway responses of
  infra/gateway-responses.json are created: tests/packaging checks them on the packaged template); on AWS,
  CloudFormation's own transform does this;
- Cognito, Secrets Manager secrets, CloudWatch alarms and SNS subscriptions: moto skips them (listed at the end).
  The user pool, its client and the secrets are then created by devtools/provision.py from the same template
  definitions (as devtools/deploy_stack.py does for CI's data stack), so the printed user pool id comes from
  there; alarms, the dashboard body, the secrets and the IAM scopes are checked on the packaged template
  (tests/packaging) and by cfn-lint instead;
- running anything: moto's Lambda needs Docker to invoke a function, so the printed API URL does not serve.
  `make smoke` runs against the local stack in CI instead (`.ci/run`).
- IAM: moto does not enforce the roles' policies.

    python -m devtools.deploy_dry_run --stage dev
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

from devtools.deploy import ROOT, DeployFailed, Refused, Stage, deploy, load_stage, report
from devtools.local_stack import free_port

BOOTSTRAP = ROOT / "infra" / "bootstrap.json"
FAKE_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}  # only ever valid on moto


@contextlib.contextmanager
def moto_server(account_id: str, port: int | None = None):
    """A moto server in its own process whose account is `account_id`; yields its URL."""
    port = port or free_port()
    env = {**os.environ, "MOTO_ACCOUNT_ID": account_id}
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=2).close()  # noqa: S310 - local
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the moto server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _s3_location(uri: str) -> dict:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return {"S3Bucket": bucket, "S3Key": key}


MOTO_CANNOT_CREATE = (
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
    "AWS::Cognito::UserPoolGroup",
    "AWS::SecretsManager::Secret",
    "AWS::CloudWatch::Alarm",
    "AWS::SNS::Subscription",
    "AWS::CloudFront::Distribution",
    "AWS::CloudFront::OriginAccessControl",
)
# moto's CloudFormation has no CloudFront: on moto the media distribution stands for the bucket itself, so the
# MediaBaseUrl output (https://${MediaDistribution.DomainName}) becomes the bucket's own regional domain.
MOTO_DISTRIBUTION = {"Ref": "EMOTODRYRUN", "Id": "EMOTODRYRUN", "DomainName": "${MediaBucket.RegionalDomainName}"}


def _substitute(value, physical: dict[str, dict[str, str]]):
    """`value` with every Ref/GetAtt/${...} of a resource in `physical` replaced by that resource's real value."""
    if isinstance(value, list):
        return [_substitute(v, physical) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"} and value["Ref"] in physical:
        return physical[value["Ref"]]["Ref"]
    if set(value) == {"Fn::GetAtt"} and value["Fn::GetAtt"][0] in physical:
        name, attribute = value["Fn::GetAtt"]
        return physical[name][attribute]
    if set(value) == {"Fn::Sub"}:
        text, variables = (value["Fn::Sub"], {}) if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"]
        for name, attributes in physical.items():
            text = text.replace("${" + name + "}", attributes["Ref"])
            for attribute, real in attributes.items():
                text = text.replace("${" + f"{name}.{attribute}" + "}", real)
        return {"Fn::Sub": text if not variables else [text, _substitute(variables, physical)]}
    return {k: _substitute(v, physical) for k, v in value.items()}


def for_moto(template: dict, physical: dict[str, dict[str, str]]) -> dict:
    """The packaged template as moto's CloudFormation can create it (see the module's docstring): each SAM resource
    replaced by the plain resource the SAM transform makes for it, and the resources moto cannot create left out,
    references to them replaced by the real ids in `physical` (created beforehand by `provision_skipped`)."""
    template.pop("Transform", None)
    resources = template["Resources"]
    for name, resource in list(resources.items()):
        kind, props = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::Serverless::Function":
            plain = {
                "Code": _s3_location(props["CodeUri"]),
                "Tags": [{"Key": k, "Value": v} for k, v in props.get("Tags", {}).items()],
                "TracingConfig": {"Mode": props.get("Tracing", "PassThrough")},
            }
            for key in (
                "Runtime",
                "Handler",
                "Role",
                "Timeout",
                "MemorySize",
                "Architectures",
                "Layers",
                "Environment",
            ):
                if key in props:
                    plain[key] = props[key]
            if "ReservedConcurrentExecutions" in props:
                plain["ReservedConcurrentExecutions"] = props["ReservedConcurrentExecutions"]
            resources[name] = {"Type": "AWS::Lambda::Function", "Properties": plain}
            for event_name, event in props.get("Events", {}).items():
                if event["Type"] == "DynamoDB":  # a stream trigger: the event source mapping SAM makes for it
                    stream = event["Properties"]
                    mapping = {"EventSourceArn": stream["Stream"], "FunctionName": {"Ref": name}}
                    for key in (
                        "StartingPosition",
                        "BatchSize",
                        "MaximumBatchingWindowInSeconds",
                        "FunctionResponseTypes",
                        "BisectBatchOnFunctionError",
                        "MaximumRetryAttempts",
                        "MaximumRecordAgeInSeconds",
                    ):
                        if key in stream:
                            mapping[key] = stream[key]
                    resources[event_name] = {"Type": "AWS::Lambda::EventSourceMapping", "Properties": mapping}
                    continue
                if event["Type"] != "Schedule":
                    raise ValueError(f"{name}: the dry run does not expand {event['Type']} events")
                resources[event_name] = {
                    "Type": "AWS::Events::Rule",
                    "Properties": {
                        "ScheduleExpression": event["Properties"]["Schedule"],
                        "Targets": [{"Arn": {"Fn::GetAtt": [name, "Arn"]}, "Id": f"{name}Target"}],
                    },
                }
                resources[f"{event_name}Permission"] = {
                    "Type": "AWS::Lambda::Permission",
                    "Properties": {
                        "Action": "lambda:InvokeFunction",
                        "FunctionName": {"Ref": name},
                        "Principal": "events.amazonaws.com",
                        "SourceArn": {"Fn::GetAtt": [event_name, "Arn"]},
                    },
                }
        elif kind == "AWS::Serverless::LayerVersion":
            plain = {"Content": _s3_location(props["ContentUri"])}
            for key in ("LayerName", "CompatibleRuntimes", "CompatibleArchitectures"):
                if key in props:
                    plain[key] = props[key]
            resources[name] = {"Type": "AWS::Lambda::LayerVersion", "Properties": plain}
        elif kind == "AWS::Serverless::Api":
            resources[name] = {
                "Type": "AWS::ApiGateway::RestApi",
                "Properties": {"Name": props["DefinitionBody"]["info"]["title"]},
            }
        elif kind.startswith("AWS::Serverless::"):
            raise ValueError(f"{name}: the dry run does not expand {kind}")
        elif kind in MOTO_CANNOT_CREATE:
            del resources[name]
    for section in ("Resources", "Outputs"):
        template[section] = _substitute(template.get(section, {}), physical)
    return template


def bootstrap_account(session, url: str, stage: Stage) -> None:
    """What README's one-time prerequisite does in a stage account: infra/bootstrap.json."""
    cloudformation = session.client("cloudformation", endpoint_url=url)
    cloudformation.create_stack(
        StackName="bazaar-bootstrap",
        TemplateBody=BOOTSTRAP.read_text(),
        Parameters=[
            {"ParameterKey": "Stage", "ParameterValue": stage.name},
            {"ParameterKey": "GitHubRepository", "ParameterValue": "example/bazaar"},
        ],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    while cloudformation.describe_stacks(StackName="bazaar-bootstrap")["Stacks"][0]["StackStatus"].endswith(
        "IN_PROGRESS"
    ):
        time.sleep(0.1)
    session.client("s3", endpoint_url=url).head_bucket(Bucket=stage.artifacts_bucket)


def provision_skipped(session, url: str, stage: Stage) -> dict[str, dict[str, str]]:
    """Creates, from infra/'s definitions, what moto's CloudFormation cannot (the user pool, its client and groups,
    the secrets); for the alarms, the ARN each would have. Returns {logical id: {"Ref": ..., attribute: ...}}."""
    from devtools.provision import ensure_pool_client, ensure_secret, ensure_user_pool, load_template

    template = load_template(stage.name)
    cognito = session.client("cognito-idp", endpoint_url=url)
    pool_id = ensure_user_pool(cognito, template, "UserPool", stage.name)
    pool_arn = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Arn"]
    physical = {
        "UserPool": {"Ref": pool_id, "Arn": pool_arn},
        "UserPoolClient": {"Ref": ensure_pool_client(cognito, template, "UserPoolClient", pool_id, stage.name)},
    }
    secretsmanager = session.client("secretsmanager", endpoint_url=url)
    for name, resource in template["Resources"].items():
        if resource.get("Type") == "AWS::SecretsManager::Secret":
            arn = ensure_secret(secretsmanager, template, name, stage.name)
            physical[name] = {"Ref": arn, "Id": arn}
        elif resource.get("Type") == "AWS::CloudWatch::Alarm":
            alarm = f"{stage.stack_name}-{name}"
            arn = f"arn:aws:cloudwatch:{stage.region}:{stage.account_id}:alarm:{alarm}"
            physical[name] = {"Ref": alarm, "Arn": arn}
        elif resource.get("Type") == "AWS::CloudFront::Distribution":
            physical[name] = dict(MOTO_DISTRIBUTION)
        elif resource.get("Type") == "AWS::CloudFront::OriginAccessControl":
            physical[name] = {"Ref": "MOTODRYRUN", "Id": "MOTODRYRUN"}
    return physical


def left_out(template: dict) -> Counter:
    return Counter(r.get("Type") for r in template["Resources"].values() if r.get("Type") in MOTO_CANNOT_CREATE)


def dry_run(
    stage: Stage, *, out: Path | None = None, repo: Path = ROOT, inspect=None, log=print
) -> tuple[str, dict[str, str], Counter]:
    """`inspect(session, url)`, if given, looks at the moto account before the server stops (tests)."""
    import boto3

    from devtools.provision import load_template

    with moto_server(stage.account_id) as url:
        session = boto3.session.Session(region_name=stage.region, **FAKE_KEYS)
        bootstrap_account(session, url, stage)
        physical = provision_skipped(session, url, stage)
        status, outputs = deploy(
            stage,
            session,
            endpoint_url=url,
            repo=repo,
            out=out,
            adapt_template=lambda template: for_moto(template, physical),
            poll=0.2,
            log=log,
        )
        if inspect is not None:
            inspect(session, url)
    notes = {"UserPoolId": "created by devtools/provision.py before the stack: moto's CloudFormation skips Cognito"}
    log(report(stage, status, outputs, notes))
    skipped = left_out(load_template(stage.name))
    log(
        "moto dry run: the API URL does not serve (moto cannot run the functions). Not created on moto: "
        + ", ".join(f"{kind} x{count}" for kind, count in sorted(skipped.items()))
        + " (Cognito and secrets provisioned from infra/ instead; alarms and the media distribution are checked on"
        " the packaged template; the media URL printed here is the bucket's own domain)"
    )
    return status, outputs, skipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", required=True)
    args = parser.parse_args(argv)
    try:
        dry_run(load_stage(args.stage))
    except Refused as exc:
        print(f"make deploy-dry-run: {exc}", file=sys.stderr)
        return 2
    except DeployFailed as exc:
        print(f"make deploy-dry-run: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
