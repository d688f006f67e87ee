"""Creates every resource the app needs on an AWS endpoint (moto locally) from infra/ (devtools/template.py).

The API function's environment in the template (`APIHandler ... Environment.Variables`) names each
resource the app uses by `Ref`; this walks that list, so infra/ stays the only definition. Table and
bucket names come from the stage's environment in .chalice/config.json; Cognito ids are generated and
returned; secrets get generated values like CloudFormation's GenerateSecretString gives them, and the
environment gets their ARNs. Safe to run twice.
"""

from __future__ import annotations

import json
import secrets
import string
from pathlib import Path

from devtools.template import merged_template

ROOT = Path(__file__).resolve().parent.parent
CHALICE_CONFIG = ROOT / ".chalice" / "config.json"


def load_template(stage: str = "local") -> dict:
    """infra/data-stack.json with the secrets and operations of infra/ merged in, as `make package` merges it."""
    return merged_template(stage)


def stage_environment(stage: str) -> dict[str, str]:
    config = json.loads(CHALICE_CONFIG.read_text())
    return dict(config["stages"][stage].get("environment_variables", {}))


def app_resources(template: dict) -> dict[str, str]:
    """env var -> logical id, for every resource the API function is given."""
    variables = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    return {
        name: value["Ref"]
        for name, value in variables.items()
        if isinstance(value, dict) and value.get("Ref") in template["Resources"]
    }


def _create_table(dynamodb, name: str, props: dict) -> None:
    args = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if props.get("GlobalSecondaryIndexes"):
        args["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    if props.get("StreamSpecification"):  # CloudFormation's shape -> the API's
        args["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    try:
        dynamodb.create_table(**args)
    except dynamodb.exceptions.ResourceInUseException:
        return
    if props.get("TimeToLiveSpecification"):
        # moto accepts the setting (and never deletes anything): the app never relies on TTL having run
        dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=props["TimeToLiveSpecification"])


def _create_bucket(s3, name: str, props: dict, region: str) -> None:
    try:
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    except (s3.exceptions.BucketAlreadyOwnedByYou, s3.exceptions.BucketAlreadyExists):
        pass
    if "CorsConfiguration" in props:
        # CloudFormation spells a few CORS keys differently from the S3 API.
        renamed = {"MaxAge": "MaxAgeSeconds", "Id": "ID"}
        rules = [{renamed.get(k, k): v for k, v in rule.items()} for rule in props["CorsConfiguration"]["CorsRules"]]
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})


def cdn_origin_buckets(template: dict) -> set[str]:
    """Logical ids of the buckets a CloudFront distribution of the template serves."""
    origins = set()
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::CloudFront::Distribution":
            for origin in resource["Properties"]["DistributionConfig"]["Origins"]:
                domain = origin.get("DomainName")
                if isinstance(domain, dict) and "Fn::GetAtt" in domain:
                    origins.add(domain["Fn::GetAtt"][0])
    return origins


def serve_unsigned_reads(s3, bucket: str) -> None:
    """Locally there is no CloudFront: the bucket itself answers the media URLs, unsigned (moto refuses an
    anonymous GET unless a bucket policy allows it). Moto only; on AWS the bucket stays private and only the
    distribution reads it (infra/data-stack.json, MediaBucketPolicy)."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "LocalStandInForTheMediaDistribution",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/shops/*",  # as the distribution: never businesses/ files
            }
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))


def _create_queue(sqs, name: str, props: dict) -> str:
    attributes = {"VisibilityTimeout": str(props.get("VisibilityTimeout", 30))}
    return sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]


def generated_secret_string(props: dict) -> str:
    """What CloudFormation's GenerateSecretString makes (letters and digits; we never ask for punctuation)."""
    spec = props.get("GenerateSecretString", {})
    alphabet = string.ascii_letters + string.digits
    value = "".join(secrets.choice(alphabet) for _ in range(spec.get("PasswordLength", 32)))
    if "GenerateStringKey" in spec:
        return json.dumps({**json.loads(spec.get("SecretStringTemplate", "{}")), spec["GenerateStringKey"]: value})
    return value


