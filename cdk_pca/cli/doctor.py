"""The `doctor` command of `cdk-pca`: read-only diagnosis of a deployed PKI, by config or CA ARNs.

Exit 0 every check passed, 1 a problem found, 2 could not check (DESIGN.md); boto3 loads lazily.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from cdk_pca.cli.arguments import aws_region, default_region
from cdk_pca.cli.errors import CliError

if TYPE_CHECKING:
    from cdk_pca.doctor import DoctorReport, DoctorTarget, Finding
    from cdk_pca.revocation.aws import ClientFactory

DEFAULT_CONFIG = "pki.yaml"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="check a deployed PKI read-only: CA status, CRL bucket, CRL and OCSP answers",
        description=(
            "Check a deployed PKI without changing anything: each CA's status, its revocation "
            "configuration, the CRL bucket's policy, Block Public Access and encryption, the CRL "
            "over plain http and OCSP answers verified against the CA, and ACM's renewal "
            "permission. Exit codes: 0 every check passed, 1 a problem found, 2 could not check."
        ),
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--config",
        metavar="FILE",
        help=f"the PKI config whose deployed stack to check (default: {DEFAULT_CONFIG})",
    )
    source.add_argument(
        "--ca-arn",
        metavar="ARN",
        action="extend",
        nargs="+",
        help="check these CAs instead (repeatable); each is asked in its ARN's region",
    )
    parser.add_argument(
        "--region", type=aws_region, help="the stack's region (default: the config's, else boto3's)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run_doctor)


def run_doctor(args: argparse.Namespace, *, clients: ClientFactory | None = None) -> int:
    from cdk_pca.doctor import DoctorError, diagnose
    from cdk_pca.revocation.aws import ArnError, parse_ca_arn

    region = args.region
    targets: list[DoctorTarget]
    findings: list[Finding] = []
    if args.ca_arn:
        from cdk_pca.doctor import DoctorTarget

        targets = []
        for text in args.ca_arn:
            try:
                arn = parse_ca_arn(text)
            except ArnError as exc:
                raise CliError(str(exc)) from None
            if region and arn.region != region:
                raise CliError(
                    f"--ca-arn {arn.arn} is in {arn.region}, not --region {region}: "
                    "ARNs are regional, leave --region out"
                )
            if arn.arn not in {target.arn for target in targets}:
                targets.append(DoctorTarget(arn.arn, arn.arn))
        clients = clients or _checked_clients()
    else:
        config = _load_config(args.config or DEFAULT_CONFIG)
        if config.environments:
            # Each environment is a stack in its own account: one run of doctor reads one.
            stacks = ", ".join(config.stack_name(e) for e in config.environments_in_deploy_order())
            raise CliError(
                f"{args.config or DEFAULT_CONFIG} has environments ({stacks}): check each with "
                "credentials of its account and --ca-arn of its CAs (the stack's <Ca>Arn outputs)"
            )
        region = region or config.region or default_region()
        if not region:
            raise CliError(
                "no AWS region: pass --region, set region in the config, or set AWS_DEFAULT_REGION"
            )
        clients = clients or _checked_clients()
        try:
            targets, findings = _targets_from_config(config, clients, region)
        except DoctorError as exc:
            raise CliError(str(exc)) from None
    report = diagnose(targets, clients=clients, findings=findings)
    if args.json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        _print_report(report)
    return report.exit_code


def _targets_from_config(
    config: Any, clients: ClientFactory, region: str
) -> tuple[list[DoctorTarget], list[Finding]]:
    from botocore.exceptions import BotoCoreError, ClientError

    from cdk_pca.cli.errors import describe_exception
    from cdk_pca.doctor import targets_from_config

    cloudformation = clients("cloudformation", region)
    try:
        return targets_from_config(config, cloudformation=cloudformation)
    except (ClientError, BotoCoreError) as exc:
        # Access denied, an unreachable endpoint: nothing can be checked (exit 2, one line).
        message, _ = describe_exception(exc)
        raise CliError(f"cannot read stack {config.name} in {region}: {message}") from None


def _load_config(path: str) -> Any:
    from cdk_pca.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as exc:
        problems = "; ".join(str(problem) for problem in exc.problems)
        raise CliError(f"{path}: invalid PKI config: {problems}") from None


def _checked_clients() -> ClientFactory:
    """The real client factory, once credentials are known to exist: without them every check
    would fail alike, so the run stops with one line (exit 2) before any request."""
    import boto3

    from cdk_pca.doctor import doctor_client_factory

    if boto3.session.Session().get_credentials() is None:
        raise CliError(
            "no AWS credentials found: set AWS_PROFILE or run 'aws configure' / 'aws sso login'"
        )
    return doctor_client_factory()


_MARK = {True: "ok  ", False: "FAIL"}


def _print_report(report: DoctorReport) -> None:
    # Plain text, one line a check: names and messages come from AWS and peers, so no markup.
    out = sys.stdout
    for finding in report.findings:
        mark = _MARK[finding.ok] if finding.determined else "??  "
        out.write(f"{mark} {finding.ca}  {finding.check}: {finding.detail}\n")
        if finding.fix:
            out.write(f"       fix: {finding.fix}\n")
    problems = sum(1 for f in report.findings if not f.ok and f.determined)
    unknown = sum(1 for f in report.findings if not f.determined)
    if report.healthy:
        out.write(f"healthy: {len(report.findings)} checks passed\n")
    else:
        out.write(f"not healthy: {problems} problem(s), {unknown} check(s) could not be made\n")
