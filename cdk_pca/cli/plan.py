"""`cdk-pca plan`: validate a PKI config without AWS and show what a deploy would build.

The hierarchy as a tree, CRL and OCSP addresses, ACM renewals, lookups, alarms and monthly cost.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from typing import TYPE_CHECKING, Any

from cdk_pca.cli.errors import EXIT_BAD_INPUT, CliError
from cdk_pca.cli.plan_organization import organization_plan, render_organization

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rich.console import Console

    from cdk_pca.config import CertificateAuthorityConfig, ConfigError, PkiConfig
    from cdk_pca.config.placements import Placement

DEFAULT_CONFIG = "pki.yaml"
# The distribution's domain is only known after deploy; the stack sets it as the CRL CNAME.
CLOUDFRONT_PLACEHOLDER = "<cloudfront-domain>"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="validate a PKI config and show the hierarchy, URLs, alarms and monthly cost",
        description=(
            "Validate a PKI config without AWS credentials and print what `cdk deploy` would "
            "build: the CA hierarchy, CRL and OCSP addresses, ACM renewal permissions, "
            "certificate lookups, alarms and the monthly cost estimate."
        ),
    )
    parser.add_argument(
        "--config",
        default=DEFAULT_CONFIG,
        metavar="FILE",
        help=f"the PKI config, YAML or JSON (default: {DEFAULT_CONFIG})",
    )
    parser.add_argument("--json", action="store_true", help="print the plan as one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from cdk_pca.config import ConfigError, load_config

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        count = len(exc.problems)
        sys.stderr.write(
            f"cdk-pca plan: error: {args.config}: invalid PKI config "
            f"({count} problem{'s' if count != 1 else ''}):\n"
        )
        sys.stderr.write(f"{exc}\n")  # the first problems, one bounded line each, and a count
        if args.json:
            sys.stdout.write(json.dumps(_config_error_json(args.config, exc), indent=2) + "\n")
        return EXIT_BAD_INPUT
    from cdk_pca.cli.plan_organization import stack_limit_problems

    over_quota = stack_limit_problems(config)
    if over_quota:
        raise CliError("; ".join(over_quota))
    from cdk_pca.config.placements import read_record, record_path

    plan = build_plan(config, record=read_record(record_path(args.config)))
    if args.json:
        sys.stdout.write(json.dumps(plan, indent=2) + "\n")
    else:
        render(plan)
    return 0


def _config_error_json(path: str, error: ConfigError) -> dict[str, Any]:
    """`plan --json` on a bad config: the CLI's error object, with the problems as data (the
    same bound as the text: the first MAX_PROBLEMS_SHOWN, and how many there are)."""
    from cdk_pca.cli import error_json
    from cdk_pca.config.errors import MAX_PROBLEMS_SHOWN, problem_lines

    count = len(error.problems)
    shown = error.problems[:MAX_PROBLEMS_SHOWN]
    return error_json(
        "plan",
        CliError(
            f"{path}: invalid PKI config ({count} problem{'s' if count != 1 else ''})",
            details={
                "problemCount": count,
                "problems": [
                    {"path": problem.path, "line": problem.line, "message": line}
                    for problem, line in zip(shown, problem_lines(shown), strict=True)
                ],
            },
        ),
    )


# --- the plan as data (the JSON output; the text output renders the same) -----------------------


def build_plan(
    config: PkiConfig,
    today: datetime.date | None = None,
    record: Mapping[str, Placement] | None = None,
) -> dict[str, Any]:
    """Everything the plan shows, as JSON-ready values (lifecycle dates counted from `today`);
    `record` is the config's placement record, for the moves it declares intended."""
    from cdk_pca.ca_lifecycle import lifecycle_for_config
    from cdk_pca.config.placements import accepted_moves

    lifecycles = {entry.name: entry for entry in lifecycle_for_config(config, today)}
    plan = {
        "name": config.name,
        # With environments: null here; each stack is in "environments".
        "stack_name": None if config.environments else config.name,
        "account": config.account,
        "region": config.region,
        "certificate_authorities": [
            {**_ca_plan(config, ca), "lifecycle": lifecycles[ca.name].to_dict()}
            for ca in config.cas_in_issuing_order()
        ],
        "canary": {
            "enabled": config.canary.enabled,
            "schedule_minutes": config.canary.schedule_minutes if config.canary.enabled else None,
        },
        "crl_bucket": {"encryption": config.crl_bucket.encryption},
        "ocsp_distribution": _ocsp_distribution_plan(config),
        "notifications": {"emails": list(config.notifications.emails)},
        "lookups": [_lookup_plan(lookup) for lookup in config.lookups],
        "alarms": alarm_plan(config),
        "monthly_cost_usd": {
            "total": config.monthly_cost_usd,
            "per_ca": {ca.name: ca.monthly_cost_usd for ca in config.certificate_authorities},
        },
        **organization_plan(config),
        "moves": [
            {"ca": name, "from": before.stack, "to": after.stack}
            for name, before, after in accepted_moves(config, record)
        ],
        "warnings": [entry.warning for entry in lifecycles.values() if entry.warning],
    }
    plan["warnings"] += [
        f"CA {move['ca']!r} moves from stack {move['from']} to {move['to']} (moved_from): the "
        "deploy creates a new CA there with a new private key; the old one stays behind "
        "(retained) with every certificate it issued, to revoke or let expire"
        for move in plan["moves"]
    ]
    return plan


