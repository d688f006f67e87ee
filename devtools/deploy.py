"""`make deploy STAGE=dev|prod`: package, upload the artifacts, deploy the stack, print its URLs.

1. refuses a stage infra/stages.json does not describe; for a stage with ReleaseTagsOnly (prod), refuses a dirty
   tree and any commit that is not exactly a version tag (vMAJOR.MINOR.PATCH);
2. refuses credentials of any account other than the stage's AccountId (STS GetCallerIdentity);
3. packages exactly as `make package` does (devtools/package.py: chalice package + infra/ merged + cfn-lint);
4. uploads the function and layer archives and the template to the stage's artifacts bucket (infra/bootstrap.json
   creates it), content-addressed, as `aws cloudformation package` does;
5. creates or updates the stack (CloudFormation runs the SAM transform: CAPABILITY_AUTO_EXPAND) through the
   stage's CloudFormation execution role, waits, and prints the API URL, the media URL and the user pool id.
   The outputs are also written to dist/<stage>/outputs.json (and to $GITHUB_OUTPUT in GitHub Actions).

    python -m devtools.deploy --stage dev [--alarm-email ops@example.com]

`make deploy-dry-run` runs the same code against a moto server (devtools/deploy_dry_run.py says what that covers).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES_FILE = ROOT / "infra" / "stages.json"
VERSION_TAG = re.compile(r"^v\d+\.\d+\.\d+$")
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
DONE = {"CREATE_COMPLETE", "UPDATE_COMPLETE"}
PRINTED = (("API URL", "EndpointURL"), ("media URL", "MediaBaseUrl"), ("user pool id", "UserPoolId"))


class Refused(RuntimeError):
    """The deploy must not happen (wrong stage, source or account); nothing was changed."""


class DeployFailed(RuntimeError):
    """CloudFormation did not reach a complete state."""


@dataclass(frozen=True)
class Stage:
    name: str
    account_id: str
    region: str
    stack_name: str
    deploy_role: str
    release_tags_only: bool

    @property
    def artifacts_bucket(self) -> str:
        return f"bazaar-artifacts-{self.account_id}-{self.region}"

    @property
    def deploy_role_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:role/{self.deploy_role}"

    @property
    def execution_role_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:role/bazaar-cfn-exec-{self.name}"


def load_stage(name: str, stages_file: Path = STAGES_FILE) -> Stage:
    stages = json.loads(stages_file.read_text())["Stages"]
    if name not in stages:
        raise Refused(f"stage {name!r} is not deployable; {stages_file.name} knows {', '.join(sorted(stages))}")
    spec = stages[name]
    if not re.fullmatch(r"\d{12}", str(spec.get("AccountId", ""))):
        raise Refused(f"stage {name}: AccountId in {stages_file} must be a 12-digit AWS account id")
    return Stage(
        name=name,
        account_id=spec["AccountId"],
        region=spec["Region"],
        stack_name=spec["StackName"],
        deploy_role=spec["DeployRole"],
        release_tags_only=bool(spec.get("ReleaseTagsOnly")),
    )


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)


def check_source(stage: Stage, repo: Path = ROOT) -> str:
    """The version being deployed: the tag, or the commit (plus "-dirty") where the stage allows it."""
    head = _git(repo, "rev-parse", "--short=12", "HEAD")
    if head.returncode != 0:
        raise Refused(f"{repo} is not a git checkout with a commit: {head.stderr.strip()}")
    dirty = bool(_git(repo, "status", "--porcelain", "--untracked-files=normal").stdout.strip())
    tags = [t for t in _git(repo, "tag", "--points-at", "HEAD").stdout.split() if VERSION_TAG.match(t)]
    if stage.release_tags_only:
        if dirty:
            raise Refused(f"refusing to deploy {stage.name} from a dirty tree: commit or stash your changes first")
        if not tags:
            raise Refused(
                f"refusing to deploy {stage.name}: HEAD ({head.stdout.strip()}) is not a version tag (vX.Y.Z)"
            )
    if tags:
        return sorted(tags)[-1]
    return head.stdout.strip() + ("-dirty" if dirty else "")


def check_account(stage: Stage, sts) -> str:
    account = sts.get_caller_identity()["Account"]
    if account != stage.account_id:
        raise Refused(
            f"refusing to deploy {stage.name}: these credentials are for account {account}, "
            f"but {stage.name} lives in {stage.account_id} (infra/stages.json)"
        )
    return account


def _upload(s3, bucket: str, path: Path, prefix: str, suffix: str) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    key = f"{prefix}/{digest}{suffix}"
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError:
        s3.upload_file(str(path), bucket, key)
    return key


def upload_artifacts(s3, bucket: str, template_path: Path, prefix: str) -> dict:
    """The template with every local CodeUri/ContentUri replaced by its uploaded s3:// copy."""
    template = json.loads(template_path.read_text())
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        for field in ("CodeUri", "ContentUri"):
            if isinstance(props.get(field), str) and not props[field].startswith("s3://"):
                key = _upload(s3, bucket, template_path.parent / props[field], prefix, ".zip")
                props[field] = f"s3://{bucket}/{key}"
    return template


