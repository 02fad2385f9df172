"""Check a serial against its issuer's CRL: fetch, verify signature and freshness, then look it up.

The lookup is cryptography's hashed search, never a Python loop, so a 200,000-entry CRL is quick.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import CRLEntryExtensionOID, ExtensionOID

from cdk_pca.revocation import signatures
from cdk_pca.revocation.certificates import describe_name
from cdk_pca.revocation.fetch import ConditionalCache, fetch
from cdk_pca.revocation.names import general_names_match, names_equal, relative_to
from cdk_pca.revocation.result import GOOD, REVOKED, UNKNOWN, MethodResult, first_answer, unreadable

# A CRL dated slightly ahead of our clock comes from a publisher whose clock runs a little fast;
# more than this is a CRL we cannot place in time.
CLOCK_SKEW = timedelta(minutes=5)
# RFC 5280 5.2: "If a CRL contains a critical extension that the application cannot process,
# then the application MUST NOT use that CRL to determine the status of certificates."
# These are the CRL extensions this module acts on (delta indicator and freshestCRL by refusing).
PROCESSED_CRL_EXTENSIONS = frozenset(
    {
        ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
        ExtensionOID.CRL_NUMBER,
        ExtensionOID.ISSUING_DISTRIBUTION_POINT,
        ExtensionOID.DELTA_CRL_INDICATOR,
        ExtensionOID.FRESHEST_CRL,
        ExtensionOID.AUTHORITY_INFORMATION_ACCESS,
    }
)
# RFC 5280 5.3: the same rule for entry extensions. certificateIssuer (indirect CRLs) is not
# processed: an entry carrying it is about another CA's certificate.
PROCESSED_ENTRY_EXTENSIONS = frozenset(
    {CRLEntryExtensionOID.CRL_REASON, CRLEntryExtensionOID.INVALIDITY_DATE}
)
# A critical extension is `... BOOLEAN TRUE, OCTET STRING ...`: these four octets. Their absence
# from the revoked-certificates list proves that no entry has a critical extension, without a
# Python loop (serials are random, so three octets alone turn up by chance in large CRLs).
_CRITICAL_MARK = b"\x01\x01\xff\x04"


def check_crl(
    serial: int,
    issuer: x509.Certificate,
    urls: list[str],
    *,
    now: datetime,
    timeout: float | None = None,
    is_ca: bool | None = None,
    certificate: x509.Certificate | None = None,
    deadline: float | None = None,
    cache: ConditionalCache | None = None,
) -> MethodResult:
    """Ask each distribution point in turn; the first that answers decides. `is_ca` says whether
    the certificate checked is a CA's (None: not known), for CRLs scoped to one kind.
    `certificate` (when known) gives the distribution points the CRL's scope must match;
    `deadline` (time.monotonic) bounds all the requests together; `cache` makes a poller's
    repeated fetches conditional."""
    return first_answer(
        "crl",
        urls,
        missing="the certificate names no http CRL distribution point",
        ask=lambda url: (
            fetch(
                url,
                accept="application/pkix-crl, */*",
                timeout=timeout,
                deadline=deadline,
                cache=cache,
            ).body
        ),
        evaluate=lambda body, url: evaluate_crl(
            body,
            url=url,
            serial=serial,
            issuer=issuer,
            now=now,
            is_ca=is_ca,
            certificate=certificate,
        ),
        keep_looking=True,
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
    certificate: x509.Certificate | None = None,
) -> MethodResult:
    """Verify a fetched CRL against `issuer` and report what it says about `serial`. Any failure
    to read or verify leaves the answer unknown with the reason; it never raises for the data."""
    result = MethodResult(method="crl", status=UNKNOWN, answered=True, url=url)
    try:
        return _evaluate(data, result, url, serial, issuer, now, is_ca, certificate)
    except Exception as exc:
        return unreadable(result, "CRL", exc)


def _evaluate(
    data: bytes,
    result: MethodResult,
    url: str | None,
    serial: int,
    issuer: x509.Certificate,
    now: datetime,
    is_ca: bool | None,
    certificate: x509.Certificate | None,
) -> MethodResult:
    def unknown(error: str) -> MethodResult:
        return replace(result, status=UNKNOWN, error=error)

    try:
        crl, der = load_crl(data)
        crl_issuer = crl.issuer
    except x509.InvalidVersion as exc:
        return unknown(f"not a usable CRL: {exc}")
    except ValueError:
        return unknown(f"not a CRL: {_describe_content(data)}")
    if not names_equal(crl_issuer, issuer.subject):
        return unknown(
            f"CRL issued by {describe_name(crl_issuer)}, not by the certificate's issuer "
            f"{describe_name(issuer.subject)}"
        )
    usage_problem = _crl_signing_problem(issuer)
    if usage_problem:
        return unknown(usage_problem)
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
        extensions = list(crl.extensions)
    except ValueError as exc:
        return unknown(f"unreadable CRL extensions: {exc}")
    oids = {extension.oid for extension in extensions}
    for extension in extensions:
        if extension.critical and extension.oid not in PROCESSED_CRL_EXTENSIONS:
            return unknown(
                f"the CRL has a critical extension {_oid_name(extension.oid)} that status does "
                "not process (RFC 5280 5.2: such a CRL must not be used)"
            )
    if ExtensionOID.DELTA_CRL_INDICATOR in oids:
        return unknown("this is a delta CRL, not a complete CRL")
    delta_pointer = ExtensionOID.FRESHEST_CRL in oids or _has_freshest_crl(certificate)
    entry_problem = _critical_entry_problem(crl, der)
    if entry_problem:
        return unknown(entry_problem)
    entry = _find_entry(crl, serial)
    if entry is None:
        out_of_scope = _scope_problem(crl, url, is_ca, issuer, certificate)
        if out_of_scope:
            return unknown(f"the serial is not listed, but {out_of_scope}")
        if delta_pointer:
            # RFC 5280 5.2.6 / 6.3.3: with a delta CRL published, the base alone is not current.
            return unknown(
                "the serial is not listed, but a delta CRL (freshestCRL) is published and status "
                "does not read delta CRLs: the base CRL alone cannot say good"
            )
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
    if delta_pointer and reason == x509.ReasonFlags.certificate_hold.value:
        # A hold may be lifted (removeFromCRL) by the delta CRL that status does not read.
        return unknown("the serial is on hold in the base CRL; a delta CRL may have released it")
    return replace(result, status=REVOKED, reason=reason, revocation_time=entry.revocation_date_utc)


def _crl_signing_problem(issuer: x509.Certificate) -> str | None:
    """RFC 5280 4.2.1.3 and 6.3.3 (f): a CRL signer whose keyUsage is present must assert cRLSign."""
    try:
        usage = issuer.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None
    except ValueError as exc:
        return f"the issuer's keyUsage extension is unreadable: {exc}"
    if not usage.crl_sign:
        return (
            f"the CRL's signer {describe_name(issuer.subject)} is not certified for cRLSign "
            "(keyUsage; RFC 5280 6.3.3 (f))"
        )
    return None


def _has_freshest_crl(certificate: x509.Certificate | None) -> bool:
    if certificate is None:
        return False
    try:
        certificate.extensions.get_extension_for_oid(ExtensionOID.FRESHEST_CRL)
    except x509.ExtensionNotFound:
        return False
    except ValueError:
        return True  # unreadable: cannot rule a delta CRL out
    return True


def _find_entry(crl: x509.CertificateRevocationList, serial: int) -> x509.RevokedCertificate | None:
    if serial >= 0:
        return crl.get_revoked_certificate_by_serial_number(serial)
    # cryptography's hashed lookup refuses negative serials (RFC 5280 4.1.2.2 asks clients to
    # cope with them): a Python scan, only for such certificates.
    return next((entry for entry in crl if entry.serial_number == serial), None)


def _revoked_list_bytes(der: bytes) -> bytes:
    """The DER of revokedCertificates (empty when absent), walking TBSCertList's fields."""
    tbs = signatures.signed_part(der)
    end, offset = signatures.der_element(tbs, 0)
    if tbs[offset] == 0x02:  # version
        offset, _ = signatures.der_element(tbs, offset)
    for _ in range(3):  # signature, issuer, thisUpdate
        offset, _ = signatures.der_element(tbs, offset)
    if offset < end and tbs[offset] in (0x17, 0x18):  # nextUpdate
        offset, _ = signatures.der_element(tbs, offset)
    if offset < end and tbs[offset] == 0x30:
        list_end, _ = signatures.der_element(tbs, offset)
        return tbs[offset:list_end]
    return b""


