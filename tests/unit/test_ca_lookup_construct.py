"""CertificateAuthorityLookup in both modes: the template it makes, its values, its Lambda and
role, what it refuses; and that the certificate lookup's template is unchanged beside it."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from cdk_pca import CertificateAuthorityLookup
from cdk_pca.certificate_authority_lookup import _LAMBDA_FILES
from cdk_pca.certificate_lookup import CertificateLookup, lambda_asset_directory
from cdk_pca.lookup import CertificateAuthorityMatch
from tests.cdk_support import feature_flags
from tests.unit.test_lookup_construct import _import_from_asset

ACCOUNT = "111111111111"
ARN = (
    "arn:aws:acm-pca:eu-west-1:222222222222:certificate-authority/"
    "12345678-1234-1234-1234-123456789012"
)
MATCH = CertificateAuthorityMatch(
    arn=ARN,
    common_name="Org Root CA",
    status="ACTIVE",
    type="ROOT",
    owner_account="222222222222",
    not_after=datetime(2036, 1, 31, tzinfo=UTC),
    certificate=None,
    certificate_chain=None,
)
SHARED_CAS = "arn:aws:acm-pca:eu-west-1:*:certificate-authority/*"
OWN_CAS = f"arn:aws:acm-pca:eu-west-1:{ACCOUNT}:certificate-authority/*"


def new_stack(app: cdk.App | None = None) -> cdk.Stack:
    app = app or cdk.App(context=feature_flags())
    return cdk.Stack(app, "Lookups", env=cdk.Environment(account=ACCOUNT, region="eu-west-1"))


class _Deployed:
    """One stack of deploy-mode CA lookups, synthesized once for the module (CDK synth is slow)."""

    def __init__(self) -> None:
        self.app = cdk.App(context=feature_flags())
        from cdk_nag import AwsSolutionsChecks

        cdk.Validations.of(self.app).add_plugins(AwsSolutionsChecks(self.app))
        self.stack = new_stack(self.app)
        self.root = CertificateAuthorityLookup(self.stack, "Root", tags={"pki": "org"})
        self.own = CertificateAuthorityLookup(
            self.stack, "Own", common_name="Team CA", owner="SELF", refresh_token="2026-12-02"
        )
        self.issuer = iam.Role(
            self.stack, "Issuer", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com")
        )
        self.root.certificate_authority.grant_issue(self.issuer)
        # An ICertificateAuthority, as aws_certificatemanager asks of a private certificate's CA.
        acm.PrivateCertificate(
            self.stack,
            "App",
            domain_name="app.example.com",
            certificate_authority=self.root.certificate_authority,
        )
        # cdk-nag runs as a policy-validation plugin when the app synthesizes: a finding fails here.
        self.assembly = self.app.synth()
        self.template = Template.from_stack(self.stack)
        self.json = self.template.to_json()


@pytest.fixture(scope="module")
def deployed() -> _Deployed:
    return _Deployed()


def _statements(template: Template) -> list[dict[str, Any]]:
    [role] = [
        r
        for r in template.find_resources("AWS::IAM::Role").values()
        if "Custom::CertificateAuthorityLookup" in r["Properties"].get("Description", "")
    ]
    [policy] = role["Properties"]["Policies"]
    statements: list[dict[str, Any]] = policy["PolicyDocument"]["Statement"]
    return statements


# --- deploy mode --------------------------------------------------------------------------------


def test_deploy_mode_is_a_custom_resource_per_lookup_sharing_one_lambda(
    deployed: _Deployed,
) -> None:
    template = deployed.template
    template.resource_count_is("Custom::CertificateAuthorityLookup", 2)
    template.resource_count_is("AWS::Lambda::Function", 1)
    template.has_resource_properties(
        "Custom::CertificateAuthorityLookup",
        {
            "Filters": json.dumps(
                {"common_name": None, "owner": None, "statuses": ["ACTIVE"], "tags": {"pki": "org"}}
            ),
            "RefreshToken": Match.absent(),
        },
    )
    template.has_resource_properties(
        "Custom::CertificateAuthorityLookup",
        {
            "Filters": json.dumps(
                {"common_name": "Team CA", "owner": "SELF", "statuses": ["ACTIVE"], "tags": {}}
            ),
            "RefreshToken": "2026-12-02",
        },
    )


def test_a_lookup_that_never_answers_fails_the_deploy_in_minutes(deployed: _Deployed) -> None:
    [function] = deployed.template.find_resources("AWS::Lambda::Function").values()
    for lookup in deployed.template.find_resources("Custom::CertificateAuthorityLookup").values():
        # CDK renders ServiceTimeout as a string; the default wait for an answer is 3,600 s.
        assert (
            function["Properties"]["Timeout"] < int(lookup["Properties"]["ServiceTimeout"]) <= 900
        )


def test_deploy_mode_values_are_attributes_of_the_lookup(deployed: _Deployed) -> None:
    stack, lookup = deployed.stack, deployed.root
    logical_id = stack.get_logical_id(lookup.resource.node.default_child)  # type: ignore[arg-type]
    for value, attribute in (
        (lookup.certificate_authority_arn, "Arn"),
        (lookup.common_name, "CommonName"),
        (lookup.status, "Status"),
        (lookup.type, "Type"),
        (lookup.owner_account, "OwnerAccount"),
        (lookup.not_after, "NotAfter"),
        (lookup.certificate_authority.certificate_authority_arn, "Arn"),
    ):
        assert stack.resolve(value) == {"Fn::GetAtt": [logical_id, attribute]}
    assert not hasattr(lookup, "certificate"), "PEM bodies may exceed the 4,096-byte response"


def test_the_found_ca_is_one_to_issue_from(deployed: _Deployed) -> None:
    logical_id = deployed.stack.get_logical_id(deployed.root.resource.node.default_child)  # type: ignore[arg-type]
    found = {"Fn::GetAtt": [logical_id, "Arn"]}
    deployed.template.has_resource_properties(
        "AWS::CertificateManager::Certificate",
        {"DomainName": "app.example.com", "CertificateAuthorityArn": found},
    )
    deployed.template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": ["acm-pca:GetCertificate", "acm-pca:IssueCertificate"],
                        "Effect": "Allow",
                        "Resource": found,
                    }
                ]
            }
        },
    )


def test_the_role_lists_cas_on_star_and_reads_tags_of_own_and_shared_cas_only_when_filtering_by_tags(
    deployed: _Deployed,
) -> None:
    deployed.template.has_resource_properties(
        "AWS::Lambda::Function",
        {"Handler": "cdk_pca.runtime.ca_lookup_handler.handler", "Runtime": "python3.14"},
    )
    by_action = {
        action: statement["Resource"]
        for statement in _statements(deployed.template)
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
    }
    assert sorted(by_action) == [
        "acm-pca:ListCertificateAuthorities",
        "acm-pca:ListTags",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    ]
    assert by_action["acm-pca:ListCertificateAuthorities"] == "*"
    # Root looks among this account's CAs and those shared with it (owner None), by tags.
    assert sorted(by_action["acm-pca:ListTags"]) == [SHARED_CAS, OWN_CAS]


def test_without_tag_filters_the_role_reads_no_tags() -> None:
    stack = new_stack()
    CertificateAuthorityLookup(stack, "Root", common_name="Org Root CA")
    actions = {str(s["Action"]) for s in _statements(Template.from_stack(stack))}
    assert "acm-pca:ListTags" not in actions


def test_own_cas_only_reads_tags_of_this_account() -> None:
    stack = new_stack()
    CertificateAuthorityLookup(stack, "Root", tags={"pki": "org"}, owner="SELF")
    [list_tags] = [
        s for s in _statements(Template.from_stack(stack)) if s["Action"] == "acm-pca:ListTags"
    ]
    assert list_tags["Resource"] == OWN_CAS


def test_the_certificate_lookups_template_is_unchanged_beside_a_ca_lookup() -> None:
    def certificate_lookup_resources(with_ca_lookup: bool) -> dict[str, Any]:
        stack = new_stack()
        CertificateLookup(stack, "Web", domain="www.example.com")
        if with_ca_lookup:
            CertificateAuthorityLookup(stack, "Root", tags={"pki": "org"})
        resources = Template.from_stack(stack).to_json()["Resources"]
        return {
            k: v
            for k, v in resources.items()
            if "CertificateAuthority" not in k and not k.startswith("Root")
        }

    assert certificate_lookup_resources(True) == certificate_lookup_resources(False)


def test_the_lambda_asset_imports_its_handler_alone(tmp_path: Path) -> None:
    asset = Path(lambda_asset_directory(_LAMBDA_FILES))
    files = sorted(str(p.relative_to(asset)) for p in asset.rglob("*") if p.is_file())
    assert "cdk_pca/runtime/ca_lookup_handler.py" in files
    result = _import_from_asset(asset, "cdk_pca.runtime.ca_lookup_handler", tmp_path)
    assert result.stdout.strip() == "ok", result.stderr


def test_cfn_lint_finds_nothing(deployed: _Deployed, tmp_path: Path) -> None:
    template = tmp_path / "lookups.template.json"
    template.write_text(json.dumps(deployed.json))
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run(
        [str(cfn_lint), str(template)], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr


def test_checkov_skips_carry_reasons(deployed: _Deployed) -> None:
    for kind in ("AWS::Lambda::Function", "AWS::Logs::LogGroup"):
        for resource in deployed.template.find_resources(kind).values():
            skips = resource["Metadata"]["checkov"]["skip"]
            assert skips and all(skip["comment"].strip() for skip in skips)


def test_cdk_nag_aws_solutions_finds_nothing_in_an_environment_agnostic_stack() -> None:
    # The module's stack (account and region known) passed cdk-nag when it synthesized.
    from cdk_nag import AwsSolutionsChecks

    app = cdk.App(context=feature_flags())
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    stack = cdk.Stack(app, "Lookups")
    CertificateAuthorityLookup(stack, "Root", tags={"pki": "org"})
    app.synth()


# --- synth mode ---------------------------------------------------------------------------------


@pytest.mark.parametrize("given", [MATCH, MATCH.to_dict(include_pem=False)])
def test_synth_mode_emits_plain_values_and_no_resources(given: Any) -> None:
    stack = new_stack()
    lookup = CertificateAuthorityLookup(
        stack, "Root", tags={"pki": "org"}, mode="synth", match=given
    )
    assert lookup.certificate_authority_arn == ARN
    assert lookup.certificate_authority.certificate_authority_arn == ARN
    assert (lookup.common_name, lookup.status, lookup.type) == ("Org Root CA", "ACTIVE", "ROOT")
    assert lookup.owner_account == "222222222222"
    assert lookup.not_after == "2036-01-31T00:00:00+00:00"
    cdk.CfnWaitConditionHandle(stack, "Anchor")  # an empty stack fails CloudFormation validation
    assert list(Template.from_stack(stack).to_json()["Resources"]) == ["Anchor"]


# --- rejections ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"owner": "EVERYONE"}, r"Lookups/Bad: invalid certificate lookup: owner: 'EVERYONE'"),
        ({"statuses": ["LIVE"]}, r"Lookups/Bad: .*statuses: 'LIVE'"),
        ({"common_name": ""}, r"common_name: must be a non-empty string, got ''"),
        ({"mode": "later"}, r"mode 'later' is not one of"),
        ({"mode": "synth"}, r"resolve_certificate_authority_lookup finds and caches it"),
        ({"match": MATCH}, r"match is only for mode 'synth'; mode 'deploy' looks the CA up"),
        (
            {"mode": "synth", "match": MATCH, "refresh_token": "1"},
            r"refresh_token only applies to mode 'deploy'",
        ),
        ({"mode": "synth", "match": {"arn": ARN}}, r"Lookups/Bad: not a CA match"),
    ],
)
def test_bad_arguments_are_rejected_at_synth_naming_the_construct(
    arguments: dict[str, Any], message: str
) -> None:
    stack = new_stack()
    with pytest.raises(ValueError, match=message):
        CertificateAuthorityLookup(stack, "Bad", **arguments)
    assert stack.node.try_find_child("CertificateAuthorityLookupProvider") is None
