"""One PkiStack per environment: names, accounts and regions, deploy order, RAM shares and the
signing of CAs whose parent lives in another account or region (examples/organization.yaml)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
import yaml
from aws_cdk.assertions import Match, Template

from cdk_pca.config import load_config, parse_config
from cdk_pca.organization_stacks import build_pki_stacks
from tests.cdk_support import new_app
from tests.stack_support import synthesize

EXAMPLE = "examples/organization.yaml"
SECURITY, SECURITY_EU, WORKLOADS = (
    f"{EXAMPLE}:org-pki-security",
    f"{EXAMPLE}:org-pki-security-eu",
    f"{EXAMPLE}:org-pki-workloads",
)
PATH_LEN0 = "arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen0/V1"


def template(case: str) -> Template:
    return Template.from_json(synthesize(case).template)


def _permission(name: str) -> Any:
    # The partition is a literal once the stack's region is known (feature flags of cdk.json).
    return Match.string_like_regexp(f"^arn:aws:ram::aws:permission/{name}$")


def test_each_environment_is_a_stack_with_its_account_and_region() -> None:
    stacks = {case: synthesize(case).stack for case in (SECURITY, SECURITY_EU, WORKLOADS)}
    assert {(s.stack_name, s.account, s.region) for s in stacks.values()} == {
        ("org-pki-security", "111111111111", "us-east-1"),
        ("org-pki-security-eu", "111111111111", "eu-west-1"),
        ("org-pki-workloads", "222222222222", "us-east-1"),
    }
    assert sorted(stacks[SECURITY].certificate_authorities) == ["issuing-us", "root"]
    assert sorted(stacks[WORKLOADS].certificate_authorities) == ["workloads"]


def test_stacks_signed_by_the_root_deploy_after_its_stack() -> None:
    security = synthesize(SECURITY).stack
    for case in (SECURITY_EU, WORKLOADS):
        assert security in synthesize(case).stack.dependencies
    assert synthesize(SECURITY).stack.dependencies == []


@pytest.mark.parametrize("case", [SECURITY, SECURITY_EU, WORKLOADS])
def test_every_stack_has_its_own_crl_bucket_distribution_and_monitoring(case: str) -> None:
    found = template(case)
    found.resource_count_is("AWS::CloudFront::Distribution", 1)
    found.resource_count_is("AWS::SNS::Topic", 1)
    assert found.find_resources("AWS::S3::BucketPolicy")
    assert found.find_resources("AWS::CloudWatch::Alarm")


def test_cas_carry_the_tags_other_stacks_find_them_by() -> None:
    template(SECURITY).has_resource_properties(
        "AWS::ACMPCA::CertificateAuthority",
        {"Tags": Match.array_with([{"Key": "pki-ca", "Value": "root"}])},
    )


def test_root_is_shared_with_the_workloads_account_for_pathlen0_only() -> None:
    template(SECURITY).has_resource_properties(
        "AWS::RAM::ResourceShare",
        {
            "Principals": ["222222222222"],
            "PermissionArns": [
                _permission("AWSRAMSubordinateCACertificatePathLen0IssuanceCertificateAuthority")
            ],
            "ResourceArns": [{"Ref": Match.string_like_regexp("^RootCaActivation")}],
            "AllowExternalPrincipals": False,
        },
    )


def test_sharing_makes_one_share_per_permission_with_the_ou() -> None:
    shares = template(SECURITY).find_resources(
        "AWS::RAM::ResourceShare",
        {"Properties": {"Principals": [Match.string_like_regexp(":ou/o-")]}},
    )
    assert sorted(s["Properties"]["PermissionArns"][0] for s in shares.values()) == [
        f"arn:aws:ram::aws:permission/{name}"
        for name in (
            "AWSRAMBlankEndEntityCertificateAPICSRPassthroughIssuanceCertificateAuthority",
            "AWSRAMDefaultPermissionCertificateAuthority",
        )
    ]
    assert all(s["Properties"]["AllowExternalPrincipals"] is False for s in shares.values())


def test_cross_account_child_is_signed_by_the_shared_root_found_by_tags() -> None:
    found = template(WORKLOADS)
    found.has_resource_properties(
        "Custom::ParentSignature",
        {
            "ParentAccount": "111111111111",
            "ParentRegion": "us-east-1",
            "ParentOwner": "OTHER_ACCOUNTS",
            "ParentTags": json.dumps({"pki": "org-pki", "pki-ca": "root"}, sort_keys=True),
            "TemplateArn": PATH_LEN0,
            # The RSA root signs: the signature is of its key family.
            "SigningAlgorithm": "SHA512WITHRSA",
            "ValidityDays": 1825,
        },
    )
    # Activated by the custom resource: no CloudFormation certificate or activation of it here.
    found.resource_count_is("AWS::ACMPCA::Certificate", 0)
    found.resource_count_is("AWS::ACMPCA::CertificateAuthorityActivation", 0)


def test_cross_region_child_is_signed_in_the_parents_region_of_its_own_account() -> None:
    template(SECURITY_EU).has_resource_properties(
        "Custom::ParentSignature",
        {"ParentAccount": "111111111111", "ParentRegion": "us-east-1", "ParentOwner": "SELF"},
    )


def test_what_uses_a_remotely_signed_ca_waits_for_its_signature() -> None:
    permission = template(WORKLOADS).find_resources("AWS::ACMPCA::Permission")
    (resource,) = permission.values()
    arn = resource["Properties"]["CertificateAuthorityArn"]
    assert arn["Fn::GetAtt"][1] == "CertificateAuthorityArn"
    assert arn["Fn::GetAtt"][0].startswith("WorkloadsCaParentSignature")


def test_signing_function_may_sign_only_with_the_parents_account_and_region() -> None:
    roles = template(WORKLOADS).find_resources(
        "AWS::IAM::Role",
        {"Properties": {"Description": Match.string_like_regexp("ParentSignature")}},
    )
    (role,) = roles.values()
    statements = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    parent = [s for s in statements if "acm-pca:ListTags" in s["Action"]]
    assert parent[0]["Resource"] == "arn:aws:acm-pca:us-east-1:111111111111:certificate-authority/*"


def _acm_pca_grants(statements: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Resource (as JSON) -> the acm-pca actions granted on it."""
    grants: dict[str, set[str]] = {}
    for statement in statements:
        actions = statement["Action"]
        actions = actions if isinstance(actions, list) else [actions]
        if any(action.startswith("acm-pca:") for action in actions):
            key = json.dumps(statement["Resource"], sort_keys=True)
            grants.setdefault(key, set()).update(actions)
    return grants


