"""What a real deploy of each shipped config needs, held on its synthesized template.

CRL cache misses reach the bucket over plain HTTP, PCA can use an SSE-KMS bucket's key, a failed
first deploy takes its billed resources with it, and every ECDSA signature uses its curve's hash.
"""

from __future__ import annotations

from typing import Any

import pytest

from cdk_pca import vocabulary
from cdk_pca.doctor import policy_allows
from tests.stack_support import CONFIGS, synthesize

ACCOUNT = "111122223333"
CLOUDFRONT = "cloudfront.amazonaws.com"
PCA = "acm-pca.amazonaws.com"


def _resolve(value: Any, resources: dict[str, Any]) -> Any:
    """The intrinsics these templates use, as CloudFormation would resolve them in ACCOUNT."""
    if isinstance(value, list):
        return [_resolve(item, resources) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        name = value["Ref"]
        return {"AWS::Partition": "aws", "AWS::AccountId": ACCOUNT}.get(name, name)
    if set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(str(_resolve(part, resources)) for part in parts)
    if set(value) == {"Fn::GetAtt"}:
        logical_id, attribute = value["Fn::GetAtt"]
        if resources[logical_id]["Type"] == "AWS::S3::Bucket" and attribute == "Arn":
            return f"arn:aws:s3:::{logical_id.lower()}"
        return f"{logical_id}.{attribute}"
    return {key: _resolve(item, resources) for key, item in value.items()}


def _of_type(template: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == resource_type}


def _crl_bucket_id(template: dict[str, Any]) -> str:
    (logical_id,) = [k for k in _of_type(template, "AWS::S3::Bucket") if "AccessLogs" not in k]
    return logical_id


def _policy_of(template: dict[str, Any], bucket_id: str) -> dict[str, Any]:
    (policy,) = [
        p
        for p in _of_type(template, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    return dict(_resolve(policy["Properties"]["PolicyDocument"], template["Resources"]))


def _transport_denials(policy: dict[str, Any]) -> dict[str, Any]:
    """The statements that deny insecure transport (plain HTTP, old TLS) for every principal."""
    return {
        "Statement": [
            s for s in policy["Statement"] if s["Effect"] == "Deny" and s["Action"] == "s3:*"
        ]
    }


def _oac_source_arn(policy: dict[str, Any]) -> str:
    (grant,) = [
        s
        for s in policy["Statement"]
        if s["Effect"] == "Allow" and s["Principal"] == {"Service": CLOUDFRONT}
    ]
    return str(grant["Condition"]["StringEquals"]["AWS:SourceArn"])


@pytest.mark.parametrize("config", CONFIGS)
def test_crl_distribution_reads_the_bucket_over_plain_http_and_nobody_else(config: str) -> None:
    template = synthesize(config).template
    bucket_id = _crl_bucket_id(template)
    policy = _policy_of(template, bucket_id)
    denials = _transport_denials(policy)
    distribution = _oac_source_arn(policy)
    assert distribution.startswith(f"arn:aws:cloudfront::{ACCOUNT}:distribution/CrlDistribution")
    crl = f"arn:aws:s3:::{bucket_id.lower()}/crl/ca-id.crl"

    def verdict(principal: str, **context: str) -> str | None:
        return policy_allows(denials, principal, "s3:GetObject", crl, context)

    # A CloudFront cache miss of an http:// CRL is not denied (the 403 this fix removes), and the
    # whole policy allows it (doctor's evaluator skips NotResource, so that statement is left out).
    cache_miss = {"aws:securetransport": "false", "aws:sourcearn": distribution}
    assert verdict(CLOUDFRONT, **cache_miss) is None
    evaluable = {"Statement": [s for s in policy["Statement"] if "NotResource" not in s]}
    assert policy_allows(evaluable, CLOUDFRONT, "s3:GetObject", crl, cache_miss) == "allow"
    # ... while anyone else over plain HTTP is: another distribution, or a caller without one.
    other = distribution.replace("CrlDistribution", "SomeoneElses")
    assert verdict(CLOUDFRONT, **{"aws:securetransport": "false", "aws:sourcearn": other}) == "deny"
    assert verdict("s3.amazonaws.com", **{"aws:securetransport": "false"}) == "deny"
    # TLS below 1.2 stays denied for every principal.
    assert any(
        s.get("Condition") == {"NumericLessThan": {"s3:TlsVersion": 1.2}}
        for s in denials["Statement"]
    )


@pytest.mark.parametrize("config", CONFIGS)
def test_access_log_bucket_stays_tls_only_for_everyone(config: str) -> None:
    # Only S3 server access logging and CloudFront's log delivery write here, neither over HTTP.
    template = synthesize(config).template
    (logs_id,) = [k for k in _of_type(template, "AWS::S3::Bucket") if "AccessLogs" in k]
    denials = _transport_denials(_policy_of(template, logs_id))
    assert {"Bool": {"aws:SecureTransport": "false"}} in [
        s.get("Condition") for s in denials["Statement"]
    ]


@pytest.mark.parametrize("config", CONFIGS)
def test_sse_kms_key_admits_pca_on_the_bucket_encryption_context(config: str) -> None:
    synthesized = synthesize(config)
    template = synthesized.template
    bucket_id = _crl_bucket_id(template)
    bucket = template["Resources"][bucket_id]
    # The promise behind the key policy's pattern: CloudFormation names the bucket (never renamed).
    assert "BucketName" not in bucket["Properties"]
    (encryption,) = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    keys = {
        k: r for k, r in _of_type(template, "AWS::KMS::Key").items() if k.startswith("CrlBucket")
    }
    if synthesized.stack.config.crl_bucket.encryption == "SSE_S3":
        assert encryption["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
        assert keys == {}
        return
    assert encryption["BucketKeyEnabled"] is True  # the statement below is the Bucket Key one
    (key,) = keys.values()
    policy = _resolve(key["Properties"]["KeyPolicy"], template["Resources"])
    (statement,) = [s for s in policy["Statement"] if s["Principal"] == {"Service": PCA}]
    assert set(statement["Condition"]) == {"StringLike"}  # no aws:SourceAccount: S3 calls KMS
    # The name CloudFormation gives the bucket: <stack>-<logical ID>-<suffix>, lowercased.
    generated = f"{synthesized.stack.stack_name}-{bucket_id}-1a2b3c4d5e6f7".lower()
    assert len(generated) <= 63
    key_arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1"
    for action in ("kms:GenerateDataKey", "kms:Decrypt"):
        context = {"kms:encryptioncontext:aws:s3:arn": f"arn:aws:s3:::{generated}"}
        assert policy_allows(policy, PCA, action, key_arn, context) == "allow"
        elsewhere = {"kms:encryptioncontext:aws:s3:arn": "arn:aws:s3:::someone-elses-bucket"}
        assert policy_allows(policy, PCA, action, key_arn, elsewhere) is None


RETAINED_TYPES = (
    "AWS::ACMPCA::CertificateAuthority",
    "AWS::ACMPCA::Certificate",
    "AWS::ACMPCA::CertificateAuthorityActivation",
    "AWS::ACMPCA::Permission",
    "AWS::S3::Bucket",
    "AWS::KMS::Key",  # the CRL bucket's (SSE_KMS) and the alarm topic's
)


@pytest.mark.parametrize("config", CONFIGS)
def test_a_failed_first_deploy_takes_its_cas_buckets_and_key_with_it(config: str) -> None:
    template = synthesize(config).template
    kept = [
        (logical_id, resource)
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] in RETAINED_TYPES
    ]
    assert any(r["Type"] == "AWS::ACMPCA::CertificateAuthority" for _, r in kept)
    for logical_id, resource in kept:
        assert resource["DeletionPolicy"] == "RetainExceptOnCreate", logical_id
        assert resource["UpdateReplacePolicy"] == "Retain", logical_id


@pytest.mark.parametrize("config", CONFIGS)
def test_every_ca_certificate_is_signed_with_its_issuers_key_family_and_curve(config: str) -> None:
    resources = synthesize(config).template["Resources"]

    def issuer_of(arn: dict[str, Any]) -> dict[str, Any]:
        if "Fn::GetAtt" in arn:  # a root signs itself: the CA's own ARN
            return dict(resources[arn["Fn::GetAtt"][0]])
        activation = resources[arn["Ref"]]["Properties"]["CertificateAuthorityArn"]
        return dict(resources[activation["Fn::GetAtt"][0]])

    # Phase 1 of an external root issues no CA certificate yet: its CAs are still checked.
    certificates = _of_type({"Resources": resources}, "AWS::ACMPCA::Certificate").values()
    cas = _of_type({"Resources": resources}, "AWS::ACMPCA::CertificateAuthority").values()
    assert cas
    for ca in cas:
        properties = ca["Properties"]
        assert properties["SigningAlgorithm"] in vocabulary.signing_algorithms_for(
            properties["KeyAlgorithm"]
        )
    for certificate in certificates:
        issuer = issuer_of(certificate["Properties"]["CertificateAuthorityArn"])["Properties"]
        allowed = vocabulary.signing_algorithms_for(issuer["KeyAlgorithm"])
        assert certificate["Properties"]["SigningAlgorithm"] in allowed
        if issuer["KeyAlgorithm"].startswith("EC_"):
            assert allowed == (vocabulary.default_signing_algorithm(issuer["KeyAlgorithm"]),)
