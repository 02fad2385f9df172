"""Revocation canary: fetch a CA's CRL and ask its OCSP responder the way clients do.

Plain cryptography and cdk_pca.revocation (no aws_cdk, no boto3): the Lambda and tests share it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography import x509

from cdk_pca.revocation.crl import evaluate_crl
from cdk_pca.revocation.fetch import FetchError, fetch
from cdk_pca.revocation.ocsp import (
    NONCE_BYTES,
    UNKNOWN_CERTIFICATE_ERROR,
    build_request,
    evaluate_response,
)

SECONDS_PER_DAY = 86_400.0


@dataclass
class CanaryResult:
    """Metric name -> value (absent when not measurable) and, as text, why anything failed."""

    metrics: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _load_certificate(data: bytes) -> x509.Certificate:
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def check_certificate_authority(
    *,
    ca_certificate: bytes,
    crl_url: str | None,
    ocsp_url: str | None,
    ocsp_serial: int | None = None,
    now: datetime | None = None,
    timeout: float = 10.0,
    ocsp_unknown_is_answer: bool = False,
) -> CanaryResult:
    """Measure one CA as clients see it. Never raises for anything a peer sends: each failure
    is a metric value (0) or an absent metric, and a line in `problems`.

    `ocsp_unknown_is_answer`: `ocsp_serial` is a probe this CA never issued (the scheduled canary
    knows no serial a subordinate CA issued), so a verified, fresh answer of status "unknown"
    still shows the responder answering for this CA (OcspAnswered 1)."""
    moment = now or datetime.now(UTC)
    result = CanaryResult()
    try:
        issuer = _load_certificate(ca_certificate)
    except (ValueError, TypeError) as exc:
        result.problems.append(f"ca_certificate: not a PEM or DER certificate ({exc})")
        return result
    result.metrics["CaCertificateDaysToExpiry"] = (
        issuer.not_valid_after_utc - moment
    ).total_seconds() / SECONDS_PER_DAY
    _check_crl(result, issuer, crl_url, moment, timeout)
    _check_ocsp(result, issuer, ocsp_url, ocsp_serial, moment, timeout, ocsp_unknown_is_answer)
    return result


def _check_crl(
    result: CanaryResult,
    issuer: x509.Certificate,
    url: str | None,
    now: datetime,
    timeout: float,
) -> None:
    if not url:
        result.problems.append("CRL: no CRL URL configured")
        return
    try:
        body = fetch(url, accept="application/pkix-crl, */*", timeout=timeout).body
    except FetchError as exc:
        result.metrics["CrlReachable"] = 0.0
        result.metrics["CrlValid"] = 0.0
        result.problems.append(f"CRL: {exc}")
        return
    except Exception as exc:  # a peer must never take the canary down
        result.metrics["CrlReachable"] = 0.0
        result.metrics["CrlValid"] = 0.0
        result.problems.append(f"CRL: {url}: {type(exc).__name__}: {exc}")
        return
    result.metrics["CrlReachable"] = 1.0
    try:
        # Serial 0 is never issued (RFC 5280 4.1.2.2: positive), so the verdict is only about
        # the CRL itself: parsed, issuer, signature, times.
        verdict = evaluate_crl(body, url=url, serial=0, issuer=issuer, now=now)
    except Exception as exc:
        result.metrics["CrlValid"] = 0.0
        result.problems.append(f"CRL: {url}: cannot evaluate: {type(exc).__name__}: {exc}")
        return
    result.metrics["CrlValid"] = 0.0 if verdict.error else 1.0
    if verdict.error:
        result.problems.append(f"CRL: {url}: {verdict.error}")
    if verdict.next_update is not None:
        result.metrics["CrlSecondsUntilNextUpdate"] = (verdict.next_update - now).total_seconds()
    if verdict.this_update is not None:
        result.metrics["CrlAgeSeconds"] = (now - verdict.this_update).total_seconds()


def _check_ocsp(
    result: CanaryResult,
    issuer: x509.Certificate,
    url: str | None,
    serial: int | None,
    now: datetime,
    timeout: float,
    unknown_is_answer: bool = False,
) -> None:
    if not url:
        result.problems.append("OCSP: no OCSP URL configured")
        return
    if serial is None:
        result.problems.append("OCSP: no serial of this CA to ask about")
        return
    nonce = os.urandom(NONCE_BYTES)
    try:
        request = build_request(issuer, serial, nonce)
        body = fetch(
            url,
            data=request,
            content_type="application/ocsp-request",
            accept="application/ocsp-response",
            timeout=timeout,
        ).body
        verdict = evaluate_response(
            body, url=url, serial=serial, issuer=issuer, nonce=nonce, now=now
        )
    except FetchError as exc:
        result.metrics["OcspAnswered"] = 0.0
        result.problems.append(f"OCSP: {exc}")
        return
    except Exception as exc:
        result.metrics["OcspAnswered"] = 0.0
        result.problems.append(f"OCSP: {url}: {type(exc).__name__}: {exc}")
        return
    if unknown_is_answer and verdict.error == UNKNOWN_CERTIFICATE_ERROR:
        result.metrics["OcspAnswered"] = 1.0
        return
    result.metrics["OcspAnswered"] = 0.0 if verdict.error else 1.0
    if verdict.error:
        result.problems.append(f"OCSP: {url}: {verdict.error}")
