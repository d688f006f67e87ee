"""The template merged into Chalice's SAM template: infra/data-stack.json + infra/secrets.json + infra/operations.json
+ infra/gateway-responses.json.

- every entry of infra/secrets.json becomes an `AWS::SecretsManager::Secret` with a generated value, a
  `SECRET_ID_<NAME>` variable (its ARN) on every function, and one policy that lets the functions' role read
  exactly those secrets (adding a secret is one entry there);
- infra/operations.json brings the alarm topic, its optional email subscription and the order-events backlog
  alarm; this module adds the alarms that follow the stack's shape (errors and throttles per function, throttled
  requests per table, any message on a dead-letter queue, the API's 5xx rate, the outbox backlog age) and one
  dashboard with the same signals;
- infra/gateway-responses.json gives API Gateway's own answers (no route, throttling, limits, timeouts) the
  house error shape: merged into the definition of Chalice's API (`RestAPI`), so they deploy with it
  (`gateway_response` renders one, as `chalice local` answers through devtools/chalice_child.py).

    python -m devtools.template --stage dev > merged.json
"""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INFRA = ROOT / "infra"
CHALICE_CONFIG = ROOT / ".chalice" / "config.json"

SECRET_ENV_PREFIX = "SECRET_ID_"
SECRETS_POLICY = "BazaarSecretsReadPolicy"
ALARM_TOPIC = "AlarmTopic"
DASHBOARD = "OperationsDashboard"
# The outbox relay (issue 9) reports how long its oldest unpublished event has waited, as this metric with the
# dimension Stage=<stage>; until something feeds it the alarm sees no data, which is not breaching.
OUTBOX_METRIC = {"Namespace": "Bazaar", "MetricName": "OutboxOldestPendingAgeSeconds"}
OUTBOX_MAX_AGE_SECONDS = 300
API_5XX_PERCENT = 5
API_MIN_REQUESTS = 20  # below this many requests in five minutes one error is not a rate


def _read(name: str) -> dict:
    return json.loads((INFRA / name).read_text())


def secrets_catalogue() -> dict[str, dict]:
    return _read("secrets.json")["Secrets"]


def secret_logical_id(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_")) + "Secret"


def secret_env_var(name: str) -> str:
    return SECRET_ENV_PREFIX + name.upper()


def function_fragments(template: dict) -> list[str]:
    """The Chalice functions this template amends (fragments without a Type, carrying their environment)."""
    return [
        name
        for name, resource in template["Resources"].items()
        if "Type" not in resource and "Variables" in resource.get("Properties", {}).get("Environment", {})
    ]


def _of_type(template: dict, kind: str) -> list[str]:
    return [name for name, r in template["Resources"].items() if r.get("Type") == kind]


def _chalice_api() -> tuple[str, str]:
    config = json.loads(CHALICE_CONFIG.read_text())
    return config["app_name"], config.get("api_gateway_stage", "api")


def _secret_resource(name: str, spec: dict) -> dict:
    generate = {"PasswordLength": 64, "ExcludePunctuation": True}
    if spec["Format"] == "keyring":
        generate.update(SecretStringTemplate="{}", GenerateStringKey="current")
    elif spec["Format"] != "plain":
        raise ValueError(f"secret {name}: Format is keyring or plain")
    return {
        "Type": "AWS::SecretsManager::Secret",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "Description": {"Fn::Sub": "${AWS::StackName}: " + spec["Description"]},
            "GenerateSecretString": generate,
            "Tags": [{"Key": "app", "Value": "bazaar"}, {"Key": "secret", "Value": name}],
        },
    }


def add_secrets(template: dict, catalogue: dict[str, dict]) -> None:
    resources = template["Resources"]
    for name, spec in catalogue.items():
        resources[secret_logical_id(name)] = _secret_resource(name, spec)
    for function in function_fragments(template):
        variables = resources[function]["Properties"]["Environment"]["Variables"]
        for name in catalogue:
            variables[secret_env_var(name)] = {"Ref": secret_logical_id(name)}
    resources[SECRETS_POLICY] = {
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": "bazaar-read-secrets",
            "Roles": [{"Ref": "DefaultRole"}],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "ReadOwnSecrets",
                        "Effect": "Allow",
                        "Action": ["secretsmanager:GetSecretValue"],
                        "Resource": [{"Ref": secret_logical_id(name)} for name in catalogue],
                    }
                ],
            },
        },
    }


def _alarm(description: str, **properties) -> dict:
    topic = [{"Ref": ALARM_TOPIC}]
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": description,
            "TreatMissingData": "notBreaching",
            "AlarmActions": topic,
            "OKActions": topic,
            **properties,
        },
    }


def _simple(namespace: str, metric: str, dimensions: list[dict], statistic: str, period: int) -> dict:
    return {
        "Namespace": namespace,
        "MetricName": metric,
        "Dimensions": dimensions,
        "Statistic": statistic,
        "Period": period,
    }