def upload_template(s3, bucket: str, region: str, template: dict, prefix: str, workdir: Path) -> str:
    path = workdir / "packaged.json"
    path.write_text(json.dumps(template, indent=1))
    key = _upload(s3, bucket, path, prefix, ".template.json")
    return f"https://{bucket}.s3.{region}.amazonaws.com/{key}"


def _status(cloudformation, stack_name: str) -> str | None:
    try:
        return cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
    except cloudformation.exceptions.ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise


def _failure_reasons(cloudformation, stack_name: str) -> list[str]:
    events = cloudformation.describe_stack_events(StackName=stack_name)["StackEvents"]
    return [
        f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', '')}"
        for e in events[:50]
        if e.get("ResourceStatus", "").endswith("FAILED")
    ]


def deploy_stack(
    cloudformation,
    stack_name: str,
    template_url: str,
    *,
    parameters: dict[str, str | None],
    tags: dict[str, str],
    role_arn: str | None,
    poll: float = 5.0,
    timeout: float = 3600,
    log: Callable[[str], None] = print,
) -> tuple[str, dict[str, str]]:
    """Creates or updates the stack and waits; returns (final status, outputs)."""
    existing = _status(cloudformation, stack_name)
    if existing == "ROLLBACK_COMPLETE":
        raise DeployFailed(f"stack {stack_name} failed its first creation; delete it, then deploy again")
    params = [
        {"ParameterKey": k, "ParameterValue": v} if v is not None else {"ParameterKey": k, "UsePreviousValue": True}
        for k, v in parameters.items()
        if v is not None or existing
    ]
    args = {
        "StackName": stack_name,
        "TemplateURL": template_url,
        "Parameters": params,
        "Capabilities": CAPABILITIES,
        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
    }
    if role_arn:
        args["RoleARN"] = role_arn
    if existing is None:
        log(f"creating stack {stack_name} ...")
        cloudformation.create_stack(**args, OnFailure="ROLLBACK")
    else:
        log(f"updating stack {stack_name} ({existing}) ...")
        try:
            cloudformation.update_stack(**args)
        except cloudformation.exceptions.ClientError as exc:
            if "No updates are to be performed" not in str(exc):
                raise
            log("no changes")
    deadline = time.monotonic() + timeout
    while True:
        status = _status(cloudformation, stack_name) or "DELETED"
        if not status.endswith("IN_PROGRESS"):
            break
        if time.monotonic() > deadline:
            raise DeployFailed(f"stack {stack_name} still {status} after {timeout:.0f} s")
        time.sleep(poll)
    if status not in DONE:
        reasons = "\n  ".join(_failure_reasons(cloudformation, stack_name)) or "(no failure events)"
        raise DeployFailed(f"stack {stack_name} ended in {status}:\n  {reasons}")
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    return status, {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def report(stage: Stage, status: str, outputs: dict[str, str], notes: dict[str, str] | None = None) -> str:
    created = "stack created" if status == "CREATE_COMPLETE" else "stack updated"
    lines = [f"{stage.stack_name}: {status} ({created})"]
    for label, key in PRINTED:
        value = outputs.get(key) or "(missing)"
        note = (notes or {}).get(key)
        lines.append(f"  {label:<13} {value}" + (f"   [{note}]" if note else ""))
    return "\n".join(lines)


def write_outputs(outputs: dict[str, str], out_dir: Path) -> None:
    (out_dir / "outputs.json").write_text(json.dumps(outputs, indent=2, sort_keys=True))
    github_output = os.environ.get("GITHUB_OUTPUT")
    if github_output:
        with open(github_output, "a") as fh:
            fh.write(f"api_url={outputs.get('EndpointURL', '')}\n")
            fh.write(f"media_url={outputs.get('MediaBaseUrl', '')}\n")
            fh.write(f"user_pool_id={outputs.get('UserPoolId', '')}\n")


def deploy(
    stage: Stage,
    session,
    *,
    endpoint_url: str | None = None,
    repo: Path = ROOT,
    out: Path | None = None,
    alarm_email: str | None = None,
    adapt_template: Callable[[dict], dict] | None = None,
    poll: float = 5.0,
    log: Callable[[str], None] = print,
) -> tuple[str, dict[str, str]]:
    """Steps 1-5 above. `adapt_template` is the dry run's hook (moto has no SAM transform); None on AWS."""
    from devtools.package import package

    version = check_source(stage, repo)
    check_account(stage, session.client("sts", endpoint_url=endpoint_url))
    log(f"deploying {version} to {stage.name} (account {stage.account_id}, {stage.region})")
    template_path = package(stage.name, out or ROOT / "dist" / stage.name, region=stage.region)
    s3 = session.client("s3", endpoint_url=endpoint_url)
    template = upload_artifacts(s3, stage.artifacts_bucket, template_path, stage.stack_name)
    if adapt_template is not None:
        template = adapt_template(copy.deepcopy(template))
    url = upload_template(s3, stage.artifacts_bucket, stage.region, template, stage.stack_name, template_path.parent)
    log(f"uploaded the artifacts and the template to s3://{stage.artifacts_bucket}/{stage.stack_name}/")
    status, outputs = deploy_stack(
        session.client("cloudformation", endpoint_url=endpoint_url),
        stage.stack_name,
        url,
        parameters={"AlarmEmail": alarm_email},
        tags={"app": "bazaar", "stage": stage.name, "version": version},
        role_arn=stage.execution_role_arn,
        poll=poll,
        log=log,
    )
    write_outputs(outputs, template_path.parent)
    return status, outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", required=True)
    parser.add_argument("--alarm-email", default=os.environ.get("ALARM_EMAIL") or None)
    parser.add_argument(
        "--show",
        choices=("deploy-role-arn", "region"),
        help="print the stage's OIDC deploy role or region (infra/stages.json) and exit: the workflow's first step",
    )
    args = parser.parse_args(argv)
    try:
        stage = load_stage(args.stage)
        if args.show:
            print(stage.deploy_role_arn if args.show == "deploy-role-arn" else stage.region)
            return 0
        import boto3

        session = boto3.session.Session(region_name=stage.region)
        status, outputs = deploy(stage, session, alarm_email=args.alarm_email)
    except Refused as exc:
        print(f"make deploy: {exc}", file=sys.stderr)
        return 2
    except DeployFailed as exc:
        print(f"make deploy: {exc}", file=sys.stderr)
        return 1
    print(report(stage, status, outputs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
