"""Checks of the PEM files a subordinate CA under an external parent imports (phase 2).

AWS only rejects a wrong certificate at ImportCertificateAuthorityCertificate, deep in a deploy.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cdk_pca.files import FileInputError, read_regular_file

if TYPE_CHECKING:
    from cryptography import x509

# A CA certificate chain is a few KiB; anything far larger is the wrong file.
MAX_PEM_BYTES = 1024 * 1024

_EC_CURVES = {
    "EC_prime256v1": "secp256r1",
    "EC_secp384r1": "secp384r1",
    "EC_secp521r1": "secp521r1",
}


def read_pem_certificates(path: Path, *, label: str) -> list[x509.Certificate]:
    """The certificates in a PEM file, every one a CA certificate; ValueError says what is wrong.

    `label` names the file in messages, as the user wrote it (`chain_file 'certs/chain.pem'`).
    """
    from cryptography import x509

    try:
        # Regular files only (cdk_pca.files): a FIFO with no writer would block forever.
        data = read_regular_file(path, max_bytes=MAX_PEM_BYTES)
    except FileInputError as exc:
        hint = (
            f" (looked for {path}; relative paths start at the config file's folder)"
            if exc.reason == "does not exist"
            else f" ({path})"
            if exc.reason.startswith("is a")
            else ""
        )
        suffix = ": not a certificate file" if exc.reason.startswith("is larger") else ""
        raise ValueError(f"{label} {exc.reason}{hint}{suffix}") from None
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise ValueError(
            f"{label} is not a PEM certificate (expected a '-----BEGIN CERTIFICATE-----' block)"
        )
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise ValueError(f"{label} holds a malformed PEM certificate: {exc}") from exc
    now = datetime.datetime.now(datetime.UTC)
    for certificate in certificates:
        subject = certificate.subject.rfc4514_string()
        try:
            constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
            is_ca = constraints.value.ca
        except x509.ExtensionNotFound:
            is_ca = False
        if not is_ca:
            raise ValueError(
                f"{label}: {subject!r} is not a CA certificate "
                "(basicConstraints CA:TRUE is missing)"
            )
        if certificate.not_valid_after_utc < now:
            raise ValueError(
                f"{label}: {subject!r} expired on {certificate.not_valid_after_utc:%Y-%m-%d}"
            )
    return certificates


def pem_text(path: Path) -> str:
    """The certificates of a checked PEM file, re-encoded: no comments or stray text around them."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    found = x509.load_pem_x509_certificates(read_regular_file(path, max_bytes=MAX_PEM_BYTES))
    return "".join(cert.public_bytes(Encoding.PEM).decode("ascii") for cert in found)


def not_after(pem: str) -> datetime.datetime:
    """When the first certificate of a PEM text expires (aware, UTC)."""
    from cryptography import x509

    return x509.load_pem_x509_certificate(pem.encode("ascii")).not_valid_after_utc


def key_matches(certificate: x509.Certificate, key_algorithm: str) -> str | None:
    """Why the certificate's public key is not of `key_algorithm` (None when it is, or unknown)."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    key = certificate.public_key()
    if key_algorithm.startswith("RSA_"):
        bits = int(key_algorithm.removeprefix("RSA_"))
        if isinstance(key, rsa.RSAPublicKey) and key.key_size == bits:
            return None
    elif key_algorithm in _EC_CURVES:
        if (
            isinstance(key, ec.EllipticCurvePublicKey)
            and key.curve.name == _EC_CURVES[key_algorithm]
        ):
            return None
    else:
        return None  # ML-DSA and SM2 keys: cryptography cannot tell them apart reliably
    return f"its public key is {_describe_key(certificate)}, but key_algorithm is {key_algorithm}"


def _describe_key(certificate: x509.Certificate) -> str:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}"
    return type(key).__name__


def issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    """True when `issuer`'s key signed `certificate`."""
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError):
        return False
    except Exception:  # InvalidSignature and unsupported key types alike
        return False
    return True
