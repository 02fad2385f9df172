"""`cdk-pca plan` for organization scale: per environment its stack, resources and cost; per RAM
share the certificate templates it allows, and warnings where a consumer would be refused.

Plain data from the config (no aws_cdk: plan answers in well under a second).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cdk_pca.config.organization import (
    CONSUMER_TEMPLATES,
    DEFAULT_RAM_PERMISSION,
    RAM_PERMISSIONS,
    SUBORDINATE_RAM_PERMISSION,
    principal_kind,
)

if TYPE_CHECKING:
    from rich.console import Console

    from cdk_pca.config import CertificateAuthorityConfig, PkiConfig

# CloudFormation quotas per template: 500 resources, 200 outputs, 1 MB template body (S3).
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
MAX_RESOURCES = 500
MAX_OUTPUTS = 200

# Resources a stack has whatever its CAs (counted in the synthesized templates of this project):
# CRL bucket, access-log bucket and their policies, CloudFront distribution, origin access control
# and cache policy; the monitoring's topic, its policy and KMS key, and the dashboard.
_CRL_RESOURCES = 7
_MONITORING_RESOURCES = 4
_SIGNING_PROVIDER_RESOURCES = 3  # role, function, log group of Custom::ParentSignature
_CANARY_RESOURCES = 5  # log group, role, function, schedule rule, invoke permission
# The AWS::CDK::Metadata resource the CDK CLI adds to every stack it synthesizes (version
# reporting, on unless `--no-version-reporting` or `"versionReporting": false` in cdk.json):
# https://docs.aws.amazon.com/cdk/v2/guide/usage-data.html. It counts against the 500; a
# library synth without the CLI's context has none, so such a template holds one fewer.
CDK_METADATA_RESOURCES = 1
_OCSP_RESOURCES = 2  # the OCSP proxy's distribution and cache policy
_LOOKUP_PROVIDER_RESOURCES = 3  # role, function, log group of Custom::CertificateLookup


def organization_plan(config: PkiConfig) -> dict[str, Any]:
    """The plan's `environments` (empty without them), `sharing` and `sharing_warnings`."""
    shares = sharing_plan(config)
    return {
        "environments": environments_plan(config),
        "sharing": shares,
        "sharing_warnings": [warning for share in shares for warning in share["warnings"]],
        "sharing_requirements": [need for share in shares for need in share["requirements"]],
    }


def environments_plan(config: PkiConfig) -> list[dict[str, Any]]:
    rows = []
    for environment in config.environments_in_deploy_order():
        target = config.environments[environment]
        cas = config.cas_in(environment)
        parents = {
            config.stack_name(str(parent.environment))
            for ca in cas
            if (parent := config.parent_of(ca)) is not None and parent.environment != environment
        }
        resources = estimate_resources(config, cas, environment)
        outputs = estimate_outputs(config, cas, environment)
        rows.append(
            {
                "environment": environment,
                "stack_name": config.stack_name(environment),
                "account": target.account,
                "region": target.region,
                "certificate_authorities": [ca.name for ca in cas],
                "depends_on": sorted(parents),
                "lookups": [lookup.name for lookup in config.lookups_in(environment)],
                "resources": resources,
                "outputs": outputs,
                "within_limits": resources <= MAX_RESOURCES and outputs <= MAX_OUTPUTS,
                "monthly_cost_usd": sum(ca.monthly_cost_usd for ca in cas),
            }
        )
    return rows


# A parent another stack of the same account and region signs from (route `stack`) hands its
# activated ARN and its chain over as two outputs of its stack, which CDK reads with
# Fn::GetStackOutput in the child's stack (a weak reference, no export):
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getstackoutput.html
_REFERENCED_PARENT_OUTPUTS = 2


def _parents_referenced_by_other_stacks(
    config: PkiConfig, cas: tuple[CertificateAuthorityConfig, ...]
) -> set[str]:
    names = {ca.name for ca in cas}
    return {
        str(child.parent)
        for child in config.certificate_authorities
        if child.parent in names
        and child.name not in names
        and config.signing_route(child) == "stack"
    }


