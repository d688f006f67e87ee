"""`make package` (chalice package + infra/ merged by devtools/template.py) for each stage: lint-clean, least
privilege, secrets only in Secrets Manager, alarms and a dashboard, safe defaults."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from chalicelib.adapters.models import MODELS_BY_SETTING

STAGES = ("dev", "prod")
DATA_ACTIONS = ("dynamodb:", "s3:", "cognito-idp:", "sqs:")
# devtools: the local stack and the simulators of outside services (the card payment provider) never ship
TEST_ONLY = (
    "moto",
    "pytest",
    "_pytest",
    "cfn_lint",
    "requests",
    "schemathesis",
    "playwright",
    "hypothesis",
    "ruff",
    "devtools",
    "tests",
    "bench",
)


@pytest.fixture(scope="session", params=STAGES)
def packaged(request, tmp_path_factory) -> tuple[str, dict, Path]:
    from devtools.package import package

    stage = request.param
    out = tmp_path_factory.mktemp(f"package-{stage}") / "out"
    sam = package(stage, out, lint=False, region="us-east-1")
    return stage, json.loads(sam.read_text()), out


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
    # product media, and (issue 14) business documents and RFQ attachments, which the CDN does not serve
    prefixes = ("/shops/*", "/businesses/*")
    assert all(any(p in json.dumps(r) for p in prefixes) for r in s3_resources), "S3 access is limited to its prefixes"


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
            "Resource": {"Fn::Sub": "${MediaBucket.Arn}/shops/*"},  # product media only, never businesses/
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
            "SECRET_ID_CURSOR",
            "SECRET_ID_PAYMENT_WEBHOOK",
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


# --- secrets ---------------------------------------------------------------------------------------------------

SECRET_WORDS = ("secret", "password", "token", "key", "credential")


def _of_type(template: dict, kind: str) -> dict[str, dict]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def test_no_parameter_carries_a_secret(packaged):
    _, template, _ = packaged
    for name, parameter in template.get("Parameters", {}).items():
        assert not parameter.get("NoEcho"), name
        assert not any(word in name.lower() for word in SECRET_WORDS), name
    assert set(template.get("Parameters", {})) == {"AlarmEmail"}


def test_every_secret_is_generated_by_the_stack_in_secrets_manager(packaged):
    from devtools.template import secret_logical_id, secrets_catalogue

    _, template, _ = packaged
    secrets = _of_type(template, "AWS::SecretsManager::Secret")
    assert (
        set(secrets)
        == {secret_logical_id(name) for name in secrets_catalogue()}
        == {
            "CursorSecret",
            "PaymentWebhookSecret",
            "PickupCodeSecret",
            "PaymentProviderSecret",  # issue 9: the card provider's API key (refunds)
            "PayoutProviderSecret",  # issue 17: the bank's API key
            "PayoutWebhookSecret",  # issue 17: the bank's callback HMAC key
            "RuAcquirerSecret",  # issue 12: the Russian acquirer's terminal key and password
            "CarrierSigningSecret",  # issue 12: derives each carrier's tracking signature key
        }
    )
    for secret in secrets.values():
        assert "SecretString" not in secret["Properties"]  # generated, never written in the template
        assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    assert secrets["CursorSecret"]["Properties"]["GenerateSecretString"]["GenerateStringKey"] == "current"


def test_functions_get_secret_ids_and_no_secret_values(packaged):
    _, template, _ = packaged
    secrets = set(_of_type(template, "AWS::SecretsManager::Secret"))
    for name, function in _of_type(template, "AWS::Serverless::Function").items():
        variables = function["Properties"]["Environment"]["Variables"]
        secret_vars = {k: v for k, v in variables.items() if any(w in k.lower() for w in SECRET_WORDS)}
        from devtools.template import secret_logical_id, secrets_catalogue

        assert secret_vars == {f"SECRET_ID_{n.upper()}": {"Ref": secret_logical_id(n)} for n in secrets_catalogue()}, (
            name
        )
        assert {
            "SECRET_ID_CURSOR",
            "SECRET_ID_PAYMENT_WEBHOOK",
            "SECRET_ID_PAYOUT_PROVIDER",
            "SECRET_ID_PAYMENT_PROVIDER",
        } <= set(secret_vars)
        assert {v["Ref"] for v in secret_vars.values()} == secrets
        for value in variables.values():  # references, short settings, ARNs and service URLs: never a key
            assert isinstance(value, dict) or len(value) < 32 or value.startswith(("arn:", "https://")), (name, value)


def test_the_function_role_can_read_exactly_the_stacks_secrets(packaged):
    _, template, _ = packaged
    secrets = set(_of_type(template, "AWS::SecretsManager::Secret"))
    granted = []
    for policy_name, statements in _statements(template):
        for statement in statements:
            actions = _as_list(statement["Action"])
            if any(a.startswith("secretsmanager:") or a in ("*", "secretsmanager:*") for a in actions):
                assert statement["Effect"] == "Allow" and actions == ["secretsmanager:GetSecretValue"], statement
                granted.append((policy_name, statement))
    assert len(granted) == 1
    policy_name, statement = granted[0]
    assert template["Resources"][policy_name]["Properties"]["Roles"] == [{"Ref": "DefaultRole"}]
    resources = _as_list(statement["Resource"])
    assert all(set(r) == {"Ref"} for r in resources), resources  # the secrets' ARNs, no wildcard
    assert sorted(r["Ref"] for r in resources) == sorted(secrets)
    functions = _of_type(template, "AWS::Serverless::Function").values()
    assert all(f["Properties"]["Role"] == {"Fn::GetAtt": ["DefaultRole", "Arn"]} for f in functions)


# --- alarms and dashboard --------------------------------------------------------------------------------------


def _alarms(template: dict) -> dict[str, dict]:
    return {name: r["Properties"] for name, r in _of_type(template, "AWS::CloudWatch::Alarm").items()}


def _metrics(alarm: dict) -> list[tuple[str, str, list]]:
    if "MetricName" in alarm:
        return [(alarm["Namespace"], alarm["MetricName"], alarm.get("Dimensions", []))]
    found = []
    for query in alarm["Metrics"]:
        if "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            found.append((metric["Namespace"], metric["MetricName"], metric.get("Dimensions", [])))
    return found


def _alarms_on(template: dict, namespace: str, metric: str) -> list[tuple[str, dict, list]]:
    return [
        (name, alarm, dims)
        for name, alarm in _alarms(template).items()
        for ns, m, dims in _metrics(alarm)
        if (ns, m) == (namespace, metric)
    ]


def test_every_alarm_notifies_the_one_alarm_topic(packaged):
    _, template, _ = packaged
    topics = _of_type(template, "AWS::SNS::Topic")
    assert list(topics) == ["AlarmTopic"]
    alarms = _alarms(template)
    assert len(alarms) >= 15
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        assert alarm["AlarmDescription"], name


def test_the_alarm_email_subscription_is_optional(packaged):
    _, template, _ = packaged
    subscriptions = _of_type(template, "AWS::SNS::Subscription")
    assert list(subscriptions) == ["AlarmEmailSubscription"]
    subscription = subscriptions["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    assert template["Parameters"]["AlarmEmail"]["Default"] == ""
    assert template["Conditions"]["HasAlarmEmail"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}


def test_api_5xx_rate_is_alarmed(packaged):
    _, template, _ = packaged
    alarm = _alarms(template)["ApiServerErrorRateAlarm"]
    assert {(ns, m) for ns, m, _ in _metrics(alarm)} == {("AWS/ApiGateway", "5XXError"), ("AWS/ApiGateway", "Count")}
    expression = next(q for q in alarm["Metrics"] if q.get("ReturnData"))["Expression"]
    assert "errors / requests" in expression
    dims = {d["Name"]: d["Value"] for d in _metrics(alarm)[0][2]}
    assert dims == {"ApiName": "bazaar", "Stage": "api"}  # the API Chalice deploys and its stage
    assert template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["info"]["title"] == "bazaar"


def test_every_function_has_an_errors_and_a_throttles_alarm(packaged):
    _, template, _ = packaged
    functions = set(_of_type(template, "AWS::Serverless::Function"))
    assert {"APIHandler", "OrderEvents", "CompleteOrders"} <= functions
    for metric in ("Errors", "Throttles"):
        watched = {dims[0]["Value"]["Ref"] for _, _, dims in _alarms_on(template, "AWS/Lambda", metric)}
        assert watched == functions, metric


def test_every_table_has_a_throttled_requests_alarm(packaged):
    _, template, _ = packaged
    tables = set(_of_type(template, "AWS::DynamoDB::Table"))
    for metric in ("ReadThrottleEvents", "WriteThrottleEvents"):
        watched = {dims[0]["Value"]["Ref"] for _, _, dims in _alarms_on(template, "AWS/DynamoDB", metric)}
        assert watched == tables, metric


def test_the_dead_letter_queue_alarms_on_any_message(packaged):
    _, template, _ = packaged
    alarms = _alarms_on(template, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    watched = {dims[0]["Value"]["Fn::GetAtt"][0] for _, _, dims in alarms}
    assert watched == {"OrderEventsDeadLetterQueue"}  # the only queue: events and job steps (issue 10's too)
    for _, alarm, _ in alarms:
        assert alarm["Threshold"] == 1 and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_backlog_age_is_alarmed_on_the_queue_and_on_the_outbox_metric(packaged):
    stage, template, _ = packaged
    [(_, queue_alarm, dims)] = _alarms_on(template, "AWS/SQS", "ApproximateAgeOfOldestMessage")
    assert dims == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["OrderEventsQueue", "QueueName"]}}]
    assert queue_alarm["Threshold"] > 0
    [(name, outbox, dims)] = _alarms_on(template, "Bazaar", "OutboxOldestPendingAgeSeconds")
    assert name == "OutboxBacklogAgeAlarm" and dims == [{"Name": "Stage", "Value": stage}]
    assert outbox["TreatMissingData"] == "notBreaching"  # nothing feeds it until the outbox relay does


def test_the_dashboard_shows_the_same_signals(packaged):
    stage, template, _ = packaged
    [dashboard] = _of_type(template, "AWS::CloudWatch::Dashboard").values()
    body = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    widgets = json.loads(body)["widgets"]
    metrics = {(m[0], m[1]) for w in widgets if w["type"] == "metric" for m in w["properties"]["metrics"] if len(m) > 1}
    assert {
        ("AWS/ApiGateway", "5XXError"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/DynamoDB", "ReadThrottleEvents"),
        ("AWS/DynamoDB", "WriteThrottleEvents"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("AWS/SQS", "ApproximateAgeOfOldestMessage"),
        ("Bazaar", "OutboxOldestPendingAgeSeconds"),
    } <= metrics
    [alarm_widget] = [w for w in widgets if w["type"] == "alarm"]
    assert sorted(alarm_widget["properties"]["alarms"]) == sorted(f"${{{name}.Arn}}" for name in _alarms(template))
    for function in _of_type(template, "AWS::Serverless::Function"):
        assert "${" + function + "}" in body
    for table in _of_type(template, "AWS::DynamoDB::Table"):
        assert "${" + table + "}" in body
    assert f"Bazaar {stage}" in body


# --- issue 9: the outbox, the schedules, time to live -----------------------------------------------------------


def _function_by_handler(template: dict, handler: str) -> dict:
    (found,) = [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function" and r["Properties"]["Handler"] == handler
    ]
    return found["Properties"]


def test_the_outbox_relay_is_triggered_by_the_outbox_tables_stream_and_reports_partial_failures(packaged):
    _, template, _ = packaged
    outbox = template["Resources"]["OutboxTable"]["Properties"]
    assert outbox["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    relay = _function_by_handler(template, "chalicelib.events.outbox.outbox_relay")
    ((_, source),) = relay["Events"].items()
    assert source["Type"] == "DynamoDB"
    props = source["Properties"]
    assert props["Stream"] == {"Fn::GetAtt": ["OutboxTable", "StreamArn"]}
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["StartingPosition"] == "TRIM_HORIZON" and props["MaximumRetryAttempts"] >= 1


def test_the_scheduled_jobs_are_packaged_with_their_rates(packaged):
    _, template, _ = packaged
    rates = {
        "chalicelib.events.outbox.sweep_outbox": "rate(1 minute)",
        "chalicelib.events.order_events.expire_orders": "rate(5 minutes)",
        "chalicelib.events.order_events.retry_refunds": "rate(5 minutes)",
        "chalicelib.events.order_events.complete_orders": "rate(1 hour)",
    }
    for handler, rate in rates.items():
        ((_, event),) = _function_by_handler(template, handler)["Events"].items()
        assert event["Type"] == "Schedule" and event["Properties"]["Schedule"] == rate, handler


def test_time_to_live_is_declared_on_the_items_that_lapse(packaged):
    _, template, _ = packaged
    ttl = {
        name: r["Properties"].get("TimeToLiveSpecification")
        for name, r in template["Resources"].items()
        if r["Type"] == "AWS::DynamoDB::Table"
    }
    for table in ("UniquesTable", "CartsTable", "NotificationsTable", "OutboxTable"):
        assert ttl[table] == {"AttributeName": "expires_at", "Enabled": True}, table
    lapsing = {"UniquesTable", "CartsTable", "NotificationsTable", "OutboxTable", "AggregatesTable"}  # + issue 17's
    assert {t for t, spec in ttl.items() if spec} == lapsing


def test_the_functions_may_read_the_outbox_stream_and_publish_the_outbox_metric_only(packaged):
    _, template, _ = packaged
    statements = [s for _, group in _statements(template) for s in group]
    stream = [
        s for s in statements if "dynamodb:GetRecords" in _as_list(s["Action"]) and isinstance(s["Resource"], dict)
    ]
    assert stream and stream[0]["Resource"] == {"Fn::GetAtt": ["OutboxTable", "StreamArn"]}
    (metric,) = [s for s in statements if "cloudwatch:PutMetricData" in _as_list(s["Action"])]
    assert metric["Condition"] == {"StringEquals": {"cloudwatch:namespace": "Bazaar"}}


# --- API Gateway's own answers in the house error shape (issue 9) -------------------------------------------


def test_every_answer_of_the_gateway_itself_has_the_house_error_shape(packaged):
    """infra/gateway-responses.json lands in the packaged API definition: the 4xx/5xx defaults and every listed
    response type render, with any message API Gateway puts in, to {"error": {"code", "message"}}."""
    _, template, _ = packaged
    api = template["Resources"]["RestAPI"]
    assert api["Type"] == "AWS::Serverless::Api"
    responses = api["Properties"]["DefinitionBody"]["x-amazon-apigateway-gateway-responses"]
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "MISSING_AUTHENTICATION_TOKEN", "THROTTLED"} <= set(responses)
    for kind, response in responses.items():
        templates = response["responseTemplates"]
        assert set(templates) == {"application/json"}, kind
        for message in ("Missing Authentication Token", 'a "quoted" message', "Ünïcödé"):
            body = json.loads(
                templates["application/json"].replace("$context.error.messageString", json.dumps(message))
            )
            assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, kind
            assert body["error"]["code"].islower() and body["error"]["message"], kind
        assert response["responseParameters"]["gatewayresponse.header.Cache-Control"] == "'no-store'", kind
        assert int(response.get("statusCode", 400)) >= 400, kind
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] == "404"  # an unknown path is not a 403


def test_the_api_answers_options_itself_on_every_path(packaged):
    """Every path of the API definition has its OPTIONS method, served by the function (a 405 with Allow)."""
    _, template, _ = packaged
    paths = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    assert paths and all("options" in methods for methods in paths.values())
