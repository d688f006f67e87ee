"""Re-indexes the storefront listings of a deployed stage after a change of what listing entries hold (issue 16:
search tokens for Chinese, Uyghur, Russian and English, cards without stock counts, price fingerprints).

Products saved by earlier code keep their old listing entries until saved again; this rewrites, once, every
listed product whose entries differ from what the current code writes (`services.catalog.reindex`). Idempotent
and resumable. Needs credentials for the stage's account; table names come from the stack.

    python -m devtools.reindex --stack bazaar-dev [--region eu-central-1] [--endpoint http://127.0.0.1:5000]
"""

from __future__ import annotations

import argparse
import json
from types import SimpleNamespace


def stack_tables(session, stack: str, endpoint_url: str | None) -> dict[str, str]:
    """setting name (e.g. products_table) -> physical table name, from the stack's resources."""
    from chalicelib.adapters.models import MODELS_BY_SETTING
    from devtools.provision import app_resources, load_template

    cloudformation = session.client("cloudformation", endpoint_url=endpoint_url)
    physical = {
        r["LogicalResourceId"]: r.get("PhysicalResourceId")
        for r in cloudformation.list_stack_resources(StackName=stack)["StackResourceSummaries"]
    }
    by_variable = app_resources(load_template())
    return {setting: physical[by_variable[setting.upper()]] for setting in MODELS_BY_SETTING}


def run(session, tables: dict[str, str], endpoint_url: str | None, page_size: int = 100) -> dict:
    from chalicelib.adapters.dynamodb import DynamoCatalogRepository
    from chalicelib.adapters.models import bind_models
    from chalicelib.domain.ids import utc_now
    from chalicelib.services.catalog import reindex

    bind_models(SimpleNamespace(**tables, region=session.region_name, endpoint_url=endpoint_url))
    # `now`: products saved before harvest calendars were listed (issue 15) get their in-season flag
    return reindex(DynamoCatalogRepository(session.region_name, endpoint_url), page_size=page_size, now=utc_now())


def main() -> None:
    import boto3

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--region", default=None)
    parser.add_argument("--endpoint", default=None, help="a local endpoint (moto) instead of AWS")
    args = parser.parse_args()
    session = boto3.session.Session(region_name=args.region)
    print(json.dumps(run(session, stack_tables(session, args.stack, args.endpoint), args.endpoint)))


if __name__ == "__main__":
    main()