def estimate_outputs(
    config: PkiConfig,
    cas: tuple[CertificateAuthorityConfig, ...],
    environment: str | None = None,
) -> int:
    """Outputs of the stack holding `cas` (of `environment`, with environments): each CA's ARN,
    each lookup's certificate ARN, the CRL and OCSP domains where the stack has those
    distributions, phase-1 CSRs, and what it hands to stacks of its account and region."""
    outputs = len(cas) + len(config.lookups_in(environment))
    outputs += 1 if any(ca.crl.enabled for ca in cas) else 0
    outputs += 1 if any(ca.ocsp.enabled and ca.ocsp.custom_cname for ca in cas) else 0
    # Phase 1 of an external parent: the CSR to have signed.
    outputs += sum(1 for ca in cas if ca.external_parent and ca.certificate_pem is None)
    return outputs + _REFERENCED_PARENT_OUTPUTS * len(
        _parents_referenced_by_other_stacks(config, cas)
    )


def estimate_resources(
    config: PkiConfig,
    cas: tuple[CertificateAuthorityConfig, ...],
    environment: str | None = None,
) -> int:
    """Resources of the stack holding `cas` (of `environment`, with environments): the fixed
    part, each CA with its certificate, activation or signature, permission, shares, alarms and
    event rules, and the stack's certificate lookups; as `cdk synth` writes it (CDK's metadata
    included)."""
    from cdk_pca.alarm_catalog import build_alarm_catalog
    from cdk_pca.config.alarms import ca_alarm_settings_for_config, canary_schedule_for_config

    names = {ca.name for ca in cas}
    # Each lookup is built in the stack of its environment (all of them in the single stack).
    lookups = config.lookups_in(environment)
    deployed_lookups = sum(1 for lookup in lookups if lookup.mode == "deploy")
    count = CDK_METADATA_RESOURCES + _MONITORING_RESOURCES + len(config.notifications.emails)
    count += deployed_lookups + (_LOOKUP_PROVIDER_RESOURCES if deployed_lookups else 0)
    count += _CRL_RESOURCES if any(ca.crl.enabled for ca in cas) else 0
    if config.crl_bucket.encryption == "SSE_KMS" and any(ca.crl.enabled for ca in cas):
        count += 1
    catalog = build_alarm_catalog(
        pki_name=config.stack_name(environment),
        certificate_authorities=[
            s for s in ca_alarm_settings_for_config(config) if s.name in names
        ],
        certificate_names=[lookup.name for lookup in lookups],
        days_to_expiry=int(config.alarms.days_to_expiry),
        canary_schedule_minutes=canary_schedule_for_config(config),
    )
    count += len(catalog.alarms) + len(catalog.event_rules)
    if cas and config.canary.enabled:
        count += _CANARY_RESOURCES
    if any(ca.ocsp.enabled and ca.ocsp.custom_cname for ca in cas):
        count += _OCSP_RESOURCES
    signed_remotely: set[str] = set()
    # Phase 1 of an external parent: that CA waits for its certificate, and CAs below it are
    # neither signed nor activated until phase 2.
    awaiting_signature: set[str] = set()
    for ca in cas:  # issuing order: parents first
        count += 1 + ca.acm_renewals
        parent = config.parent_of(ca)
        route = config.signing_route(ca) if config.environments else "local"
        if (ca.external_parent and ca.certificate_pem is None) or (
            parent is not None and parent.name in awaiting_signature
        ):
            awaiting_signature.add(ca.name)
        elif route in ("account", "region") or (
            parent is not None and parent.name in signed_remotely
        ):
            signed_remotely.add(ca.name)
            count += 1  # Custom::ParentSignature
        elif ca.is_root or parent is not None:
            count += 2  # AWS::ACMPCA::Certificate and its activation
        elif ca.certificate_pem is not None:
            count += 1  # phase 2: the activation of the imported certificate
        count += len(_shares_of(config, ca))
    return count + (_SIGNING_PROVIDER_RESOURCES if signed_remotely else 0)


# The CRL bucket's logical ID in every PkiStack (a promise: the replacement guard holds it).
PKI_STACK_CRL_BUCKET_LOGICAL_ID = "CrlBucketFF08B287"
# Lambda: "Environment variables: 4 KB, aggregate" (names and values).
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
LAMBDA_ENVIRONMENT_MAX_BYTES = 4096
_LONGEST_REGION = "ap-southeast-5"  # when the stack's region is left to the CLI


