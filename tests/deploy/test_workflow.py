"""The GitHub Actions pipeline: valid against GitHub's workflow schema (offline), CI on every push and pull request,
dev from main, prod from a version tag behind the prod environment, AWS only by OIDC."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from devtools.deploy import load_stage
from tests.support import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PIPELINE = ROOT / ".github" / "workflows" / "pipeline.yml"


def load(path: Path) -> dict:
    document = yaml.safe_load(path.read_text())
    document["on"] = document.pop(True, document.get("on"))  # YAML 1.1 reads the key `on` as True
    return document


def check_jsonschema(*paths: Path) -> subprocess.CompletedProcess:
    tool = Path(sys.executable).parent / "check-jsonschema"
    return subprocess.run(
        [str(tool), "--builtin-schema", "vendor.github-workflows", *map(str, paths)], capture_output=True, text=True
    )


def test_every_workflow_matches_the_github_workflow_schema():
    assert WORKFLOWS
    result = check_jsonschema(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_a_typo(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(PIPELINE.read_text().replace("runs-on:", "run-on:", 1))
    result = check_jsonschema(broken)
    assert result.returncode != 0 and "run-on" in result.stdout


def test_ci_runs_on_every_push_and_pull_request():
    workflow = load(PIPELINE)
    assert workflow["on"]["push"]["branches"] == ["**"] and "pull_request" in workflow["on"]
    assert workflow["on"]["push"]["tags"] == ["v*.*.*"]
    steps = workflow["jobs"]["ci"]["steps"]
    assert any(step.get("run") == "bash .ci/run" for step in steps)
    assert workflow["jobs"]["ci"].get("if") is None


@pytest.mark.parametrize(
    ("job", "stage", "condition"),
    [
        ("deploy-dev", "dev", "github.ref == 'refs/heads/main'"),
        ("deploy-prod", "prod", "startsWith(github.ref, 'refs/tags/v')"),
    ],
)
def test_each_stage_deploys_after_ci_by_oidc_then_runs_smoke(job, stage, condition):
    spec = load(PIPELINE)["jobs"][job]
    assert spec["needs"] == "ci" and condition in spec["if"] and "push" in spec["if"]
    assert spec["environment"]["name"] == stage  # prod's required reviewers are set on this environment
    assert spec["permissions"]["id-token"] == "write"
    runs = [step.get("run", "") for step in spec["steps"]]
    assert f"--stage {stage} --show deploy-role-arn" in "\n".join(runs)
    credentials = next(
        s for s in spec["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials")
    )
    assert set(credentials["with"]) == {"role-to-assume", "aws-region", "role-session-name"}
    deploy_at = runs.index(f"make deploy STAGE={stage}")
    smoke_at = next(i for i, run in enumerate(runs) if run.startswith("make smoke URL="))
    assert deploy_at < smoke_at
    assert "steps.deploy.outputs.api_url" in runs[smoke_at]


def test_no_long_lived_aws_keys_anywhere_in_the_workflows():
    for path in WORKFLOWS:
        text = path.read_text()
        assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text, path


def test_the_deploy_roles_the_workflow_assumes_are_the_ones_bootstrap_creates():
    import json

    bootstrap = json.loads((ROOT / "infra" / "bootstrap.json").read_text())
    role = bootstrap["Resources"]["DeployRole"]["Properties"]
    assert role["RoleName"] == {"Fn::Sub": "bazaar-deploy-${Stage}"}
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert trust["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] == {
        "Fn::Sub": "repo:${GitHubRepository}:environment:${Stage}"
    }
    for stage in ("dev", "prod"):
        assert load_stage(stage).deploy_role == f"bazaar-deploy-{stage}"
