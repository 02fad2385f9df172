"""Every CRL and OCSP response in cryptography_vectors, fed to `status` with keys that did not sign it.

Real-world and deliberately broken encodings (PKITS, custom, army.mil): each must be rejected
(unknown, with an error), and none may raise. Parsed in-process, so the whole set takes seconds.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import cryptography_vectors
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cdk_pca.revocation.crl import evaluate_crl, load_crl
from cdk_pca.revocation.ocsp import evaluate_response
from tests.integration.openssl_pki import now

VECTORS = Path(cryptography_vectors.__file__).parent / "x509"
CRL_FILES = sorted(
    path
    for path in VECTORS.rglob("*")
    if path.is_file()
    and "crl" in path.name.lower()
    and path.suffix.lower() in {".crl", ".pem", ".der"}
    and "cdp" not in path.name.lower()  # certificates carrying a CDP, not CRLs
)
OCSP_FILES = sorted((VECTORS / "ocsp").glob("resp-*.der")) + sorted(
    (VECTORS / "ocsp").glob("*-resp.der")
)


def _impostor(subject: x509.Name) -> x509.Certificate:
    """A CA certificate with `subject`'s name and a key of its own: the name passes, the key not."""
    key = ec.generate_private_key(ec.SECP256R1())
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now() - timedelta(days=1))
        .not_valid_after(now() + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


STRANGER = _impostor(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Stranger CA")]))


def _issuers_for_crl(data: bytes) -> list[x509.Certificate]:
    """The stranger, and an impostor named as the CRL's issuer (to reach the signature check)."""
    try:
        return [STRANGER, _impostor(load_crl(data)[0].issuer)]
    except (ValueError, x509.InvalidVersion):
        return [STRANGER]


def test_the_vector_sets_are_there() -> None:
    # A moved folder in a new cryptography_vectors would otherwise make the tests below vacuous.
    assert len(CRL_FILES) > 150
    assert len(OCSP_FILES) > 15


@pytest.mark.parametrize("path", CRL_FILES, ids=lambda path: path.name)
def test_every_vector_crl_signed_by_another_key_is_rejected_not_crashed(path: Path) -> None:
    data = path.read_bytes()
    for issuer in _issuers_for_crl(data):
        for serial in (1, 0x1234, -5, 2**159):
            result = evaluate_crl(
                data, url="http://crl.example/ca.crl", serial=serial, issuer=issuer, now=now()
            )
            assert result.status == "unknown", (path.name, result)
            assert result.error, path.name
            assert result.answered


@pytest.mark.parametrize("path", OCSP_FILES, ids=lambda path: path.name)
def test_every_vector_ocsp_response_for_another_issuer_is_rejected_not_crashed(path: Path) -> None:
    data = path.read_bytes()
    for serial in (1, -5, 2**159):
        result = evaluate_response(
            data,
            url="http://ocsp.example/",
            serial=serial,
            issuer=STRANGER,
            nonce=b"n" * 16,
            now=now(),
        )
        assert result.status == "unknown", (path.name, result)
        assert result.error, path.name


@pytest.mark.parametrize("path", OCSP_FILES[:8] + CRL_FILES[:8], ids=lambda path: path.name)
def test_answers_of_the_other_kind_are_rejected_too(path: Path) -> None:
    data = path.read_bytes()
    crl = evaluate_crl(data, url=None, serial=1, issuer=STRANGER, now=now())
    response = evaluate_response(data, url=None, serial=1, issuer=STRANGER, nonce=None, now=now())
    assert (crl.status, response.status) == ("unknown", "unknown")