def ensure_secret(secretsmanager, template: dict, logical_id: str, stage: str) -> str:
    """The secret's ARN; created with a generated value unless it exists (a value set or rotated stays)."""
    props = template["Resources"][logical_id]["Properties"]
    name = f"bazaar-{stage}-{logical_id}"
    try:
        return secretsmanager.describe_secret(SecretId=name)["ARN"]
    except secretsmanager.exceptions.ResourceNotFoundException:
        pass
    return secretsmanager.create_secret(Name=name, SecretString=generated_secret_string(props))["ARN"]


def ensure_user_pool(cognito, template: dict, logical_id: str, stage: str) -> str:
    props = template["Resources"][logical_id]["Properties"]
    name = f"bazaar-{stage}-users"
    for pool in cognito.list_user_pools(MaxResults=60)["UserPools"]:
        if pool["Name"] == name:
            return pool["Id"]
    pool_id = cognito.create_user_pool(
        PoolName=name,
        Policies=props["Policies"],
        AdminCreateUserConfig=props["AdminCreateUserConfig"],
        UsernameConfiguration=props["UsernameConfiguration"],
        AutoVerifiedAttributes=props["AutoVerifiedAttributes"],
    )["UserPool"]["Id"]
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::Cognito::UserPoolGroup" and resource["Properties"]["UserPoolId"] == {
            "Ref": logical_id
        }:
            group = resource["Properties"]
            cognito.create_group(UserPoolId=pool_id, GroupName=group["GroupName"], Description=group["Description"])
    return pool_id


def ensure_pool_client(cognito, template: dict, logical_id: str, pool_id: str, stage: str) -> str:
    props = template["Resources"][logical_id]["Properties"]
    name = f"bazaar-{stage}-api"
    for client in cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]:
        if client["ClientName"] == name:
            return client["ClientId"]
    return cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=name,
        GenerateSecret=props["GenerateSecret"],
        ExplicitAuthFlows=props["ExplicitAuthFlows"],
        PreventUserExistenceErrors=props["PreventUserExistenceErrors"],
    )["UserPoolClient"]["ClientId"]


def provision(session, stage: str = "local", endpoint_url: str | None = None) -> dict[str, str]:
    """Creates the stage's resources; returns the full environment the app needs for that stage."""
    template = load_template(stage)
    env = stage_environment(stage)
    region = session.region_name
    dynamodb = session.client("dynamodb", endpoint_url=endpoint_url)
    s3 = session.client("s3", endpoint_url=endpoint_url)
    cognito = session.client("cognito-idp", endpoint_url=endpoint_url)
    wanted = app_resources(template)
    by_logical = {logical: var for var, logical in wanted.items()}
    for var, logical in wanted.items():
        resource = template["Resources"][logical]
        kind, props = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::DynamoDB::Table":
            _create_table(dynamodb, env[var], props)
        elif kind == "AWS::S3::Bucket":
            _create_bucket(s3, env[var], props, region)
            if logical in cdn_origin_buckets(template):
                serve_unsigned_reads(s3, env[var])
        elif kind == "AWS::SQS::Queue":
            env[var] = _create_queue(
                session.client("sqs", endpoint_url=endpoint_url), f"bazaar-{stage}-{logical}", props
            )
        elif kind == "AWS::Cognito::UserPool":
            env[var] = ensure_user_pool(cognito, template, logical, stage)
        elif kind == "AWS::SecretsManager::Secret":
            env[var] = ensure_secret(
                session.client("secretsmanager", endpoint_url=endpoint_url), template, logical, stage
            )
    for var, logical in wanted.items():
        resource = template["Resources"][logical]
        if resource.get("Type") == "AWS::Cognito::UserPoolClient":
            pool_var = by_logical[resource["Properties"]["UserPoolId"]["Ref"]]
            env[var] = ensure_pool_client(cognito, template, logical, env[pool_var], stage)
    missing = set(wanted) - set(env)
    if missing:
        raise RuntimeError(f"infra defines resources this provisioner cannot create: {sorted(missing)}")
    return env
