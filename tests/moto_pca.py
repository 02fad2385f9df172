"""Helpers for tests against moto's ACM PCA: a root CA signed by itself and activated, as
PCA's own RootCACertificate/V1 route does it."""

from __future__ import annotations

from typing import Any


def activate_root_ca(
    pca: Any, arn: str, *, signing_algorithm: str, validity: dict[str, Any]
) -> None:
    """Sign `arn`'s CSR with its own key (RootCACertificate/V1) and install it: the CA is ACTIVE."""
    csr = pca.get_certificate_authority_csr(CertificateAuthorityArn=arn)["Csr"]
    issued = pca.issue_certificate(
        CertificateAuthorityArn=arn,
        Csr=csr,
        SigningAlgorithm=signing_algorithm,
        TemplateArn="arn:aws:acm-pca:::template/RootCACertificate/V1",
        Validity=validity,
    )["CertificateArn"]
    certificate = pca.get_certificate(CertificateAuthorityArn=arn, CertificateArn=issued)
    pca.import_certificate_authority_certificate(
        CertificateAuthorityArn=arn, Certificate=certificate["Certificate"]
    )


def create_ca(
    pca: Any, common_name: str, *, tags: dict[str, str] | None = None, ca_type: str = "ROOT"
) -> str:
    """A new RSA 2048 CA (pending its certificate) with `tags`; its ARN."""
    request: dict[str, Any] = {
        "CertificateAuthorityConfiguration": {
            "KeyAlgorithm": "RSA_2048",
            "SigningAlgorithm": "SHA256WITHRSA",
            "Subject": {"CommonName": common_name},
        },
        "CertificateAuthorityType": ca_type,
    }
    if tags:
        request["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    return str(pca.create_certificate_authority(**request)["CertificateAuthorityArn"])