def test_signing_role_grants_what_the_route_calls_and_the_pathlen0_share_allows() -> None:
    from cdk_pca.rules import SUBORDINATE_PERMISSION_ACTIONS
    from cdk_pca.runtime.signing_handler import PARENT_ACTIONS

    roles = template(WORKLOADS).find_resources(
        "AWS::IAM::Role",
        {"Properties": {"Description": Match.string_like_regexp("ParentSignature")}},
    )
    (role,) = roles.values()
    grants = _acm_pca_grants(role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"])
    parent = grants.pop(
        json.dumps("arn:aws:acm-pca:us-east-1:111111111111:certificate-authority/*")
    )
    # Identity side: exactly the calls made on the parent; resource side: each one is among the
    # actions of the RAM permission the parent's stack shares it with.
    assert parent == set(PARENT_ACTIONS)
    assert parent <= SUBORDINATE_PERMISSION_ACTIONS
    # ListCertificateAuthorities takes no resource-level permission.
    assert grants.pop(json.dumps("*")) == {"acm-pca:ListCertificateAuthorities"}
    # What is left: this stack's own CAs (the import, and the signing of local children).
    (own,) = grants.values()
    assert own == {
        "acm-pca:IssueCertificate",
        "acm-pca:GetCertificate",
        "acm-pca:ImportCertificateAuthorityCertificate",
    }


def _three_levels_across_regions() -> dict[str, Any]:
    def ca(name: str, env: str, parent: str | None, days: int) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "name": name,
            "environment": env,
            "type": "SUBORDINATE" if parent else "ROOT",
            "subject": {"common_name": f"{name} CA"},
            "key_algorithm": "EC_prime256v1",
            "validity_days": days,
        }
        if parent:
            entry["parent"] = parent
        return entry

    return {
        "name": "geo",
        "environments": {
            "us": {"account": "111111111111", "region": "us-east-1"},
            "eu": {"account": "111111111111", "region": "eu-west-1"},
        },
        "certificate_authorities": [
            ca("root", "us", None, 3650),
            ca("mid", "eu", "root", 2000),
            ca("leaf", "eu", "mid", 1000),
        ],
    }


@pytest.fixture(scope="module")
def geo() -> dict[str, Template]:
    app = new_app()
    config = parse_config(yaml.safe_dump(_three_levels_across_regions()))
    stacks = build_pki_stacks(app, config)
    return {name: Template.from_stack(stack) for name, stack in stacks.items()}


