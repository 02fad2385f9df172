"""`cdk-pca lookup-ca`: find one AWS Private CA by tags, common name, status and owner.

The CLI side of cdk_pca.lookup.find_certificate_authority (CAs of this account, or shared with it
through AWS RAM); boto3 and rich load only when the command runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from cdk_pca.cli.errors import CliError
from cdk_pca.cli.lookup import EXIT_NO_SINGLE_MATCH, parse_tags, print_fields

if TYPE_CHECKING:
    from cdk_pca.lookup import CertificateAuthorityMatch

_OPTION = {"tags": "tag", "common_name": "common-name", "statuses": "status", "owner": "owner"}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lookup-ca",
        help="find one private CA by tags, common name, status and owner",
        description=(
            "Find exactly one AWS Private CA: --tag K=V must all match, --common-name equals the "
            "subject's CommonName, --status defaults to ACTIVE, --owner SELF (this account) or "
            "OTHER_ACCOUNTS (shared with it through AWS RAM); both when absent. Exit codes: "
            "0 found, 1 none or several match, 2 bad input or AWS error."
        ),
    )
    parser.add_argument(
        "--tag", action="append", default=[], metavar="K=V", help="a tag to match (repeatable)"
    )
    parser.add_argument("--common-name", metavar="CN", help="the CA subject's exact CommonName")
    parser.add_argument(
        "--status", action="append", metavar="S", help="CA status (repeatable; default ACTIVE)"
    )
    parser.add_argument("--owner", metavar="OWNER", help="SELF or OTHER_ACCOUNTS (default: both)")
    parser.add_argument("--region", help="AWS region (default: the AWS CLI's)")
    parser.add_argument("--json", action="store_true", help="print the match as one JSON object")
    parser.set_defaults(handler=run_lookup_ca)


def run_lookup_ca(args: argparse.Namespace, client: Any = None) -> int:
    from cdk_pca.lookup import (
        CertificateLookupError,
        InvalidLookupArgumentsError,
        find_certificate_authority_with,
        make_pca_client,
        validate_ca_lookup_arguments,
    )

    try:
        filters = validate_ca_lookup_arguments(
            tags=parse_tags(args.tag),
            common_name=args.common_name,
            statuses=args.status,
            owner=args.owner,
        )
    except InvalidLookupArgumentsError as exc:
        raise CliError(
            "; ".join(f"--{_OPTION.get(p.field, p.field)}: {p.message}" for p in exc.problems)
        ) from None
    try:
        match = find_certificate_authority_with(
            filters, client=client if client is not None else make_pca_client(args.region)
        )
    except CertificateLookupError as exc:
        raise CliError(str(exc), EXIT_NO_SINGLE_MATCH) from None
    if args.json:
        sys.stdout.write(json.dumps(match.to_dict(), indent=2) + "\n")
    else:
        print_match(match)
    return 0


def print_match(match: CertificateAuthorityMatch) -> None:
    print_fields(
        "Private CA",
        {
            "ARN": match.arn,
            "Common name": match.common_name or "-",
            "Status": match.status,
            "Type": match.type,
            "Owner account": match.owner_account,
            "Not after": match.not_after.isoformat() if match.not_after else "-",
            "Certificate": "PEM available (--json)" if match.certificate else "-",
        },
    )