def _stat(metric_id: str, namespace: str, metric: str, dimensions: list[dict], stat: str = "Sum") -> dict:
    return {
        "Id": metric_id,
        "ReturnData": False,
        "MetricStat": {
            "Metric": {"Namespace": namespace, "MetricName": metric, "Dimensions": dimensions},
            "Period": 300,
            "Stat": stat,
        },
    }


def dead_letter_queues(template: dict) -> list[str]:
    found = []
    for resource in template["Resources"].values():
        target = resource.get("Properties", {}).get("RedrivePolicy", {}).get("deadLetterTargetArn")
        if isinstance(target, dict) and "Fn::GetAtt" in target:
            found.append(target["Fn::GetAtt"][0])
    return sorted(set(found))


def add_alarms(template: dict, stage: str) -> dict[str, list[str]]:
    """Adds the shape-following alarms; returns their logical ids by signal (for the dashboard and tests)."""
    resources = template["Resources"]
    api_name, api_stage = _chalice_api()
    signals: dict[str, list[str]] = {"api": [], "functions": [], "tables": [], "queues": [], "outbox": []}

    api_dims = [{"Name": "ApiName", "Value": api_name}, {"Name": "Stage", "Value": api_stage}]
    resources["ApiServerErrorRateAlarm"] = _alarm(
        f"More than {API_5XX_PERCENT}% of API requests answered 5xx over five minutes.",
        Metrics=[
            _stat("errors", "AWS/ApiGateway", "5XXError", api_dims),
            _stat("requests", "AWS/ApiGateway", "Count", api_dims),
            {
                "Id": "rate",
                "Label": "5xx %",
                "ReturnData": True,
                "Expression": f"IF(requests >= {API_MIN_REQUESTS}, 100 * errors / requests, 0)",
            },
        ],
        EvaluationPeriods=1,
        Threshold=API_5XX_PERCENT,
        ComparisonOperator="GreaterThanThreshold",
    )
    signals["api"].append("ApiServerErrorRateAlarm")

    for function in function_fragments(template):
        dims = [{"Name": "FunctionName", "Value": {"Ref": function}}]
        for metric, what in (("Errors", "raised errors"), ("Throttles", "was throttled")):
            name = f"{function}{metric}Alarm"
            resources[name] = _alarm(
                f"{function} {what} in the last five minutes.",
                **_simple("AWS/Lambda", metric, dims, "Sum", 300),
                EvaluationPeriods=1,
                Threshold=1,
                ComparisonOperator="GreaterThanOrEqualToThreshold",
            )
            signals["functions"].append(name)

    for table in _of_type(template, "AWS::DynamoDB::Table"):
        dims = [{"Name": "TableName", "Value": {"Ref": table}}]
        name = f"{table}ThrottledRequestsAlarm"
        resources[name] = _alarm(
            f"DynamoDB throttled requests on {table} in the last five minutes.",
            Metrics=[
                _stat("reads", "AWS/DynamoDB", "ReadThrottleEvents", dims),
                _stat("writes", "AWS/DynamoDB", "WriteThrottleEvents", dims),
                {
                    "Id": "throttled",
                    "Label": "throttled",
                    "ReturnData": True,
                    "Expression": "FILL(reads, 0) + FILL(writes, 0)",
                },
            ],
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )
        signals["tables"].append(name)

    for queue in dead_letter_queues(template):
        name = f"{queue}NotEmptyAlarm"
        dims = [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]
        resources[name] = _alarm(
            f"{queue} holds a message: an event failed every retry and waits for a person.",
            **_simple("AWS/SQS", "ApproximateNumberOfMessagesVisible", dims, "Maximum", 60),
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )
        signals["queues"].append(name)
    if "OrderEventsBacklogAgeAlarm" in resources:
        signals["queues"].append("OrderEventsBacklogAgeAlarm")

    resources["OutboxBacklogAgeAlarm"] = _alarm(
        f"The oldest outbox event has waited more than {OUTBOX_MAX_AGE_SECONDS} s to be published. Fed by the "
        f"outbox relay as {OUTBOX_METRIC['Namespace']}/{OUTBOX_METRIC['MetricName']} (Stage={stage}); no data is OK.",
        **_simple(
            OUTBOX_METRIC["Namespace"], OUTBOX_METRIC["MetricName"], [{"Name": "Stage", "Value": stage}], "Maximum", 60
        ),
        EvaluationPeriods=3,
        Threshold=OUTBOX_MAX_AGE_SECONDS,
        ComparisonOperator="GreaterThanThreshold",
    )
    signals["outbox"].append("OutboxBacklogAgeAlarm")
    return signals


def _widget(title: str, metrics: list, x: int, y: int, *, stat: str = "Sum", width: int = 12) -> dict:
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": width,
        "height": 6,
        "properties": {
            "title": title,
            "region": "${AWS::Region}",
            "stat": stat,
            "period": 300,
            "view": "timeSeries",
            "metrics": metrics,
        },
    }


