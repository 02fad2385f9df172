"""Check a serial against its issuer's CRL: fetch, verify signature and freshness, then look it up.

The lookup is cryptography's hashed search, never a Python loop, so a 200,000-entry CRL is quick.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from cdk_pca.revocation import signatures
from cdk_pca.revocation.certificates import describe_name
from cdk_pca.revocation.fetch import fetch
from cdk_pca.revocation.result import GOOD, REVOKED, UNKNOWN, MethodResult, first_answer

# A CRL dated slightly ahead of our clock comes from a publisher whose clock runs a little fast;
# more than this is a CRL we cannot place in time.
CLOCK_SKEW = timedelta(minutes=5)


def check_crl(
    serial: int,
    issuer: x509.Certificate,
    urls: list[str],
    *,
    now: datetime,
    timeout: float | None = None,
    is_ca: bool | None = None,
) -> MethodResult:
    """Ask each distribution point in turn; the first that answers decides. `is_ca` says whether
    the certificate checked is a CA's (None: not known), for CRLs scoped to one kind."""
    return first_answer(
        "crl",
        urls,
        missing="the certificate names no http CRL distribution point",
        ask=lambda url: fetch(url, accept="application/pkix-crl, */*", timeout=timeout).body,
        evaluate=lambda body, url: evaluate_crl(
            body, url=url, serial=serial, issuer=issuer, now=now, is_ca=is_ca
        ),
    )


def load_crl(data: bytes) -> tuple[x509.CertificateRevocationList, bytes]:
    """(CRL, its DER) from DER (what RFC 5280 publishes and PCA writes) or PEM; ValueError else."""
    if data.lstrip().startswith(b"-----BEGIN X509 CRL"):
        crl = x509.load_pem_x509_crl(data)
        return crl, crl.public_bytes(serialization.Encoding.DER)
    return x509.load_der_x509_crl(data), data


def evaluate_crl(
    data: bytes,
    *,
    url: str | None,
    serial: int,
    issuer: x509.Certificate,
    now: datetime,
    is_ca: bool | None = None,
) -> MethodResult:
    """Verify a fetched CRL against `issuer` and report what it says about `serial`."""
    result = MethodResult(method="crl", status=UNKNOWN, answered=True, url=url)

    def unknown(error: str) -> MethodResult:
        return replace(result, error=error)

    try:
        crl, der = load_crl(data)
        crl_issuer = crl.issuer
    except ValueError:
        return unknown(f"not a CRL: {_describe_content(data)}")
    if crl_issuer != issuer.subject:
        return unknown(
            f"CRL issued by {describe_name(crl_issuer)}, not by the certificate's issuer "
            f"{describe_name(issuer.subject)}"
        )
    try:
        # Not crl.is_signature_valid(): it re-encodes the whole list first (0.6 s at 200,000
        # entries); the TBS bytes as received are what the issuer signed.
        signature_ok = signatures.verify(
            issuer.public_key(),
            crl.signature,
            signatures.signed_part(der),
            crl.signature_hash_algorithm,
            crl.signature_algorithm_parameters,
        )
    except (UnsupportedAlgorithm, ValueError) as exc:
        return unknown(f"cannot verify the CRL's signature: {exc}")
    if not signature_ok:
        return unknown("the CRL's signature does not verify with the issuer's public key")
    this_update = crl.last_update_utc
    next_update = crl.next_update_utc
    result = replace(result, this_update=this_update, next_update=next_update)
    if this_update > now + CLOCK_SKEW:
        return unknown(f"the CRL's thisUpdate {this_update.isoformat()} is in the future")
    if next_update is None:
        result = result.with_note("the CRL has no nextUpdate (RFC 5280 requires one)")
    elif next_update < now:
        return unknown(f"expired CRL: its nextUpdate {next_update.isoformat()} has passed")
    try:
        crl.extensions.get_extension_for_class(x509.DeltaCRLIndicator)
    except x509.ExtensionNotFound:
        pass
    except ValueError as exc:
        return unknown(f"unreadable CRL extensions: {exc}")
    else:
        return unknown("this is a delta CRL, not a complete CRL")
    try:
        entry = crl.get_revoked_certificate_by_serial_number(serial)
    except ValueError as exc:
        return unknown(f"unreadable CRL entries: {exc}")
    if entry is None:
        try:
            out_of_scope = _scope_problem(crl, url, is_ca)
        except ValueError as exc:
            return unknown(f"unreadable issuingDistributionPoint extension: {exc}")
        if out_of_scope:
            return unknown(f"the serial is not listed, but {out_of_scope}")
        return replace(result, status=GOOD)
    try:
        reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.value
    except x509.ExtensionNotFound:
        # RFC 5280 5.3.1: the reasonCode extension is omitted rather than set to unspecified.
        reason = x509.ReasonFlags.unspecified.value
    except ValueError as exc:
        return unknown(f"unreadable CRL entry for this serial: {exc}")
    if reason == x509.ReasonFlags.remove_from_crl.value:
        return replace(result, status=GOOD).with_note(
            "the entry says removeFromCRL: the certificate is no longer on hold"
        )
    return replace(result, status=REVOKED, reason=reason, revocation_time=entry.revocation_date_utc)


def _scope_problem(
    crl: x509.CertificateRevocationList, url: str | None, is_ca: bool | None
) -> str | None:
    """Why this CRL's silence about a certificate does not mean good: its issuingDistributionPoint
    limits it to other certificates, reasons or distribution points (RFC 5280 5.2.5, 6.3.3 b)."""
    # AWS Private CA's partitioned CRLs carry a critical IDP, and "you must validate that the
    # CRL's associated issuing distribution point (IDP) URI matches the certificate's CDP URI":
    # https://docs.aws.amazon.com/acm-pca/latest/userguide/crl-planning.html
    try:
        scope = crl.extensions.get_extension_for_class(x509.IssuingDistributionPoint).value
    except x509.ExtensionNotFound:
        return None
    if scope.only_some_reasons:
        reasons = ", ".join(sorted(reason.value for reason in scope.only_some_reasons))
        return f"this CRL only lists revocations for some reasons ({reasons})"
    if scope.only_contains_attribute_certs:
        return "this CRL only lists attribute certificates"
    if scope.only_contains_ca_certs and is_ca is False:
        return "this CRL only lists CA certificates"
    if scope.only_contains_user_certs and is_ca is True:
        return "this CRL only lists end-entity certificates"
    names = [
        name.value
        for name in scope.full_name or ()
        if isinstance(name, x509.UniformResourceIdentifier)
    ]
    if url is not None and names and url not in names:
        return f"this CRL is the one for {', '.join(names)}, not for {url}"
    return None


def _describe_content(data: bytes) -> str:
    head = data[:64].lstrip().lower()
    if not data:
        return "the answer was empty"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "the answer is an HTML page (a proxy or CDN error page?)"
    return f"{len(data)} bytes that are neither DER nor PEM CRL data"