def _ca_plan(config: PkiConfig, ca: CertificateAuthorityConfig) -> dict[str, Any]:
    if ca.is_root:
        issuer = "self-signed (RootCACertificate/V1)"
    elif ca.external_parent:
        issuer = "external parent outside AWS"
    else:
        issuer = f"{ca.parent} (SubordinateCACertificate_PathLen{config.path_len(ca)}/V1)"
    plan: dict[str, Any] = {
        "name": ca.name,
        "type": ca.type,
        "parent": ca.parent,
        "external_parent": ca.external_parent,
        "issuer": issuer,
        "level": config.level(ca),
        "path_len": config.path_len(ca),
        "subject": ca.subject.model_dump(exclude_none=True),
        "key_algorithm": ca.key_algorithm,
        "signing_algorithm": ca.effective_signing_algorithm,
        "validity_days": ca.validity_days,
        "usage_mode": ca.usage_mode,
        "key_storage_security_standard": ca.key_storage_security_standard,
        "crl": _crl_plan(ca),
        "ocsp": _ocsp_plan(config, ca),
        "acm_renewals": ca.acm_renewals,
        "tags": dict(ca.tags),
        "monthly_cost_usd": ca.monthly_cost_usd,
    }
    if ca.external_parent:
        plan["activation"] = (
            f"phase 2: imports {ca.certificate_file.name} with chain {ca.chain_file.name}"
            if ca.certificate_file is not None and ca.chain_file is not None
            else "phase 1: deploys the CA and outputs its CSR for the external parent to sign"
        )
    return plan


def crl_url(ca: CertificateAuthorityConfig) -> str | None:
    """The CRL address in certificates the CA issues, with placeholders for deploy-time values.

    PCA writes `crl/<CA ID>.crl` to the bucket, or `<CustomPath>/...` when CustomPath is set
    ("http://<CustomName>/<CustomPath>/<CrlPartition_GUID>.crl" for partitioned CRLs):
    https://docs.aws.amazon.com/privateca/latest/userguide/crl-planning.html#crl-url and
    https://docs.aws.amazon.com/privateca/latest/APIReference/API_CrlConfiguration.html
    """
    if not ca.crl.enabled:
        return None
    host = ca.crl.custom_cname or CLOUDFRONT_PLACEHOLDER
    folder = (ca.crl.custom_path or "crl").strip("/")
    file = "<crl-partition-id>.crl" if ca.crl.partitioned else f"<{ca.name}-ca-id>.crl"
    return f"http://{host}/{folder}/{file}" if folder else f"http://{host}/{file}"


def ocsp_url(config: PkiConfig, ca: CertificateAuthorityConfig) -> str | None:
    """The OCSP responder address in certificates the CA issues.

    Without a custom CNAME, AWS's responder for the region; with one, the name that a proxy
    forwards to it: https://docs.aws.amazon.com/privateca/latest/userguide/ocsp-customize.html
    """
    if not ca.ocsp.enabled:
        return None
    if ca.ocsp.custom_cname:
        return f"http://{ca.ocsp.custom_cname}"
    region = config.environments[ca.environment].region if ca.environment else config.region
    return f"http://ocsp.acm-pca.{region or '<region>'}.amazonaws.com"


def _crl_plan(ca: CertificateAuthorityConfig) -> dict[str, Any]:
    if not ca.crl.enabled:
        return {"enabled": False}
    return {
        "enabled": True,
        "url": crl_url(ca),
        "expiration_days": ca.crl.expiration_days,
        "partitioned": ca.crl.partitioned,
        "in_certificates": not ca.crl.omit_extension,
    }


def _ocsp_plan(config: PkiConfig, ca: CertificateAuthorityConfig) -> dict[str, Any]:
    if not ca.ocsp.enabled:
        return {"enabled": False}
    return {"enabled": True, "url": ocsp_url(config, ca)}