def _critical_entry_problem(crl: x509.CertificateRevocationList, der: bytes) -> str | None:
    """RFC 5280 5.3: a critical entry extension not processed makes the whole CRL unusable."""
    if _CRITICAL_MARK not in _revoked_list_bytes(der):
        return None
    for entry in crl:
        for extension in entry.extensions:
            if extension.critical and extension.oid not in PROCESSED_ENTRY_EXTENSIONS:
                return (
                    f"an entry of the CRL has a critical extension {_oid_name(extension.oid)} "
                    "that status does not process (RFC 5280 5.3: the CRL must not be used)"
                )
    return None


def _dp_names(
    certificate: x509.Certificate | None, url: str | None, issuer: x509.Certificate
) -> list[x509.GeneralName] | None:
    """The names of the certificate's distribution point the CRL came from (RFC 5280 6.3.3 b):
    its fullName, or nameRelativeToCRLIssuer under the issuer, or its cRLIssuer. None: not known."""
    if certificate is None:
        return [x509.UniformResourceIdentifier(url)] if url is not None else None
    try:
        points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        # RFC 5280 6.3.3: no cRLDistributionPoints is a DP whose cRLIssuer is the issuer.
        return [x509.DirectoryName(issuer.subject)]
    chosen = list(points)
    if url is not None:
        chosen = [
            point
            for point in points
            if any(
                isinstance(name, x509.UniformResourceIdentifier) and name.value == url
                for name in point.full_name or ()
            )
        ] or chosen
    names: list[x509.GeneralName] = []
    for point in chosen:
        if point.full_name:
            names.extend(point.full_name)
        elif point.relative_name is not None:
            names.append(relative_to(issuer.subject, point.relative_name))
        elif point.crl_issuer:
            names.extend(point.crl_issuer)
    return names


