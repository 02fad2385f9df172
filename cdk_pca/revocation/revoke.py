"""`cdk-pca revoke` as a library: name the serial AWS expects, refuse what AWS refuses, revoke, and
optionally wait until the CA's CRL and OCSP responder both show the certificate revoked."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509

from cdk_pca.revocation.aws import (
    CaArn,
    ClientFactory,
    boto3_client,
    error_code,
    error_message,
    parse_certificate_arn,
)
from cdk_pca.revocation.certificates import (
    colon_hex_serial,
    describe_name,
    is_ca_certificate,
    is_issued_by,
    load_certificate_file,
    parse_certificates,
    parse_serial,
    revocation_pointers,
)
from cdk_pca.revocation.fetch import ConditionalCache
from cdk_pca.revocation.result import REVOKED, MethodResult
from cdk_pca.revocation.status import check_serial
from cdk_pca.vocabulary import REVOCATION_REASONS

# DESIGN.md (facts from the field): the CRL shows a revocation within about 30 minutes (failed
# updates retried every 15), OCSP within 60. 65 minutes covers both with a margin.
# https://docs.aws.amazon.com/privateca/latest/APIReference/API_RevokeCertificate.html
DEFAULT_WAIT_SECONDS = 3900
DEFAULT_POLL_SECONDS = 30.0


class RevocationRefused(Exception):
    """A revocation this tool refuses before calling AWS, or one AWS refused, as one line."""


@dataclass(frozen=True)
class RevocationTarget:
    """The certificate to revoke: its serial, how it was named, and the certificate when known."""

    serial: int
    source: str
    certificate: x509.Certificate | None = None

    @property
    def certificate_serial(self) -> str:
        """RevokeCertificate's CertificateSerial: colon-separated hex octets, as `openssl x509
        -text` prints it and as the AWS CLI example and CloudTrail record show it
        (`67:07:44:76:83:a9:...`): https://docs.aws.amazon.com/cli/latest/reference/acm-pca/revoke-certificate.html
        """
        return colon_hex_serial(self.serial)


@dataclass(frozen=True)
class CertificateAuthority:
    """What RevokeCertificate and the wait need to know about the CA."""

    arn: CaArn
    type: str
    status: str
    certificate: x509.Certificate | None
    revocation_configuration: dict[str, Any]


@dataclass
class RevocationOutcome:
    target: RevocationTarget
    reason: str
    already_revoked: bool = False
    notes: list[str] = field(default_factory=list)


def validate_reason(reason: str) -> str:
    """The RevokeCertificate RevocationReason, checked before any AWS call (case-insensitive)."""
    normalised = reason.strip().upper().replace("-", "_")
    if normalised not in REVOCATION_REASONS:
        squeezed = normalised.replace("_", "").lower()
        meant = _RFC5280_REASONS.get(squeezed)
        hint = f" (the RFC 5280 name of {meant}?)" if meant else ""
        if squeezed in ("certificatehold", "removefromcrl"):
            hint = " (AWS Private CA cannot put a certificate on hold)"
        raise RevocationRefused(
            f"--reason {reason!r} is not a RevokeCertificate reason{hint}: allowed "
            + ", ".join(REVOCATION_REASONS)
        )
    return normalised


# `cdk-pca status` prints RFC 5280 reason names; an operator may paste one into --reason.
_RFC5280_REASONS = {
    "keycompromise": "KEY_COMPROMISE",
    "cacompromise": "CERTIFICATE_AUTHORITY_COMPROMISE",
    "affiliationchanged": "AFFILIATION_CHANGED",
    "cessationofoperation": "CESSATION_OF_OPERATION",
    "privilegewithdrawn": "PRIVILEGE_WITHDRAWN",
    "aacompromise": "A_A_COMPROMISE",
}


def resolve_target(
    ca: CaArn,
    *,
    certificate_arn: str | None = None,
    serial: str | None = None,
    cert_file: str | Path | None = None,
    clients: ClientFactory = boto3_client,
) -> RevocationTarget:
    """The serial to revoke, from exactly one of a certificate ARN, a hex serial or a file."""
    if cert_file is not None:
        certificate = load_certificate_file(cert_file, what="--cert")
        return RevocationTarget(certificate.serial_number, f"--cert {cert_file}", certificate)
    if serial is not None:
        return RevocationTarget(parse_serial(serial), "--serial")
    if certificate_arn is None:
        raise RevocationRefused("name the certificate: --certificate-arn, --serial or --cert")
    parsed = parse_certificate_arn(certificate_arn)
    if parsed.service == "acm":
        return _target_from_acm(ca, parsed.arn, parsed.region, clients)
    if parsed.ca_arn != ca.arn:
        raise RevocationRefused(
            f"--certificate-arn {certificate_arn} belongs to CA {parsed.ca_arn}, not to --ca-arn "
            f"{ca.arn}: revoke it with the CA that issued it"
        )
    pca = clients("acm-pca", ca.region)
    answer = pca.get_certificate(CertificateAuthorityArn=ca.arn, CertificateArn=parsed.arn)
    certificate = parse_certificates(answer["Certificate"].encode())[0]
    return RevocationTarget(certificate.serial_number, "GetCertificate", certificate)


def _target_from_acm(ca: CaArn, arn: str, region: str, clients: ClientFactory) -> RevocationTarget:
    acm = clients("acm", region)
    description = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    kind = description.get("Type")
    if kind == "AMAZON_ISSUED":
        # Public certificates come from Amazon's public CAs, not from a private CA: AWS Support
        # revokes them (DESIGN.md); exported public ones have `aws acm revoke-certificate`:
        # https://docs.aws.amazon.com/cli/latest/reference/acm/revoke-certificate.html
        raise RevocationRefused(
            f"{arn} is a public ACM certificate (Type AMAZON_ISSUED): a private CA cannot revoke "
            "it; only AWS Support can revoke it (an exported public certificate: "
            "'aws acm revoke-certificate')"
        )
    if kind == "PRIVATE" and description.get("CertificateAuthorityArn") not in (None, ca.arn):
        raise RevocationRefused(
            f"{arn} was issued by CA {description['CertificateAuthorityArn']}, not by --ca-arn "
            f"{ca.arn}"
        )
    if kind == "IMPORTED" or not description.get("Serial"):
        pem = acm.get_certificate(CertificateArn=arn)["Certificate"]
        certificate = parse_certificates(pem.encode())[0]
        return RevocationTarget(certificate.serial_number, f"ACM {kind}", certificate)
    return RevocationTarget(parse_serial(description["Serial"]), f"ACM {kind}")


def describe_ca(ca: CaArn, pca: Any) -> CertificateAuthority:
    description = pca.describe_certificate_authority(CertificateAuthorityArn=ca.arn)[
        "CertificateAuthority"
    ]
    certificate = None
    if description.get("Status") not in ("PENDING_CERTIFICATE", "CREATING", "FAILED"):
        pem = pca.get_certificate_authority_certificate(CertificateAuthorityArn=ca.arn)
        certificate = parse_certificates(pem["Certificate"].encode())[0]
    return CertificateAuthority(
        arn=ca,
        type=str(description.get("Type", "")),
        status=str(description.get("Status", "")),
        certificate=certificate,
        revocation_configuration=dict(description.get("RevocationConfiguration") or {}),
    )


def refuse_impossible(authority: CertificateAuthority, target: RevocationTarget) -> None:
    """Refuse what AWS refuses or what is surely a mistake, before RevokeCertificate."""
    own = authority.certificate
    if own is not None and own.serial_number == target.serial:
        if authority.type == "ROOT":
            # A root CA's own certificate cannot be revoked (DESIGN.md; AWS: "You cannot revoke
            # a root CA self-signed certificate"): retire the root by disabling/deleting the CA.
            raise RevocationRefused(
                f"serial {target.certificate_serial} is the root CA's own self-signed certificate: "
                "AWS cannot revoke it; disable or delete the CA instead"
            )
        raise RevocationRefused(
            f"serial {target.certificate_serial} is this CA's own certificate: revoke it with its "
            "parent CA's ARN (the CA that issued it)"
        )
    if (
        target.certificate is not None
        and own is not None
        and not is_issued_by(target.certificate, own)
    ):
        raise RevocationRefused(
            f"the certificate ({describe_name(target.certificate.subject)}) was not issued by "
            f"{authority.arn.arn} (its issuer is {describe_name(target.certificate.issuer)})"
        )


def revoke(
    ca: CaArn,
    target: RevocationTarget,
    reason: str,
    *,
    clients: ClientFactory = boto3_client,
) -> tuple[RevocationOutcome, CertificateAuthority]:
    """RevokeCertificate after the checks; an already revoked serial is success with a note."""
    revocation_reason = validate_reason(reason)
    pca = clients("acm-pca", ca.region)
    authority = describe_ca(ca, pca)
    refuse_impossible(authority, target)
    outcome = RevocationOutcome(target, revocation_reason)
    try:
        pca.revoke_certificate(
            CertificateAuthorityArn=ca.arn,
            CertificateSerial=target.certificate_serial,
            RevocationReason=revocation_reason,
        )
    except Exception as exc:
        code = error_code(exc)
        if code == "RequestAlreadyProcessedException":
            outcome.already_revoked = True
            outcome.notes.append("AWS says this serial was already revoked: nothing to do")
        elif code in {"AccessDeniedException", "AccessDenied"}:
            raise RevocationRefused(
                "RevokeCertificate was denied: the caller needs acm-pca:RevokeCertificate on the "
                "CA and also write access to the CA's CRL bucket (AWS requires both: "
                "https://docs.aws.amazon.com/privateca/latest/APIReference/API_RevokeCertificate.html)"
            ) from None
        elif code == "InvalidStateException":
            raise RevocationRefused(
                f"the CA is {authority.status}, not in a state that can revoke "
                f"(AWS: {error_message(exc)})"
            ) from None
        elif code in {"InvalidRequestException", "RequestFailedException"}:
            raise RevocationRefused(
                f"AWS refused to revoke serial {target.certificate_serial}: {error_message(exc)}"
            ) from None
        else:
            raise
    crl_enabled, ocsp_enabled = _enabled_methods(authority)
    if not crl_enabled and not ocsp_enabled:
        outcome.notes.append(
            "the CA publishes neither a CRL nor OCSP: clients will not learn of this revocation"
        )
    return outcome, authority


def _enabled_methods(authority: CertificateAuthority) -> tuple[bool, bool]:
    config = authority.revocation_configuration
    crl = bool((config.get("CrlConfiguration") or {}).get("Enabled"))
    ocsp = bool((config.get("OcspConfiguration") or {}).get("Enabled"))
    return crl, ocsp


def revocation_urls(
    authority: CertificateAuthority, target: RevocationTarget
) -> tuple[list[str], list[str], list[str]]:
    """(OCSP URLs, CRL URLs, notes): the certificate's own pointers when we have it, else the
    URLs the CA writes into what it issues, rebuilt from its RevocationConfiguration."""
    notes: list[str] = []
    crl_enabled, ocsp_enabled = _enabled_methods(authority)
    if target.certificate is not None:
        pointers = revocation_pointers(target.certificate)
        notes.extend(pointers.notes)
        for enabled, urls, what in (
            (ocsp_enabled, pointers.ocsp_urls, "OCSP"),
            (crl_enabled, pointers.crl_urls, "CRL"),
        ):
            if urls and not enabled:
                notes.append(f"the CA has {what} disabled: not watching {', '.join(urls)}")
        return (
            pointers.ocsp_urls if ocsp_enabled else [],
            pointers.crl_urls if crl_enabled else [],
            notes,
        )
    config = authority.revocation_configuration
    region = authority.arn.region
    ocsp_urls: list[str] = []
    crl_urls: list[str] = []
    if ocsp_enabled:
        cname = (config.get("OcspConfiguration") or {}).get("OcspCustomCname")
        # PCA's own responder unless a custom CNAME fronts it (API_OcspConfiguration).
        ocsp_urls.append(
            f"http://{cname}" if cname else f"http://ocsp.acm-pca.{region}.amazonaws.com"
        )
    if crl_enabled:
        crl = config.get("CrlConfiguration") or {}
        if crl.get("CrlType") == "PARTITIONED":
            notes.append(
                "partitioned CRLs: each certificate names its own partition; pass --cert or "
                "--certificate-arn to watch the right one"
            )
        else:
            # Objects land at <bucket>/<CustomPath or 'crl'>/<CA id>.crl; the DP names the CNAME
            # when set, else the bucket's S3 host (API_CrlConfiguration).
            host = crl.get("CustomCname") or f"{crl.get('S3BucketName')}.s3.{region}.amazonaws.com"
            path = (crl.get("CustomPath") or "crl").strip("/")
            crl_urls.append(f"http://{host}/{path}/{authority.arn.ca_id}.crl")
    return ocsp_urls, crl_urls, notes


@dataclass(frozen=True)
class WaitResult:
    """Where the wait ended: confirmed (every method asked shows revoked) or timed out.
    `ocsp_seconds` / `crl_seconds`: when each method first showed the revocation (the measure
    of propagation), None while it never did. `crl_not_modified`: polls the CRL server answered
    with 304 (no body) because the CRL had not changed."""

    confirmed: bool
    elapsed_seconds: float
    ocsp: MethodResult | None
    crl: MethodResult | None
    notes: tuple[str, ...] = ()
    ocsp_seconds: float | None = None
    crl_seconds: float | None = None
    crl_not_modified: int = 0


def wait_until_visible(
    authority: CertificateAuthority,
    target: RevocationTarget,
    *,
    timeout_seconds: float = DEFAULT_WAIT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    on_poll: Callable[[float, MethodResult | None, MethodResult | None], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> WaitResult:
    """Poll the CA's CRL and OCSP responder until both show `target` revoked, or time out.
    The CRL is asked conditionally (ETag / Last-Modified): while it has not changed, a poll
    costs a 304, not the whole CRL."""
    if authority.certificate is None:
        return WaitResult(False, 0.0, None, None, ("the CA has no certificate to verify with",))
    ocsp_urls, crl_urls, notes = revocation_urls(authority, target)
    if not ocsp_urls and not crl_urls:
        return WaitResult(
            False, 0.0, None, None, (*notes, "nothing to watch: the CA has no CRL and no OCSP")
        )
    crl_cache = ConditionalCache()
    first_seen: dict[str, float] = {}
    started = clock()
    while True:
        ocsp, crl = check_serial(
            target.serial,
            authority.certificate,
            ocsp_urls=ocsp_urls,
            crl_urls=crl_urls,
            now=datetime.now(UTC),
            is_ca=is_ca_certificate(target.certificate) if target.certificate else None,
            crl_cache=crl_cache,
        )
        watched_ocsp = ocsp if ocsp_urls else None
        watched_crl = crl if crl_urls else None
        elapsed = clock() - started
        for result in (watched_ocsp, watched_crl):
            if result is not None and result.status == REVOKED:
                first_seen.setdefault(result.method, elapsed)
        if on_poll is not None:
            on_poll(elapsed, watched_ocsp, watched_crl)
        watched = [r for r in (watched_ocsp, watched_crl) if r is not None]
        confirmed = all(result.status == REVOKED for result in watched)
        if confirmed or elapsed + poll_seconds > timeout_seconds:
            return WaitResult(
                confirmed,
                elapsed,
                watched_ocsp,
                watched_crl,
                tuple(notes),
                ocsp_seconds=first_seen.get("ocsp"),
                crl_seconds=first_seen.get("crl"),
                crl_not_modified=crl_cache.not_modified,
            )
        sleep(poll_seconds)
