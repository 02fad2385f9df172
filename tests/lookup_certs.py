"""Test helpers for the certificate lookup: self-signed certificates to import into moto's ACM.

Keys are generated once per type and reused (ACM does not care), so a test imports in milliseconds.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

REGION = "us-east-1"
NOW = datetime.now(UTC).replace(microsecond=0)


@functools.cache
def private_key(key_type: str) -> Any:
    if key_type.startswith("RSA_"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(key_type[4:]))
    curves = {"EC_prime256v1": ec.SECP256R1(), "EC_secp384r1": ec.SECP384R1()}
    return ec.generate_private_key(curves[key_type])


def pem_certificate(
    domain: str,
    *,
    sans: Sequence[str] = (),
    key_type: str = "RSA_2048",
    not_before: datetime | None = None,
    days: int = 90,
) -> tuple[bytes, bytes]:
    """(certificate PEM, private key PEM) for `domain`, self-signed, SANs = domain + `sans`."""
    key = private_key(key_type)
    start = not_before or NOW - timedelta(days=1)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    names = list(dict.fromkeys([domain, *sans]))
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def import_certificate(
    acm: Any,
    domain: str,
    *,
    sans: Sequence[str] = (),
    key_type: str = "RSA_2048",
    not_before: datetime | None = None,
    tags: dict[str, str] | None = None,
) -> str:
    """Import a self-signed certificate into (moto's) ACM; its ARN."""
    cert, key = pem_certificate(domain, sans=sans, key_type=key_type, not_before=not_before)
    kwargs: dict[str, Any] = {"Certificate": cert, "PrivateKey": key}
    if tags:
        kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    return str(acm.import_certificate(**kwargs)["CertificateArn"])


def fake_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region, so nothing can reach a real account."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)


@contextlib.contextmanager
def mocked_acm() -> Iterator[Any]:
    """A moto-backed ACM client, valid inside the `with` block."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        yield boto3.client("acm", region_name=REGION)
