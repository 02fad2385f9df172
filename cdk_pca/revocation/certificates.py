"""Certificates as the revocation tools read them: PEM/DER files, serial numbers, AIA and CRL URLs.

Plain `cryptography`; shared by `status` (what to ask) and `revoke` (which serial to name).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import AuthorityInformationAccessOID

from cdk_pca.files import FileInputError, read_regular_file

_PEM_CERTIFICATE = re.compile(
    rb"-----BEGIN CERTIFICATE-----\s.+?\s-----END CERTIFICATE-----", re.DOTALL
)
_HEX_SERIAL = re.compile(r"[0-9a-f]+")
_Extension = TypeVar("_Extension", bound=x509.ExtensionType)
# RFC 5280 4.1.2.2: serials are at most 20 octets; AWS caps CertificateSerial at 128 characters.
MAX_SERIAL_OCTETS = 20
# A certificate is a few KiB and a CA bundle a few hundred: more is the wrong file, and a device
# such as /dev/zero never ends.
MAX_CERTIFICATE_FILE_BYTES = 16 * 1024 * 1024


class CertificateInputError(ValueError):
    """A file or value that is not the certificate (or serial) it should be."""


def parse_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in `data`: PEM (one or a bundle), DER, or PKCS#7 (.p7c) in DER or PEM."""
    # cryptography warns (two lines on stderr) about a negative or zero serial; RFC 5280 4.1.2.2
    # asks clients to handle such certificates gracefully, and the report notes it instead.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return _parse_certificates(data)


def _parse_certificates(data: bytes) -> list[x509.Certificate]:
    # PEM blocks may follow text: `openssl x509 -text` output, `Bag Attributes` from pkcs12.
    if b"-----BEGIN" in data:
        blocks = _PEM_CERTIFICATE.findall(data)
        if blocks:
            try:
                return [x509.load_pem_x509_certificate(block) for block in blocks]
            except ValueError as exc:
                raise CertificateInputError(f"unreadable PEM certificate: {exc}") from exc
        if b"-----BEGIN PKCS7-----" in data:
            return _pkcs7(data[data.index(b"-----BEGIN PKCS7-----") :], pem=True)
        if data.lstrip().startswith(b"-----BEGIN"):
            raise CertificateInputError("PEM data without a CERTIFICATE block")
    try:
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        pass
    try:
        return _pkcs7(data, pem=False)
    except CertificateInputError:
        raise CertificateInputError(
            "not a certificate: expected PEM, DER or PKCS#7 (.p7c) data"
        ) from None


def _pkcs7(data: bytes, *, pem: bool) -> list[x509.Certificate]:
    # Only AIA caIssuers answers are PKCS#7; importing it lazily keeps `status` start-up lean.
    from cryptography.hazmat.primitives.serialization import pkcs7

    try:
        loader = pkcs7.load_pem_pkcs7_certificates if pem else pkcs7.load_der_pkcs7_certificates
        certificates = loader(data)
    except ValueError as exc:
        raise CertificateInputError(f"unreadable PKCS#7 data: {exc}") from exc
    if not certificates:
        raise CertificateInputError("PKCS#7 data without certificates")
    return list(certificates)


def load_certificate_file(path: str | Path, *, what: str = "certificate") -> x509.Certificate:
    """The first certificate in a PEM or DER file, with a one-line error naming the file."""
    return load_certificates_file(path, what=what)[0]


def load_certificates_file(
    path: str | Path, *, what: str = "certificate"
) -> list[x509.Certificate]:
    """Every certificate in a PEM (bundle), DER or PKCS#7 file; a one-line error naming it."""
    if not str(path):
        raise CertificateInputError(f"{what} file name is empty")
    file = Path(path)
    try:
        # Regular files only (cdk_pca.files): a FIFO with no writer would block forever.
        data = read_regular_file(file, max_bytes=MAX_CERTIFICATE_FILE_BYTES)
    except FileInputError as exc:
        reason = exc.reason
        suffix = ": not a certificate file" if reason.startswith("is larger") else ""
        raise CertificateInputError(f"{what} file {str(file)!r} {reason}{suffix}") from None
    try:
        return parse_certificates(data)
    except CertificateInputError as exc:
        raise CertificateInputError(f"{what} file {str(file)!r}: {exc}") from None


