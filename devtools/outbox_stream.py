"""The outbox relay where Lambda's stream trigger does not exist: moto (the local stack and the tests).

It reads the Outbox table's DynamoDB stream on moto (DescribeStream, GetShardIterator, GetRecords: see
shared/STACK-NOTES.md for the endpoint moto needs) and hands the records, in Lambda's format, to the very
function AWS triggers (`chalicelib.events.outbox.handle_stream_records`). Like Lambda's event source mapping, a
batch that reports failures is read again from the first failed record.

It keeps the last sequence number read, not shard iterators: moto rolls a failed transaction back by putting
back a copy of each table, stream included, and an iterator into the replaced stream never sees another record.
"""

from __future__ import annotations

from typing import Any


def streams_endpoint(endpoint_url: str | None, region: str) -> str:
    """moto answers stream calls at its own URL (server) or at the regional streams host (in process)."""
    return endpoint_url or f"https://streams.dynamodb.{region}.amazonaws.com"


class OutboxStreamPoller:
    def __init__(self, session: Any, table_name: str, endpoint_url: str | None = None) -> None:
        region = session.region_name
        self._dynamodb = session.client("dynamodb", endpoint_url=endpoint_url)
        self._streams = session.client("dynamodbstreams", endpoint_url=streams_endpoint(endpoint_url, region))
        self._table = table_name
        self._arn: str | None = None
        self._after: dict[str, str] = {}  # shard id -> the last sequence number handed over

    def _stream_arn(self) -> str:
        if self._arn is None:
            self._arn = self._dynamodb.describe_table(TableName=self._table)["Table"]["LatestStreamArn"]
        return self._arn

    def records(self) -> dict[str, list[dict[str, Any]]]:
        """Records per shard after the last ones read, in Lambda's event format."""
        arn = self._stream_arn()
        out: dict[str, list[dict[str, Any]]] = {}
        for shard in self._streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            shard_id = shard["ShardId"]
            where: dict[str, str] = {"ShardIteratorType": "TRIM_HORIZON"}
            if shard_id in self._after:
                where = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": self._after[shard_id]}
            iterator = self._streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, **where)["ShardIterator"]
            got: list[dict[str, Any]] = []
            while iterator:
                page = self._streams.get_records(ShardIterator=iterator, Limit=1000)
                got += [{**r, "eventSourceARN": arn} for r in page.get("Records", [])]
                iterator = page.get("NextShardIterator")
                if not page.get("Records"):
                    break
            if got:
                out[shard_id] = got
        return out

    def skip_existing(self) -> int:
        """Starts after the records already in the stream (a trigger created with StartingPosition LATEST):
        whatever of them is still pending is the sweeper's. Returns how many it skipped."""
        skipped = 0
        for shard_id, records in self.records().items():
            self._after[shard_id] = records[-1]["dynamodb"]["SequenceNumber"]
            skipped += len(records)
        return skipped

    def relay_once(self, handler: Any = None) -> int:
        """Relays what is new; returns how many records it handed over. A batch's reported failures are read
        again next time (from the first of them)."""
        if handler is None:
            from chalicelib.events.outbox import handle_stream_records as handler
        handed = 0
        for shard_id, records in self.records().items():
            for start in range(0, len(records), 100):  # the Lambda's batch size
                batch = records[start : start + 100]
                handed += len(batch)
                failures = handler(batch)["batchItemFailures"]
                if failures:  # read again from the first failed record next time
                    first = min((f["itemIdentifier"] for f in failures), key=int)
                    self._after[shard_id] = str(int(first) - 1)
                    break
                self._after[shard_id] = batch[-1]["dynamodb"]["SequenceNumber"]
        return handed
