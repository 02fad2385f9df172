"""The `revoke`, `status` and `audit-report` commands of `cdk-pca`.

Heavy modules (boto3, rich, cryptography) load inside the handlers: `status --json` starts fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from cdk_pca.cli.errors import CliError

if TYPE_CHECKING:
    from cdk_pca.revocation.status import StatusReport

# status: 0 good, 1 revoked, 2 undetermined or bad input (DESIGN.md).
STATUS_EXIT_CODES = {"good": 0, "revoked": 1, "unknown": 2}


def register(subparsers: Any) -> None:
    status = subparsers.add_parser(
        "status",
        help="is a certificate good, revoked or unknown (OCSP and CRL, verified)",
        description=(
            "Check a certificate by OCSP and by CRL, trusting only answers that verify against "
            "its issuer. Exit codes: 0 good, 1 revoked, 2 unknown or bad input."
        ),
    )
    status.add_argument("--cert", required=True, metavar="FILE", help="PEM or DER certificate")
    status.add_argument(
        "--issuer",
        metavar="FILE",
        help="the issuing CA's certificate (default: fetched from the AIA caIssuers URL)",
    )
    status.add_argument("--json", action="store_true", help="print one JSON object")
    status.set_defaults(handler=run_status)


def run_status(args: argparse.Namespace) -> int:
    from cdk_pca.revocation.certificates import CertificateInputError, load_certificate_file
    from cdk_pca.revocation.status import check_status

    try:
        certificate = load_certificate_file(args.cert, what="--cert")
        issuer = load_certificate_file(args.issuer, what="--issuer") if args.issuer else None
    except CertificateInputError as exc:
        raise CliError(str(exc)) from None
    report = check_status(certificate, issuer)
    if args.json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        _print_status_table(report)
    return STATUS_EXIT_CODES[report.status]


_STYLE = {"good": "bold green", "revoked": "bold red", "unknown": "bold yellow"}


def _print_status_table(report: StatusReport) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    data = report.to_json()
    console.print(
        f"[{_STYLE[report.status]}]{report.status.upper()}[/]  serial {data['serial']}  "
        f"{data['subject']}"
    )
    issuer = data["issuer"]
    if issuer["subject"]:
        console.print(f"issuer: {issuer['subject']} (from {issuer['source']})")
    table = Table(show_header=True, header_style="bold")
    table.add_column("")
    table.add_column("OCSP", overflow="fold")
    table.add_column("CRL", overflow="fold")
    ocsp, crl = report.ocsp.to_json(), report.crl.to_json()
    table.add_row(
        "status",
        f"[{_STYLE[report.ocsp.status]}]{report.ocsp.status}[/]",
        f"[{_STYLE[report.crl.status]}]{report.crl.status}[/]",
    )
    for label, key in _TABLE_FIELDS:
        if ocsp[key] or crl[key]:
            table.add_row(label, str(ocsp[key] or ""), str(crl[key] or ""))
    console.print(table)
    notes = [f"OCSP: {n}" for n in ocsp["notes"]] + [f"CRL: {n}" for n in crl["notes"]]
    for note in [*notes, *report.notes]:
        console.print(f"[dim]note:[/] {note}", highlight=False)


_TABLE_FIELDS = (
    ("reason", "reason"),
    ("revoked at", "revocationTime"),
    ("thisUpdate", "thisUpdate"),
    ("nextUpdate", "nextUpdate"),
    ("URL", "url"),
    ("signed by", "responder"),
    ("error", "error"),
)