def colon_hex_serial(serial: int) -> str:
    """The serial as AWS and OpenSSL print it: lower-case hex octets joined by colons ('0a:1b:...').

    RevokeCertificate's CertificateSerial is "in hexadecimal format"; the AWS CLI example and the
    CloudTrail record spell it `67:07:44:...:cc` (whole octets, so a leading zero is kept):
    https://docs.aws.amazon.com/privateca/latest/APIReference/API_RevokeCertificate.html
    https://docs.aws.amazon.com/privateca/latest/userguide/CT-RevokeCertificate.html
    """
    if serial < 0:
        raise CertificateInputError(f"serial {serial} is negative; serials are positive integers")
    octets = max(1, (serial.bit_length() + 7) // 8)
    return ":".join(f"{byte:02x}" for byte in serial.to_bytes(octets, "big"))


def display_serial(serial: int) -> str:
    """Any serial for display: colon hex, with a minus sign for the negative serials some CAs
    issued (RFC 5280 4.1.2.2 asks clients to handle them gracefully), as OpenSSL prints them."""
    if serial < 0:
        return "-" + colon_hex_serial(-serial)
    return colon_hex_serial(serial)


def parse_serial(text: str) -> int:
    """A serial in hex, with or without colons, spaces or a 0x prefix ('4B:E2', '0x4be2')."""
    cleaned = text.strip().lower()
    cleaned = cleaned.removeprefix("0x")
    cleaned = re.sub(r"[:\s-]", "", cleaned)
    if not cleaned or not _HEX_SERIAL.fullmatch(cleaned):
        raise CertificateInputError(
            f"--serial {text!r} is not a hexadecimal serial: allowed are hex digits, "
            "optionally with colons or a 0x prefix (e.g. 4b:e2:01 or 0x4be201)"
        )
    serial = int(cleaned, 16)
    if serial == 0:
        raise CertificateInputError(f"--serial {text!r} is zero; serials are positive integers")
    if (serial.bit_length() + 7) // 8 > MAX_SERIAL_OCTETS + 1:
        raise CertificateInputError(
            f"--serial {text!r} is longer than the {MAX_SERIAL_OCTETS} octets RFC 5280 allows"
        )
    return serial


@dataclass(frozen=True)
class RevocationPointers:
    """Where a certificate says its revocation status and its issuer can be found."""

    ocsp_urls: list[str] = field(default_factory=list)
    crl_urls: list[str] = field(default_factory=list)
    ca_issuer_urls: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def revocation_pointers(certificate: x509.Certificate) -> RevocationPointers:
    """OCSP responders and CA issuers (AIA) and CRL distribution points, http(s) only."""
    pointers = RevocationPointers()
    aia = _extension(certificate, x509.AuthorityInformationAccess, pointers.notes)
    for description in aia or ():
        location = description.access_location
        if not isinstance(location, x509.UniformResourceIdentifier):
            continue
        if description.access_method == AuthorityInformationAccessOID.OCSP:
            _add_url(location.value, pointers.ocsp_urls, pointers.notes, "OCSP responder")
        elif description.access_method == AuthorityInformationAccessOID.CA_ISSUERS:
            _add_url(location.value, pointers.ca_issuer_urls, pointers.notes, "CA issuers")
    distribution_points = _extension(certificate, x509.CRLDistributionPoints, pointers.notes)
    for point in distribution_points or ():
        if point.crl_issuer:
            pointers.notes.append("indirect CRL (cRLIssuer) distribution point skipped")
            continue
        for name in point.full_name or ():
            if isinstance(name, x509.UniformResourceIdentifier):
                _add_url(name.value, pointers.crl_urls, pointers.notes, "CRL distribution point")
    return pointers


def _extension(
    certificate: x509.Certificate, kind: type[_Extension], notes: list[str]
) -> _Extension | None:
    """The extension's value, None when absent or unreadable (with a note saying which)."""
    try:
        return certificate.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None
    except ValueError as exc:
        notes.append(f"unreadable {kind.__name__} extension: {exc}")
        return None


def _add_url(url: str, into: list[str], notes: list[str], what: str) -> None:
    scheme = url.split(":", 1)[0].lower()
    if scheme in {"http", "https"}:
        if url not in into:
            into.append(url)
    else:
        notes.append(f"{what} {url} skipped: only http and https are fetched")


def is_issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    """True when `issuer`'s name and key signed `certificate` (the signature, not just names)."""
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def is_ca_certificate(certificate: x509.Certificate) -> bool | None:
    """True for a CA certificate (basicConstraints cA), False for an end entity, None if unreadable."""
    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False
    except ValueError:
        return None


def describe_name(name: x509.Name) -> str:
    """An RFC 4514 string, or a placeholder when cryptography cannot print the name."""
    try:
        return name.rfc4514_string()
    except ValueError:
        return "<unprintable name>"
