"""What makes each CA and bucket the same resource across deploys: logical IDs and create-only properties.

`python -m tests.snapshot.ca_identity --accept` rewrites the baseline; do it only on purpose.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from cdk_pca.guard import BUCKET, CA_CREATE_ONLY_PROPERTIES, KMS_KEY

BASELINE = Path(__file__).with_name("ca_identity.json")

# The create-only table lives once, in the guard that `cdk-pca guard` runs for users' CI.
GUARDED_TYPES = (BUCKET, KMS_KEY)


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