def dashboard_body(template: dict, signals: dict[str, list[str]], stage: str) -> str:
    """The dashboard as CloudWatch wants it (a JSON string), with ${...} for Fn::Sub to fill in."""
    api_name, api_stage = _chalice_api()
    api = ["ApiName", api_name, "Stage", api_stage]
    functions = function_fragments(template)
    tables = _of_type(template, "AWS::DynamoDB::Table")
    dlqs = dead_letter_queues(template)
    queues = [q for q in _of_type(template, "AWS::SQS::Queue") if q not in dlqs]
    alarms = [f"${{{name}.Arn}}" for group in signals.values() for name in group]
    widgets = [
        {
            "type": "alarm",
            "x": 0,
            "y": 0,
            "width": 24,
            "height": 4,
            "properties": {"title": f"Bazaar {stage}: alarms", "alarms": alarms},
        },
        _widget(
            "API: requests and 5xx",
            [
                ["AWS/ApiGateway", "Count", *api, {"id": "requests"}],
                ["AWS/ApiGateway", "5XXError", *api, {"id": "errors"}],
                [{"expression": "IF(requests > 0, 100 * errors / requests, 0)", "label": "5xx %", "yAxis": "right"}],
            ],
            0,
            4,
        ),
        _widget("API: latency p99", [["AWS/ApiGateway", "Latency", *api]], 12, 4, stat="p99"),
        _widget(
            "Lambda: errors and throttles",
            [["AWS/Lambda", m, "FunctionName", f"${{{f}}}"] for f in functions for m in ("Errors", "Throttles")],
            0,
            10,
        ),
        _widget(
            "DynamoDB: throttled reads and writes",
            [
                ["AWS/DynamoDB", m, "TableName", f"${{{t}}}"]
                for t in tables
                for m in ("ReadThrottleEvents", "WriteThrottleEvents")
            ],
            12,
            10,
        ),
        _widget(
            "Queues: dead letters and backlog age",
            [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", f"${{{q}.QueueName}}"] for q in dlqs]
            + [["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", f"${{{q}.QueueName}}"] for q in queues],
            0,
            16,
            stat="Maximum",
        ),
        _widget(
            "Outbox: oldest pending event (s)",
            [[OUTBOX_METRIC["Namespace"], OUTBOX_METRIC["MetricName"], "Stage", stage]],
            12,
            16,
            stat="Maximum",
        ),
    ]
    return json.dumps({"widgets": widgets}, separators=(",", ":"))


def merge_operations(template: dict, operations: dict) -> None:
    for section in ("Parameters", "Conditions", "Resources", "Outputs"):
        for name, value in operations.get(section, {}).items():
            if name in template.get(section, {}):
                raise ValueError(f"infra/operations.json redefines {section}.{name}")
            template.setdefault(section, {})[name] = value


GATEWAY_RESPONSES = "x-amazon-apigateway-gateway-responses"
CHALICE_API = "RestAPI"  # the logical id of the API in Chalice's SAM template


def gateway_responses() -> dict[str, dict]:
    return _read("gateway-responses.json")[GATEWAY_RESPONSES]


def gateway_response(kind: str, message: str, status: int) -> tuple[int, dict[str, str], str]:
    """(status, headers, body) of API Gateway's answer `kind` (MISSING_AUTHENTICATION_TOKEN, DEFAULT_4XX, ...)
    as infra/gateway-responses.json shapes it; `message` stands for $context.error.messageString and `status`
    for the gateway's own status when the response does not set one."""
    responses = gateway_responses()
    spec = responses.get(kind) or responses["DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX"]
    body = spec["responseTemplates"]["application/json"].replace("$context.error.messageString", json.dumps(message))
    headers = {"Content-Type": "application/json"}
    for name, value in spec.get("responseParameters", {}).items():
        headers[name.removeprefix("gatewayresponse.header.")] = value.strip("'")
    return int(spec.get("statusCode", status)), headers, body


def merge_gateway_responses(template: dict) -> None:
    """A fragment of Chalice's API: `chalice package --merge-template` merges dicts recursively, so the responses
    land in the API's OpenAPI body next to Chalice's routes (one deployment of the API carries both)."""
    api = template["Resources"].setdefault(CHALICE_API, {})
    api.setdefault("Properties", {}).setdefault("DefinitionBody", {})[GATEWAY_RESPONSES] = gateway_responses()


def merged_template(stage: str) -> dict:
    template = copy.deepcopy(_read("data-stack.json"))
    add_secrets(template, secrets_catalogue())
    merge_operations(template, _read("operations.json"))
    merge_gateway_responses(template)
    signals = add_alarms(template, stage)
    template["Resources"][DASHBOARD] = {
        "Type": "AWS::CloudWatch::Dashboard",
        "Properties": {
            "DashboardName": {"Fn::Sub": "${AWS::StackName}-operations"},
            "DashboardBody": {"Fn::Sub": dashboard_body(template, signals, stage)},
        },
    }
    template["Outputs"]["DashboardName"] = {"Value": {"Ref": DASHBOARD}}
    return template


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", default="dev")
    print(json.dumps(merged_template(parser.parse_args().stage), indent=2))


if __name__ == "__main__":
    main()
