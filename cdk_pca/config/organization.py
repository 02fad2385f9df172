"""Organization scale in the config: environments (account and region per stack) and RAM shares.

The field checks (regions PCA serves, share principals) and the rules across the file (each CA and
lookup in a known environment, each environment's CloudFront certificates, what can be signed
across accounts and regions), on plain data like rules.py.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cdk_pca import rules
from cdk_pca.config.errors import ConfigProblem
from cdk_pca.rules import show, viewer_certificate_problem

# --- AWS RAM managed permissions for AWS Private CA ---------------------------------------------


@dataclass(frozen=True)
class RamPermission:
    """An AWS-managed RAM permission for acm-pca:CertificateAuthority, and what it lets the
    accounts it is shared with do: the certificate templates IssueCertificate accepts, and
    whether RevokeCertificate is allowed."""

    name: str
    templates: tuple[str, ...]
    label: str  # in the share's construct ID and name
    revoke: bool = False
    summary: str = ""

    def arn(self, partition: str = "aws") -> str:
        # Managed permission ARNs have no region or account: arn:aws:ram::aws:permission/NAME
        # https://docs.aws.amazon.com/ram/latest/userguide/working-with-sharing-view-permissions.html
        return f"arn:{partition}:ram::aws:permission/{self.name}"


_TEMPLATE = "arn:aws:acm-pca:::template/"
PATH_LEN0_TEMPLATE = f"{_TEMPLATE}SubordinateCACertificate_PathLen0/V1"

# The four AWS-managed permissions AWS RAM offers for AWS Private CA. Their names come from the
# RAM guide (`aws ram list-permissions`, resource type acm-pca:CertificateAuthority) and the RAM
# managed-permission table (AWSRAMDefaultPermissionCertificateAuthority):
# https://docs.aws.amazon.com/ram/latest/userguide/working-with-sharing-view-permissions.html
# https://docs.aws.amazon.com/ram/latest/userguide/security-ram-permissions.html
# Which template each one allows: the default allows EndEntityCertificate/V1 (the PCA guide's
# resource-based policy for shared CAs conditions IssueCertificate on acm-pca:TemplateArn
# EndEntityCertificate/V1: https://docs.aws.amazon.com/privateca/latest/userguide/pca-rbp.html,
# and cert-manager's aws-privateca-issuer#409 shows the default refusing
# BlankEndEntityCertificate_APICSRPassthrough/V1); the others allow the template they are named
# after. AWS documents no per-permission table of templates: this mapping follows the names,
# except for the PathLen0 permission, whose policy AWS quotes (cdk_pca/rules.py, the Network
# Firewall guide: IssueCertificate only with SubordinateCACertificate_PathLen0/V1).
# Revoking across accounts needs the revoke permission AND the default one, in two shares
# (PCA guide, "Revoking a private certificate"):
# https://docs.aws.amazon.com/privateca/latest/userguide/PcaRevokeCert.html
RAM_PERMISSIONS: Mapping[str, RamPermission] = {
    permission.name: permission
    for permission in (
        RamPermission(
            "AWSRAMDefaultPermissionCertificateAuthority",
            (f"{_TEMPLATE}EndEntityCertificate/V1",),
            "Default",
            summary="issue end-entity certificates (ACM private certificates)",
        ),
        RamPermission(
            "AWSRAMBlankEndEntityCertificateAPICSRPassthroughIssuanceCertificateAuthority",
            (f"{_TEMPLATE}BlankEndEntityCertificate_APICSRPassthrough/V1",),
            "CsrPassthrough",
            summary="issue end-entity certificates with CSR and API passthrough "
            "(cert-manager's aws-privateca-issuer default)",
        ),
        RamPermission(
            "AWSRAMSubordinateCACertificatePathLen0IssuanceCertificateAuthority",
            (PATH_LEN0_TEMPLATE,),
            "SubordinatePathLen0",
            summary="sign subordinate CAs that have no CAs below them",
        ),
        RamPermission(
            "AWSRAMRevokeCertificateCertificateAuthority",
            (),
            "Revoke",
            revoke=True,
            summary="revoke certificates (with the default permission in a second share)",
        ),
    )
}
DEFAULT_RAM_PERMISSION = "AWSRAMDefaultPermissionCertificateAuthority"
SUBORDINATE_RAM_PERMISSION = rules.SUBORDINATE_RAM_PERMISSION
REVOKE_RAM_PERMISSION = "AWSRAMRevokeCertificateCertificateAuthority"

# What consumers commonly ask a shared CA for, and the permission that allows it: `plan` warns
# when a share lacks it. aws-privateca-issuer picks its template from the certificate's usages
# (https://github.com/cert-manager/aws-privateca-issuer/issues/460).
CONSUMER_TEMPLATES: Mapping[str, str] = {
    "ACM private certificates": f"{_TEMPLATE}EndEntityCertificate/V1",
    "cert-manager aws-privateca-issuer (default usages)": (
        f"{_TEMPLATE}BlankEndEntityCertificate_APICSRPassthrough/V1"
    ),
    "cert-manager aws-privateca-issuer (usages server auth)": (
        f"{_TEMPLATE}EndEntityServerAuthCertificate/V1"
    ),
    "cert-manager aws-privateca-issuer (usages client auth)": (
        f"{_TEMPLATE}EndEntityClientAuthCertificate/V1"
    ),
}

# --- share principals -------------------------------------------------------------------------

# AWS::RAM::ResourceShare Principals: an account ID, an organization ARN or an OU ARN (also IAM
# roles, users and service principals, which this config does not offer: CAs are shared with
# accounts). https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ram-resourceshare.html
# Organization and OU ID formats: o-[a-z0-9]{10,32}, ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}
# https://docs.aws.amazon.com/organizations/latest/APIReference/API_OrganizationalUnit.html
_ACCOUNT = re.compile(r"[0-9]{12}")
_ORGANIZATION = re.compile(
    r"arn:aws[a-z-]*:organizations::[0-9]{12}:organization/o-[a-z0-9]{10,32}"
)
_OU = re.compile(
    r"arn:aws[a-z-]*:organizations::[0-9]{12}:ou/o-[a-z0-9]{10,32}/ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}"
)


def organization_of(principal: str) -> tuple[str, str] | None:
    """(management account, organization ID) of an organization or OU ARN; None for an account."""
    if principal_kind(principal) not in ("organization", "organizational-unit"):
        return None
    management = principal.split(":")[4]
    organization = principal.split(":", 5)[5].split("/")[1]
    return management, organization


def principal_kind(value: str) -> str | None:
    """`account`, `organization` or `organizational-unit`; None when it is none of them."""
    if _ACCOUNT.fullmatch(value):
        return "account"
    if _ORGANIZATION.fullmatch(value):
        return "organization"
    if _OU.fullmatch(value):
        return "organizational-unit"
    return None


def check_share_principal(raw: Any) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raise ValueError(
            f"{raw} must be quoted: an AWS account ID is a string of 12 digits, and YAML drops "
            "leading zeros from numbers"
        )
    if not isinstance(raw, str) or principal_kind(raw) is None:
        raise ValueError(
            f"{show(raw)} is not a RAM principal this config shares with; expected a 12-digit "
            "account ID, an organization ARN (arn:aws:organizations::ACCOUNT:organization/o-ID) "
            "or an OU ARN (arn:aws:organizations::ACCOUNT:ou/o-ID/ou-ID)"
        )
    return raw


# --- regions ----------------------------------------------------------------------------------


@functools.cache
def pca_regions() -> frozenset[str]:
    """The regions botocore's endpoint data (botocore/data/endpoints.json) lists for acm-pca, FIPS
    aliases left out. Read as JSON, once, and only for configs with environments: importing
    botocore's loader costs a fifth of a second that `cdk-pca plan` would otherwise spend."""
    spec = importlib.util.find_spec("botocore")
    if spec is None or spec.origin is None:
        raise RuntimeError("botocore is not installed: cannot check regions")
    path = Path(spec.origin).parent / "data" / "endpoints.json"
    endpoints = json.loads(path.read_text(encoding="utf-8"))
    return frozenset(
        region
        for partition in endpoints["partitions"]
        for region in partition["services"].get("acm-pca", {}).get("endpoints", {})
        if not region.startswith("fips-") and not region.endswith("-fips")
    )


