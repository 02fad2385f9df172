"""The `revoke`, `status` and `audit-report` commands of `cdk-pca`.

Heavy modules (boto3, rich, cryptography) load inside the handlers: `status --json` starts fast.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import TYPE_CHECKING, Any

from cdk_pca.cli.errors import CliError
from cdk_pca.vocabulary import REVOCATION_REASONS

if TYPE_CHECKING:
    from cdk_pca.revocation.result import MethodResult
    from cdk_pca.revocation.revoke import RevocationOutcome, WaitResult
    from cdk_pca.revocation.status import StatusReport

# status: 0 good, 1 revoked, 2 undetermined or bad input (DESIGN.md).
STATUS_EXIT_CODES = {"good": 0, "revoked": 1, "unknown": 2}
# revoke: 0 revoked (with --wait: visible in every method the CA publishes), 2 error or bad input,
# 3 --wait ran out of time (AWS accepted the revocation; clients may not see it yet).
EXIT_WAIT_TIMED_OUT = 3


def register(subparsers: Any) -> None:
    _register_revoke(subparsers)
    _register_audit_report(subparsers)
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
    import warnings

    from cryptography.utils import CryptographyDeprecationWarning

    # cryptography warns (two stderr lines) on each read of a negative serial; RFC 5280 4.1.2.2
    # asks clients to handle such certificates gracefully, and the report notes it once.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return _run_status(args)


def _run_status(args: argparse.Namespace) -> int:
    from cdk_pca.revocation.certificates import (
        CertificateInputError,
        is_issued_by,
        load_certificates_file,
    )
    from cdk_pca.revocation.status import check_status

    try:
        certificate, *bundled = load_certificates_file(args.cert, what="--cert")
        candidates = load_certificates_file(args.issuer, what="--issuer") if args.issuer else []
    except CertificateInputError as exc:
        # Under --json, main() prints the one object of a failed run (unknown_status_json).
        raise CliError(str(exc)) from None
    # --issuer may be a chain file: use the certificate in it that signed --cert.
    issuer = next((c for c in candidates if is_issued_by(certificate, c)), None)
    source = "--issuer"
    if issuer is None and candidates:
        issuer = candidates[0]
    elif issuer is None:
        # Without --issuer, a --cert bundle (fullchain.pem) may carry the issuer after the
        # certificate; else check_status fetches it from the AIA caIssuers URL.
        issuer = next((c for c in bundled if is_issued_by(certificate, c)), None)
        source = "--cert bundle"
    report = check_status(certificate, issuer, issuer_source=source)
    if args.json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        _print_status_table(report)
    return STATUS_EXIT_CODES[report.status]


def unknown_status_json(error: str) -> dict[str, Any]:
    """The `status --json` object when the input could not even be read (DESIGN.md: one object,
    bad input included): unknown everywhere, the keys of a full report, null where unknown."""
    from cdk_pca.revocation.result import UNKNOWN, MethodResult

    return {
        "status": UNKNOWN,
        "serial": None,
        "subject": None,
        "issuer": {"subject": None, "source": None, "error": None},
        "notAfter": None,
        "ocsp": MethodResult(method="ocsp", status=UNKNOWN, error=error).to_json(),
        "crl": MethodResult(method="crl", status=UNKNOWN, error=error).to_json(),
        "notes": [],
        "error": error,
    }


_STYLE = {"good": "bold green", "revoked": "bold red", "unknown": "bold yellow"}


def _print_status_table(report: StatusReport) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    # Names, URLs and errors come from the certificate and the peers: print them as text, not
    # as rich markup (a subject 'CN=x[/]' would otherwise raise MarkupError).
    console = Console()
    data = report.to_json()
    console.print(
        f"[{_STYLE[report.status]}]{report.status.upper()}[/]  serial {data['serial']}  "
        f"{escape(data['subject'])}"
    )
    issuer = data["issuer"]
    if issuer["subject"]:
        console.print(f"issuer: {escape(issuer['subject'])} (from {escape(str(issuer['source']))})")
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
            table.add_row(label, escape(str(ocsp[key] or "")), escape(str(crl[key] or "")))
    console.print(table)
    notes = [f"OCSP: {n}" for n in ocsp["notes"]] + [f"CRL: {n}" for n in crl["notes"]]
    for note in [*notes, *report.notes]:
        console.print(f"[dim]note:[/] {escape(note)}", highlight=False)


_TABLE_FIELDS = (
    ("reason", "reason"),
    ("revoked at", "revocationTime"),
    ("thisUpdate", "thisUpdate"),
    ("nextUpdate", "nextUpdate"),
    ("URL", "url"),
    ("signed by", "responder"),
    ("error", "error"),
)


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    # float() also reads 'nan' and 'inf': a wait that could never end (nan compares false).
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number of seconds")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0 seconds")
    return value


def _register_revoke(subparsers: Any) -> None:
    revoke = subparsers.add_parser(
        "revoke",
        help="revoke a certificate issued by a private CA (optionally wait until clients see it)",
        description=(
            "Revoke a certificate with RevokeCertificate. --wait polls the CA's CRL and OCSP "
            "responder until both show it revoked (CRL: up to ~30 min, OCSP: up to ~60 min). "
            "Exit codes: 0 revoked (and, with --wait, visible), 2 error or bad input, "
            "3 --wait timed out."
        ),
    )
    revoke.add_argument("--ca-arn", required=True, metavar="ARN", help="the issuing CA's ARN")
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--certificate-arn", metavar="ARN", help="PCA or ACM certificate ARN")
    which.add_argument("--serial", metavar="HEX", help="serial in hex (colons, 0x optional)")
    which.add_argument("--cert", metavar="FILE", help="the certificate, PEM or DER")
    revoke.add_argument(
        "--reason",
        required=True,
        metavar="REASON",
        help="one of: " + ", ".join(REVOCATION_REASONS),
    )
    revoke.add_argument(
        "--wait", action="store_true", help="poll CRL and OCSP until both show the revocation"
    )
    revoke.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=None,
        metavar="SECONDS",
        help="how long --wait polls (default 3900 s: OCSP can take 60 min)",
    )
    revoke.add_argument("--json", action="store_true", help="print one JSON object")
    revoke.set_defaults(handler=run_revoke)


def run_revoke(args: argparse.Namespace) -> int:
    from cdk_pca.revocation import revoke as revoke_module
    from cdk_pca.revocation.aws import ArnError, parse_ca_arn
    from cdk_pca.revocation.certificates import CertificateInputError

    if args.timeout is not None and not args.wait:
        raise CliError(
            f"--timeout {args.timeout:g} only applies with --wait; add --wait or drop it"
        )
    try:
        ca = parse_ca_arn(args.ca_arn)
        revoke_module.validate_reason(args.reason)
        target = revoke_module.resolve_target(
            ca,
            certificate_arn=args.certificate_arn,
            serial=args.serial,
            cert_file=args.cert,
            clients=_clients(),
        )
        outcome, authority = revoke_module.revoke(ca, target, args.reason, clients=_clients())
    except (ArnError, CertificateInputError, revoke_module.RevocationRefused) as exc:
        raise CliError(str(exc)) from None
    wait = None
    if args.wait:
        timeout = args.timeout or revoke_module.DEFAULT_WAIT_SECONDS
        poll = min(revoke_module.DEFAULT_POLL_SECONDS, timeout)
        if args.json:
            wait = revoke_module.wait_until_visible(
                authority, target, timeout_seconds=timeout, poll_seconds=poll
            )
        else:
            _print_revoked(outcome, ca.arn)
            wait = _wait_with_live_display(revoke_module, authority, target, timeout, poll)
    if args.json:
        sys.stdout.write(json.dumps(_revoke_json(outcome, ca.arn, wait), indent=2) + "\n")
    elif wait is None:
        _print_revoked(outcome, ca.arn)
    else:
        _print_wait(wait)
    if wait is not None and not wait.confirmed:
        return EXIT_WAIT_TIMED_OUT
    return 0


def _clients() -> Any:
    """The AWS client factory; a seam that tests replace with stubbed clients."""
    from cdk_pca.revocation.aws import boto3_client

    return boto3_client


def _revoke_json(
    outcome: RevocationOutcome, ca_arn: str, wait: WaitResult | None
) -> dict[str, Any]:
    return {
        "caArn": ca_arn,
        "serial": outcome.target.certificate_serial,
        "serialFrom": outcome.target.source,
        "reason": outcome.reason,
        "revoked": True,
        "alreadyRevoked": outcome.already_revoked,
        "notes": outcome.notes,
        "wait": None
        if wait is None
        else {
            "confirmed": wait.confirmed,
            "elapsedSeconds": round(wait.elapsed_seconds, 1),
            "ocspVisibleAfterSeconds": _rounded(wait.ocsp_seconds),
            "crlVisibleAfterSeconds": _rounded(wait.crl_seconds),
            "crlNotModifiedPolls": wait.crl_not_modified,
            "ocsp": wait.ocsp.to_json() if wait.ocsp else None,
            "crl": wait.crl.to_json() if wait.crl else None,
            "notes": list(wait.notes),
        },
    }


def _print_revoked(outcome: RevocationOutcome, ca_arn: str) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console()
    verb = "was already revoked" if outcome.already_revoked else "revoked"
    console.print(
        f"[bold red]serial {outcome.target.certificate_serial} {verb}[/] "
        f"({outcome.reason}) by {escape(ca_arn)}",
        highlight=False,
    )
    for note in outcome.notes:
        console.print(f"[dim]note:[/] {escape(note)}", highlight=False)


def _describe_method(result: MethodResult | None) -> str:
    from rich.markup import escape

    if result is None:
        return "[dim]not published by this CA[/]"
    text = f"[{_STYLE[result.status]}]{result.status}[/]"
    if result.error:
        text += f" [dim]({escape(result.error)})[/]"
    return text


def _wait_with_live_display(
    revoke_module: Any, authority: Any, target: Any, timeout: float, poll: float
) -> WaitResult:
    import time

    from rich.console import Console, Group
    from rich.live import Live
    from rich.text import Text

    started = time.monotonic()
    latest: dict[str, MethodResult | None] = {"ocsp": None, "crl": None}
    polled = {"count": 0}

    class Progress:
        def __rich__(self) -> Group:
            elapsed = int(time.monotonic() - started)
            header = Text.from_markup(
                f"waiting for clients to see the revocation: {elapsed // 60}m{elapsed % 60:02d}s "
                f"of {int(timeout) // 60}m (poll #{polled['count']})"
            )
            if polled["count"] == 0:
                return Group(header)
            return Group(
                header,
                Text.from_markup(f"  OCSP: {_describe_method(latest['ocsp'])}"),
                Text.from_markup(f"  CRL:  {_describe_method(latest['crl'])}"),
            )

    def on_poll(elapsed: float, ocsp: MethodResult | None, crl: MethodResult | None) -> None:
        polled["count"] += 1
        latest["ocsp"], latest["crl"] = ocsp, crl

    with Live(Progress(), console=Console(), refresh_per_second=2, transient=True):
        result: WaitResult = revoke_module.wait_until_visible(
            authority, target, timeout_seconds=timeout, poll_seconds=poll, on_poll=on_poll
        )
    return result


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)


def _visible_after(seconds: float | None) -> str:
    return "" if seconds is None else f" (revoked here after {seconds / 60:.1f} min)"


def _print_wait(wait: WaitResult) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console()
    minutes = wait.elapsed_seconds / 60
    if wait.confirmed:
        console.print(f"[bold green]visible to clients[/] after {minutes:.1f} min", highlight=False)
    else:
        console.print(
            f"[bold yellow]not yet visible everywhere[/] after {minutes:.1f} min "
            "(AWS accepted the revocation; CRL can take ~30 min, OCSP ~60 min)",
            highlight=False,
        )
    console.print(
        f"  OCSP: {_describe_method(wait.ocsp)}{_visible_after(wait.ocsp_seconds)}",
        highlight=False,
    )
    console.print(
        f"  CRL:  {_describe_method(wait.crl)}{_visible_after(wait.crl_seconds)}", highlight=False
    )
    if wait.crl_not_modified:
        console.print(
            f"[dim]note:[/] {wait.crl_not_modified} CRL polls answered 304 Not Modified "
            "(the CRL was not downloaded again)",
            highlight=False,
        )
    for note in wait.notes:
        console.print(f"[dim]note:[/] {escape(note)}", highlight=False)


def _register_audit_report(subparsers: Any) -> None:
    audit = subparsers.add_parser(
        "audit-report",
        help="create a CA audit report (every certificate issued or revoked) in S3",
        description=(
            "CreateCertificateAuthorityAuditReport into --bucket, whose policy must let "
            "acm-pca.amazonaws.com write (s3:PutObject, s3:PutObjectAcl, s3:GetBucketAcl, "
            "s3:GetBucketLocation, conditioned on aws:SourceAccount/aws:SourceArn). "
            "Exit codes: 0 created (with --wait: SUCCESS), 2 error or FAILED, 3 --wait timed out."
        ),
    )
    audit.add_argument("--ca-arn", required=True, metavar="ARN", help="the CA to audit")
    audit.add_argument("--bucket", required=True, metavar="NAME", help="S3 bucket for the report")
    audit.add_argument(
        "--format", default="JSON", metavar="JSON|CSV", help="report format (default JSON)"
    )
    audit.add_argument("--wait", action="store_true", help="wait until the report is written")
    audit.add_argument("--json", action="store_true", help="print one JSON object")
    audit.set_defaults(handler=run_audit_report)


def run_audit_report(args: argparse.Namespace) -> int:
    from cdk_pca import audit
    from cdk_pca.revocation.aws import ArnError, parse_ca_arn

    try:
        ca = parse_ca_arn(args.ca_arn)
        audit.validate_bucket(args.bucket)
        audit.validate_format(args.format)
        report = audit.create_audit_report(ca, args.bucket, args.format, clients=_clients())
        if args.wait:
            if not args.json:
                sys.stderr.write(f"waiting for audit report {report.report_id} ...\n")
            report = audit.wait_for_audit_report(
                ca,
                report,
                clients=_clients(),
                timeout_seconds=audit.DEFAULT_WAIT_SECONDS,
                poll_seconds=audit.DEFAULT_POLL_SECONDS,
            )
    except (ArnError, audit.AuditReportError) as exc:
        raise CliError(str(exc)) from None
    if args.json:
        payload = {
            "caArn": ca.arn,
            "auditReportId": report.report_id,
            "status": report.status,
            "s3Uri": report.s3_uri,
            "bucket": report.bucket,
            "key": report.key,
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    else:
        sys.stdout.write(f"{report.status}  {report.s3_uri}\n")
    if report.status == "FAILED":
        if not args.json:
            sys.stderr.write(
                "cdk-pca audit-report: error: AWS reports FAILED: check the bucket policy "
                "(acm-pca.amazonaws.com needs s3:PutObject) and its encryption key\n"
            )
        return 2
    if args.wait and report.status != "SUCCESS":
        return EXIT_WAIT_TIMED_OUT
    return 0
