"""The OCSP proxy: a CloudFront distribution that makes the CAs' custom OCSP names answer.

Each fact of the PCA guide's recipe (origin, methods, caching, viewer protocol, alternate names,
certificate) is asserted on the template of every shipped config that has a custom OCSP name.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match, Template

from cdk_pca import OcspDistribution
from cdk_pca.config import load_config
from cdk_pca.vocabulary import ocsp_responder_domain
from stacks import PkiStack
from tests.cdk_support import new_app, new_stack
from tests.stack_support import CONFIGS, synthesize
from tests.unit.config_helpers import edit, example, load, only_problem

ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]
WITH_OCSP_NAMES = [c for c in CONFIGS if load_config(c.partition(":")[0]).ocsp_custom_cnames()]
WITHOUT_OCSP_NAMES = [c for c in CONFIGS if c not in WITH_OCSP_NAMES]


def test_a_shipped_example_has_custom_ocsp_names() -> None:
    assert "examples/three-tier-external-root.yaml" in WITH_OCSP_NAMES
    assert "pki.yaml" in WITHOUT_OCSP_NAMES


def _ocsp_distribution(template: dict[str, Any]) -> dict[str, Any]:
    (distribution,) = [
        resource["Properties"]["DistributionConfig"]
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::CloudFront::Distribution"
        and logical_id.startswith("OcspDistribution")
    ]
    return distribution


def _cache_policy(template: dict[str, Any], distribution: dict[str, Any]) -> dict[str, Any]:
    policy_id = distribution["DefaultCacheBehavior"]["CachePolicyId"]["Ref"]
    return dict(template["Resources"][policy_id]["Properties"]["CachePolicyConfig"])


def _ocsp_cnames_in_cas(template: dict[str, Any]) -> set[str]:
    return {
        ocsp["OcspCustomCname"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::ACMPCA::CertificateAuthority"
        for ocsp in [resource["Properties"]["RevocationConfiguration"].get("OcspConfiguration")]
        if ocsp and ocsp.get("Enabled") and "OcspCustomCname" in ocsp
    }


@pytest.mark.parametrize("config", WITH_OCSP_NAMES)
def test_origin_is_pcas_dual_stack_responder_of_the_region_over_https(config: str) -> None:
    template = synthesize(config).template
    (origin,) = _ocsp_distribution(template)["Origins"]
    region = load_config(config).region or "us-east-1"
    assert origin["DomainName"] == f"acm-pca-ocsp.{region}.api.aws"
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert origin["CustomOriginConfig"]["OriginSSLProtocols"] == ["TLSv1.2"]


@pytest.mark.parametrize("config", WITH_OCSP_NAMES)
def test_every_method_is_allowed_and_only_get_and_head_are_cached(config: str) -> None:
    behavior = _ocsp_distribution(synthesize(config).template)["DefaultCacheBehavior"]
    assert behavior["AllowedMethods"] == ALL_METHODS
    assert behavior["CachedMethods"] == ["GET", "HEAD"]  # POST passes through


@pytest.mark.parametrize("config", WITH_OCSP_NAMES)
def test_get_answers_are_cached_only_as_the_responder_allows_and_at_most_five_minutes(
    config: str,
) -> None:
    template = synthesize(config).template
    policy = _cache_policy(template, _ocsp_distribution(template))
    assert (policy["MinTTL"], policy["DefaultTTL"], policy["MaxTTL"]) == (0, 0, 300)
    key = policy["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["HeadersConfig"] == {"HeaderBehavior": "none"}
    assert key["CookiesConfig"] == {"CookieBehavior": "none"}
    assert key["QueryStringsConfig"] == {"QueryStringBehavior": "none"}


@pytest.mark.parametrize("config", WITH_OCSP_NAMES)
def test_viewers_may_ask_over_plain_http(config: str) -> None:
    behavior = _ocsp_distribution(synthesize(config).template)["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "allow-all"


@pytest.mark.parametrize("config", WITH_OCSP_NAMES)
def test_the_cas_ocsp_names_are_the_alternate_names_with_the_configs_certificate(
    config: str,
) -> None:
    template = synthesize(config).template
    distribution = _ocsp_distribution(template)
    pki = load_config(config)
    assert set(distribution["Aliases"]) == set(pki.ocsp_custom_cnames())
    assert _ocsp_cnames_in_cas(template) == set(distribution["Aliases"])
    certificate = distribution["ViewerCertificate"]
    assert certificate["AcmCertificateArn"] == pki.ocsp_distribution.certificate_arn
    assert certificate["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert certificate["SslSupportMethod"] == "sni-only"


@pytest.mark.parametrize("config", WITH_OCSP_NAMES)
def test_ocsp_domain_name_is_an_output(config: str) -> None:
    synthesized = synthesize(config)
    output = synthesized.template["Outputs"]["OcspDomainName"]
    assert output["Value"]["Fn::GetAtt"][1] == "DomainName"
    assert output["Value"]["Fn::GetAtt"][0].startswith("OcspDistribution")
    assert synthesized.stack.ocsp_distribution is not None


@pytest.mark.parametrize("config", WITHOUT_OCSP_NAMES)
def test_without_custom_ocsp_names_there_is_no_proxy(config: str) -> None:
    synthesized = synthesize(config)
    assert synthesized.stack.ocsp_distribution is None
    assert "OcspDomainName" not in synthesized.template.get("Outputs", {})
    assert not any(lid.startswith("OcspDistribution") for lid in synthesized.template["Resources"])


# --- the construct ------------------------------------------------------------------------------


def test_an_ocsp_cname_without_certificate_warns_that_cloudfront_answers_403() -> None:
    stack = new_stack()
    OcspDistribution(stack, "OcspDistribution", domain_names=["ocsp.example.com"])
    Annotations.from_stack(stack).has_warning(
        "*", Match.string_like_regexp("OCSP CNAME ocsp.example.com .*403.*ocsp_distribution")
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::CloudFront::Distribution",
        {"DistributionConfig": Match.object_like({"Aliases": Match.absent()})},
    )


def test_a_certificate_without_domain_names_is_rejected() -> None:
    from aws_cdk import aws_certificatemanager as acm

    stack = new_stack()
    certificate = acm.Certificate.from_certificate_arn(
        stack, "Cert", "arn:aws:acm:us-east-1:111122223333:certificate/x"
    )
    with pytest.raises(ValueError, match="OcspDistribution: certificate: given without domain"):
        OcspDistribution(stack, "OcspDistribution", certificate=certificate)


def test_an_environment_agnostic_stack_asks_the_responder_of_the_deploy_region() -> None:
    stack = cdk.Stack(new_app(), "Agnostic")
    OcspDistribution(stack, "OcspDistribution", domain_names=["ocsp.example.com"])
    (distribution,) = (
        Template.from_stack(stack).find_resources("AWS::CloudFront::Distribution").values()
    )
    (origin,) = distribution["Properties"]["DistributionConfig"]["Origins"]
    assert origin["DomainName"] == {
        "Fn::Join": ["", ["acm-pca-ocsp.", {"Ref": "AWS::Region"}, ".api.aws"]]
    }
    assert ocsp_responder_domain("eu-central-1") == "acm-pca-ocsp.eu-central-1.api.aws"


def test_the_cache_bound_is_a_parameter() -> None:
    stack = new_stack()
    OcspDistribution(stack, "OcspDistribution", max_cache_ttl=cdk.Duration.minutes(1))
    Template.from_stack(stack).has_resource_properties(
        "AWS::CloudFront::CachePolicy",
        {"CachePolicyConfig": Match.object_like({"MaxTTL": 60, "DefaultTTL": 0, "MinTTL": 0})},
    )


def test_an_ocsp_only_stack_has_a_proxy_without_logs_and_cdk_nag_accepts_it(tmp_path: Any) -> None:
    from cdk_nag import AwsSolutionsChecks

    config_file = tmp_path / "pki.yaml"
    config_file.write_text(
        "name: tiny\n"
        "certificate_authorities:\n"
        "  - {name: root, type: ROOT, subject: {common_name: Tiny Root}, key_algorithm: EC_prime256v1,\n"
        "     validity_days: 365, ocsp: {enabled: true, custom_cname: ocsp.example.com}}\n"
    )
    app = new_app()
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    stack = PkiStack(
        app, "Tiny", config=load_config(config_file), env=cdk.Environment(region="eu-west-1")
    )
    assert stack.crl_bucket is None and stack.ocsp_distribution is not None
    template = app.synth().get_stack_by_name("Tiny").template  # raises on a cdk-nag finding
    config = _ocsp_distribution(template)
    assert "Logging" not in config and "Aliases" not in config
    assert template["Outputs"]["OcspDomainName"]


# --- the config ---------------------------------------------------------------------------------


def _with_ocsp_name(name: str = "ocsp.example.com") -> dict[str, Any]:
    data = example()
    return edit(data, "certificate_authorities[1].ocsp.custom_cname", name)


def test_ocsp_distribution_certificate_must_be_in_us_east_1() -> None:
    data = _with_ocsp_name()
    data["ocsp_distribution"] = {
        "certificate_arn": "arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
    }
    problem = only_problem(data)
    assert problem.path == "ocsp_distribution.certificate_arn"
    assert "us-east-1" in problem.message and "eu-west-1" in problem.message


def test_an_ocsp_certificate_without_any_custom_ocsp_name_is_rejected() -> None:
    data = example()
    data["ocsp_distribution"] = {
        "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
    }
    problem = only_problem(data)
    assert problem.path == "ocsp_distribution.certificate_arn"
    assert "no CA has OCSP enabled with an ocsp.custom_cname" in problem.message


def test_an_ocsp_name_that_is_also_a_crl_name_is_rejected() -> None:
    data = _with_ocsp_name("PKI.example.com")
    edit(data, "certificate_authorities[0].crl.custom_cname", "pki.example.com")
    problem = only_problem(data)
    assert problem.path == "certificate_authorities[1].ocsp.custom_cname"
    assert "also the crl.custom_cname of certificate_authorities[0]" in problem.message


def test_an_empty_ocsp_distribution_section_means_no_certificate() -> None:
    data = _with_ocsp_name()
    data["ocsp_distribution"] = None
    config = load(data)
    assert config.ocsp_distribution.certificate_arn is None
    assert config.ocsp_custom_cnames() == ("ocsp.example.com",)
