"""Order events to SQS."""

from __future__ import annotations

import json

from botocore.exceptions import BotoCoreError, ClientError

from ..domain.errors import ServiceUnavailable


class SqsEventPublisher:
    def __init__(self, client, queue_url: str) -> None:
        self._sqs = client
        self._url = queue_url

    def publish(self, events: list[dict]) -> None:
        for start in range(0, len(events), 10):
            batch = events[start : start + 10]
            entries = [{"Id": str(i), "MessageBody": json.dumps(e, sort_keys=True)} for i, e in enumerate(batch)]
            try:
                result = self._sqs.send_message_batch(QueueUrl=self._url, Entries=entries)
            except (ClientError, BotoCoreError) as exc:
                raise ServiceUnavailable("order events could not be queued, please retry", retry_after=2) from exc
            if result.get("Failed"):
                raise ServiceUnavailable("order events could not be queued, please retry", retry_after=2)
