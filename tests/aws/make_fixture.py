"""Regenerate ``fixtures/aws/snapshot-v1.json``: ``python -m tests.aws.make_fixture`` (moto, no network).

The scene of the collector tests (a VPC with public/private/NAT subnets, security groups, two Aurora
clusters, a public instance, a proxy, IAM roles/users, secrets) in eu-west-1, with
``cloudtrail:DescribeTrails`` denied so the sample shows a gap; a fixed clock and ``created_at``.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from scanner.aws.collect import collect_snapshot
from scanner.aws.snapshot import write_snapshot
from tests.aws.conftest import AwsEnv, seed_sample_account
from tests.support.local_aws import FaultProxy, LocalMoto

TARGET = Path(__file__).resolve().parents[2] / "fixtures" / "aws" / "snapshot-v1.json"
CLOCK = datetime(2026, 1, 1, 2, 0, tzinfo=timezone.utc)


def main() -> None:
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="eu-west-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    moto = LocalMoto()
    moto.start()
    proxy = FaultProxy(moto.url)
    try:
        env = AwsEnv(url=moto.url, proxy_url=proxy.start())
        seed_sample_account(env, proxy)
        snapshot = collect_snapshot(env.options(), regions=["eu-west-1"], clock=lambda: CLOCK)
        write_snapshot(TARGET, snapshot)
        print(f"wrote {TARGET} ({TARGET.stat().st_size} bytes, {len(snapshot.resources())} resources)")
    finally:
        proxy.stop()
        moto.stop()


if __name__ == "__main__":
    main()
