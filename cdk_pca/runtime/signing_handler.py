"""Custom::ParentSignature: a CA certificate signed by a parent that CloudFormation cannot reach
from this stack (another account through RAM, or another region), then imported into the CA.

CloudFormation's PCA resources call PCA in the stack's own region, and a custom resource answers
at most 4,096 bytes, too little for a certificate chain: so this function signs (IssueCertificate
in the parent's region, GetCertificate until issued) and activates the CA itself
(ImportCertificateAuthorityCertificate here), answering only ARNs.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from cdk_pca.lookup import find_certificate_authority, make_pca_client
from cdk_pca.runtime.lookup_handler import serve

logger = logging.getLogger()
logger.setLevel(logging.INFO)

# GetCertificate answers RequestInProgressException until the certificate is issued (botocore's
# acm-pca waiter CertificateIssued retries on it). 2 s x 60 stays inside the Lambda's 5 minutes.
_WAIT = {"Delay": 2, "MaxAttempts": 60}


def idempotency_token(properties: dict[str, Any]) -> str:
    """The same request gets the same token, so a retried invocation issues no second certificate:
    "if you call IssueCertificate multiple times with the same idempotency token within 5
    minutes, AWS Private CA ... will issue only one".
    https://docs.aws.amazon.com/privateca/latest/APIReference/API_IssueCertificate.html
    IdempotencyToken is 1..36 characters (botocore acm-pca model): 32 hex digits."""
    signed = {
        key: properties.get(key)
        for key in (
            "CertificateAuthorityArn",
            "Csr",
            "SigningAlgorithm",
            "TemplateArn",
            "ValidityDays",
        )
    }
    return hashlib.sha256(json.dumps(signed, sort_keys=True).encode()).hexdigest()[:32]


def find_parent(properties: dict[str, Any], client: Any) -> str:
    """The parent's ARN: given, or found by its tags among the CAs of its account and region.

    A CA's ARN holds a random ID that PCA assigns at creation, so another account's stack cannot
    know it at synth; CloudFormation exports do not cross accounts or regions. Tags name it, and
    the owner account is checked, so a CA that someone else shares with the same tags is refused.
    """
    if properties.get("ParentArn"):
        return str(properties["ParentArn"])
    match = find_certificate_authority(
        tags=json.loads(properties["ParentTags"]),
        owner=properties["ParentOwner"],
        client=client,
    )
    expected = properties["ParentAccount"]
    if match.owner_account != expected:
        raise ValueError(
            f"the CA found for the parent, {match.arn}, belongs to account {match.owner_account}, "
            f"not to {expected}: refusing to be signed by it"
        )
    return match.arn


def sign_and_import(
    properties: dict[str, Any], *, parent_client: Any, client: Any
) -> dict[str, str]:
    """Issue the CA certificate from the parent, wait for it, import it with its chain."""
    parent_arn = find_parent(properties, parent_client)
    issued = parent_client.issue_certificate(
        CertificateAuthorityArn=parent_arn,
        Csr=properties["Csr"].encode(),
        SigningAlgorithm=properties["SigningAlgorithm"],
        TemplateArn=properties["TemplateArn"],
        Validity={"Value": int(properties["ValidityDays"]), "Type": "DAYS"},
        IdempotencyToken=idempotency_token(properties),
    )
    certificate_arn = issued["CertificateArn"]
    parent_client.get_waiter("certificate_issued").wait(
        CertificateAuthorityArn=parent_arn, CertificateArn=certificate_arn, WaiterConfig=_WAIT
    )
    answer = parent_client.get_certificate(
        CertificateAuthorityArn=parent_arn, CertificateArn=certificate_arn
    )
    # GetCertificate's chain is the issuer's certificate and the issuers above it: exactly the
    # chain a subordinate CA's certificate is imported with.
    client.import_certificate_authority_certificate(
        CertificateAuthorityArn=properties["CertificateAuthorityArn"],
        Certificate=answer["Certificate"].encode(),
        CertificateChain=answer["CertificateChain"].encode(),
    )
    return {
        "CertificateArn": certificate_arn,
        "ParentArn": parent_arn,
        "CertificateAuthorityArn": properties["CertificateAuthorityArn"],
    }


def _sign(properties: dict[str, Any]) -> tuple[str, dict[str, str]]:
    data = sign_and_import(
        properties,
        parent_client=make_pca_client(properties["ParentRegion"]),
        client=make_pca_client(),
    )
    logger.info("signed %s by %s", data["CertificateAuthorityArn"], data["ParentArn"])
    return data["CertificateArn"], data


def handler(event: dict[str, Any], context: Any) -> None:
    """Create/Update: sign and import (physical ID = the issued certificate's ARN). Delete: keep the
    CA's certificate, as the CA and its activation are retained."""
    serve(event, context, _sign, what="signing by the parent CA", failed_id="signature")
