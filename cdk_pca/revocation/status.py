"""`cdk-pca status` as a library: is this certificate good, revoked or unknown, per OCSP and CRL?

Finds the issuer (given, or fetched from AIA caIssuers and checked), then asks both methods at once.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal

from cryptography import x509

from cdk_pca.revocation.certificates import (
    CertificateInputError,
    describe_name,
    display_serial,
    is_ca_certificate,
    is_issued_by,
    parse_certificates,
    revocation_pointers,
)
from cdk_pca.revocation.crl import check_crl
from cdk_pca.revocation.fetch import ConditionalCache, FetchError, FetchTimeout, fetch
from cdk_pca.revocation.ocsp import check_ocsp
from cdk_pca.revocation.result import TIMED_OUT_NOTE, UNKNOWN, MethodResult, Status, combine

# issue 13: each request has its 10 s, and the whole check (issuer, then OCSP and CRL side by
# side, each trying its URLs in turn) has this bound too, so dead peers cost at most this long.
TOTAL_DEADLINE_SECONDS: Final = 25.0
# Tests and impatient callers may shorten the whole-command bound (never lengthen it).
DEADLINE_ENV: Final = "CDK_PCA_STATUS_DEADLINE"
# After the deadline, a method still busy (parsing a huge answer) gets this long to finish.
_GRACE_SECONDS: Final = 2.0


def total_deadline_seconds() -> float:
    """The whole-command bound: CDK_PCA_STATUS_DEADLINE if set and valid, capped at 25 s."""
    raw = os.environ.get(DEADLINE_ENV, "")
    try:
        value = float(raw) if raw else TOTAL_DEADLINE_SECONDS
    except ValueError:
        value = TOTAL_DEADLINE_SECONDS
    if value != value:  # NaN
        value = TOTAL_DEADLINE_SECONDS
    return min(max(value, 0.1), TOTAL_DEADLINE_SECONDS)


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
        return display_serial(self.certificate.serial_number)

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
    certificate: x509.Certificate,
    ca_issuer_urls: list[str],
    *,
    timeout: float | None = None,
    deadline: float | None = None,
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
            candidates = parse_certificates(fetch(url, timeout=timeout, deadline=deadline).body)
        except FetchTimeout as exc:
            problems.append(f"{exc!s} (timed out)")
            continue
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
    total_seconds: float | None = None,
) -> StatusReport:
    """Check `certificate` by OCSP and CRL concurrently; see `combine` for the overall verdict.
    `issuer_source` says where a given `issuer` came from, for the report. `total_seconds`
    bounds the whole check (default `total_deadline_seconds()`); what ran out is named."""
    moment = now or datetime.now(UTC)
    budget = total_seconds if total_seconds is not None else total_deadline_seconds()
    deadline = time.monotonic() + budget
    pointers = revocation_pointers(certificate)
    notes = list(pointers.notes)
    if certificate.serial_number <= 0:
        notes.append(
            "the serial number is not positive, which RFC 5280 4.1.2.2 forbids CAs to issue"
        )
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
        source = find_issuer(
            certificate, pointers.ca_issuer_urls, timeout=timeout, deadline=deadline
        )
        if source.error and "(timed out)" in source.error:
            notes.append(f"the issuer (AIA caIssuers) fetch timed out: {source.error}")
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
            certificate=certificate,
            deadline=deadline,
        )
        notes.extend(_timeout_notes(ocsp_result, budget))
        notes.extend(_timeout_notes(crl_result, budget))
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
    certificate: x509.Certificate | None = None,
    deadline: float | None = None,
    crl_cache: ConditionalCache | None = None,
) -> tuple[MethodResult, MethodResult]:
    """(OCSP, CRL) answers for `serial` of `issuer`, asked at the same time: the slower of the
    two bounds the wait, not their sum. `is_ca`: whether `serial` is a CA's, None if unknown.
    Each method stands alone: whatever one raises or however long it takes, the other's verdict
    is kept (a plain-HTTP CRL URL must not be able to turn a signed OCSP "revoked" into an error)."""
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="revocation")
    try:
        ocsp_future = pool.submit(
            check_ocsp, serial, issuer, ocsp_urls, now=now, timeout=timeout, deadline=deadline
        )
        crl_future = pool.submit(
            check_crl,
            serial,
            issuer,
            crl_urls,
            now=now,
            timeout=timeout,
            is_ca=is_ca,
            certificate=certificate,
            deadline=deadline,
            cache=crl_cache,
        )
        return (
            _outcome(ocsp_future, "ocsp", _first(ocsp_urls), deadline),
            _outcome(crl_future, "crl", _first(crl_urls), deadline),
        )
    finally:
        # Do not wait for a method still parsing past the deadline; its thread ends on its own.
        pool.shutdown(wait=False, cancel_futures=True)


def _outcome(
    future: Future[MethodResult],
    method: Literal["ocsp", "crl"],
    url: str | None,
    deadline: float | None,
) -> MethodResult:
    wait: float | None = None
    if deadline is not None:
        wait = max(deadline - time.monotonic(), 0.0) + _GRACE_SECONDS
    try:
        return future.result(timeout=wait)
    except TimeoutError:
        return MethodResult(
            method=method,
            status=UNKNOWN,
            url=url,
            error="no verdict before the command's deadline",
            notes=(f"{TIMED_OUT_NOTE} {url}",),
        )
    except Exception as exc:  # one method's failure is its own, not the command's
        return MethodResult(
            method=method,
            status=UNKNOWN,
            url=url,
            error=f"the check failed: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}",
        )


def _timeout_notes(result: MethodResult, budget: float) -> list[str]:
    label = {"ocsp": "OCSP", "crl": "CRL"}[result.method]
    urls = [note.removeprefix(TIMED_OUT_NOTE).strip() for note in result.notes]
    timed_out = [
        url for url, note in zip(urls, result.notes, strict=True) if note.startswith(TIMED_OUT_NOTE)
    ]
    if not timed_out:
        return []
    return [
        f"{label} timed out ({', '.join(timed_out)}); the whole check is bounded by {budget:g} s"
    ]


def _first(urls: list[str]) -> str | None:
    return urls[0] if urls else None
