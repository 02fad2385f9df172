"""PkiStack from a config: CAs by name, one CRL bucket and distribution, outputs, stable IDs."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from cdk_pca import PrivateCertificateAuthority
from cdk_pca.config import load_config
from stacks import PkiStack
from stacks.pki_stack import ca_construct_id
from tests.cdk_support import new_app
from tests.stack_support import CONFIGS, synthesize


def test_certificate_authorities_are_exposed_by_their_config_names() -> None:
    stack = synthesize("pki.yaml").stack
    assert set(stack.certificate_authorities) == {"root", "issuing"}
    issuing = stack.certificate_authorities["issuing"]
    assert isinstance(issuing, PrivateCertificateAuthority)
    assert issuing.parent is stack.certificate_authorities["root"]
    assert stack.stack_name == "example-pki"


def test_one_bucket_and_one_distribution_serve_every_ca() -> None:
    template = Template.from_json(synthesize("pki.yaml").template)
    template.resource_count_is("AWS::CloudFront::Distribution", 1)
    cas = template.find_resources("AWS::ACMPCA::CertificateAuthority")
    buckets = {
        str(ca["Properties"]["RevocationConfiguration"]["CrlConfiguration"]["S3BucketName"])
        for ca in cas.values()
    }
    cnames = {
        str(ca["Properties"]["RevocationConfiguration"]["CrlConfiguration"]["CustomCname"])
        for ca in cas.values()
    }
    assert len(cas) == 2 and len(buckets) == 1 and len(cnames) == 1
    assert "DomainName" in next(iter(cnames))


def test_every_ca_arn_is_an_output() -> None:
    outputs = synthesize("pki.yaml").template["Outputs"]
    assert {"RootCaArn", "IssuingCaArn", "CrlDomainName"} <= set(outputs)


def test_ca_construct_ids_are_stable() -> None:
    # Part of every CA's logical ID: changing this mapping replaces every CA.
    assert ca_construct_id("root") == "RootCa"
    assert ca_construct_id("issuing-2") == "Issuing2Ca"


def test_external_root_phase_one_outputs_the_csr() -> None:
    outputs = synthesize("examples/three-tier-external-root.yaml").template["Outputs"]
    csr_outputs = [o for o in outputs.values() if "CSR" in o.get("Description", "")]
    assert len(csr_outputs) == 1


def test_no_crl_means_no_bucket_and_no_distribution(tmp_path: Any) -> None:
    config_file = tmp_path / "pki.yaml"
    config_file.write_text(
        "name: tiny\n"
        "certificate_authorities:\n"
        "  - {name: root, type: ROOT, subject: {common_name: Tiny Root}, key_algorithm: EC_prime256v1, validity_days: 365}\n"
    )
    app = new_app()
    stack = PkiStack(
        app, "Tiny", config=load_config(config_file), env=cdk.Environment(region="eu-west-1")
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::S3::Bucket", 0)
    template.resource_count_is("AWS::CloudFront::Distribution", 0)
    template.resource_count_is("AWS::ACMPCA::CertificateAuthorityActivation", 1)
    assert stack.crl_bucket is None


@pytest.mark.parametrize("encryption", ["SSE_S3", "SSE_KMS"])
def test_crl_bucket_encryption_follows_the_config(tmp_path: Any, encryption: str) -> None:
    config_file = tmp_path / "pki.yaml"
    config_file.write_text(
        "name: tiny\n"
        f"crl_bucket: {{encryption: {encryption}}}\n"
        "certificate_authorities:\n"
        "  - {name: root, type: ROOT, subject: {common_name: Tiny Root}, key_algorithm: RSA_2048,\n"
        "     validity_days: 365, crl: {enabled: true}}\n"
    )
    stack = PkiStack(new_app(), "Tiny", config=load_config(config_file))
    crl_keys = Template.from_stack(stack).find_resources(
        "AWS::KMS::Key",
        {"Properties": {"Description": "Encrypts the CRLs that AWS Private CA publishes"}},
    )
    assert len(crl_keys) == (1 if encryption == "SSE_KMS" else 0)


def test_omitted_cdp_extension_sets_no_cname(tmp_path: Any) -> None:
    config_file = tmp_path / "pki.yaml"
    config_file.write_text(
        "name: tiny\n"
        "certificate_authorities:\n"
        "  - {name: root, type: ROOT, subject: {common_name: Tiny Root}, key_algorithm: RSA_2048,\n"
        "     validity_days: 365, crl: {enabled: true, omit_extension: true}}\n"
    )
    stack = PkiStack(new_app(), "Tiny", config=load_config(config_file))
    ca = next(
        iter(
            Template.from_stack(stack).find_resources("AWS::ACMPCA::CertificateAuthority").values()
        )
    )
    crl = ca["Properties"]["RevocationConfiguration"]["CrlConfiguration"]
    assert crl["CrlDistributionPointExtensionConfiguration"] == {"OmitExtension": True}
    assert "CustomCname" not in crl


def test_crl_cnames_and_certificate_from_the_config_reach_the_distribution() -> None:
    template = Template.from_json(synthesize("examples/three-tier-external-root.yaml").template)
    (distribution,) = [
        resource
        for logical_id, resource in template.find_resources("AWS::CloudFront::Distribution").items()
        if logical_id.startswith("CrlDistribution")
    ]
    config = distribution["Properties"]["DistributionConfig"]
    assert config["Aliases"] == ["crl.pki.example.com"]
    assert config["ViewerCertificate"]["AcmCertificateArn"].startswith("arn:aws:acm:us-east-1:")


def test_crl_distribution_certificate_must_be_in_us_east_1(tmp_path: Any) -> None:
    from cdk_pca.config import ConfigError

    config_file = tmp_path / "pki.yaml"
    config_file.write_text(
        "name: tiny\n"
        "crl_distribution: {certificate_arn: 'arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012'}\n"
        "certificate_authorities:\n"
        "  - {name: root, type: ROOT, subject: {common_name: Tiny Root}, key_algorithm: RSA_2048,\n"
        "     validity_days: 365, crl: {enabled: true, custom_cname: crl.example.com}}\n"
    )
    with pytest.raises(ConfigError) as raised:
        load_config(config_file)
    assert "crl_distribution.certificate_arn" in str(raised.value)
    assert "us-east-1" in str(raised.value)


# Every stack of pki.yaml and the examples (`file:stack-name` for configs with environments).
SHIPPED_CONFIGS = CONFIGS


@pytest.mark.parametrize("config_path", SHIPPED_CONFIGS)
def test_expiry_rules_and_alarms_promise_no_more_than_acms_45_days(config_path: str) -> None:
    # ACM sends "Approaching Expiration" events from DaysBeforeExpiry (1..45) days before expiry:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-certificatemanager-account-expiryeventsconfiguration.html
    template = Template.from_json(synthesize(config_path).template)
    thresholds = [
        condition["numeric"][1]
        for rule in template.find_resources("AWS::Events::Rule").values()
        for condition in rule["Properties"]
        .get("EventPattern", {})
        .get("detail", {})
        .get("DaysToExpiry", [])
    ]
    thresholds += [
        alarm["Properties"]["Threshold"]
        for alarm in template.find_resources("AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("MetricName") == "DaysToExpiry"
    ]
    assert thresholds, "every shipped PKI watches certificate expiry"
    assert all(1 <= threshold <= 45 for threshold in thresholds)


@pytest.mark.parametrize("config_path", SHIPPED_CONFIGS)
def test_crl_not_generated_alarms_only_without_canary_for_crls_of_at_most_a_week(
    config_path: str,
) -> None:
    config = load_config(config_path.partition(":")[0])
    synthesized = synthesize(config_path)
    template = Template.from_json(synthesized.template)
    alarm_names = {
        str(alarm["Properties"].get("AlarmName"))
        for alarm in template.find_resources("AWS::CloudWatch::Alarm").values()
    }
    for ca in config.certificate_authorities:
        if not ca.crl.enabled or ca.name not in synthesized.stack.certificate_authorities:
            continue
        if not config.alarms.enabled_for(ca.name):
            continue
        # With the canary, its crl-expiring alarm measures freshness instead.
        expected = ca.crl.expiration_days <= 7 and not config.canary.enabled
        assert any(f"{ca.name}-crl-not-generated" in n for n in alarm_names) is expected, ca.name
        measured = any(f"{ca.name}-crl-expiring" in n for n in alarm_names)
        assert measured is config.canary.enabled, ca.name


def test_every_ca_carries_the_stacks_pki_tag_which_counts_toward_the_tag_limit() -> None:
    # cdk_pca.rules.STACK_TAG_KEY: the config counts this tag against the 50 a CA may carry.
    template = Template.from_json(synthesize("pki.yaml").template)
    cas = template.find_resources("AWS::ACMPCA::CertificateAuthority").values()
    assert cas
    for ca in cas:
        assert {"Key": "pki", "Value": "example-pki"} in ca["Properties"]["Tags"]


def test_default_stack_checks_every_ca_with_the_canary_every_15_minutes() -> None:
    template = Template.from_json(synthesize("pki.yaml").template)
    template.has_resource_properties(
        "AWS::Events::Rule", {"ScheduleExpression": "rate(15 minutes)", "State": "ENABLED"}
    )
    activations = [{"Ref": "RootCaActivationC41AA12B"}, {"Ref": "IssuingCaActivation51AC6E67"}]
    [role] = template.find_resources("AWS::IAM::Role").values()
    reads = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]
    assert reads["Resource"] == activations
    [function] = template.find_resources("AWS::Lambda::Function").values()
    assert function["Properties"]["Environment"]["Variables"]["CA_ARNS"] == {
        "Fn::Join": [",", activations]
    }
    names = {
        alarm["Properties"]["AlarmName"]
        for alarm in template.find_resources("AWS::CloudWatch::Alarm").values()
    }
    assert {
        "example-pki-issuing-crl-unusable",
        "example-pki-issuing-ocsp-not-answering",
        "example-pki-root-canary-not-reporting",
    } <= names