def stack_limit_problems(config: PkiConfig) -> list[str]:
    """What CloudFormation, Lambda or the synth would refuse, said first by `cdk-pca plan`: a
    stack over the resource quota (the same count as its per-stack rows), a canary whose CA list
    outgrows Lambda's environment, an SSE_KMS stack name too long to spell its bucket's name."""
    from cdk_pca.runtime.canary_handler import CA_ARNS_ENV
    from cdk_pca.vocabulary import generated_bucket_stack_name_max

    stacks: list[tuple[str, tuple[CertificateAuthorityConfig, ...], str | None, str | None]]
    if config.environments:
        stacks = [
            (config.stack_name(e), config.cas_in(e), config.environments[e].region, e)
            for e in config.environments
        ]
    else:
        stacks = [(config.name, tuple(config.certificate_authorities), config.region, None)]
    problems = []
    kms_name_max = generated_bucket_stack_name_max(PKI_STACK_CRL_BUCKET_LOGICAL_ID)
    for stack_name, cas, region, environment in stacks:
        if (
            config.crl_bucket.encryption == "SSE_KMS"
            and any(ca.crl.enabled for ca in cas)
            and len(stack_name) > kms_name_max
        ):
            problems.append(
                f"stack {stack_name}: crl_bucket.encryption SSE_KMS needs a stack name of at most "
                f"{kms_name_max} characters, got {len(stack_name)} (the key policy spells the "
                "bucket's generated name); use SSE_S3 or a shorter name"
            )
        arn = f"arn:aws:acm-pca:{region or _LONGEST_REGION}:123456789012:certificate-authority/"
        canary_bytes = len(CA_ARNS_ENV) + len(cas) * (len(arn) + 36 + 1)
        if config.canary.enabled and cas and canary_bytes > LAMBDA_ENVIRONMENT_MAX_BYTES:
            problems.append(
                f"stack {stack_name}: the revocation canary of its {len(cas)} CAs needs about "
                f"{canary_bytes} bytes of Lambda environment, over Lambda's "
                f"{LAMBDA_ENVIRONMENT_MAX_BYTES}: split the CAs across `environments`, or set "
                "canary.enabled: false"
            )
        resources = estimate_resources(config, cas, environment)
        if resources > MAX_RESOURCES:
            problems.append(
                f"stack {stack_name} would hold about {resources} resources, over "
                f"CloudFormation's {MAX_RESOURCES} per stack ({len(cas)} CAs): split the CAs "
                "across `environments` (one stack each), or across configs"
            )
    return problems


def _shares_of(config: PkiConfig, ca: CertificateAuthorityConfig) -> dict[str, list[str]]:
    """Permission -> principals of this CA's RAM shares, as PkiStack makes them."""
    wanted: dict[str, list[str]] = {}
    if ca.sharing is not None:
        for permission in ca.sharing.permissions:
            wanted[permission] = list(ca.sharing.principals)
    for child in config.children_of(ca):
        if config.environments and config.signing_route(child) == "account":
            accounts = wanted.setdefault(SUBORDINATE_RAM_PERMISSION, [])
            account = config.environments[str(child.environment)].account
            if account not in accounts:
                accounts.append(account)
    return wanted


def sharing_plan(config: PkiConfig) -> list[dict[str, Any]]:
    """One row per CA with RAM shares: what the shares allow, and who would be refused."""
    rows = []
    for ca in config.cas_in_issuing_order():
        shares = _shares_of(config, ca)
        if not shares:
            continue
        templates = sorted(
            {template for name in shares for template in RAM_PERMISSIONS[name].templates}
        )
        warnings = [
            f"{ca.name}: {consumer} asks for {_short(template)}, which no share of this CA "
            f"allows: it would meet AccessDenied ({_remedy(template)})"
            for consumer, template in CONSUMER_TEMPLATES.items()
            if template not in templates and _issues_end_entities(shares)
        ]
        if (
            any(RAM_PERMISSIONS[name].revoke for name in shares)
            and DEFAULT_RAM_PERMISSION not in shares
        ):
            warnings.append(
                f"{ca.name}: revoking across accounts also needs {DEFAULT_RAM_PERMISSION}"
            )
        rows.append(
            {
                "ca": ca.name,
                "shares": [
                    {
                        "permission": name,
                        "principals": principals,
                        "templates": list(RAM_PERMISSIONS[name].templates),
                        "revoke": RAM_PERMISSIONS[name].revoke,
                        "what": RAM_PERMISSIONS[name].summary,
                    }
                    for name, principals in shares.items()
                ],
                "templates_allowed": templates,
                "allow_external_principals": bool(
                    ca.sharing is not None and ca.sharing.allow_external_principals
                ),
                "warnings": warnings,
                "requirements": _share_requirements(config, ca, shares),
            }
        )
    return rows