def _ocsp_distribution_plan(config: PkiConfig) -> dict[str, Any] | None:
    """The OCSP proxy the stack builds for custom OCSP names (cdk_pca.ocsp_distribution), or None.
    CloudFront bills it per request and per GB only, on top of the CAs."""
    from cdk_pca.vocabulary import ocsp_responder_domain

    names = config.ocsp_custom_cnames()
    if not names:
        return None
    return {
        "domain_names": list(names),
        "origin": ocsp_responder_domain(config.region or "<region>"),
        "certificate_arn": config.ocsp_distribution.certificate_arn,
        "dns": "CNAME each name to the OcspDomainName output",
    }


def _lookup_plan(lookup: Any) -> dict[str, Any]:
    filters = lookup.model_dump(exclude={"name", "mode", "environment"}, exclude_none=True)
    filters = {key: value for key, value in filters.items() if value not in ({}, (), [], False)}
    return {
        "name": lookup.name,
        "mode": lookup.mode,
        # With environments: the stack it is built in, whose account and region it searches.
        "environment": lookup.environment,
        "filters": {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in filters.items()
        },
    }


# --- alarms ----------------------------------------------------------------------------------------
# The rows come from the alarm catalog the monitoring construct builds from, so the plan lists
# exactly the alarms (names, thresholds) and event rules a deploy creates.


def alarm_plan(config: PkiConfig) -> list[dict[str, str]]:
    """One row per alarm and per event rule a deploy creates, plus one per CA with alarms off."""
    from cdk_pca.config.alarms import catalog_for_config

    rows: list[dict[str, str]] = []
    for ca in config.certificate_authorities:
        if not config.alarms.enabled_for(ca.name):
            rows.append({"alarm": "all alarms", "scope": ca.name, "condition": "disabled"})
    # One stack per environment, each with its own alarms and event rules (the same rule names
    # in another account or region).
    for environment in config.environments or [None]:
        catalog = catalog_for_config(config, environment=environment)
        where = f"environment {environment}: " if environment else ""
        for alarm in catalog.alarms:
            kind = "certificate" if alarm.namespace == "AWS/CertificateManager" else "CA"
            rows.append(
                {
                    "alarm": alarm.name,
                    "scope": f"{where}{kind} {alarm.subject}",
                    "condition": alarm.condition,
                }
            )
        known = ", ".join(lookup.name for lookup in config.lookups_in(environment))
        for rule in catalog.event_rules:
            if rule.source == "aws.acm":
                scope = (
                    f"certificates the stack knows ({known})"
                    if known
                    else "every ACM certificate in the account"
                )
            else:
                scope = f"CA {', '.join(rule.certificate_authorities)}"
            rows.append({"alarm": rule.name, "scope": where + scope, "condition": rule.condition})
    return rows


# --- text output -----------------------------------------------------------------------------------


def render(plan: dict[str, Any], console: Console | None = None) -> None:
    """Print the plan with rich: a tree of CAs, then lookups, alarms and cost tables."""
    from rich.console import Console

    console = console or Console(width=None if sys.stdout.isatty() else 120)
    where = (
        f"account {plan['account'] or '(CLI default)'}, region {plan['region'] or '(CLI default)'}"
    )
    if plan["environments"]:  # one stack per environment: the table below names each
        stacks = ", ".join(row["stack_name"] for row in plan["environments"])
        console.print(f"[bold]PKI {plan['name']}[/bold]  stacks {stacks}", highlight=False)
    else:
        console.print(f"[bold]PKI {plan['name']}[/bold]  stack {plan['stack_name']}, {where}")
    console.print(_hierarchy_tree(plan))
    console.print(
        f"CRL bucket: {plan['crl_bucket']['encryption']}; alarm e-mails: "
        f"{', '.join(plan['notifications']['emails']) or 'none (subscribe to the SNS topic later)'}"
    )
    proxy = plan["ocsp_distribution"]
    if proxy is not None:
        console.print(
            f"OCSP distribution (CloudFront): {', '.join(proxy['domain_names'])} -> "
            f"{proxy['origin']}"
        )
        console.print(
            "  alternate domain names with the certificate"
            if proxy["certificate_arn"]
            else "  no certificate: CloudFront answers 403 to these names",
            f"({proxy['dns']})",
        )
    if plan["lookups"]:
        console.print(_lookups_table(plan))
    else:
        console.print("Certificate lookups: none")
    canary = plan["canary"]
    console.print(
        f"Revocation canary: every {canary['schedule_minutes']} minutes, checks each CA's CRL "
        "and OCSP as clients do (namespace cdk-pca)"
        if canary["enabled"]
        else "Revocation canary: disabled (canary.enabled: false)"
    )
    console.print(_alarms_table(plan))
    console.print(_cost_table(plan))
    render_organization(plan, console)
    console.print(
        f"[bold]Estimated monthly cost: {plan['monthly_cost_usd']['total']:,} USD[/bold] "
        "(list price per CA; issued certificates, S3 and CloudFront are billed on top)"
    )
    for warning in plan["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {escape_text(warning)}")


