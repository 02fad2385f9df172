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
    parser.add_argument(
        "--environment",
        metavar="NAME",
        help="with a config that has environments: check only this environment's stack "
        "(default: every environment in the credentials' account)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run_doctor)


def run_doctor(args: argparse.Namespace, *, clients: ClientFactory | None = None) -> int:
    from cdk_pca.doctor import diagnose
    from cdk_pca.revocation.aws import ArnError, parse_ca_arn

    region = args.region
    targets: list[DoctorTarget]
    findings: list[Finding] = []
    notes: list[str] = []
    if args.ca_arn and args.environment:
        raise CliError("--environment selects a stack of --config; leave it out with --ca-arn")
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
        path = args.config or DEFAULT_CONFIG
        config = _load_config(path)
        if config.environments:
            clients = clients or _checked_clients()
            targets, findings, notes = _targets_from_environments(config, args, path, clients)
        else:
            if args.environment:
                raise CliError(
                    f"--environment {args.environment}: {path} has no environments (one stack, "
                    f"{config.name}); leave --environment out"
                )
            targets, findings, clients = _targets_of_the_stack(config, region, clients)
    report = diagnose(targets, clients=clients, findings=findings)
    if args.json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        _print_report(report)
    for note in notes:
        sys.stderr.write(f"note: {note}\n")
    return report.exit_code


def _targets_of_the_stack(
    config: Any, region: str | None, clients: ClientFactory | None
) -> tuple[list[DoctorTarget], list[Finding], ClientFactory]:
    """The CAs of a single-stack config's deployed stack, in --region, the config's or boto3's."""
    from cdk_pca.doctor import DoctorError

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
    return targets, findings, clients


def _targets_from_environments(
    config: Any, args: argparse.Namespace, path: str, clients: ClientFactory
) -> tuple[list[DoctorTarget], list[Finding], list[str]]:
    """The CAs of every environment's stack (or --environment's), each read in its environment's
    region. doctor runs with the caller's credentials, which reach one account: an environment of
    another account is not checked, and said so in a note; when none is in the caller's account
    nothing can be checked (exit 2)."""
    from cdk_pca.doctor import DoctorError

    order = config.environments_in_deploy_order()
    if args.region:
        raise CliError(
            f"--region {args.region}: the environments of {path} name their own regions; leave "
            "--region out (--environment NAME checks one)"
        )
    if args.environment is not None and args.environment not in config.environments:
        raise CliError(
            f"--environment {args.environment!r} is not an environment of {path}; expected one "
            f"of: {', '.join(order)}"
        )
    chosen = [args.environment] if args.environment else list(order)
    caller = _caller_account(clients, config.environments[chosen[0]].region)
    targets: list[DoctorTarget] = []
    findings: list[Finding] = []
    notes: list[str] = []
    skipped: list[str] = []
    for environment in chosen:
        target = config.environments[environment]
        stack = config.stack_name(environment)
        if target.account != caller:
            skipped.append(f"{environment} is in account {target.account}")
            notes.append(
                f"environment {environment} (stack {stack}) is in account {target.account}, "
                f"the credentials are for account {caller}: not checked; run doctor --config "
                f"{path} --environment {environment} with credentials for {target.account}"
            )
            continue
        try:
            found, more = _targets_from_config(
                config, clients, target.region, environment=environment
            )
        except DoctorError as exc:
            raise CliError(str(exc)) from None
        targets += found
        findings += more
    if not findings:
        raise CliError(
            f"nothing checked: the credentials are for account {caller}, and environment "
            f"{', '.join(skipped)}: run doctor with credentials for that account "
            "(--environment NAME checks one)"
        )
    return targets, findings, notes


def _caller_account(clients: ClientFactory, region: str) -> str:
    """The account of the credentials (STS GetCallerIdentity, which needs no permission):
    https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html"""
    from botocore.exceptions import BotoCoreError, ClientError

    from cdk_pca.cli.errors import describe_exception

    try:
        return str(clients("sts", region).get_caller_identity()["Account"])
    except (ClientError, BotoCoreError) as exc:
        message, _ = describe_exception(exc)
        raise CliError(f"cannot tell which account the credentials are for: {message}") from None


def _targets_from_config(
    config: Any, clients: ClientFactory, region: str, *, environment: str | None = None
) -> tuple[list[DoctorTarget], list[Finding]]:
    from botocore.exceptions import BotoCoreError, ClientError

    from cdk_pca.cli.errors import describe_exception
    from cdk_pca.doctor import targets_from_config

    cloudformation = clients("cloudformation", region)
    try:
        return targets_from_config(config, cloudformation=cloudformation, environment=environment)
    except (ClientError, BotoCoreError) as exc:
        # Access denied, an unreachable endpoint: nothing can be checked (exit 2, one line).
        message, _ = describe_exception(exc)
        stack = config.stack_name(environment)
        raise CliError(f"cannot read stack {stack} in {region}: {message}") from None


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
