"""Ask an OCSP responder about a serial and believe only what verifies (RFC 6960).

Checks: the signer (the issuer, or a responder the issuer certified for OCSPSigning), the
signature, the CertID answered for, the nonce when echoed, and thisUpdate/nextUpdate.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, SignatureAlgorithmOID

from cdk_pca.revocation import signatures
from cdk_pca.revocation.certificates import describe_name, is_issued_by
from cdk_pca.revocation.fetch import fetch
from cdk_pca.revocation.result import GOOD, REVOKED, UNKNOWN, MethodResult, first_answer, unreadable

# A verified, fresh answer whose certificate status is "unknown" (RFC 6960 2.2).
UNKNOWN_CERTIFICATE_ERROR = "the responder does not know this certificate (status unknown)"

CLOCK_SKEW = timedelta(minutes=5)
NONCE_BYTES = 16


@dataclass(frozen=True)
class CertId:
    """RFC 6960 CertID: what an OCSP request asks about and what the response must answer for."""

    algorithm: hashes.HashAlgorithm
    issuer_name_hash: bytes
    issuer_key_hash: bytes
    serial: int


def subject_public_key_bits(certificate: x509.Certificate) -> bytes:
    """The subjectPublicKey BIT STRING's content (what CertID and byKey responder IDs hash)."""
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _, body = signatures.der_element(spki, 0)  # SubjectPublicKeyInfo SEQUENCE
    algorithm_end, _ = signatures.der_element(spki, body)  # AlgorithmIdentifier
    _, bits = signatures.der_element(spki, algorithm_end)  # BIT STRING
    return spki[bits + 1 :]  # first content octet: number of unused bits (0 for keys)


def cert_id(issuer: x509.Certificate, serial: int, algorithm: hashes.HashAlgorithm) -> CertId:
    def digest(data: bytes) -> bytes:
        hasher = hashes.Hash(algorithm)
        hasher.update(data)
        return hasher.finalize()

    return CertId(
        algorithm=algorithm,
        issuer_name_hash=digest(issuer.subject.public_bytes()),
        issuer_key_hash=digest(subject_public_key_bits(issuer)),
        serial=serial,
    )


def build_request(issuer: x509.Certificate, serial: int, nonce: bytes) -> bytes:
    """A DER OCSP request for one serial, SHA-1 CertID (what every responder, PCA's included,
    understands: RFC 5019 2.1.1), with a nonce."""
    wanted = cert_id(issuer, serial, hashes.SHA1())
    if serial < 0:
        return _encode_request(wanted, nonce)
    builder = (
        ocsp.OCSPRequestBuilder()
        .add_certificate_by_hash(
            wanted.issuer_name_hash, wanted.issuer_key_hash, serial, wanted.algorithm
        )
        .add_extension(x509.OCSPNonce(nonce), critical=False)
    )
    return builder.build().public_bytes(serialization.Encoding.DER)


def _der(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(octets)]) + octets + content


def _encode_request(wanted: CertId, nonce: bytes) -> bytes:
    """The same request by hand, for a negative serial: cryptography's builder refuses one, and
    RFC 5280 4.1.2.2 asks clients to handle such certificates gracefully."""
    serial = wanted.serial
    size = ((serial if serial >= 0 else ~serial).bit_length() + 8) // 8
    sha1 = _der(0x30, bytes.fromhex("06052b0e03021a") + b"\x05\x00")
    cert_id_der = _der(
        0x30,
        sha1
        + _der(0x04, wanted.issuer_name_hash)
        + _der(0x04, wanted.issuer_key_hash)
        + _der(0x02, serial.to_bytes(size, "big", signed=True)),
    )
    nonce_extension = _der(
        0x30, bytes.fromhex("06092b0601050507300102") + _der(0x04, _der(0x04, nonce))
    )
    tbs = _der(0x30, _der(0x30, _der(0x30, cert_id_der)) + _der(0xA2, _der(0x30, nonce_extension)))
    return _der(0x30, tbs)


def check_ocsp(
    serial: int,
    issuer: x509.Certificate,
    urls: list[str],
    *,
    now: datetime,
    timeout: float | None = None,
    deadline: float | None = None,
) -> MethodResult:
    """POST a request to each responder in turn; the first that answers decides. `deadline`
    (time.monotonic) bounds all the requests together."""
    nonce = os.urandom(NONCE_BYTES)
    request = build_request(issuer, serial, nonce)
    return first_answer(
        "ocsp",
        urls,
        missing="the certificate names no http OCSP responder",
        ask=lambda url: (
            fetch(
                url,
                data=request,
                content_type="application/ocsp-request",
                accept="application/ocsp-response",
                timeout=timeout,
                deadline=deadline,
            ).body
        ),
        evaluate=lambda body, url: evaluate_response(
            body, url=url, serial=serial, issuer=issuer, nonce=nonce, now=now
        ),
    )


def evaluate_response(
    data: bytes,
    *,
    url: str | None,
    serial: int,
    issuer: x509.Certificate,
    nonce: bytes | None,
    now: datetime,
) -> MethodResult:
    """Verify an OCSP response for (`issuer`, `serial`) and report its verdict. Any failure to
    read or verify leaves the answer unknown with the reason; it never raises for the data."""
    result = MethodResult(method="ocsp", status=UNKNOWN, answered=True, url=url)
    try:
        return _evaluate(data, result, serial, issuer, nonce, now)
    except Exception as exc:
        return unreadable(result, "OCSP response", exc)


