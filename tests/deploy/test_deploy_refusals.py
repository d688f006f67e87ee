"""`make deploy` refuses before it changes anything: an unknown stage, prod from a dirty tree or from anything but
a version tag, and credentials of another account than the stage's (infra/stages.json)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from devtools import deploy as deploy_module
from devtools.deploy import Refused, Stage, check_account, check_source, load_stage

MOTO_ACCOUNT = "123456789012"  # the account moto's STS answers for


def stage(name: str = "prod", account: str = MOTO_ACCOUNT, release_tags_only: bool = True) -> Stage:
    return Stage(name, account, "us-east-1", f"bazaar-{name}", f"bazaar-deploy-{name}", release_tags_only)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "ci@example.com")
    git(tmp_path, "config", "user.name", "CI")
    (tmp_path / "app.py").write_text("print('v1')\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "first")
    return tmp_path


def test_the_stage_file_describes_dev_and_prod_and_only_prod_needs_a_release_tag():
    dev, prod = load_stage("dev"), load_stage("prod")
    assert not dev.release_tags_only and prod.release_tags_only
    assert dev.account_id != prod.account_id
    assert dev.deploy_role_arn == f"arn:aws:iam::{dev.account_id}:role/bazaar-deploy-dev"
    assert prod.artifacts_bucket == f"bazaar-artifacts-{prod.account_id}-{prod.region}"


@pytest.mark.parametrize("name", ["local", "ci", "staging", ""])
def test_an_unknown_or_local_stage_is_refused(name):
    with pytest.raises(Refused, match="not deployable"):
        load_stage(name)


def test_a_stage_without_a_real_account_id_is_refused(tmp_path):
    stages = tmp_path / "stages.json"
    spec = {"AccountId": "TODO", "Region": "eu-central-1", "StackName": "s", "DeployRole": "r"}
    stages.write_text(json.dumps({"Stages": {"dev": spec}}))
    with pytest.raises(Refused, match="12-digit"):
        load_stage("dev", stages)


def test_prod_from_a_tagged_clean_tree_is_allowed(repo):
    git(repo, "tag", "v1.2.3")
    assert check_source(stage(), repo) == "v1.2.3"


def test_prod_from_a_dirty_tree_is_refused_even_on_a_tag(repo):
    git(repo, "tag", "v1.2.3")
    (repo / "app.py").write_text("print('edited')\n")
    with pytest.raises(Refused, match="dirty tree"):
        check_source(stage(), repo)


def test_prod_with_an_untracked_file_is_refused(repo):
    git(repo, "tag", "v1.2.3")
    (repo / "notes.txt").write_text("local notes")
    with pytest.raises(Refused, match="dirty tree"):
        check_source(stage(), repo)


@pytest.mark.parametrize("tag", [None, "release-1", "v1.2", "v1.2.3-rc1"])
def test_prod_from_anything_but_a_version_tag_is_refused(repo, tag):
    if tag:
        git(repo, "tag", tag)
    with pytest.raises(Refused, match="not a version tag"):
        check_source(stage(), repo)


def test_prod_from_a_commit_after_the_tag_is_refused(repo):
    git(repo, "tag", "v1.2.3")
    (repo / "app.py").write_text("print('v2')\n")
    git(repo, "commit", "-qam", "second")
    with pytest.raises(Refused, match="not a version tag"):
        check_source(stage(), repo)


def test_dev_deploys_any_commit_and_says_which(repo):
    sha = git(repo, "rev-parse", "--short=12", "HEAD").strip()
    assert check_source(stage("dev", release_tags_only=False), repo) == sha
    (repo / "app.py").write_text("print('wip')\n")
    assert check_source(stage("dev", release_tags_only=False), repo) == f"{sha}-dirty"


def test_credentials_of_another_account_are_refused():
    with mock_aws():
        sts = boto3.session.Session(region_name="us-east-1").client("sts")
        assert check_account(stage(account=MOTO_ACCOUNT), sts) == MOTO_ACCOUNT
        with pytest.raises(Refused, match=f"account {MOTO_ACCOUNT}, but prod lives in 222222222222"):
            check_account(stage(account="222222222222"), sts)


class Recorder:
    """A boto3 session that records every client asked for and answers STS with `account`."""

    def __init__(self, account: str) -> None:
        self.account = account
        self.asked: list[str] = []

    def client(self, service: str, endpoint_url=None):
        self.asked.append(service)
        if service != "sts":
            raise AssertionError(f"deploy touched {service} before its checks passed")
        account = self.account

        class Sts:
            def get_caller_identity(self):
                return {"Account": account}

        return Sts()


def test_a_refused_deploy_packages_nothing_and_touches_no_aws_resource(repo, monkeypatch):
    packaged = []
    monkeypatch.setattr("devtools.package.package", lambda *a, **k: packaged.append(a))
    (repo / "app.py").write_text("dirty\n")
    session = Recorder(MOTO_ACCOUNT)
    with pytest.raises(Refused):
        deploy_module.deploy(stage(), session, repo=repo)
    assert session.asked == [] and packaged == []
    git(repo, "checkout", "--", "app.py")
    git(repo, "tag", "v2.0.0")
    with pytest.raises(Refused, match="account"):
        deploy_module.deploy(stage(account="222222222222"), session, repo=repo)
    assert session.asked == ["sts"] and packaged == []


def test_make_deploy_exits_2_with_the_reason_on_a_refusal(capsys):
    assert deploy_module.main(["--stage", "staging"]) == 2
    assert "not deployable" in capsys.readouterr().err