def test_path_length_counts_the_cas_below_in_other_stacks(geo: dict[str, Template]) -> None:
    geo["geo-eu"].has_resource_properties(
        "Custom::ParentSignature",
        {
            "ParentRegion": "us-east-1",
            "TemplateArn": "arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen1/V1",
        },
    )


def test_a_child_of_a_remotely_signed_ca_is_signed_through_the_same_resource(
    geo: dict[str, Template],
) -> None:
    # The parent has no CloudFormation activation whose chain the child could be activated with.
    geo["geo-eu"].has_resource_properties(
        "Custom::ParentSignature",
        {
            "ParentArn": {
                "Fn::GetAtt": [
                    Match.string_like_regexp("^MidCaParentSignature"),
                    "CertificateAuthorityArn",
                ]
            },
            "ParentRegion": "eu-west-1",
            "TemplateArn": PATH_LEN0,
        },
    )
    geo["geo-eu"].resource_count_is("Custom::ParentSignature", 2)
    # one signing provider for both (the other function is the stack's revocation canary)
    geo["geo-eu"].resource_count_is("AWS::Lambda::Function", 2)


def test_a_config_without_environments_keeps_its_one_stack() -> None:
    data = _three_levels_across_regions()
    del data["environments"]
    for ca in data["certificate_authorities"]:
        del ca["environment"]
    stacks = build_pki_stacks(
        new_app(), parse_config(yaml.safe_dump(data)), env=cdk.Environment(region="us-east-1")
    )
    assert list(stacks) == ["geo"]
    found = Template.from_stack(stacks["geo"])
    found.resource_count_is("Custom::ParentSignature", 0)
    found.resource_count_is("AWS::RAM::ResourceShare", 0)
    assert "pki-ca" not in json.dumps(found.to_json())


def _two_environments_one_account_and_region() -> dict[str, Any]:
    data = _three_levels_across_regions()
    data["environments"]["eu"] = dict(data["environments"]["us"])
    data["certificate_authorities"] = data["certificate_authorities"][:2]
    return data


def test_a_parent_in_another_stack_of_the_same_account_and_region_is_referenced() -> None:
    stacks = build_pki_stacks(
        new_app(), parse_config(yaml.safe_dump(_two_environments_one_account_and_region()))
    )
    found = Template.from_stack(stacks["geo-eu"])
    # CloudFormation reaches the parent itself here: the usual certificate and activation.
    found.resource_count_is("Custom::ParentSignature", 0)
    found.has_resource_properties(
        "AWS::ACMPCA::Certificate",
        {"TemplateArn": PATH_LEN0, "CertificateAuthorityArn": Match.object_like({})},
    )
    assert stacks["geo-us"] in stacks["geo-eu"].dependencies


def test_sharing_works_in_a_config_without_environments() -> None:
    data = _three_levels_across_regions()
    del data["environments"]
    for ca in data["certificate_authorities"]:
        del ca["environment"]
    data["certificate_authorities"][2]["sharing"] = {
        "principals": ["333333333333"],
        "permissions": [
            "AWSRAMDefaultPermissionCertificateAuthority",
            "AWSRAMRevokeCertificateCertificateAuthority",
        ],
        "allow_external_principals": True,
    }
    stacks = build_pki_stacks(
        new_app(), parse_config(yaml.safe_dump(data)), env=cdk.Environment(region="us-east-1")
    )
    found = Template.from_stack(stacks["geo"])
    found.resource_count_is("AWS::RAM::ResourceShare", 2)
    found.has_resource_properties(
        "AWS::RAM::ResourceShare",
        {
            "Principals": ["333333333333"],
            "AllowExternalPrincipals": True,
            "PermissionArns": [
                Match.string_like_regexp("AWSRAMRevokeCertificateCertificateAuthority")
            ],
            "ResourceArns": [{"Ref": Match.string_like_regexp("^LeafCaActivation")}],
        },
    )


def test_named_monitoring_resources_differ_between_the_stacks_of_one_account() -> None:
    # security and security-eu share account 111111111111: dashboards are global to an account.
    names = {
        case: [
            d["Properties"]["DashboardName"]
            for d in template(case).find_resources("AWS::CloudWatch::Dashboard").values()
        ]
        for case in (SECURITY, SECURITY_EU)
    }
    assert names == {SECURITY: ["org-pki-security"], SECURITY_EU: ["org-pki-security-eu"]}


