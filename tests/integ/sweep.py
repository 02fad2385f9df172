"""Delete what `make integ` leaves behind: its CAs, CRL buckets and keys, found by their `pki` tag.

The stacks retain CAs, buckets and keys on delete (a real PKI must outlive its stack), so
integ-runner's destroy leaves them; only resources tagged with an integration test's name go.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import Any

# The `pki` tag PkiStack puts on everything (Tags.of(stack).add("pki", config.name)): the config
# names of tests/integ/integ_*.py.
INTEG_PKI_NAMES = frozenset({"cdk-pca-integ-default", "cdk-pca-integ-kms"})
BUCKET_PREFIX = "cdk-pca-integ-"
# Shortest restore window PCA allows; a deleted CA is not billed:
# https://docs.aws.amazon.com/privateca/latest/userguide/PCARestoreCA.html
CA_RESTORE_DAYS = 7
KEY_PENDING_DAYS = 7


def sweep(
    *, clients: Any, names: Iterable[str] = INTEG_PKI_NAMES, dry_run: bool = False
) -> list[str]:
    """Delete every CA, bucket and KMS key tagged pki=<one of names>; returns what was done."""
    wanted = set(names)
    done: list[str] = []
    done += _sweep_cas(clients("acm-pca"), wanted, dry_run)
    done += _sweep_buckets(clients("s3"), wanted, dry_run)
    done += _sweep_keys(clients("kms"), wanted, dry_run)
    return done


def _sweep_cas(pca: Any, wanted: set[str], dry_run: bool) -> list[str]:
    done = []
    for page in pca.get_paginator("list_certificate_authorities").paginate():
        for ca in page["CertificateAuthorities"]:
            if ca["Status"] == "DELETED":
                continue
            tags = pca.list_tags(CertificateAuthorityArn=ca["Arn"]).get("Tags", [])
            if not any(t["Key"] == "pki" and t.get("Value") in wanted for t in tags):
                continue
            done.append(f"delete CA {ca['Arn']} ({ca['Status']})")
            if dry_run:
                continue
            # An ACTIVE CA cannot be deleted: disable it first.
            # https://docs.aws.amazon.com/privateca/latest/userguide/PCADeleteCA.html
            if ca["Status"] == "ACTIVE":
                pca.update_certificate_authority(
                    CertificateAuthorityArn=ca["Arn"], Status="DISABLED"
                )
            pca.delete_certificate_authority(
                CertificateAuthorityArn=ca["Arn"], PermanentDeletionTimeInDays=CA_RESTORE_DAYS
            )
    return done


def _sweep_buckets(s3: Any, wanted: set[str], dry_run: bool) -> list[str]:
    done = []
    for bucket in s3.list_buckets().get("Buckets", []):
        name = bucket["Name"]
        if not name.startswith(BUCKET_PREFIX):
            continue
        try:
            tags = s3.get_bucket_tagging(Bucket=name).get("TagSet", [])
        except Exception:  # no tags, or gone meanwhile: not ours to delete
            continue
        if not any(t["Key"] == "pki" and t["Value"] in wanted for t in tags):
            continue
        done.append(f"empty and delete bucket {name}")
        if dry_run:
            continue
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
            objects = [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            ]
            if objects:
                s3.delete_objects(Bucket=name, Delete={"Objects": objects, "Quiet": True})
        s3.delete_bucket(Bucket=name)
    return done


def _sweep_keys(kms: Any, wanted: set[str], dry_run: bool) -> list[str]:
    done = []
    for page in kms.get_paginator("list_keys").paginate():
        for key in page["Keys"]:
            metadata = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
            if metadata.get("KeyManager") != "CUSTOMER" or metadata.get("KeyState") in {
                "PendingDeletion",
                "PendingReplicaDeletion",
            }:
                continue
            tags = kms.list_resource_tags(KeyId=key["KeyId"]).get("Tags", [])
            if not any(t["TagKey"] == "pki" and t["TagValue"] in wanted for t in tags):
                continue
            done.append(f"schedule deletion of key {metadata['Arn']}")
            if not dry_run:
                kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=KEY_PENDING_DAYS)
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", required=True)
    parser.add_argument("--dry-run", action="store_true", help="print, delete nothing")
    args = parser.parse_args(argv)
    import boto3

    def clients(service: str) -> Any:
        return boto3.client(service, region_name=args.region)

    try:
        done = sweep(clients=clients, dry_run=args.dry_run)
    except Exception as exc:  # one line: the caller reads it after integ-runner's output
        sys.stderr.write(f"sweep: {type(exc).__name__}: {' '.join(str(exc).split())}\n")
        return 2
    for line in done:
        sys.stdout.write(("would " if args.dry_run else "") + line + "\n")
    sys.stdout.write(f"sweep: {len(done)} leftover resource(s) of the integration tests\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
