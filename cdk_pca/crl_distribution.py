"""The CloudFront distribution that serves a private CRL bucket to TLS clients over plain HTTP.

The bucket stays private (origin access control); CAs put this domain in their CRL distribution point.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, Annotations, Aws, Duration, Validations
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_pca.checkov import skip_checkov_checks
from cdk_pca.cloudfront_names import alternate_domain_names
from cdk_pca.crl_bucket import CrlBucket

if TYPE_CHECKING:
    from aws_cdk import aws_certificatemanager as acm

# How long an edge may serve a CRL before asking S3 again. PCA itself takes up to 30 minutes to
# publish a revocation, so 5 more minutes of caching keeps revocations visible within ~35 minutes
# while sparing the bucket a request per client.
# https://docs.aws.amazon.com/privateca/latest/userguide/crl-planning.html
DEFAULT_CRL_CACHE_TTL = Duration.minutes(5)


class CrlDistribution(Construct):
    """A CloudFront distribution in front of a `CrlBucket`, reachable over HTTP and HTTPS.

    RFC 5280 clients fetch CRLs over plain HTTP (an HTTPS CRL would need revocation checking to
    fetch itself), so the viewer policy allows HTTP. The CRL is signed; transport security adds
    nothing to its integrity.

    :param crl_bucket: the bucket the CAs publish to.
    :param crl_paths: the object prefixes CloudFront may read: PCA's ``crl`` and every CA's
        ``custom_path``. Anything else in the bucket (PCA's permission test object, audit
        reports) stays private. ``/`` (CRLs at the bucket root) serves the whole bucket.
        @default ``("crl",)``
    :param domain_names: host names that serve the CRLs besides the distribution's own domain
        (the CAs' ``custom_cname``): CloudFront answers 403 to a Host it does not know.
    :param certificate: an ACM certificate in us-east-1 covering ``domain_names``; CloudFront
        requires one for any alternate domain name, even when clients use plain HTTP.
    :param cache_ttl: how long edges cache a CRL. @default 5 minutes.
    :param price_class: @default ``PRICE_CLASS_100`` (North America and Europe edges).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        crl_bucket: CrlBucket,
        crl_paths: Sequence[str] = ("crl",),
        domain_names: Sequence[str] = (),
        certificate: acm.ICertificate | None = None,
        cache_ttl: Duration = DEFAULT_CRL_CACHE_TTL,
        price_class: cloudfront.PriceClass = cloudfront.PriceClass.PRICE_CLASS_100,
    ) -> None:
        super().__init__(scope, construct_id)
        served_names = alternate_domain_names(
            self,
            kind="CRL",
            config_key="crl_distribution.certificate_arn",
            domain_names=domain_names,
            certificate=certificate,
        )
        cache_policy = cloudfront.CachePolicy(
            self,
            "CachePolicy",
            comment="CRLs: short TTL so revocations reach clients soon after PCA publishes them",
            default_ttl=cache_ttl,
            min_ttl=Duration.seconds(0),
            max_ttl=cache_ttl,
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
            header_behavior=cloudfront.CacheHeaderBehavior.none(),
            query_string_behavior=cloudfront.CacheQueryStringBehavior.none(),
            enable_accept_encoding_gzip=False,
            enable_accept_encoding_brotli=False,
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="Certificate revocation lists of AWS Private CA",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(crl_bucket.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.ALLOW_ALL,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cached_methods=cloudfront.CachedMethods.CACHE_GET_HEAD,
                cache_policy=cache_policy,
                compress=False,
            ),
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=price_class,
            enable_logging=True,
            log_bucket=crl_bucket.access_logs_bucket,
            log_file_prefix="cloudfront/",
            **served_names,
        )
        # For S3 origins CloudFront forwards with the viewer's protocol, so an http:// CRL fetch
        # that misses the cache reaches the bucket over plain HTTP: without this exemption the
        # bucket's TLS-only denial answers it 403.
        # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/HTTPandHTTPSRequests.html
        # The ARN is spelled as CDK's origin access control grant spells it (partition and account
        # as references), so the exemption names exactly the distribution that grant admits.
        crl_bucket.allow_plain_http_reads(
            f"arn:{Aws.PARTITION}:cloudfront::{Aws.ACCOUNT_ID}:distribution/"
            f"{self.distribution.distribution_id}"
        )
        prefixes = sorted({path.strip("/") for path in crl_paths})
        if prefixes and "" not in prefixes:
            # CDK's origin access control grant covers bucket/*; AWS's guide serves only the CRL
            # path. https://docs.aws.amazon.com/privateca/latest/userguide/crl-planning.html#s3-bpa
            crl_bucket.bucket.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="CloudFrontReadsOnlyCrls",
                    effect=iam.Effect.DENY,
                    principals=[iam.ServicePrincipal("cloudfront.amazonaws.com")],
                    actions=["s3:GetObject"],
                    not_resources=[crl_bucket.bucket.arn_for_objects(f"{p}/*") for p in prefixes],
                )
            )
        if crl_bucket.encryption_key is not None:
            # CDK scopes the key policy to this account's distributions (distribution/*) because
            # naming this one would make key, bucket and distribution depend on each other.
            Annotations.of(crl_bucket).acknowledge_warning(
                "@aws-cdk/aws-cloudfront-origins:wildcardKeyPolicyForOac",
                "Key policy admits only this account's CloudFront distributions, by pattern, "
                "to avoid a key-bucket-distribution dependency cycle.",
            )
        no_waf = (
            "Serves public, signed, read-only CRL files; a WAF adds cost without protecting them."
        )
        old_tls = (
            "The default *.cloudfront.net certificate allows older TLS; CRLs are fetched over "
            "HTTP by design (RFC 5280) and are signed, so TLS is not what protects them."
        )
        for rule_id, reason in (
            (
                "AwsSolutions-CFR1",
                "CRLs must be reachable by every client that checks revocation, wherever it is.",
            ),
            ("AwsSolutions-CFR2", no_waf),
            ("AwsSolutions-CFR4", old_tls),
        ):
            Validations.of(self.distribution).acknowledge(Acknowledgment(id=rule_id, reason=reason))
        checkov_skips = [
            ("CKV_AWS_68", no_waf),
            (
                "CKV_AWS_34",
                "RFC 5280 clients fetch CRLs over plain http:// (an https CRL would need revocation "
                "checking to fetch itself); the CRL is signed, so HTTP is allowed on purpose.",
            ),
        ]
        if certificate is None:
            # With the default certificate "CloudFront automatically sets the security policy to
            # TLSv1 regardless of the value that you set" (ViewerCertificate.MinimumProtocolVersion,
            # https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ViewerCertificate.html);
            # with a certificate the distribution states TLSv1.2_2021 above.
            checkov_skips.append(("CKV_AWS_174", old_tls))
        skip_checkov_checks(self.distribution, checkov_skips)

    @property
    def domain_name(self) -> str:
        """The distribution's domain (d1234.cloudfront.net): the CAs' CRL CustomCname."""
        return self.distribution.distribution_domain_name
