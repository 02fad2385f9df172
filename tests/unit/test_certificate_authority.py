"""PrivateCertificateAuthority: hierarchy wiring, create-only properties, options and rejections."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from cdk_pca import vocabulary
from cdk_pca.certificate_authority import (
    CaSubject,
    CrlOptions,
    OcspOptions,
    PrivateCertificateAuthority,
)
from cdk_pca.crl_bucket import CrlBucket
from tests.cdk_support import new_stack

ROOT_SUBJECT = CaSubject(common_name="Example Root CA", organization="Example Corp", country="US")


def _root(
    stack: Any, construct_id: str = "RootCa", **overrides: Any
) -> PrivateCertificateAuthority:
    props: dict[str, Any] = {
        "ca_type": "ROOT",
        "subject": ROOT_SUBJECT,
        "key_algorithm": "RSA_4096",
        "validity_days": 3650,
    }
    props.update(overrides)
    return PrivateCertificateAuthority(stack, construct_id, **props)


def _sub(
    stack: Any, construct_id: str, parent: Any, **overrides: Any
) -> PrivateCertificateAuthority:
    props: dict[str, Any] = {
        "ca_type": "SUBORDINATE",
        "subject": CaSubject(common_name=f"{construct_id} CA"),
        "key_algorithm": "EC_prime256v1",
        "validity_days": 1825,
        "parent": parent,
    }
    props.update(overrides)
    return PrivateCertificateAuthority(stack, construct_id, **props)


@pytest.fixture(scope="module")
def three_tier() -> tuple[Template, dict[str, PrivateCertificateAuthority]]:
    stack = new_stack()
    bucket = CrlBucket(stack, "CrlBucket")
    root = _root(stack, crl=CrlOptions(custom_cname="crl.example.com"), crl_bucket=bucket)
    intermediate = _sub(stack, "IntermediateCa", root, key_algorithm="RSA_2048", validity_days=3000)
    issuing = _sub(
        stack,
        "IssuingCa",
        intermediate,
        validity_days=1000,
        crl=CrlOptions(custom_cname="crl.example.com", expiration_days=3),
        crl_bucket=bucket,
        ocsp=OcspOptions(),
        acm_renewals=True,
    )
    acm.PrivateCertificate(
        stack, "WebCertificate", domain_name="www.example.com", certificate_authority=issuing
    )
    cas = {"root": root, "intermediate": intermediate, "issuing": issuing}
    return Template.from_stack(stack), cas


def _resources(template: Template, resource_type: str) -> dict[str, Any]:
    found: dict[str, Any] = template.find_resources(resource_type)
    return found


def test_root_is_self_signed_with_the_root_template_and_activated(three_tier: Any) -> None:
    template, cas = three_tier
    root_id = cas["root"].stack.get_logical_id(cas["root"].node.find_child("Resource"))
    template.has_resource_properties(
        "AWS::ACMPCA::Certificate",
        {
            "CertificateAuthorityArn": {"Fn::GetAtt": [root_id, "Arn"]},
            "CertificateSigningRequest": {"Fn::GetAtt": [root_id, "CertificateSigningRequest"]},
            "TemplateArn": vocabulary.ROOT_CA_TEMPLATE,
            "SigningAlgorithm": "SHA512WITHRSA",
            "Validity": {"Type": "DAYS", "Value": 3650},
        },
    )
    template.has_resource_properties(
        "AWS::ACMPCA::CertificateAuthorityActivation",
        {
            "CertificateAuthorityArn": {"Fn::GetAtt": [root_id, "Arn"]},
            "Status": "ACTIVE",
            "CertificateChain": Match.absent(),
        },
    )


def test_subordinate_waits_for_parent_activation(three_tier: Any) -> None:
    template, cas = three_tier
    stack = cas["root"].stack
    parent_activation = stack.get_logical_id(cas["root"].activation)
    intermediate_id = stack.get_logical_id(cas["intermediate"].node.find_child("Resource"))
    template.has_resource_properties(
        "AWS::ACMPCA::Certificate",
        {
            # Ref of the parent's activation is the parent's ARN: the dependency is in the value.
            "CertificateAuthorityArn": {"Ref": parent_activation},
            "CertificateSigningRequest": {
                "Fn::GetAtt": [intermediate_id, "CertificateSigningRequest"]
            },
        },
    )


def test_subordinate_is_activated_with_the_parents_chain(three_tier: Any) -> None:
    template, cas = three_tier
    stack = cas["root"].stack
    template.has_resource_properties(
        "AWS::ACMPCA::CertificateAuthorityActivation",
        {
            "CertificateAuthorityArn": {
                "Fn::GetAtt": [
                    stack.get_logical_id(cas["issuing"].node.find_child("Resource")),
                    "Arn",
                ]
            },
            "CertificateChain": {
                "Fn::GetAtt": [
                    stack.get_logical_id(cas["intermediate"].activation),
                    "CompleteCertificateChain",
                ]
            },
        },
    )


def test_path_length_counts_the_levels_below(three_tier: Any) -> None:
    template, cas = three_tier
    assert cas["intermediate"].path_len == 1
    assert cas["issuing"].path_len == 0
    templates = {
        c["Properties"]["TemplateArn"]
        for c in _resources(template, "AWS::ACMPCA::Certificate").values()
    }
    assert templates == {
        vocabulary.ROOT_CA_TEMPLATE,
        "arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen1/V1",
        "arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen0/V1",
    }


def test_parent_signs_with_its_own_key_family(three_tier: Any) -> None:
    template, cas = three_tier
    stack = cas["root"].stack
    # The EC issuing CA is signed by the RSA intermediate: an RSA signature.
    template.has_resource_properties(
        "AWS::ACMPCA::Certificate",
        {
            "CertificateAuthorityArn": {
                "Ref": stack.get_logical_id(cas["intermediate"].activation)
            },
            "SigningAlgorithm": "SHA256WITHRSA",
        },
    )
    template.has_resource_properties(
        "AWS::ACMPCA::CertificateAuthority",
        {"KeyAlgorithm": "EC_prime256v1", "SigningAlgorithm": "SHA256WITHECDSA"},
    )


def test_private_certificate_waits_for_the_ca_activation(three_tier: Any) -> None:
    template, cas = three_tier
    template.has_resource_properties(
        "AWS::CertificateManager::Certificate",
        {
            "CertificateAuthorityArn": {
                "Ref": cas["issuing"].stack.get_logical_id(cas["issuing"].activation)
            }
        },
    )


def test_cas_certificates_and_activations_are_retained_unless_their_creation_fails(
    three_tier: Any,
) -> None:
    # RetainExceptOnCreate: deleted only by the rollback of the operation that created them.
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
    template, _ = three_tier
    for resource_type in (
        "AWS::ACMPCA::CertificateAuthority",
        "AWS::ACMPCA::Certificate",
        "AWS::ACMPCA::CertificateAuthorityActivation",
    ):
        for resource in _resources(template, resource_type).values():
            assert resource["DeletionPolicy"] == "RetainExceptOnCreate"
            assert resource["UpdateReplacePolicy"] == "Retain"


def test_crl_configuration_is_explicit_and_bucket_owner_acl(three_tier: Any) -> None:
    template, _ = three_tier
    template.has_resource_properties(
        "AWS::ACMPCA::CertificateAuthority",
        {
            "KeyAlgorithm": "EC_prime256v1",
            "RevocationConfiguration": {
                "CrlConfiguration": {
                    "Enabled": True,
                    "ExpirationInDays": 3,
                    "S3ObjectAcl": "BUCKET_OWNER_FULL_CONTROL",
                    "CustomCname": "crl.example.com",
                    "CrlType": "COMPLETE",
                    "CrlDistributionPointExtensionConfiguration": {"OmitExtension": False},
                    "S3BucketName": Match.any_value(),
                },
                "OcspConfiguration": {"Enabled": True},
            },
        },
    )


def test_ca_with_crl_waits_for_the_bucket_policy(three_tier: Any) -> None:
    template, cas = three_tier
    stack = cas["root"].stack
    policy_id = stack.get_logical_id(
        stack.node.find_child("CrlBucket")
        .node.find_child("Bucket")
        .node.find_child("Policy")
        .node.default_child
    )
    for name in ("root", "issuing"):
        ca_id = stack.get_logical_id(cas[name].node.find_child("Resource"))
        assert policy_id in template.to_json()["Resources"][ca_id]["DependsOn"]
    intermediate_id = stack.get_logical_id(cas["intermediate"].node.find_child("Resource"))
    assert "DependsOn" not in template.to_json()["Resources"][intermediate_id]
    template.has_resource_properties(
        "AWS::ACMPCA::CertificateAuthority",
        {"KeyAlgorithm": "RSA_2048", "RevocationConfiguration": Match.absent()},
    )


def test_acm_renewals_grant_acm_the_three_actions(three_tier: Any) -> None:
    template, cas = three_tier
    template.resource_count_is("AWS::ACMPCA::Permission", 1)
    (permission,) = template.find_resources("AWS::ACMPCA::Permission").values()
    assert permission["DeletionPolicy"] == "RetainExceptOnCreate"
    assert permission["UpdateReplacePolicy"] == "Retain"
    template.has_resource_properties(
        "AWS::ACMPCA::Permission",
        {
            "Actions": ["IssueCertificate", "GetCertificate", "ListPermissions"],
            "Principal": "acm.amazonaws.com",
            "CertificateAuthorityArn": {
                "Ref": cas["issuing"].stack.get_logical_id(cas["issuing"].activation)
            },
            "SourceAccount": {"Ref": "AWS::AccountId"},
        },
    )


def test_options_reach_the_template() -> None:
    stack = new_stack()
    bucket = CrlBucket(stack, "CrlBucket")
    _root(
        stack,
        key_algorithm="RSA_3072",
        signing_algorithm="SHA512WITHRSA_PSS",
        usage_mode="SHORT_LIVED_CERTIFICATE",
        key_storage_security_standard="FIPS_140_2_LEVEL_2_OR_HIGHER",
        crl=CrlOptions(
            partitioned=True,
            custom_path="pki/crls",
            omit_extension=True,
            expiration_days=30,
        ),
        crl_bucket=bucket,
        ocsp=OcspOptions(custom_cname="ocsp.example.com"),
        tags={"team": "platform"},
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::ACMPCA::CertificateAuthority",
        {
            "Type": "ROOT",
            "KeyAlgorithm": "RSA_3072",
            "SigningAlgorithm": "SHA512WITHRSA_PSS",
            "UsageMode": "SHORT_LIVED_CERTIFICATE",
            "KeyStorageSecurityStandard": "FIPS_140_2_LEVEL_2_OR_HIGHER",
            "Subject": {
                "CommonName": "Example Root CA",
                "Organization": "Example Corp",
                "Country": "US",
            },
            "RevocationConfiguration": {
                "CrlConfiguration": Match.object_like(
                    {
                        "CrlType": "PARTITIONED",
                        "CustomPath": "pki/crls",
                        "ExpirationInDays": 30,
                        "CrlDistributionPointExtensionConfiguration": {"OmitExtension": True},
                    }
                ),
                "OcspConfiguration": {"Enabled": True, "OcspCustomCname": "ocsp.example.com"},
            },
            "Tags": [{"Key": "team", "Value": "platform"}],
        },
    )


def test_external_parent_phase_one_outputs_the_csr_and_does_not_activate() -> None:
    stack = new_stack()
    ca = _sub(stack, "IntermediateCa", None, external_parent=True)
    issuing = _sub(stack, "IssuingCa", ca, validity_days=365)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::ACMPCA::CertificateAuthority", 2)
    template.resource_count_is("AWS::ACMPCA::CertificateAuthorityActivation", 0)
    template.resource_count_is("AWS::ACMPCA::Certificate", 0)
    outputs = template.find_outputs("*")
    assert any(
        o["Value"]
        == {
            "Fn::GetAtt": [
                stack.get_logical_id(ca.node.find_child("Resource")),
                "CertificateSigningRequest",
            ]
        }
        for o in outputs.values()
    )
    assert not ca.is_activated and not issuing.is_activated


def test_external_parent_phase_two_installs_the_signed_certificate() -> None:
    stack = new_stack()
    ca = _sub(
        stack,
        "IntermediateCa",
        None,
        external_parent=True,
        external_certificate="-----BEGIN CERTIFICATE-----\nSIGNED\n-----END CERTIFICATE-----\n",
        external_chain="-----BEGIN CERTIFICATE-----\nROOT\n-----END CERTIFICATE-----\n",
    )
    _sub(stack, "IssuingCa", ca, validity_days=365)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::ACMPCA::CertificateAuthorityActivation",
        {
            "Certificate": Match.string_like_regexp("SIGNED"),
            "CertificateChain": Match.string_like_regexp("ROOT"),
        },
    )
    template.resource_count_is("AWS::ACMPCA::CertificateAuthorityActivation", 2)
    template.has_resource_properties(
        "AWS::ACMPCA::Certificate",
        {"TemplateArn": "arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen0/V1"},
    )


def test_grant_revoke_includes_crl_bucket_write() -> None:
    stack = new_stack()
    bucket = CrlBucket(stack, "CrlBucket")
    ca = _root(stack, crl=CrlOptions(custom_cname="crl.example.com"), crl_bucket=bucket)
    role = iam.Role(stack, "Operator", assumed_by=iam.AccountRootPrincipal())
    ca.grant_revoke(role)
    ca.grant_issue(role)
    statements = Template.from_stack(stack).find_resources("AWS::IAM::Policy")
    actions = [
        s["Action"]
        for policy in statements.values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    flat = {a for action in actions for a in ([action] if isinstance(action, str) else action)}
    assert {
        "acm-pca:RevokeCertificate",
        "acm-pca:IssueCertificate",
        "s3:PutObject",
        "s3:GetBucketAcl",
    } <= flat


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"key_algorithm": "RSA_1024"}, "key_algorithm: 'RSA_1024' is not allowed"),
        (
            {"signing_algorithm": "SHA256WITHECDSA"},
            "signing_algorithm: 'SHA256WITHECDSA' does not match key_algorithm RSA_4096",
        ),
        (
            {"key_algorithm": "EC_secp384r1", "signing_algorithm": "SHA256WITHECDSA"},
            "signing_algorithm: 'SHA256WITHECDSA' does not match key_algorithm EC_secp384r1; "
            "expected one of SHA384WITHECDSA",
        ),
        (
            {"key_algorithm": "EC_prime256v1", "signing_algorithm": "SHA512WITHECDSA"},
            "signing_algorithm: 'SHA512WITHECDSA' does not match key_algorithm EC_prime256v1; "
            "expected one of SHA256WITHECDSA",
        ),
        ({"usage_mode": "SOMETIMES"}, "usage_mode: 'SOMETIMES' is not allowed"),
        ({"validity_days": 0}, "validity_days: 0 is out of range; allowed 1..36500"),
        ({"subject": CaSubject(common_name="")}, "subject.common_name"),
        ({"subject": CaSubject(common_name="x", country="USA")}, "subject.country: 'USA'"),
        ({"crl": CrlOptions()}, "crl_bucket: required when CRLs are enabled"),
        (
            {"ocsp": OcspOptions(custom_cname="http://ocsp.example.com")},
            "ocsp.custom_cname: 'http://ocsp.example.com' must be a bare host name",
        ),
        ({"external_parent": True}, "a ROOT CA signs itself"),
        (
            {"key_storage_security_standard": "FIPS_9000"},
            "key_storage_security_standard: 'FIPS_9000'",
        ),
        ({"tags": {"aws:owner": "me"}}, "tags: key 'aws:owner'"),
    ],
)
def test_invalid_arguments_are_rejected_at_synth(overrides: dict[str, Any], message: str) -> None:
    stack = new_stack()
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")) as raised:
        _root(stack, **overrides)
    assert "Test/RootCa" in str(raised.value)


def test_crl_options_are_checked() -> None:
    stack = new_stack()
    bucket = CrlBucket(stack, "CrlBucket")
    with pytest.raises(ValueError) as raised:
        _root(
            stack,
            crl=CrlOptions(
                expiration_days=5001, custom_cname="https://crl.example.com/x", custom_path="a//b"
            ),
            crl_bucket=bucket,
        )
    text = str(raised.value)
    assert "crl.expiration_days: 5001 is out of range; allowed 1..5000" in text
    assert "crl.custom_cname: 'https://crl.example.com/x' must be a bare host name" in text
    assert "crl.custom_path: 'a//b'" in text


def test_omit_extension_refuses_a_custom_cname() -> None:
    stack = new_stack()
    bucket = CrlBucket(stack, "CrlBucket")
    with pytest.raises(
        ValueError, match=r"crl\.omit_extension: cannot be true together with crl\.custom_cname"
    ):
        _root(
            stack,
            crl=CrlOptions(custom_cname="crl.example.com", omit_extension=True),
            crl_bucket=bucket,
        )


def test_every_problem_is_reported_at_once() -> None:
    stack = new_stack()
    with pytest.raises(ValueError) as raised:
        _root(stack, key_algorithm="DSA", usage_mode="X", validity_days=-1)
    assert str(raised.value).count("\n") == 3


def test_subordinate_needs_exactly_one_parent() -> None:
    stack = new_stack()
    root = _root(stack)
    with pytest.raises(ValueError, match="needs exactly one of parent"):
        _sub(stack, "Orphan", None)
    with pytest.raises(ValueError, match="needs exactly one of parent"):
        _sub(stack, "Twice", root, external_parent=True)


def _synth_errors(stack: Any) -> str:
    """The hierarchy rules run once per tree at synth (node.add_validation): their text."""
    with pytest.raises(Exception, match="Validation failed") as raised:
        Template.from_stack(stack)
    return str(raised.value)


def test_child_cannot_outlive_its_parent() -> None:
    stack = new_stack()
    root = _root(stack, validity_days=365)
    _sub(stack, "IssuingCa", root, validity_days=400)
    _sub(stack, "SameDaysCa", root, validity_days=365)
    errors = _synth_errors(stack)
    assert "Test/IssuingCa: validity_days: 400 must be less than the 365 validity_days" in errors
    assert "Test/SameDaysCa: validity_days: 365 must be less than the 365 validity_days" in errors


def test_short_lived_ca_cannot_have_cas_below_it() -> None:
    stack = new_stack()
    root = _root(stack, usage_mode="SHORT_LIVED_CERTIFICATE")
    _sub(stack, "IssuingCa", root, validity_days=30)
    assert (
        "Test/RootCa: usage_mode: SHORT_LIVED_CERTIFICATE cannot have CAs below it (IssuingCa)"
        in (_synth_errors(stack))
    )


def test_hierarchy_deeper_than_five_levels_is_rejected() -> None:
    stack = new_stack()
    parent = _root(stack)
    for level in range(2, 6):
        parent = _sub(stack, f"Level{level}", parent, validity_days=1000 - level)
    _sub(stack, "Level6", parent, validity_days=10)
    assert "Test/Level6: parent: puts 'Level6' at level 6 below 'RootCa'" in _synth_errors(stack)
    assert "at most 5 levels" in _synth_errors(stack)


def test_metric_helpers_carry_the_dimensions_aws_publishes(three_tier: Any) -> None:
    _, cas = three_tier
    issuing = cas["issuing"]
    stack = issuing.stack
    arn = stack.resolve(issuing.certificate_authority_arn_unactivated)
    crl = issuing.metric_crl_generated()
    assert (crl.namespace, crl.metric_name) == ("AWS/ACMPrivateCA", "CRLGenerated")
    assert stack.resolve(crl.dimensions) == {"PrivateCAArn": arn}
    bucket = issuing.metric_misconfigured_crl_bucket()
    assert bucket.metric_name == "MisconfiguredCRLBucket"
    for metric, name in (
        (issuing.metric_issue_certificate_success(), "Success"),
        (issuing.metric_issue_certificate_failure(), "Failure"),
        (issuing.metric_issue_certificate_time(), "Time"),
    ):
        assert metric.metric_name == name
        assert stack.resolve(metric.dimensions) == {
            "PrivateCAArn": arn,
            "Operation": "IssueCertificate",
        }
    assert issuing.metric_issue_certificate_failure(statistic="Maximum").statistic == "Maximum"


# --- the shared rules (cdk_pca.rules) as construct users meet them ------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"usage_mode": "SHORT_LIVED_CERTIFICATE", "acm_renewals": True},
            "acm_renewals: cannot be true for a SHORT_LIVED_CERTIFICATE CA",
        ),
        (
            {"key_algorithm": "SM2"},
            "key_algorithm: SM2 keys exist only in the China regions (cn-north-1, "
            "cn-northwest-1), not in us-east-1",
        ),
        ({"tags": {"team|x": "pki"}}, "tags: key 'team|x' is not allowed"),
        ({"validity_days": 1_000_000}, "validity_days: 1000000 is out of range; allowed 1..36500"),
        (
            {"validity_days": 100, "acm_renewals": True},
            "acm_renewals: is useless with validity_days 100",
        ),
        (
            {"subject": CaSubject(common_name="{{resolve:ssm:/cn}}")},
            "subject.common_name: '{{resolve:ssm:/cn}}' contains '{{resolve:'",
        ),
        (
            {"subject": CaSubject(common_name="Ü" * 40)},
            "subject.common_name: " + "'" + "Ü" * 40 + "' is 80 bytes long in UTF-8",
        ),
        (
            {"tags": {f"k{i}": "v" for i in range(51)}},
            "tags: 51 tags given; AWS allows at most 50 per resource",
        ),
    ],
)
def test_construct_refuses_what_the_config_refuses(overrides: dict[str, Any], message: str) -> None:
    stack = new_stack()
    with pytest.raises(ValueError) as raised:
        _root(stack, **overrides)
    assert f"Test/RootCa: invalid certificate authority:\n  {message}" in str(raised.value)


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("crl.example.com", True),
        ("crl.example.com.", True),
        ("bücher.example", True),
        ("localhost", False),
        ("10.0.0.1", False),
        ("crl_example.com", False),
    ],
)
def test_construct_gives_the_host_name_answer_of_the_rules(name: str, allowed: bool) -> None:
    from cdk_pca import rules

    stack = new_stack()
    if allowed:
        _root(stack, ocsp=OcspOptions(custom_cname=name))
        expected = rules.host_name(name)[0]
        Template.from_stack(stack).has_resource_properties(
            "AWS::ACMPCA::CertificateAuthority",
            {
                "RevocationConfiguration": {
                    "OcspConfiguration": {"Enabled": True, "OcspCustomCname": expected}
                }
            },
        )
    else:
        with pytest.raises(ValueError, match=r"ocsp\.custom_cname: "):
            _root(stack, ocsp=OcspOptions(custom_cname=name))


def test_construct_renders_every_problem_with_its_path_and_argument_at_once() -> None:
    arguments: dict[str, Any] = {
        "validity_days": 0,
        "subject": CaSubject(common_name="Root", country="USA"),
        "ocsp": OcspOptions(custom_cname="ocsp.example.com/x"),
        "tags": {"aws:x": "y"},
    }
    with pytest.raises(ValueError) as raised:
        _root(new_stack(), **arguments)
    assert str(raised.value).splitlines() == [
        "Test/RootCa: invalid certificate authority:",
        "  subject.country: 'USA' is not an ISO 3166-1 alpha-2 country code; expected two letters",
        "  validity_days: 0 is out of range; allowed 1..36500",
        "  ocsp.custom_cname: 'ocsp.example.com/x' must be a bare host name, without a path ('/...')",
        "  tags: key 'aws:x' is not allowed: the 'aws:' prefix is reserved",
    ]


def test_values_known_only_at_deploy_time_are_not_checked_at_synth() -> None:
    import aws_cdk as cdk

    stack = new_stack()
    bucket = CrlBucket(stack, "CrlBucket")
    days = cdk.CfnParameter(stack, "Days", type="Number").value_as_number
    country = cdk.CfnParameter(stack, "Country").value_as_string
    path = cdk.CfnParameter(stack, "CrlPath").value_as_string
    crl_days = cdk.CfnParameter(stack, "CrlDays", type="Number").value_as_number
    root = _root(
        stack,
        validity_days=days,
        subject=CaSubject(common_name="Root", country=country),
        crl=CrlOptions(expiration_days=crl_days, custom_path=path),
        crl_bucket=bucket,
        acm_renewals=True,
    )
    _sub(stack, "IssuingCa", root, validity_days=1825)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::ACMPCA::CertificateAuthority",
        {
            "Subject": {"CommonName": "Root", "Country": {"Ref": "Country"}},
            "RevocationConfiguration": {
                "CrlConfiguration": Match.object_like(
                    {"ExpirationInDays": {"Ref": "CrlDays"}, "CustomPath": {"Ref": "CrlPath"}}
                )
            },
        },
    )
    template.has_resource_properties(
        "AWS::ACMPCA::Certificate",
        {
            "TemplateArn": vocabulary.ROOT_CA_TEMPLATE,
            "Validity": {"Type": "DAYS", "Value": {"Ref": "Days"}},
        },
    )


def test_an_environment_agnostic_stack_skips_the_region_rules() -> None:
    import aws_cdk as cdk

    stack = cdk.Stack(cdk.App(), "Agnostic")
    _root(stack, key_algorithm="SM2")
    assert Template.from_stack(stack).find_resources("AWS::ACMPCA::CertificateAuthority")


SHARED_CA_ARN = (
    "arn:aws:acm-pca:us-east-1:222222222222:certificate-authority/"
    "11111111-2222-3333-4444-555555555555"
)


def test_an_imported_ca_has_the_grants_metrics_and_alarms_of_a_created_one() -> None:
    from cdk_pca.monitoring import MonitoredCa, PkiMonitoring

    stack = new_stack()
    bucket = CrlBucket(stack, "CrlBucket")
    shared = PrivateCertificateAuthority.from_certificate_authority_arn(
        stack, "SharedCa", SHARED_CA_ARN, crl_bucket=bucket
    )
    assert shared.certificate_authority_arn == SHARED_CA_ARN
    assert shared.env.account == "222222222222"
    role = iam.Role(stack, "Operator", assumed_by=iam.AccountRootPrincipal())
    shared.grant_issue(role)
    shared.grant_revoke(role)
    failure = shared.metric_issue_certificate_failure()
    assert (failure.metric_name, failure.statistic) == ("Failure", "Sum")
    assert failure.dimensions == {"PrivateCAArn": SHARED_CA_ARN, "Operation": "IssueCertificate"}
    assert shared.metric_crl_generated().dimensions == {"PrivateCAArn": SHARED_CA_ARN}
    PkiMonitoring(
        stack,
        "Monitoring",
        pki_name="p",
        certificate_authorities=[
            MonitoredCa(name="shared", certificate_authority=shared, crl_enabled=True)
        ],
        dashboard=False,
    )
    template = Template.from_stack(stack)
    statements = [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    issue = next(s for s in statements if "acm-pca:IssueCertificate" in s["Action"])
    assert issue["Resource"] == SHARED_CA_ARN
    assert any("s3:PutObject" in s["Action"] for s in statements)
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": "MisconfiguredCRLBucket",
            "Dimensions": [{"Name": "PrivateCAArn", "Value": SHARED_CA_ARN}],
        },
    )


def test_a_created_ca_measures_itself_on_its_bare_arn() -> None:
    stack = new_stack()
    root = _root(stack)
    assert root.metrics.ca_arn == root.certificate_authority_arn_unactivated
    assert stack.resolve(root.metric("CRLGenerated").dimensions) == {
        "PrivateCAArn": stack.resolve(root.certificate_authority_arn_unactivated)
    }


def test_an_external_parent_counts_as_a_level_of_the_hierarchy() -> None:
    stack = new_stack()
    parent = _sub(stack, "TopCa", None, external_parent=True, validity_days=3000)
    for level in range(3, 7):
        parent = _sub(stack, f"Level{level}", parent, validity_days=3000 - level)
    errors = _synth_errors(stack)
    assert "Test/Level6: parent: puts 'Level6' at level 6 (counting its external parent)" in errors
    assert "Test/Level5" not in errors


def test_settings_of_a_disabled_crl_or_ocsp_are_refused_not_dropped() -> None:
    with pytest.raises(ValueError) as raised:
        _root(
            new_stack(),
            crl=CrlOptions(enabled=False, custom_cname="crl.example.com"),
            ocsp=OcspOptions(enabled=False, custom_cname="ocsp.example.com"),
        )
    assert str(raised.value).splitlines()[1:] == [
        "  crl.custom_cname: is set but the CRL is disabled; add enabled: true to the crl section "
        "or remove it",
        "  ocsp.custom_cname: is set but OCSP is disabled; add enabled: true to the ocsp section "
        "or remove it",
    ]


def test_two_cas_of_one_tree_with_the_same_subject_are_refused_at_synth() -> None:
    stack = new_stack()
    root = _root(stack)
    _sub(stack, "IssuingCa", root, subject=ROOT_SUBJECT)
    assert "Test/IssuingCa: subject: is the same as the subject of 'RootCa'" in _synth_errors(stack)


def test_tags_set_above_the_ca_count_toward_its_limit_at_synth() -> None:
    import aws_cdk as cdk

    stack = new_stack()
    cdk.Tags.of(stack).add("team", "pki")
    _root(stack, tags={f"k{i}": "v" for i in range(50)})
    assert (
        "Test/RootCa: tags: 50 tags given, and the stack adds 'team': 51 in all; AWS allows at "
        "most 50 per resource" in _synth_errors(stack)
    )
