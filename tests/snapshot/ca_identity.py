"""What makes each CA and bucket the same resource across deploys: logical IDs and create-only properties.

`python -m tests.snapshot.ca_identity --accept` rewrites the baseline; do it only on purpose.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

BASELINE = Path(__file__).with_name("ca_identity.json")

# Changing any of these replaces the CA: a new private key, every issued certificate orphaned.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-acmpca-certificateauthority.html
CA_CREATE_ONLY_PROPERTIES = (
    "Type",
    "KeyAlgorithm",
    "SigningAlgorithm",
    "Subject",
    "CsrExtensions",
    "KeyStorageSecurityStandard",
    "UsageMode",
)
# Replacing the bucket loses the published CRLs (and the bucket name in every CA's configuration).
GUARDED_TYPES = ("AWS::S3::Bucket", "AWS::KMS::Key")


def identity(template: dict[str, Any]) -> dict[str, Any]:
    """The guarded part of one template."""
    resources = template["Resources"]
    cas = {
        logical_id: {prop: resource["Properties"].get(prop) for prop in CA_CREATE_ONLY_PROPERTIES}
        for logical_id, resource in sorted(resources.items())
        if resource["Type"] == "AWS::ACMPCA::CertificateAuthority"
    }
    kept = {
        logical_id: resource["Type"]
        for logical_id, resource in sorted(resources.items())
        if resource["Type"] in GUARDED_TYPES
    }
    return {"certificate_authorities": cas, "retained_resources": kept}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accept", action="store_true", help="rewrite the baseline from the code")
    if not parser.parse_args().accept:
        parser.error("pass --accept to rewrite the baseline on purpose")
    from tests.stack_support import CONFIGS, synthesize

    baseline = {config: identity(synthesize(config).template) for config in CONFIGS}
    BASELINE.write_text(json.dumps(baseline, indent=2, sort_keys=True) + "\n")
    print(f"wrote {BASELINE}")


if __name__ == "__main__":
    main()
