"""`cdk-pca revoke` through moto's ACM PCA: GetCertificate resolves the serial, RevokeCertificate
records it. moto accepts any serial format, so the exact format is asserted in test_revoke.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from moto import mock_aws
from moto.acmpca.models import acmpca_backends
from moto.core.models import DEFAULT_ACCOUNT_ID

from cdk_pca.cli import main
from cdk_pca.revocation.certificates import colon_hex_serial
from tests.moto_pca import activate_root_ca

REGION = "ap-southeast-2"


@pytest.fixture
def pca(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")  # not the CA's: the ARN decides
    with mock_aws():
        yield boto3.client("acm-pca", region_name=REGION)


def active_root_ca(pca: Any) -> str:
    arn: str = pca.create_certificate_authority(
        CertificateAuthorityConfiguration={
            "KeyAlgorithm": "EC_prime256v1",
            "SigningAlgorithm": "SHA256WITHECDSA",
            "Subject": {"CommonName": "Moto Root"},
        },
        CertificateAuthorityType="ROOT",
    )["CertificateAuthorityArn"]
    activate_root_ca(
        pca, arn, signing_algorithm="SHA256WITHECDSA", validity={"Value": 10, "Type": "YEARS"}
    )
    return arn


def issue_leaf(pca: Any, ca_arn: str) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "svc.example")]))
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
    )
    arn: str = pca.issue_certificate(
        CertificateAuthorityArn=ca_arn,
        Csr=csr,
        SigningAlgorithm="SHA256WITHECDSA",
        Validity={"Value": 30, "Type": "DAYS"},
    )["CertificateArn"]
    return arn


def test_certificate_arn_is_resolved_and_revoked_in_the_ca_region(
    pca: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    ca_arn = active_root_ca(pca)
    leaf_arn = issue_leaf(pca, ca_arn)
    pem = pca.get_certificate(CertificateAuthorityArn=ca_arn, CertificateArn=leaf_arn)
    serial = x509.load_pem_x509_certificate(pem["Certificate"].encode()).serial_number

    code = main(
        ["revoke", "--ca-arn", ca_arn, "--certificate-arn", leaf_arn,
         "--reason", "PRIVILEGE_WITHDRAWN", "--json"]
    )  # fmt: skip
    report = json.loads(capsys.readouterr().out)

    assert code == 0
    assert report["serial"] == colon_hex_serial(serial)
    authority = acmpca_backends[DEFAULT_ACCOUNT_ID][REGION].certificate_authorities[ca_arn]
    assert authority.revoked_certificates[colon_hex_serial(serial)]["revocation_reason"] == (
        "PRIVILEGE_WITHDRAWN"
    )


def test_root_ca_certificate_is_refused_against_moto(
    pca: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    ca_arn = active_root_ca(pca)
    own = pca.get_certificate_authority_certificate(CertificateAuthorityArn=ca_arn)
    serial = x509.load_pem_x509_certificate(own["Certificate"].encode()).serial_number

    code = main(
        ["revoke", "--ca-arn", ca_arn, "--serial", f"{serial:x}", "--reason", "KEY_COMPROMISE"]
    )
    err = capsys.readouterr().err

    assert code == 2
    assert "root CA's own self-signed certificate" in err
    authority = acmpca_backends[DEFAULT_ACCOUNT_ID][REGION].certificate_authorities[ca_arn]
    assert authority.revoked_certificates == {}