def check_pca_region(raw: Any) -> str:
    from cdk_pca.config.fields import _region

    value = _region(raw)
    if value not in pca_regions():
        raise ValueError(
            f"{show(value)} is not a region AWS Private CA serves (botocore's acm-pca endpoints "
            "list it nowhere); see https://docs.aws.amazon.com/general/latest/gr/acm-pca.html"
        )
    return value


# --- rules across the file ----------------------------------------------------------------------


def _names(values: Any) -> str:
    return ", ".join(str(value) for value in values) or "none"


def check_organization(data: Mapping[str, Any]) -> list[ConfigProblem]:
    """Environments and sharing problems of a config mapping (raw YAML data or a dump)."""
    problems: list[ConfigProblem] = []
    raw_cas = data.get("certificate_authorities")
    cas = [
        (index, raw)
        for index, raw in enumerate(raw_cas if isinstance(raw_cas, list | tuple) else [])
        if isinstance(raw, Mapping)
    ]
    environments = data.get("environments")
    environments = environments if isinstance(environments, Mapping) else {}
    for index, raw in cas:
        _check_sharing(index, raw.get("sharing"), problems)
    if not environments:
        placed = [("certificate_authorities", index, raw) for index, raw in cas]
        placed += [("lookups", index, raw) for index, raw in _lookups(data.get("lookups"))]
        for section, index, raw in placed:
            if raw.get("environment") is not None:
                problems.append(
                    ConfigProblem.at(
                        (section, index, "environment"),
                        f"{show(raw.get('environment'))} names an environment, but the file has "
                        "no environments section; add environments or remove environment",
                    )
                )
        return problems

    for section in ("crl_distribution", "ocsp_distribution"):
        given = data.get(section)
        if isinstance(given, Mapping) and given.get("certificate_arn") is not None:
            # One certificate cannot serve the distributions of several stacks: each stack's
            # names are its own CAs', and an ACM certificate belongs to one account.
            problems.append(
                ConfigProblem.at(
                    (section, "certificate_arn"),
                    "serves a single stack only: with environments each environment's stack has "
                    f"its own distribution; give environments.<environment>.{section}."
                    f"certificate_arn instead (one of: {_names(environments)})",
                )
            )
    for key in ("account", "region"):
        if data.get(key) is not None:
            problems.append(
                ConfigProblem.at(
                    (key,),
                    "cannot be combined with environments: each environment names its own "
                    "account and region; remove it",
                )
            )
    used: set[str] = set()
    by_name: dict[str, tuple[int, Mapping[str, Any]]] = {}
    for index, raw in cas:
        if isinstance(raw.get("name"), str):
            by_name.setdefault(raw["name"], (index, raw))
        environment = raw.get("environment")
        loc = ("certificate_authorities", index, "environment")
        if environment is None:
            problems.append(
                ConfigProblem.at(
                    loc,
                    "is required when environments are given; expected one of: "
                    f"{_names(environments)}",
                )
            )
        elif isinstance(environment, str):
            used.add(environment)
            if environment not in environments:
                problems.append(
                    ConfigProblem.at(
                        loc,
                        f"{show(environment)} is not an environment of this file; expected one "
                        f"of: {_names(environments)}",
                    )
                )
    for name in environments:
        if name not in used:
            problems.append(
                ConfigProblem.at(
                    ("environments", name),
                    f"no CA uses environment {show(name)}: it would deploy an empty stack; "
                    "remove it or give it a CA",
                )
            )
    _check_signing_routes(cas, by_name, environments, problems)
    _check_stack_cycles(cas, by_name, problems)
    _check_lookup_environments(data.get("lookups"), environments, problems)
    for name, environment in environments.items():
        if isinstance(environment, Mapping):
            _check_distribution_certificates(
                name,
                environment,
                [raw for _, raw in cas if raw.get("environment") == name],
                problems,
            )
    return problems