def _share_requirements(
    config: PkiConfig, ca: CertificateAuthorityConfig, shares: dict[str, list[str]]
) -> list[str]:
    """What the shares need of the accounts, which the config cannot know: organization
    membership, RAM sharing with AWS Organizations, and invitations.

    AllowExternalPrincipals false: "the resource share can be shared with only accounts in the
    same organization as the account that owns the resource share"; outside the organization an
    account receives an invitation and must accept it; organizations and OUs need sharing with
    AWS Organizations enabled in the management account.
    https://docs.aws.amazon.com/ram/latest/APIReference/API_ResourceShare.html
    https://docs.aws.amazon.com/ram/latest/APIReference/API_AcceptResourceShareInvitation.html
    https://docs.aws.amazon.com/ram/latest/APIReference/API_EnableSharingWithAwsOrganization.html
    """
    external = ca.sharing is not None and ca.sharing.allow_external_principals
    owner = _owner_account(config, ca)
    principals = sorted({p for names in shares.values() for p in names})
    accounts = [p for p in principals if principal_kind(p) == "account"]
    needs = []
    if accounts and not external:
        needs.append(
            f"{ca.name}: account {', '.join(accounts)} gets the share only if it is in the "
            f"organization of {owner} (allow_external_principals is false); otherwise set "
            "sharing.allow_external_principals: true and accept the invitation there"
        )
    elif accounts:
        needs.append(
            f"{ca.name}: account {', '.join(accounts)}, if outside the organization of {owner}, "
            "must accept the RAM invitation (aws ram accept-resource-share-invitation) before "
            "it can use the CA"
        )
    if len(accounts) < len(principals):
        needs.append(
            f"{ca.name}: sharing with an organization or OU needs RAM sharing with AWS "
            "Organizations enabled (aws ram enable-sharing-with-aws-organization, in the "
            "management account)"
        )
    return needs


def _owner_account(config: PkiConfig, ca: CertificateAuthorityConfig) -> str:
    if config.environments and ca.environment is not None:
        return f"account {config.environments[str(ca.environment)].account}"
    return f"account {config.account}" if config.account else "the deploying account"


def _short(template: str) -> str:
    return template.split("template/", 1)[-1]


def _remedy(template: str) -> str:
    allowing = [p.name for p in RAM_PERMISSIONS.values() if template in p.templates]
    if allowing:
        return f"add {allowing[0]} to sharing.permissions"
    return (
        "no AWS-managed RAM permission for AWS Private CA allows it: have the consumer ask "
        "for a template a share allows"
    )


def _issues_end_entities(shares: dict[str, list[str]]) -> bool:
    """Consumer warnings concern shares meant for issuing leaf certificates, not the PathLen0
    share a cross-account child CA gets."""
    return any(name != SUBORDINATE_RAM_PERMISSION for name in shares)


def render_organization(plan: dict[str, Any], console: Console) -> None:
    from rich.table import Table

    if plan["environments"]:
        table = Table(title="Stacks (one per environment, in deploy order)", title_justify="left")
        for column in ("stack", "account / region", "CAs", "after", "resources", "USD / month"):
            table.add_column(
                column, justify="right" if column in ("resources", "USD / month") else "left"
            )
        for row in plan["environments"]:
            resources = f"{row['resources']} / {MAX_RESOURCES}"
            if not row["within_limits"]:
                resources = f"[bold red]{resources}[/bold red]"
            table.add_row(
                row["stack_name"],
                f"{row['account']} / {row['region']}",
                ", ".join(row["certificate_authorities"]),
                ", ".join(row["depends_on"]) or "-",
                resources,
                f"{row['monthly_cost_usd']:,}",
            )
        console.print(table)
    if plan["sharing"]:
        table = Table(title="AWS RAM shares", title_justify="left")
        for column in ("CA", "permission", "principals", "templates it allows"):
            table.add_column(column)
        for row in plan["sharing"]:
            for share in row["shares"]:
                allowed = ", ".join(_short(t) for t in share["templates"])
                table.add_row(
                    row["ca"],
                    share["permission"],
                    ", ".join(share["principals"]),
                    allowed or ("RevokeCertificate" if share["revoke"] else "-"),
                )
        console.print(table)
    for warning in plan["sharing_warnings"]:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    for need in plan.get("sharing_requirements", []):
        console.print(f"note: {need}")
