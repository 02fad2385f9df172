"""CrlBucket and CrlDistribution: every security setting explicit, PCA admitted for exactly four actions."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from cdk_pca.crl_bucket import PCA_BUCKET_ACTIONS, CrlBucket
from cdk_pca.crl_distribution import CrlDistribution
from tests.cdk_support import new_stack


@pytest.fixture(scope="module")
def default_bucket() -> tuple[Template, CrlBucket]:
    stack = new_stack()
    bucket = CrlBucket(stack, "CrlBucket")
    CrlDistribution(stack, "CrlDistribution", crl_bucket=bucket)
    return Template.from_stack(stack), bucket


def _crl_bucket_properties(template: Template, bucket: CrlBucket) -> dict[str, Any]:
    logical_id = bucket.bucket.stack.get_logical_id(bucket.bucket.node.default_child)  # type: ignore[arg-type]
    properties: dict[str, Any] = template.to_json()["Resources"][logical_id]["Properties"]
    return properties


def test_block_public_access_is_fully_on(default_bucket: Any) -> None:
    template, bucket = default_bucket
    assert _crl_bucket_properties(template, bucket)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }


def test_encryption_ownership_and_versioning_are_explicit(default_bucket: Any) -> None:
    template, bucket = default_bucket
    properties = _crl_bucket_properties(template, bucket)
    assert properties["BucketEncryption"] == {
        "ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
        ]
    }
    assert properties["OwnershipControls"] == {
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]
    }
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert properties["LoggingConfiguration"]["LogFilePrefix"] == "crl-bucket/"


def test_bucket_is_retained_unless_its_creation_fails(default_bucket: Any) -> None:
    template, _ = default_bucket
    for resource in template.find_resources("AWS::S3::Bucket").values():
        assert resource["DeletionPolicy"] == "RetainExceptOnCreate"
        assert resource["UpdateReplacePolicy"] == "Retain"


def test_policy_admits_pca_for_exactly_four_actions_from_this_account(default_bucket: Any) -> None:
    template, bucket = default_bucket
    policy_id = bucket.bucket.stack.get_logical_id(bucket.policy.node.default_child)  # type: ignore[arg-type]
    statements = template.to_json()["Resources"][policy_id]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    pca = [s for s in statements if s.get("Principal") == {"Service": "acm-pca.amazonaws.com"}]
    assert len(pca) == 1
    assert pca[0]["Effect"] == "Allow"
    assert sorted(pca[0]["Action"]) == sorted(PCA_BUCKET_ACTIONS)
    assert pca[0]["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert "aws:SourceArn" in pca[0]["Condition"]["ArnLike"]


def test_policy_denies_plain_http_and_old_tls(default_bucket: Any) -> None:
    template, bucket = default_bucket
    policy_id = bucket.bucket.stack.get_logical_id(bucket.policy.node.default_child)  # type: ignore[arg-type]
    statements = template.to_json()["Resources"][policy_id]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    denies = [s for s in statements if s["Effect"] == "Deny" and "Condition" in s]
    (plain_http,) = [s for s in denies if "Bool" in s["Condition"]]
    assert plain_http["Principal"] == {"AWS": "*"} and plain_http["Action"] == "s3:*"
    assert plain_http["Condition"]["Bool"] == {"aws:SecureTransport": "false"}
    # Every principal but the CRL distribution's origin access control (by its aws:SourceArn).
    (exempt,) = plain_http["Condition"]["StringNotEquals"]["AWS:SourceArn"]
    assert "CrlDistribution" in str(exempt) and ":distribution/" in str(exempt)
    assert {"NumericLessThan": {"s3:TlsVersion": 1.2}} in [s["Condition"] for s in denies]


def test_a_bucket_without_distribution_denies_plain_http_to_everyone() -> None:
    stack = new_stack()
    bucket = CrlBucket(stack, "CrlBucket")
    template = Template.from_stack(stack)
    policy_id = stack.get_logical_id(bucket.policy.node.default_child)  # type: ignore[arg-type]
    statements = template.to_json()["Resources"][policy_id]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    assert {"Bool": {"aws:SecureTransport": "false"}} in [s.get("Condition") for s in statements]


def test_sse_kms_refuses_a_stack_name_too_long_to_spell_the_bucket_name() -> None:
    stack = new_stack("a" * 32)
    with pytest.raises(ValueError, match=r"encryption: SSE_KMS needs a stack name of at most 31 "):
        CrlBucket(stack, "CrlBucket", encryption="SSE_KMS")
    CrlBucket(new_stack("a" * 31), "CrlBucket", encryption="SSE_KMS")


def test_cloudfront_reads_through_origin_access_control_only(default_bucket: Any) -> None:
    template, bucket = default_bucket
    template.resource_count_is("AWS::CloudFront::OriginAccessControl", 1)
    policy_id = bucket.bucket.stack.get_logical_id(bucket.policy.node.default_child)  # type: ignore[arg-type]
    statements = template.to_json()["Resources"][policy_id]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    cloudfront = [
        s
        for s in statements
        if s.get("Principal") == {"Service": "cloudfront.amazonaws.com"} and s["Effect"] == "Allow"
    ]
    assert len(cloudfront) == 1
    assert cloudfront[0]["Action"] == "s3:GetObject"
    assert "AWS:SourceArn" in cloudfront[0]["Condition"]["StringEquals"]


def test_distribution_serves_crls_over_plain_http_with_a_short_cache(default_bucket: Any) -> None:
    template, _ = default_bucket
    template.has_resource_properties(
        "AWS::CloudFront::Distribution",
        {
            "DistributionConfig": Match.object_like(
                {
                    "DefaultCacheBehavior": Match.object_like(
                        {"ViewerProtocolPolicy": "allow-all", "AllowedMethods": ["GET", "HEAD"]}
                    ),
                    "Logging": Match.object_like({"Prefix": "cloudfront/"}),
                }
            )
        },
    )
    template.has_resource_properties(
        "AWS::CloudFront::CachePolicy",
        {"CachePolicyConfig": Match.object_like({"DefaultTTL": 300, "MaxTTL": 300, "MinTTL": 0})},
    )


def test_kms_encryption_uses_a_customer_key_that_admits_pca() -> None:
    stack = new_stack()
    CrlBucket(stack, "CrlBucket", encryption="SSE_KMS")
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    key = next(iter(template.find_resources("AWS::KMS::Key").values()))
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    (pca,) = [s for s in statements if s.get("Principal") == {"Service": "acm-pca.amazonaws.com"}]
    assert sorted(pca["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    # The PCA guide's statement for a bucket with the S3 Bucket Key: the bucket ARN as encryption
    # context, here the name CloudFormation generates from the stack name and logical ID.
    assert pca["Condition"] == {
        "StringLike": {
            "kms:EncryptionContext:aws:s3:arn": {
                "Fn::Join": [
                    "",
                    ["arn:", {"Ref": "AWS::Partition"}, ":s3:::test-crlbucketff08b287-*"],
                ]
            }
        }
    }
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    Match.object_like(
                        {
                            "ServerSideEncryptionByDefault": Match.object_like(
                                {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": Match.any_value()}
                            )
                        }
                    )
                ]
            }
        },
    )


def test_existing_access_log_bucket_is_used_instead_of_a_new_one() -> None:
    stack = new_stack()
    logs = s3.Bucket.from_bucket_name(stack, "Logs", "central-access-logs")
    CrlBucket(stack, "CrlBucket", server_access_logs_bucket=logs)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::S3::Bucket", 1)
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "LoggingConfiguration": {
                "DestinationBucketName": "central-access-logs",
                "LogFilePrefix": "crl-bucket/",
            }
        },
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"encryption": "AWS_MANAGED"},
            "encryption: 'AWS_MANAGED' is not allowed; expected SSE_S3 or SSE_KMS",
        ),
        ({"encryption_key": object()}, "encryption_key: only allowed with encryption='SSE_KMS'"),
    ],
)
def test_invalid_bucket_arguments_are_rejected(kwargs: dict[str, Any], message: str) -> None:
    stack = new_stack()
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        CrlBucket(stack, "CrlBucket", **kwargs)


def _cloudfront_deny(template: Template) -> list[dict[str, Any]]:
    return [
        s
        for policy in template.find_resources("AWS::S3::BucketPolicy").values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "CloudFrontReadsOnlyCrls"
    ]


def test_cloudfront_may_read_only_the_crl_paths(default_bucket: Any) -> None:
    template, _ = default_bucket
    (deny,) = _cloudfront_deny(template)
    assert deny["Effect"] == "Deny"
    assert deny["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert deny["Action"] == "s3:GetObject"
    assert "crl/*" in str(deny["NotResource"])


def test_custom_crl_paths_are_served_too() -> None:
    stack = new_stack()
    bucket = CrlBucket(stack, "CrlBucket")
    CrlDistribution(stack, "CrlDistribution", crl_bucket=bucket, crl_paths=["crl", "/pki/crls/"])
    (deny,) = _cloudfront_deny(Template.from_stack(stack))
    served = str(deny["NotResource"])
    assert "/crl/*" in served and "/pki/crls/*" in served


def test_crls_at_the_bucket_root_serve_the_whole_bucket() -> None:
    stack = new_stack()
    bucket = CrlBucket(stack, "CrlBucket")
    CrlDistribution(stack, "CrlDistribution", crl_bucket=bucket, crl_paths=["crl", "/"])
    assert _cloudfront_deny(Template.from_stack(stack)) == []


def test_crl_cnames_become_alternate_domain_names_with_a_certificate() -> None:
    from aws_cdk import aws_certificatemanager as acm

    stack = new_stack()
    bucket = CrlBucket(stack, "CrlBucket")
    certificate = acm.Certificate.from_certificate_arn(
        stack,
        "Cert",
        "arn:aws:acm:us-east-1:111122223333:certificate/0d5c1a6e-7f8b-4c2d-9e3f-2a1b4c6d8e0f",
    )
    CrlDistribution(
        stack,
        "CrlDistribution",
        crl_bucket=bucket,
        domain_names=["crl.example.com"],
        certificate=certificate,
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::CloudFront::Distribution",
        {
            "DistributionConfig": Match.object_like(
                {
                    "Aliases": ["crl.example.com"],
                    "ViewerCertificate": Match.object_like(
                        {
                            "AcmCertificateArn": Match.string_like_regexp("us-east-1"),
                            "MinimumProtocolVersion": "TLSv1.2_2021",
                        }
                    ),
                }
            )
        },
    )


def test_a_crl_cname_without_certificate_warns_that_cloudfront_answers_403() -> None:
    from aws_cdk.assertions import Annotations

    stack = new_stack()
    bucket = CrlBucket(stack, "CrlBucket")
    CrlDistribution(stack, "CrlDistribution", crl_bucket=bucket, domain_names=["crl.example.com"])
    Annotations.from_stack(stack).has_warning(
        "*", Match.string_like_regexp("crl.example.com .*403")
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::CloudFront::Distribution",
        {"DistributionConfig": Match.object_like({"Aliases": Match.absent()})},
    )


def test_a_certificate_without_domain_names_is_rejected() -> None:
    from aws_cdk import aws_certificatemanager as acm

    stack = new_stack()
    bucket = CrlBucket(stack, "CrlBucket")
    certificate = acm.Certificate.from_certificate_arn(
        stack, "Cert", "arn:aws:acm:us-east-1:111122223333:certificate/x"
    )
    with pytest.raises(ValueError, match="certificate: given without domain_names"):
        CrlDistribution(stack, "CrlDistribution", crl_bucket=bucket, certificate=certificate)