def _lookups(raw: Any) -> list[tuple[int, Mapping[str, Any]]]:
    items = raw if isinstance(raw, list | tuple) else []
    return [(index, item) for index, item in enumerate(items) if isinstance(item, Mapping)]


def _check_lookup_environments(
    lookups: Any, environments: Mapping[str, Any], problems: list[ConfigProblem]
) -> None:
    """With environments each lookup names the stack it is built in: a lookup runs in one
    account and region, those of its stack."""
    for index, raw in _lookups(lookups):
        environment = raw.get("environment")
        loc = ("lookups", index, "environment")
        if environment is None:
            problems.append(
                ConfigProblem.at(
                    loc,
                    "is required when environments are given (the lookup runs in that "
                    f"environment's account and region); expected one of: {_names(environments)}",
                )
            )
        elif isinstance(environment, str) and environment not in environments:
            problems.append(
                ConfigProblem.at(
                    loc,
                    f"{show(environment)} is not an environment of this file; expected one of: "
                    f"{_names(environments)}",
                )
            )


def _arn_account(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else None


def _check_distribution_certificates(
    name: str,
    environment: Mapping[str, Any],
    cas: list[Mapping[str, Any]],
    problems: list[ConfigProblem],
) -> None:
    """`environments.<name>.crl_distribution|ocsp_distribution.certificate_arn`: in us-east-1
    (the field's pattern), in the environment's account, and with names of this stack to cover.

    CloudFront takes ACM certificates only from us-east-1:
    https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html
    The account: CloudFront's guide does not say that the certificate must be in the
    distribution's account; ACM certificates are regional resources of one account, and AWS's
    own guidance for several accounts is to request a certificate in each account and region
    (AWS Security Blog, "How to deploy public ACM certificates across multiple AWS accounts and
    Regions using AWS CloudFormation StackSets"):
    http://aws.amazon.com/blogs/security/how-to-deploy-public-acm-certificates-across-multiple-aws-accounts-and-regions-using-aws-cloudformation-stacksets/
    """
    account = environment.get("account")
    for section, revocation in (("crl_distribution", "crl"), ("ocsp_distribution", "ocsp")):
        given = environment.get(section)
        arn = given.get("certificate_arn") if isinstance(given, Mapping) else None
        if not isinstance(arn, str):
            continue
        loc = ("environments", name, section, "certificate_arn")
        arn_account = _arn_account(arn)
        if isinstance(account, str) and arn_account is not None and arn_account != account:
            problems.append(
                ConfigProblem.at(
                    loc,
                    f"{show(arn)} is a certificate of account {arn_account}, but environment "
                    f"{show(name)} deploys its distribution to account {account}; expected an ACM "
                    f"certificate of account {account} in us-east-1",
                )
            )
        names = [
            raw
            for raw in cas
            if isinstance(raw.get(revocation), Mapping)
            and raw[revocation].get("enabled") is True
            and raw[revocation].get("custom_cname") is not None
        ]
        problem = viewer_certificate_problem(
            certificate_given=True,
            domain_name_count=len(names),
            names_field=f"{revocation}.custom_cname",
        )
        if problem:
            problems.append(ConfigProblem.at(loc, f"{problem} (in environment {show(name)})"))


def _check_stack_cycles(
    cas: list[tuple[int, Mapping[str, Any]]],
    by_name: Mapping[str, tuple[int, Mapping[str, Any]]],
    problems: list[ConfigProblem],
) -> None:
    """A stack waits for every stack holding a parent of one of its CAs, and CloudFormation
    deploys a stack whole: environments that wait for each other can never deploy."""
    waits_for: dict[str, set[str]] = {}
    edges: list[tuple[int, Mapping[str, Any], str, str]] = []
    for index, raw in cas:
        parent = by_name.get(raw["parent"]) if isinstance(raw.get("parent"), str) else None
        here, there = raw.get("environment"), parent[1].get("environment") if parent else None
        if isinstance(here, str) and isinstance(there, str) and here != there:
            waits_for.setdefault(here, set()).add(there)
            edges.append((index, raw, here, there))

    def path(start: str, goal: str) -> list[str] | None:
        """Environments from `start` to `goal` along waits_for (breadth first), or None."""
        routes: dict[str, list[str]] = {start: [start]}
        queue = [start]
        while queue:
            current = queue.pop(0)
            if current == goal:
                return routes[current]
            for following in sorted(waits_for.get(current, ())):
                if following not in routes:
                    routes[following] = [*routes[current], following]
                    queue.append(following)
        return None

    for index, raw, here, there in edges:
        back = path(there, here)
        if back is not None:
            cycle = " -> ".join([here, *back])
            problems.append(
                ConfigProblem.at(
                    ("certificate_authorities", index, "environment"),
                    f"{show(here)} makes the stacks of environments {cycle} wait for each other: "
                    f"{raw.get('name')!r} is signed by {raw.get('parent')!r} in {there!r}, whose "
                    f"stack waits for {here!r}; CloudFormation deploys a stack whole, so move "
                    f"{raw.get('name')!r} (or the CAs between) into one environment",
                )
            )


def _target(environments: Mapping[str, Any], name: Any) -> tuple[Any, Any] | None:
    environment = environments.get(name) if isinstance(name, str) else None
    if not isinstance(environment, Mapping):
        return None
    return environment.get("account"), environment.get("region")


def _check_signing_routes(
    cas: list[tuple[int, Mapping[str, Any]]],
    by_name: Mapping[str, tuple[int, Mapping[str, Any]]],
    environments: Mapping[str, Any],
    problems: list[ConfigProblem],
) -> None:
    children: dict[str, list[str]] = {}
    for _, raw in cas:
        if isinstance(raw.get("parent"), str) and isinstance(raw.get("name"), str):
            children.setdefault(raw["parent"], []).append(raw["name"])
    for index, raw in cas:
        parent_name = raw.get("parent")
        parent = by_name.get(parent_name) if isinstance(parent_name, str) else None
        if parent is None or raw.get("type") == "ROOT":
            continue
        here = _target(environments, raw.get("environment"))
        there = _target(environments, parent[1].get("environment"))
        if here is None or there is None or here == there:
            continue
        other_account, other_region = here[0] != there[0], here[1] != there[1]
        loc = ("certificate_authorities", index, "environment")
        if other_account and other_region:
            problems.append(
                ConfigProblem.at(
                    loc,
                    f"puts {raw.get('name')!r} in another account AND another region than its "
                    f"parent {parent[1].get('name')!r}: no AWS Private CA resource signs across "
                    "both; use the two-phase route (external_parent: true, then certificate_file "
                    "and chain_file), or move it to the parent's account or region",
                )
            )
        elif other_account and children.get(str(raw.get("name"))):
            # A shared CA signs CA certificates across accounts only with the PathLen0 template
            # (RAM permission AWSRAMSubordinateCACertificatePathLen0IssuanceCertificateAuthority;
            # cross-account issuers get no other CA template:
            # https://docs.aws.amazon.com/privateca/latest/userguide/UsingTemplates.html).
            problems.append(
                ConfigProblem.at(
                    loc,
                    f"puts {raw.get('name')!r} in another account than its parent "
                    f"{parent[1].get('name')!r}: across accounts AWS RAM lets a shared CA sign "
                    "only SubordinateCACertificate_PathLen0/V1 certificates, so it can have no "
                    f"CAs below it (it has {_names(children[str(raw.get('name'))])}); move them "
                    "to the parent's account or make them children of another CA",
                )
            )


def _check_sharing(index: int, sharing: Any, problems: list[ConfigProblem]) -> None:
    if not isinstance(sharing, Mapping):
        return
    for key in ("principals", "permissions"):
        values = sharing.get(key)
        if not isinstance(values, list | tuple):
            continue
        seen: set[Any] = set()
        for position, value in enumerate(values):
            if isinstance(value, str) and value in seen:
                problems.append(
                    ConfigProblem.at(
                        ("certificate_authorities", index, "sharing", key, position),
                        f"{show(value)} is listed twice",
                    )
                )
            seen.add(value)
    _check_one_organization(index, sharing.get("principals"), problems)
    permissions = sharing.get("permissions")
    if (
        isinstance(permissions, list | tuple)
        and REVOKE_RAM_PERMISSION in permissions
        and DEFAULT_RAM_PERMISSION not in permissions
    ):
        problems.append(
            ConfigProblem.at(
                ("certificate_authorities", index, "sharing", "permissions"),
                f"{REVOKE_RAM_PERMISSION} works only together with {DEFAULT_RAM_PERMISSION} "
                "(PCA guide, Revoking a private certificate: two shares of the same CA); add it",
            )
        )


def _check_one_organization(index: int, principals: Any, problems: list[ConfigProblem]) -> None:
    """Organization and OU principals must all name the owner's one organization.

    RAM shares with an organization or OU only inside the sharing account's own organization
    ("all of the accounts in the calling account's organization ... or all of the accounts in an
    organizational unit"); outside it, only individual accounts, with AllowExternalPrincipals
    true. An organization ARN names its management account, so two ARNs with different
    organizations (or management accounts) cannot both be the owner's: one of them fails.
    https://docs.aws.amazon.com/ram/latest/APIReference/API_EnableSharingWithAwsOrganization.html
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ram-resourceshare.html
    Which organization the CA's own account belongs to is not in the config: that is not checked.
    """
    if not isinstance(principals, list | tuple):
        return
    first: tuple[int, tuple[str, str]] | None = None
    for position, principal in enumerate(principals):
        found = organization_of(principal) if isinstance(principal, str) else None
        if found is None:
            continue
        if first is None:
            first = (position, found)
        elif found != first[1]:
            problems.append(
                ConfigProblem.at(
                    ("certificate_authorities", index, "sharing", "principals", position),
                    f"{show(principal)} is in organization {found[1]} (management account "
                    f"{found[0]}), but principals[{first[0]}] is in {first[1][1]} (management "
                    f"account {first[1][0]}): AWS RAM shares with organizations and OUs only "
                    "inside the CA account's own organization; list the accounts of the other "
                    "organization instead, with allow_external_principals: true",
                )
            )
