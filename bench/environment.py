"""Fake AWS credentials and region for in-process moto, set before moto or any botocore session exists.

Mirrors tests/conftest.py: a botocore session made before moto is imported would talk to real AWS.
"""

from __future__ import annotations

import os


def prepare() -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
    )
    import moto  # noqa: F401  - before any botocore session is made