def escape_text(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _hierarchy_tree(plan: dict[str, Any]) -> Any:
    from rich.markup import escape
    from rich.tree import Tree

    cas = plan["certificate_authorities"]
    tree = Tree("[bold]Hierarchy[/bold]")
    nodes: dict[str, Any] = {}
    for ca in cas:  # parents come first
        if ca["parent"] is not None:
            branch = nodes[ca["parent"]]
        elif ca["external_parent"]:
            branch = tree.add("[italic]external parent (outside AWS)[/italic]")
        else:
            branch = tree
        node = branch.add(
            f"[bold]{escape(ca['name'])}[/bold]  {ca['type']} · {ca['key_algorithm']} / "
            f"{ca['signing_algorithm']} · {ca['validity_days']} days · {ca['usage_mode']}"
        )
        node.add(f"subject: {escape(_subject_text(ca['subject']))}")
        node.add(f"signed by: {escape(ca['issuer'])}")
        if "activation" in ca:
            node.add(escape(ca["activation"]))
        crl = ca["crl"]
        node.add(
            f"CRL: {escape(crl['url'])} (valid {crl['expiration_days']} days"
            f"{'' if crl['in_certificates'] else ', not in issued certificates'})"
            if crl["enabled"]
            else "CRL: disabled"
        )
        node.add(
            f"OCSP: {escape(ca['ocsp']['url'])}" if ca["ocsp"]["enabled"] else "OCSP: disabled"
        )
        lifecycle = ca["lifecycle"]
        node.add(
            f"certificate expires {lifecycle['expires']}"
            f"{' (imported certificate)' if lifecycle['expires_from'] == 'certificate' else ' (if deployed today)'}"
            f"; rotate by {lifecycle['rotate_by']} (last day to sign "
            f"{escape(lifecycle['signs'])} of {lifecycle['longest_signed_days']} days)"
        )
        node.add(
            "ACM renewals: allowed (AWS::ACMPCA::Permission for acm.amazonaws.com)"
            if ca["acm_renewals"]
            else "ACM renewals: not allowed"
        )
        nodes[ca["name"]] = node
    return tree


def _subject_text(subject: dict[str, str]) -> str:
    short = {
        "common_name": "CN",
        "organization": "O",
        "organizational_unit": "OU",
        "locality": "L",
        "state": "ST",
        "country": "C",
    }
    return ", ".join(f"{short[key]}={subject[key]}" for key in short if key in subject)


def _lookups_table(plan: dict[str, Any]) -> Any:
    from rich.table import Table

    table = Table(title="Certificate lookups", title_justify="left")
    table.add_column("lookup")
    # With environments each lookup runs in its environment's stack (account and region).
    by_environment = any(lookup["environment"] for lookup in plan["lookups"])
    if by_environment:
        table.add_column("environment")
    table.add_column("mode")
    table.add_column("filters")
    lookups = sorted(plan["lookups"], key=lambda lookup: lookup["environment"] or "")
    for lookup in lookups:
        filters = "; ".join(f"{key}={value}" for key, value in lookup["filters"].items())
        where = [lookup["environment"]] if by_environment else []
        table.add_row(lookup["name"], *where, lookup["mode"], filters)
    return table


def _alarms_table(plan: dict[str, Any]) -> Any:
    from rich.table import Table

    table = Table(title="Alarms", title_justify="left")
    table.add_column("alarm", no_wrap=True)  # names are what a person searches for
    table.add_column("scope", no_wrap=True)
    table.add_column("condition")
    for alarm in plan["alarms"]:
        table.add_row(alarm["alarm"], alarm["scope"], alarm["condition"])
    return table


def _cost_table(plan: dict[str, Any]) -> Any:
    from rich.table import Table

    cost = plan["monthly_cost_usd"]
    table = Table(title="Monthly cost estimate", title_justify="left")
    table.add_column("CA")
    table.add_column("usage mode")
    table.add_column("USD / month", justify="right")
    for ca in plan["certificate_authorities"]:
        table.add_row(ca["name"], ca["usage_mode"], f"{ca['monthly_cost_usd']:,}")
    table.add_row("[bold]total[/bold]", "", f"[bold]{cost['total']:,}[/bold]")
    return table
