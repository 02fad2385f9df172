"""Alternate domain names of the revocation distributions (CRL and OCSP): one rule for both.

CloudFront takes an alternate domain name only with a certificate covering it; without one the
name gets a synth warning instead of a distribution that answers 403 to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aws_cdk import Annotations, Token
from aws_cdk import aws_cloudfront as cloudfront

from cdk_pca import rules

if TYPE_CHECKING:
    from aws_cdk import aws_certificatemanager as acm
    from constructs import Construct


def alternate_domain_names(
    scope: Construct,
    *,
    kind: str,
    config_key: str,
    domain_names: Sequence[str],
    certificate: acm.ICertificate | None,
) -> dict[str, Any]:
    """The Distribution arguments that serve `domain_names` (with `certificate`), else none.

    CloudFront requires a certificate for any alternate domain name, even for plain-HTTP viewers,
    and only from ACM in us-east-1:
    https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html

    :param kind: ``CRL`` or ``OCSP``: names the warning (``cdk-pca:<kind>CnameWithoutCertificate``).
    :param config_key: the pki.yaml key that takes the certificate, for the warning's advice.
    """
    problem = rules.viewer_certificate_problem(
        certificate_given=certificate is not None,
        domain_name_count=len(domain_names),
        names_field=f"{kind.lower()}.custom_cname",
    )
    if problem:
        raise ValueError(f"{scope.node.path}: certificate: {problem}")
    if domain_names and certificate is None:
        names = ", ".join(n for n in domain_names if not Token.is_unresolved(n))
        Annotations.of(scope).add_warning_v2(
            f"cdk-pca:{kind.lower()}CnameWithoutCertificate",
            f"{kind} CNAME {names} is not an alternate domain name of this distribution (no "
            "certificate): CloudFront answers 403 to it. Give an ACM certificate in us-east-1 "
            f"({config_key} in pki.yaml), or serve that name yourself.",
        )
    if certificate is None:
        return {"domain_names": None, "certificate": None, "minimum_protocol_version": None}
    return {
        "domain_names": list(domain_names),
        "certificate": certificate,
        "minimum_protocol_version": cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
    }
