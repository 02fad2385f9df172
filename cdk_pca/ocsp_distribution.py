"""The CloudFront distribution that answers a CA's custom OCSP name by forwarding to AWS's responder.

PCA writes the custom name into issued certificates; only a proxy in front of the responder makes it answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, Duration, Stack, Validations
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from constructs import Construct

from cdk_pca.checkov import skip_checkov_checks
from cdk_pca.cloudfront_names import alternate_domain_names
from cdk_pca.vocabulary import ocsp_responder_domain

if TYPE_CHECKING:
    from aws_cdk import aws_certificatemanager as acm
    from aws_cdk import aws_s3 as s3

# The PCA guide's recipe for a custom OCSP URL ("Customize OCSP URL for AWS Private CA", the tip):
# a CloudFront distribution with the custom CNAME as alternate name and a certificate bound to it,
# origin ocsp.acm-pca.<region>.amazonaws.com ("To use IPv6 connections, use the dualstack endpoint
# acm-pca-ocsp.<region>.api.aws"), the Managed-CachingDisabled policy, viewer protocol HTTP and
# HTTPS, allowed methods GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE.
# https://docs.aws.amazon.com/privateca/latest/userguide/ocsp-customize.html
# The longest an edge may serve a GET answer, when the responder's Cache-Control allows caching at
# all. PCA's responder may take up to 60 minutes to reflect a revocation
# (https://docs.aws.amazon.com/privateca/latest/APIReference/API_OcspConfiguration.html); 5 more
# minutes bounds what the edge adds, as the CRL distribution's TTL does.
DEFAULT_OCSP_MAX_CACHE_TTL = Duration.minutes(5)


class OcspDistribution(Construct):
    """A CloudFront distribution in front of AWS Private CA's OCSP responder for the stack's region.

    RFC 6960 clients send OCSP requests over plain HTTP (GET with the request in the path, or POST
    with it in the body; RFC 6960 A.1); the answers are signed by the CA, so the viewer policy
    allows HTTP. GET answers are cached only as long as the responder's Cache-Control allows, and
    never longer than ``max_cache_ttl``; POST answers are never cached (CloudFront caches GET and
    HEAD only). The distribution serves every CA of the stack: the responder finds the CA from the
    request itself (the CertID's issuer hashes), not from the host name.

    :param domain_names: the CAs' ``ocsp.custom_cname``: host names that become alternate domain
        names (with ``certificate``); CloudFront answers 403 to a Host it does not know.
    :param certificate: an ACM certificate in us-east-1 covering ``domain_names``; CloudFront
        requires one for any alternate domain name, even when clients use plain HTTP.
    :param max_cache_ttl: the longest an edge serves a cached GET answer. @default 5 minutes.
    :param log_bucket: where CloudFront standard logs go (prefix ``cloudfront-ocsp/``).
        @default no logs.
    :param price_class: @default ``PRICE_CLASS_100`` (North America and Europe edges).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain_names: Sequence[str] = (),
        certificate: acm.ICertificate | None = None,
        max_cache_ttl: Duration = DEFAULT_OCSP_MAX_CACHE_TTL,
        log_bucket: s3.IBucket | None = None,
        price_class: cloudfront.PriceClass = cloudfront.PriceClass.PRICE_CLASS_100,
    ) -> None:
        super().__init__(scope, construct_id)
        served_names = alternate_domain_names(
            self,
            kind="OCSP",
            config_key="ocsp_distribution.certificate_arn",
            domain_names=domain_names,
            certificate=certificate,
        )
        self.origin_domain_name = ocsp_responder_domain(Stack.of(self).region)
        # Instead of the guide's Managed-CachingDisabled (all TTLs 0): MinTTL 0 and DefaultTTL 0
        # keep CloudFront from caching anything the responder does not mark cacheable (DefaultTTL
        # applies only when the origin sends no Cache-Control or Expires; with MinTTL 0, no-cache,
        # no-store and private are obeyed), and MaxTTL caps a max-age the responder sends.
        # https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CachePolicyConfig.html
        # The cache key is the path alone: a GET request carries the whole OCSP request there
        # (RFC 6960 A.1), so two clients share an answer only when they asked the same question.
        # Whether PCA's responder sends Cache-Control at all is not documented.
        cache_policy = cloudfront.CachePolicy(
            self,
            "CachePolicy",
            comment="OCSP: GET answers cached only as long as the responder allows, at most a bound",
            min_ttl=Duration.seconds(0),
            default_ttl=Duration.seconds(0),
            max_ttl=max_cache_ttl,
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
            header_behavior=cloudfront.CacheHeaderBehavior.none(),
            query_string_behavior=cloudfront.CacheQueryStringBehavior.none(),
            enable_accept_encoding_gzip=False,
            enable_accept_encoding_brotli=False,
        )
        # Without an origin request policy CloudFront sets Host to the origin's domain name (the
        # responder's, whatever name the client asked) and forwards Content-Type, which an OCSP
        # POST carries (application/ocsp-request).
        # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html
        # HTTPS to the origin: the guide is silent on the origin protocol; HTTPS keeps the serials
        # clients ask about off the wire between edge and responder, and the integration test
        # (tests/integ, OCSP through this distribution) proves the responder answers it.
        origin = origins.HttpOrigin(
            self.origin_domain_name,
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="OCSP proxy to AWS Private CA's responder (custom OCSP names)",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.ALLOW_ALL,
                # All seven methods, as the guide says; OCSP itself needs GET and POST. CloudFront
                # caches responses to GET and HEAD (and OPTIONS if asked), never to POST: an OCSP
                # POST always reaches the responder.
                # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html#RequestCustomHTTPMethods
                # https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CachedMethods.html
                allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                cached_methods=cloudfront.CachedMethods.CACHE_GET_HEAD,
                cache_policy=cache_policy,
                compress=False,
            ),
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=price_class,
            enable_logging=log_bucket is not None,
            log_bucket=log_bucket,
            log_file_prefix="cloudfront-ocsp/" if log_bucket is not None else None,
            **served_names,
        )
        acknowledgments = [
            (
                "AwsSolutions-CFR1",
                "OCSP must answer every client that checks revocation, wherever it is.",
            ),
            (
                "AwsSolutions-CFR2",
                "Forwards signed OCSP answers of AWS's public responder; a WAF adds cost without "
                "protecting them.",
            ),
            (
                "AwsSolutions-CFR4",
                "The default *.cloudfront.net certificate allows older TLS; OCSP is asked over "
                "HTTP by design (RFC 6960) and its answers are signed, so TLS is not what protects "
                "them.",
            ),
        ]
        if log_bucket is None:
            acknowledgments.append(
                (
                    "AwsSolutions-CFR3",
                    "No log bucket in this stack (no CA publishes CRLs); the responder's answers "
                    "are signed and its requests carry only certificate serials.",
                )
            )
        for rule_id, reason in acknowledgments:
            Validations.of(self.distribution).acknowledge(Acknowledgment(id=rule_id, reason=reason))
        reasons = dict(acknowledgments)
        skip_checkov_checks(
            self.distribution,
            [
                ("CKV_AWS_68", reasons["AwsSolutions-CFR2"]),
                (
                    "CKV_AWS_34",
                    "RFC 6960 clients ask OCSP over plain http:// (an https responder would need "
                    "revocation checking to reach itself); the answers are signed, so HTTP is "
                    "allowed on purpose.",
                ),
            ],
        )

    @property
    def domain_name(self) -> str:
        """The distribution's domain (d1234.cloudfront.net): where the OCSP names' DNS points."""
        return self.distribution.distribution_domain_name
