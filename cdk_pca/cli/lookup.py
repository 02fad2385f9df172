"""`cdk-pca lookup` and `lookup-ca`: find one ACM certificate (like Terraform's aws_acm_certificate)
or one private CA, from a shell. A table, or the match as JSON; boto3 and rich load on use.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from cdk_pca.cli.arguments import aws_region, default_region
from cdk_pca.cli.errors import CliError

if TYPE_CHECKING:
    from cdk_pca.lookup import CertificateAuthorityMatch, CertificateMatch, LookupProblem

# 0: one certificate found; 1: none or several match; 2: bad input or an AWS error.
EXIT_NO_SINGLE_MATCH = 1


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lookup",
        help="find one ACM certificate by domain, host name or tags",
        description=(
            "Find exactly one ACM certificate, with the rules of Terraform's aws_acm_certificate "
            "data source: --domain matches the DomainName exactly, --hostname any certificate "
            "whose name or SANs cover the host (one-label wildcards), --tag K=V must all match. "
            "Every key type is searched unless --key-type narrows it. Exit codes: 0 found, "
            "1 none or several match, 2 bad input or AWS error."
        ),
    )
    parser.add_argument("--domain", metavar="D", help="the certificate's exact DomainName")
    parser.add_argument("--hostname", metavar="H", help="a host the certificate must cover")
    parser.add_argument(
        "--tag", action="append", default=[], metavar="K=V", help="a tag to match (repeatable)"
    )
    parser.add_argument(
        "--status", action="append", metavar="S", help="certificate status (repeatable; ISSUED)"
    )
    parser.add_argument(
        "--type",
        action="append",
        metavar="T",
        help="IMPORTED, AMAZON_ISSUED or PRIVATE (repeatable; default any)",
    )
    parser.add_argument(
        "--key-type",
        action="append",
        metavar="K",
        help="key algorithm such as RSA_2048 or EC_prime256v1 (repeatable; default any)",
    )
    parser.add_argument(
        "--most-recent",
        action="store_true",
        help="when several match, take the one with the latest NotBefore",
    )
    parser.add_argument("--region", type=aws_region, help="AWS region (default: the AWS CLI's)")
    parser.add_argument("--json", action="store_true", help="print the match as one JSON object")
    parser.set_defaults(handler=run_lookup)
    _register_lookup_ca(subparsers)


def _register_lookup_ca(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lookup-ca",
        help="find one private CA by tags, common name, status and owner",
        description=(
            "Find exactly one AWS Private CA certificate authority: --tag K=V must all match, "
            "--common-name equals the subject's CommonName, --status narrows the statuses "
            "(default ACTIVE), --owner SELF (this account) or OTHER_ACCOUNTS (shared with it "
            "through AWS RAM; default both). Exit codes: 0 found, 1 none or several match, "
            "2 bad input or AWS error."
        ),
    )
    parser.add_argument(
        "--tag", action="append", default=[], metavar="K=V", help="a tag to match (repeatable)"
    )
    parser.add_argument("--common-name", metavar="CN", help="the CA subject's exact CommonName")
    parser.add_argument(
        "--status", action="append", metavar="S", help="CA status (repeatable; default ACTIVE)"
    )
    parser.add_argument("--owner", metavar="O", help="SELF or OTHER_ACCOUNTS (default both)")
    parser.add_argument("--region", type=aws_region, help="AWS region (default: the AWS CLI's)")
    parser.add_argument("--json", action="store_true", help="print the match as one JSON object")
    parser.set_defaults(handler=run_lookup_ca)


def parse_tags(values: list[str]) -> dict[str, str]:
    """`["env=prod", "team=web"]` -> {"env": "prod", "team": "web"}; the value may hold '='."""
    tags: dict[str, str] = {}
    for value in values:
        key, separator, tag_value = value.partition("=")
        if not separator or not key:
            raise CliError(f"--tag {value!r} is not KEY=VALUE (for example --tag env=prod)")
        if key in tags and tags[key] != tag_value:
            raise CliError(f"--tag {key!r} is given twice with different values")
        tags[key] = tag_value
    return tags


def run_lookup(args: argparse.Namespace) -> int:
    from cdk_pca.lookup import (
        CertificateLookupError,
        InvalidLookupArgumentsError,
        find_certificate_with,
        make_acm_client,
        validate_lookup_arguments,
    )

    try:
        filters = validate_lookup_arguments(
            domain=args.domain,
            hostname=args.hostname,
            tags=parse_tags(args.tag),
            statuses=args.status,
            types=args.type,
            key_types=args.key_type,
            most_recent=args.most_recent,
        )
    except InvalidLookupArgumentsError as exc:
        raise CliError(_describe_problems(exc.problems)) from None
    try:
        client = make_acm_client(args.region or default_region())
        match = find_certificate_with(filters, client=client)
    except CertificateLookupError as exc:
        raise CliError(str(exc), EXIT_NO_SINGLE_MATCH) from None
    if args.json:
        sys.stdout.write(json.dumps(match.to_dict(), indent=2) + "\n")
    else:
        print_match(match)
    return 0


def run_lookup_ca(args: argparse.Namespace) -> int:
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
        raise CliError(_describe_problems(exc.problems)) from None
    try:
        match = find_certificate_authority_with(
            filters, client=make_pca_client(args.region or default_region())
        )
    except CertificateLookupError as exc:
        raise CliError(str(exc), EXIT_NO_SINGLE_MATCH) from None
    if args.json:
        sys.stdout.write(json.dumps(match.to_dict(), indent=2) + "\n")
    else:
        print_ca_match(match)
    return 0


# Lookup argument -> the option that sets it, so errors name what the user typed.
_OPTION = {
    "domain": "domain",
    "hostname": "hostname",
    "tags": "tag",
    "statuses": "status",
    "types": "type",
    "key_types": "key-type",
    "most_recent": "most-recent",
    "common_name": "common-name",
    "owner": "owner",
}


def _describe_problems(problems: list[LookupProblem]) -> str:
    return "; ".join(
        "give --domain, --hostname or --tag (--status, --type and --key-type only narrow "
        "the search)"
        if problem.message.startswith("a lookup needs")
        else f"--{_OPTION.get(problem.field, problem.field)}: {problem.message}"
        for problem in problems
    )


def print_match(match: CertificateMatch) -> None:
    rows = {
        "ARN": match.arn,
        "Domain": match.domain,
        "Status": match.status,
        "Type": match.type,
        "Key algorithm": match.key_algorithm,
        "Not before": match.not_before.isoformat() if match.not_before else "-",
        "Not after": match.not_after.isoformat() if match.not_after else "-",
        "SANs": ", ".join(match.subject_alternative_names) or "-",
        "Tags": ", ".join(f"{k}={v}" for k, v in sorted(match.tags.items())) or "-",
        "Certificate": "PEM available (--json)" if match.certificate else "-",
    }
    _print_rows("ACM certificate", rows)


def print_ca_match(match: CertificateAuthorityMatch) -> None:
    rows = {
        "ARN": match.arn,
        "Common name": match.common_name or "-",
        "Status": match.status,
        "Type": match.type,
        "Owner account": match.owner_account,
        "Not after": match.not_after.isoformat() if match.not_after else "-",
        "Certificate": "PEM available (--json)" if match.certificate else "-",
    }
    _print_rows("Private CA", rows)


def _print_rows(title: str, rows: dict[str, str]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(show_header=False, title=title, title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for name, value in rows.items():
        table.add_row(name, escape(value))
    Console(width=None if sys.stdout.isatty() else 120).print(table)