def _evaluate(
    data: bytes,
    result: MethodResult,
    serial: int,
    issuer: x509.Certificate,
    nonce: bytes | None,
    now: datetime,
) -> MethodResult:
    try:
        response = ocsp.load_der_ocsp_response(data)
    except ValueError:
        return replace(result, error=f"not an OCSP response ({len(data)} bytes)")
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        return replace(
            result, error=f"the responder answered {response.response_status.name.lower()}"
        )
    signer, responder, problem = _find_signer(response, issuer, now)
    result = replace(result, responder=responder)
    if signer is None:
        return replace(result, error=problem)
    if not _signature_valid(response, signer):
        return replace(result, error=f"the response's signature does not verify ({responder})")
    single = _answer_for(response, issuer, serial)
    if single is None:
        return replace(
            result, error=f"the response does not answer for serial {serial:x} of this issuer"
        )
    this_update = single.this_update_utc
    next_update = single.next_update_utc
    result = replace(result, this_update=this_update, next_update=next_update)
    try:
        echoed = response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        echoed = None
    except ValueError as exc:
        return replace(result, error=f"unreadable response extensions: {exc}")
    if echoed is not None and nonce is not None and echoed != nonce:
        return replace(result, error="the response's nonce is not the one sent (a replay?)")
    if echoed is None and nonce is not None:
        result = result.with_note("the responder did not echo the nonce (pre-produced response)")
    if this_update > now + CLOCK_SKEW:
        return replace(result, error=f"thisUpdate {this_update.isoformat()} is in the future")
    if next_update is not None and next_update < now - CLOCK_SKEW:
        return replace(result, error=f"stale response: nextUpdate {next_update.isoformat()} passed")
    status = single.certificate_status
    if status == ocsp.OCSPCertStatus.GOOD:
        return replace(result, status=GOOD)
    if status == ocsp.OCSPCertStatus.REVOKED:
        reason = single.revocation_reason
        return replace(
            result,
            status=REVOKED,
            reason=(reason or x509.ReasonFlags.unspecified).value,
            revocation_time=single.revocation_time_utc,
        )
    return replace(result, error=UNKNOWN_CERTIFICATE_ERROR)


def _find_signer(
    response: ocsp.OCSPResponse, issuer: x509.Certificate, now: datetime
) -> tuple[x509.Certificate | None, str, str]:
    """(certificate whose key must have signed, who that is, why none) per RFC 6960 4.2.2.2."""
    if _is_responder(response, issuer):
        return issuer, "the issuer", ""
    candidates = [c for c in response.certificates if _is_responder(response, c)]
    if not candidates:
        return (
            None,
            _responder_id(response),
            f"signed by {_responder_id(response)}: neither the issuer nor a certificate it sent",
        )
    delegate = candidates[0]
    who = f"delegated responder {describe_name(delegate.subject)}"
    if not is_issued_by(delegate, issuer):
        return None, who, f"the {who} was not issued by the certificate's issuer"
    try:
        usages = delegate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except (x509.ExtensionNotFound, ValueError):
        usages = None
    if usages is None or ExtendedKeyUsageOID.OCSP_SIGNING not in usages:
        return None, who, f"the {who} is not certified for OCSPSigning (extended key usage)"
    if not delegate.not_valid_before_utc <= now <= delegate.not_valid_after_utc:
        return None, who, f"the {who}'s certificate is not valid now"
    return delegate, who, ""


def _is_responder(response: ocsp.OCSPResponse, certificate: x509.Certificate) -> bool:
    if response.responder_name is not None:
        return bool(response.responder_name == certificate.subject)
    key_hash = x509.SubjectKeyIdentifier.from_public_key(certificate.public_key()).digest
    return bool(response.responder_key_hash == key_hash)


def _responder_id(response: ocsp.OCSPResponse) -> str:
    if response.responder_name is not None:
        return describe_name(response.responder_name)
    return f"key hash {(response.responder_key_hash or b'').hex()}"


def _answer_for(
    response: ocsp.OCSPResponse, issuer: x509.Certificate, serial: int
) -> ocsp.OCSPSingleResponse | None:
    for single in response.responses:
        if single.serial_number != serial:
            continue
        expected = cert_id(issuer, serial, single.hash_algorithm)
        if (
            single.issuer_name_hash == expected.issuer_name_hash
            and single.issuer_key_hash == expected.issuer_key_hash
        ):
            return single
    return None


def _signature_valid(response: ocsp.OCSPResponse, signer: x509.Certificate) -> bool:
    key = signer.public_key()
    if response.signature_algorithm_oid == SignatureAlgorithmOID.RSASSA_PSS:
        # cryptography 50 reads neither the hash nor the MGF of an OCSP response's RSASSA-PSS
        # parameters, so try the SHA-2 hashes with MGF1 of the same hash (RFC 4055 profiles);
        # SHA-1 is left out on purpose.
        return any(
            signatures.verify(
                key,
                response.signature,
                response.tbs_response_bytes,
                algorithm,
                padding.PSS(mgf=padding.MGF1(algorithm), salt_length=padding.PSS.AUTO),
            )
            for algorithm in (hashes.SHA256(), hashes.SHA384(), hashes.SHA512())
        )
    try:
        algorithm = response.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return False
    return signatures.verify(key, response.signature, response.tbs_response_bytes, algorithm)
