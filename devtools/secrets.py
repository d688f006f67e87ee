"""Operating the stage's secrets (infra/secrets.json) in Secrets Manager.

    python -m devtools.secrets rotate cursor --stage dev         # new cursor key; the old one stays valid an hour
    python -m devtools.secrets put payment_webhook --stage dev   # the value from standard input (the provider's)
    python -m devtools.secrets show-ids --stage dev              # each secret's ARN (never its value)

`make rotate-cursor-secret STAGE=dev` runs the first. Credentials are the caller's (the stage's account, as for
`make deploy`); add --endpoint-url http://127.0.0.1:5000 for a moto server.
"""

from __future__ import annotations

import argparse
import secrets as random
import string
import sys

from chalicelib.domain.ids import utc_now
from chalicelib.domain.keyring import KeyRing
from devtools.template import secret_logical_id, secrets_catalogue

KEY_ALPHABET = string.ascii_letters + string.digits


def new_key(length: int = 64) -> str:
    return "".join(random.choice(KEY_ALPHABET) for _ in range(length))


def rotate(client, secret_id: str, now: str | None = None) -> KeyRing:
    """Puts the next ring: a fresh key that signs from ACTIVATION_SECONDS on, the current one still verifying."""
    ring = KeyRing.parse(client.get_secret_value(SecretId=secret_id)["SecretString"])
    rotated = ring.rotated(new_key(), now or utc_now())
    client.put_secret_value(SecretId=secret_id, SecretString=rotated.to_json())
    return rotated


def stack_secret_ids(session, stack_name: str, endpoint_url: str | None = None) -> dict[str, str]:
    cloudformation = session.client("cloudformation", endpoint_url=endpoint_url)
    ids = {}
    for name in secrets_catalogue():
        detail = cloudformation.describe_stack_resource(StackName=stack_name, LogicalResourceId=secret_logical_id(name))
        ids[name] = detail["StackResourceDetail"]["PhysicalResourceId"]
    return ids


def main(argv: list[str] | None = None) -> int:
    import boto3

    from devtools.deploy import load_stage

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("rotate", "put", "show-ids"))
    parser.add_argument("name", nargs="?", choices=sorted(secrets_catalogue()))
    parser.add_argument("--stage", required=True)
    parser.add_argument("--endpoint-url")
    args = parser.parse_args(argv)
    stage = load_stage(args.stage)
    session = boto3.session.Session(region_name=stage.region)
    ids = stack_secret_ids(session, stage.stack_name, args.endpoint_url)
    client = session.client("secretsmanager", endpoint_url=args.endpoint_url)
    if args.action == "show-ids":
        for name, arn in ids.items():
            print(f"{name}: {arn}")
        return 0
    if not args.name:
        parser.error("name the secret")
    spec = secrets_catalogue()[args.name]
    if args.action == "rotate":
        if spec["Format"] != "keyring":
            parser.error(f"{args.name} is not a rotating key ring; use put")
        ring = rotate(client, ids[args.name])
        print(
            f"{args.name}: the new key signs from {ring.current_from}; "
            f"the previous one verifies until {ring.previous_until}"
        )
        return 0
    if spec["Format"] == "keyring":
        parser.error(f"{args.name} is a rotating key ring; use rotate")
    value = sys.stdin.read().strip()
    if len(value) < 32:
        parser.error("the value (standard input) must be at least 32 characters")
    client.put_secret_value(SecretId=ids[args.name], SecretString=value)
    print(f"{args.name}: stored; warm functions read it within five minutes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
