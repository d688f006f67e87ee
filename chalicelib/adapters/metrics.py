"""Custom CloudWatch metrics (namespace "Bazaar"; moto's CloudWatch locally)."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from ..domain.errors import ServiceUnavailable

NAMESPACE = "Bazaar"


class CloudWatchMetrics:
    def __init__(self, client) -> None:  # type: ignore[no-untyped-def]
        self._cloudwatch = client

    def gauge(self, name: str, value: float, unit: str, dimensions: dict[str, str]) -> None:
        try:
            self._cloudwatch.put_metric_data(
                Namespace=NAMESPACE,
                MetricData=[
                    {
                        "MetricName": name,
                        "Dimensions": [{"Name": k, "Value": v} for k, v in sorted(dimensions.items())],
                        "Value": float(value),
                        "Unit": unit,
                    }
                ],
            )
        except (ClientError, BotoCoreError) as exc:
            raise ServiceUnavailable("metrics are unavailable", retry_after=5) from exc
