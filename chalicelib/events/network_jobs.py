"""The network_jobs function (issue 10): steps of manifests too large for one request (services/manifests.py).

One job per SQS message ({"job": "manifest.build" | "manifest.dispatch" | "manifest.receive", "manifest_id"});
each invocation runs steps for a few seconds and queues the job again while steps are left. A failed message
is retried by SQS (and lands in the dead-letter queue after 5 receives); every step is idempotent.
"""

from __future__ import annotations

import json
import logging

from chalice import Blueprint

from ..bootstrap import container

bp = Blueprint(__name__)
log = logging.getLogger(__name__)


def handle_records(records: list[dict]) -> dict:
    """SQS batch (ReportBatchItemFailures): a failed job is reported, the others still run."""
    from ..services import manifests

    c = container()
    ports = manifests.Ports(buying=c.buying, network=c.network, publisher=c.events, jobs=c.jobs)
    failures = []
    for record in records:
        try:
            job = json.loads(record["body"])
            if not isinstance(job, dict):
                raise ValueError("not a job")
            manifests.run_job(ports, job, clock=c.clock)
        except Exception:  # whatever goes wrong with one job, the others still run
            log.warning("network job failed", extra={"message_id": record.get("messageId")}, exc_info=True)
            failures.append({"itemIdentifier": record.get("messageId")})
    return {"batchItemFailures": failures}


@bp.lambda_function(name="network_jobs")
def network_jobs(event, context):
    return handle_records(event.get("Records", []))