def _scope_problem(
    crl: x509.CertificateRevocationList,
    url: str | None,
    is_ca: bool | None,
    issuer: x509.Certificate,
    certificate: x509.Certificate | None,
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
    if scope.indirect_crl:
        return "this is an indirect CRL, which status does not read"
    if scope.only_some_reasons:
        reasons = ", ".join(sorted(reason.value for reason in scope.only_some_reasons))
        return f"this CRL only lists revocations for some reasons ({reasons})"
    if scope.only_contains_attribute_certs:
        return "this CRL only lists attribute certificates"
    if scope.only_contains_ca_certs and is_ca is not True:
        return "this CRL only lists CA certificates"
    if scope.only_contains_user_certs and is_ca is not False:
        return "this CRL only lists end-entity certificates"
    if scope.full_name is not None:
        idp_names: list[x509.GeneralName] = list(scope.full_name)
    elif scope.relative_name is not None:
        idp_names = [relative_to(crl.issuer, scope.relative_name)]
    else:
        return None
    dp_names = _dp_names(certificate, url, issuer)
    if dp_names is None:
        return None
    # RFC 5280 6.3.3 (b)(2)(i): one of the IDP's names must match one of the DP's names.
    if any(general_names_match(a, b) for a in idp_names for b in dp_names):
        return None
    return (
        f"this CRL is the one for {', '.join(_describe_general(n) for n in idp_names)}, "
        f"not for {', '.join(_describe_general(n) for n in dp_names)}"
    )


def _describe_general(name: x509.GeneralName) -> str:
    if isinstance(name, x509.DirectoryName):
        return describe_name(name.value)
    return str(getattr(name, "value", name))


def _oid_name(oid: x509.ObjectIdentifier) -> str:
    name = getattr(oid, "_name", "Unknown OID")
    return oid.dotted_string if name == "Unknown OID" else f"{name} ({oid.dotted_string})"


def _describe_content(data: bytes) -> str:
    head = data[:64].lstrip().lower()
    if not data:
        return "the answer was empty"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "the answer is an HTML page (a proxy or CDN error page?)"
    return f"{len(data)} bytes that are neither DER nor PEM CRL data"