def test_an_ocsp_name_gets_a_proxy_only_in_the_stack_of_its_ca() -> None:
    data = yaml.safe_load(Path(EXAMPLE).read_text())
    for ca in data["certificate_authorities"]:
        if ca["name"] == "issuing-us":
            ca["ocsp"] = {"enabled": True, "custom_cname": "ocsp-us.example.com"}
    config = parse_config(yaml.safe_dump(data))
    app = new_app()
    stacks = build_pki_stacks(app, config)
    assembly = app.synth()
    with_proxy = {
        name
        for name in stacks
        if "ocsp-us.example.com"
        in json.dumps(assembly.get_stack_by_name(name).template.get("Outputs", {}))
    }
    assert with_proxy == {"org-pki-security"}


def test_one_stack_for_a_config_with_environments_is_refused() -> None:
    from stacks import PkiStack

    config = load_config(EXAMPLE)
    with pytest.raises(ValueError, match=r"has environments .*build_pki_stacks"):
        PkiStack(new_app(), "Pki", config=config)


def test_a_cloudfront_certificate_is_refused_with_environments() -> None:
    from cdk_pca.config import ConfigError

    data = yaml.safe_load(Path(EXAMPLE).read_text())
    data["crl_distribution"] = {
        "certificate_arn": "arn:aws:acm:us-east-1:111111111111:certificate/"
        "12345678-1234-1234-1234-123456789012"
    }
    with pytest.raises(ConfigError) as raised:
        parse_config(yaml.safe_dump(data))
    assert (
        "crl_distribution.certificate_arn: serves a single stack only: with environments each "
        "environment's stack has its own distribution; give "
        "environments.<environment>.crl_distribution.certificate_arn instead"
    ) in str(raised.value)


def test_the_longest_names_the_config_allows_synthesize() -> None:
    # A 64-character name and a 32-character environment make a 97-character stack name: within
    # CloudFormation's 128, but over the SNS topic display name's 100 and the config name's 64.
    name, environment = "p" + "x" * 63, "e" * 32
    ca = {"key_algorithm": "EC_prime256v1", "validity_days": 1000, "crl": {"enabled": True}}
    config = parse_config(
        yaml.safe_dump(
            {
                "name": name,
                "environments": {
                    environment: {"account": "111111111111", "region": "us-east-1"},
                    "edge": {"account": "222222222222", "region": "us-east-1"},
                },
                "certificate_authorities": [
                    {**ca, "name": "r" * 32, "environment": environment, "type": "ROOT",
                     "subject": {"common_name": "Root"}, "validity_days": 3650},
                    {**ca, "name": "i" * 32, "environment": "edge", "type": "SUBORDINATE",
                     "parent": "r" * 32, "subject": {"common_name": "Issuing"}},
                ],
            }
        )
    )  # fmt: skip
    app = new_app()
    stacks = build_pki_stacks(app, config)
    assembly = app.synth()
    stack_name = f"{name}-{environment}"
    assert len(stack_name) == 97 and stack_name in stacks
    topic = Template.from_json(assembly.get_stack_by_name(stack_name).template).find_resources(
        "AWS::SNS::Topic"
    )
    (display_name,) = [resource["Properties"]["DisplayName"] for resource in topic.values()]
    assert len(display_name) <= 100
    assert display_name.startswith(f"PKI {name}") and display_name.endswith(" alarms")


def test_signing_function_has_time_for_the_share_to_arrive_and_the_certificate_to_issue() -> None:
    from cdk_pca.runtime import signing_handler

    functions = template(WORKLOADS).find_resources(
        "AWS::Lambda::Function",
        {"Properties": {"Handler": "cdk_pca.runtime.signing_handler.handler"}},
    )
    (function,) = functions.values()
    waiting = signing_handler.SHARE_LISTINGS * signing_handler.SHARE_LISTING_DELAY_SECONDS
    waiting += signing_handler._WAIT["Delay"] * signing_handler._WAIT["MaxAttempts"]
    assert waiting < function["Properties"]["Timeout"] == 300


def test_cross_account_signature_asks_for_the_one_template_the_pathlen0_share_allows() -> None:
    from cdk_pca.config.organization import RAM_PERMISSIONS, SUBORDINATE_RAM_PERMISSION
    from cdk_pca.runtime.signing_handler import SigningRoute

    (signature,) = template(WORKLOADS).find_resources("Custom::ParentSignature").values()
    properties = signature["Properties"]
    assert properties["ParentOwner"] == "OTHER_ACCOUNTS"
    # The share's permission conditions IssueCertificate on acm-pca:TemplateArn: exactly this.
    assert (properties["TemplateArn"],) == RAM_PERMISSIONS[SUBORDINATE_RAM_PERMISSION].templates
    # ... and the handler's own check before any call lets it through.
    SigningRoute.of(
        {**properties, "CertificateAuthorityArn": "arn:aws:acm-pca:us-east-1:222222222222:x"}
    ).check_template()
