"""`cdk-pca guard`: fail CI when a change would replace or remove a CA, CA certificate, bucket or key.

Compares two synthesized templates or cloud assembly folders; plain JSON, no aws_cdk, no AWS calls.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cdk_pca.cli.errors import CliError

# 0: nothing replaced; 1: at least one finding; 2: bad input.
EXIT_REPLACED = 1


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "guard",
        help="fail when a CA, CA certificate, bucket or KMS key would be replaced or removed",
        description=(
            "Compare a baseline and a candidate (two CloudFormation JSON templates, or two cloud "
            "assembly folders such as cdk.out, whose stacks are matched by artifact id) and fail "
            "when a CA, a CA certificate, an S3 bucket or a KMS key of the baseline would be "
            "replaced (a create-only property changed) or removed (its logical ID gone). "
            "Exit codes: 0 nothing replaced, 1 findings, 2 bad input."
        ),
    )
    parser.add_argument("baseline", type=Path, metavar="BASELINE", help="template or assembly")
    parser.add_argument("candidate", type=Path, metavar="CANDIDATE", help="template or assembly")
    parser.add_argument("--json", action="store_true", help="print the findings as one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from cdk_pca.guard import GuardInputError, guard

    try:
        findings = guard(args.baseline, args.candidate)
    except GuardInputError as exc:
        raise CliError(str(exc)) from None
    if args.json:
        document = {"replaced": bool(findings), "findings": [f.as_dict() for f in findings]}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    elif findings:
        for finding in findings:
            sys.stdout.write(f"{finding}\n")
        sys.stdout.write(f"{len(findings)} guarded resource change(s) would replace or remove\n")
    else:
        sys.stdout.write("no CA, CA certificate, bucket or KMS key is replaced or removed\n")
    return EXIT_REPLACED if findings else 0
