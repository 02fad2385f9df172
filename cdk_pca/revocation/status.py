"""`cdk-pca status` as a library: is this certificate good, revoked or unknown, per OCSP and CRL?

Finds the issuer (given, or fetched from AIA caIssuers and checked), then asks both methods at once.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509

from cdk_pca.revocation.certificates import (
    CertificateInputError,
    colon_hex_serial,
    describe_name,
    is_ca_certificate,
    is_issued_by,
    parse_certificates,
    revocation_pointers,
)
from cdk_pca.revocation.crl import check_crl
from cdk_pca.revocation.fetch import FetchError, fetch
from cdk_pca.revocation.ocsp import check_ocsp
from cdk_pca.revocation.result import UNKNOWN, MethodResult, Status, combine


@dataclass(frozen=True)
class IssuerSource:
    """Which certificate issued the one checked, and where it came from (file, URL, itself)."""

    certificate: x509.Certificate | None
    source: str | None
    error: str | None = None


@dataclass(frozen=True)
class StatusReport:
    """The overall verdict and each method's answer, as `cdk-pca status` prints them."""

    status: Status
    certificate: x509.Certificate
    issuer: IssuerSource
    ocsp: MethodResult
    crl: MethodResult
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def serial(self) -> str:
        return colon_hex_serial(self.certificate.serial_number)

    def to_json(self) -> dict[str, Any]:
        issuer = self.issuer.certificate
        return {
            "status": self.status,
            "serial": self.serial,
            "subject": describe_name(self.certificate.subject),
            "issuer": {
                "subject": describe_name(issuer.subject) if issuer else None,
                "source": self.issuer.source,
                "error": self.issuer.error,
            },
            "notAfter": self.certificate.not_valid_after_utc.isoformat().replace("+00:00", "Z"),
            "ocsp": self.ocsp.to_json(),
            "crl": self.crl.to_json(),
            "notes": list(self.notes),
        }


def find_issuer(
    certificate: x509.Certificate, ca_issuer_urls: list[str], *, timeout: float | None = None
) -> IssuerSource:
    """The certificate's issuer: itself when self-signed, else the first AIA caIssuers certificate
    whose key verifies the certificate's signature (DER, PEM or PKCS#7 bundles)."""
    if certificate.issuer == certificate.subject and is_issued_by(certificate, certificate):
        return IssuerSource(certificate, "self-signed")
    if not ca_issuer_urls:
        return IssuerSource(
            None, None, "no issuer: pass --issuer FILE (the certificate has no AIA caIssuers URL)"
        )
    problems: list[str] = []
    for url in ca_issuer_urls:
        try:
            candidates = parse_certificates(fetch(url, timeout=timeout).body)
        except (FetchError, CertificateInputError) as exc:
            problems.append(f"{url}: {exc}" if isinstance(exc, CertificateInputError) else str(exc))
            continue
        for candidate in candidates:
            if is_issued_by(certificate, candidate):
                return IssuerSource(candidate, url)
        problems.append(f"{url}: no certificate there signed this certificate")
    return IssuerSource(None, None, "issuer not found: " + "; ".join(problems))


def check_status(
    certificate: x509.Certificate,
    issuer: x509.Certificate | None = None,
    *,
    timeout: float | None = None,
    now: datetime | None = None,
    issuer_source: str = "--issuer",
) -> StatusReport:
    """Check `certificate` by OCSP and CRL concurrently; see `combine` for the overall verdict.
    `issuer_source` says where a given `issuer` came from, for the report."""
    moment = now or datetime.now(UTC)
    pointers = revocation_pointers(certificate)
    notes = list(pointers.notes)
    if issuer is not None:
        source = IssuerSource(issuer, issuer_source)
        if not is_issued_by(certificate, issuer):
            source = IssuerSource(
                None,
                issuer_source,
                f"the {issuer_source} certificate ({describe_name(issuer.subject)}) did not sign "
                "this certificate",
            )
    else:
        source = find_issuer(certificate, pointers.ca_issuer_urls, timeout=timeout)
    if source.certificate is None:
        error = source.error or "issuer unknown"
        ocsp_result = MethodResult(
            method="ocsp", status=UNKNOWN, url=_first(pointers.ocsp_urls), error=error
        )
        crl_result = MethodResult(
            method="crl", status=UNKNOWN, url=_first(pointers.crl_urls), error=error
        )
    else:
        ocsp_result, crl_result = check_serial(
            certificate.serial_number,
            source.certificate,
            ocsp_urls=pointers.ocsp_urls,
            crl_urls=pointers.crl_urls,
            now=moment,
            timeout=timeout,
            is_ca=is_ca_certificate(certificate),
        )
    if moment > certificate.not_valid_after_utc:
        notes.append("the certificate has expired: CAs may drop expired entries from the CRL")
    return StatusReport(
        status=combine([ocsp_result, crl_result]),
        certificate=certificate,
        issuer=source,
        ocsp=ocsp_result,
        crl=crl_result,
        notes=tuple(notes),
    )


def check_serial(
    serial: int,
    issuer: x509.Certificate,
    *,
    ocsp_urls: list[str],
    crl_urls: list[str],
    now: datetime,
    timeout: float | None = None,
    is_ca: bool | None = None,
) -> tuple[MethodResult, MethodResult]:
    """(OCSP, CRL) answers for `serial` of `issuer`, asked at the same time: the slower of the
    two bounds the wait, not their sum. `is_ca`: whether `serial` is a CA's, None if unknown."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="revocation") as pool:
        ocsp_future = pool.submit(check_ocsp, serial, issuer, ocsp_urls, now=now, timeout=timeout)
        crl_future = pool.submit(
            check_crl, serial, issuer, crl_urls, now=now, timeout=timeout, is_ca=is_ca
        )
        return ocsp_future.result(), crl_future.result()


def _first(urls: list[str]) -> str | None:
    return urls[0] if urls else None
