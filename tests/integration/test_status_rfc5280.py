"""RFC 5280's rules for using a CRL, and each source standing alone: crafted CRLs and OCSP answers.

Built with cryptography's builders (and OpenSSL for a negative serial), checked in-process.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from cdk_pca.cli import main
from cdk_pca.revocation import crl as crl_module
from cdk_pca.revocation.crl import evaluate_crl
from cdk_pca.revocation.ocsp import build_request
from cdk_pca.revocation.status import check_status
from tests.integration.openssl_pki import OPENSSL, RevocationHttpServer, SilentListener, now

UNKNOWN_OID = x509.ObjectIdentifier("1.3.6.1.4.1.55555.1")
CA_NAME = x509.Name(
    [
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Corp"),
        x509.NameAttribute(NameOID.COMMON_NAME, "Strict Test CA"),
    ]
)


def _der(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(octets)]) + octets + content


@dataclass
class Pki:
    """A CA, its leaf and the loopback server that publishes its CRL and answers OCSP."""

    http: RevocationHttpServer
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    key_usage: x509.KeyUsage | None = None
    ca: x509.Certificate = field(init=False)

    def __post_init__(self) -> None:
        builder = (
            x509.CertificateBuilder()
            .subject_name(CA_NAME)
            .issuer_name(CA_NAME)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now() - timedelta(days=1))
            .not_valid_after(now() + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        )
        if self.key_usage is not None:
            builder = builder.add_extension(self.key_usage, critical=True)
        self.ca = builder.sign(self.key, hashes.SHA256())

    @property
    def crl_url(self) -> str:
        return self.http.url("/ca.crl")

    @property
    def ocsp_url(self) -> str:
        return self.http.url("/ocsp")

    def leaf(
        self,
        serial: int = 0x1234,
        *,
        distribution_points: list[x509.DistributionPoint] | None = None,
        freshest: bool = False,
    ) -> x509.Certificate:
        points = distribution_points or [
            x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(self.crl_url)],
                relative_name=None,
                reasons=None,
                crl_issuer=None,
            )
        ]
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "leaf.example")]))
            .issuer_name(CA_NAME)
            .public_key(ec.generate_private_key(ec.SECP256R1()).public_key())
            .serial_number(serial)
            .not_valid_before(now() - timedelta(days=1))
            .not_valid_after(now() + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.CRLDistributionPoints(points), critical=False)
            .add_extension(
                x509.AuthorityInformationAccess(
                    [
                        x509.AccessDescription(
                            AuthorityInformationAccessOID.OCSP,
                            x509.UniformResourceIdentifier(self.ocsp_url),
                        )
                    ]
                ),
                critical=False,
            )
        )
        if freshest:
            builder = builder.add_extension(
                x509.FreshestCRL([_uri_point(self.http.url("/delta.crl"))]), critical=False
            )
        return builder.sign(self.key, hashes.SHA256())

    def crl(
        self,
        revoked: list[x509.RevokedCertificate] = (),  # type: ignore[assignment]
        *,
        extensions: list[tuple[x509.ExtensionType, bool]] = (),  # type: ignore[assignment]
        issuer: x509.Name = CA_NAME,
    ) -> bytes:
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer)
            .last_update(now() - timedelta(minutes=5))
            .next_update(now() + timedelta(days=1))
            .add_extension(x509.CRLNumber(7), critical=False)
        )
        for value, critical in extensions:
            builder = builder.add_extension(value, critical=critical)
        for entry in revoked:
            builder = builder.add_revoked_certificate(entry)
        return builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def publish_crl(self, body: bytes) -> None:
        self.http.serve("/ca.crl", body, content_type="application/pkix-crl")

    def answer_ocsp(self, leaf: x509.Certificate, status: ocsp.OCSPCertStatus) -> None:
        revoked = status == ocsp.OCSPCertStatus.REVOKED
        response = (
            ocsp.OCSPResponseBuilder()
            .add_response(
                cert=leaf,
                issuer=self.ca,
                algorithm=hashes.SHA1(),
                cert_status=status,
                this_update=now() - timedelta(minutes=1),
                next_update=now() + timedelta(hours=1),
                revocation_time=now() - timedelta(hours=1) if revoked else None,
                revocation_reason=x509.ReasonFlags.key_compromise if revoked else None,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, self.ca)
            .sign(self.key, hashes.SHA256())
        )
        self.http.serve("/ocsp", response.public_bytes(serialization.Encoding.DER))


def _uri_point(url: str) -> x509.DistributionPoint:
    return x509.DistributionPoint(
        full_name=[x509.UniformResourceIdentifier(url)],
        relative_name=None,
        reasons=None,
        crl_issuer=None,
    )


def _entry(serial: int, reason: x509.ReasonFlags | None = None) -> x509.RevokedCertificate:
    builder = (
        x509.RevokedCertificateBuilder()
        .serial_number(serial)
        .revocation_date(now() - timedelta(hours=2))
    )
    if reason is not None:
        builder = builder.add_extension(x509.CRLReason(reason), critical=False)
    return builder.build()


def _idp(
    *,
    full_name: list[x509.GeneralName] | None = None,
    relative_name: x509.RelativeDistinguishedName | None = None,
) -> x509.IssuingDistributionPoint:
    return x509.IssuingDistributionPoint(
        full_name=full_name,
        relative_name=relative_name,
        only_contains_user_certs=False,
        only_contains_ca_certs=False,
        only_some_reasons=None,
        indirect_crl=False,
        only_contains_attribute_certs=False,
    )


@pytest.fixture
def pki() -> Iterator[Pki]:
    server = RevocationHttpServer()
    try:
        yield Pki(server)
    finally:
        server.close()


def _crl_verdict(pki: Pki, leaf: x509.Certificate, crl: bytes) -> tuple[str, str]:
    result = evaluate_crl(
        crl, url=pki.crl_url, serial=leaf.serial_number, issuer=pki.ca, now=now(), is_ca=False,
        certificate=leaf,
    )  # fmt: skip
    return result.status, result.error or ""


# --- 2. one source's failure never takes the other's verdict down ----------------------------


def _with_version(crl_der: bytes, version: int) -> bytes:
    """The CRL with its version INTEGER (v2 = 1) set to `version`: a field parsers refuse."""
    marker = b"\x02\x01\x01"
    at = crl_der.index(marker)
    return crl_der[:at] + bytes([2, 1, version]) + crl_der[at + 3 :]


def test_crl_with_an_invalid_version_leaves_a_signed_ocsp_revoked_standing(pki: Pki) -> None:
    leaf = pki.leaf()
    pki.answer_ocsp(leaf, ocsp.OCSPCertStatus.REVOKED)
    pki.publish_crl(_with_version(pki.crl(), 7))

    report = check_status(leaf, pki.ca)

    assert report.status == "revoked"
    assert report.ocsp.status == "revoked"
    assert report.crl.status == "unknown"
    assert report.crl.answered is True
    assert report.crl.error


def test_a_crl_check_that_raises_leaves_the_ocsp_verdict_standing(
    pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    leaf = pki.leaf()
    pki.answer_ocsp(leaf, ocsp.OCSPCertStatus.REVOKED)
    pki.publish_crl(pki.crl())

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("parser bug\non two lines")

    monkeypatch.setattr(crl_module, "evaluate_crl", explode)
    report = check_status(leaf, pki.ca)

    assert report.status == "revoked"
    assert report.crl.status == "unknown"
    assert report.crl.error == "cannot process the answer: RuntimeError: parser bug on two lines"


def test_hostile_ocsp_answer_leaves_the_crl_revoked_standing(pki: Pki) -> None:
    leaf = pki.leaf()
    pki.http.serve("/ocsp", b"\x30\x03\x0a\x01\x00")  # a SUCCESSFUL status with no body
    pki.publish_crl(pki.crl([_entry(leaf.serial_number, x509.ReasonFlags.key_compromise)]))

    report = check_status(leaf, pki.ca)

    assert report.status == "revoked"
    assert report.crl.reason == "keyCompromise"
    assert report.ocsp.status == "unknown"
    assert report.ocsp.error


# --- negative serial numbers (RFC 5280 4.1.2.2: handle gracefully) -----------------------------


def test_ocsp_request_for_a_negative_serial_carries_that_serial() -> None:
    issuer = Pki.__new__(Pki)
    issuer.key = ec.generate_private_key(ec.SECP256R1())
    issuer.key_usage = None
    Pki.__post_init__(issuer)
    for serial in (-1, -128, -129, -0x1234, -(2**150)):
        request = ocsp.load_der_ocsp_request(build_request(issuer.ca, serial, b"n" * 16))
        assert request.serial_number == serial
        assert request.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == b"n" * 16


def _negative_serial_leaf(pki: Pki, tmp_path: Path, serial_hex: str) -> x509.Certificate:
    """cryptography's builder refuses a negative serial; OpenSSL issues one."""
    (tmp_path / "ca.key").write_bytes(
        pki.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (tmp_path / "ca.pem").write_bytes(pki.ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "ext.cnf").write_text(
        f"crlDistributionPoints=URI:{pki.crl_url}\nauthorityInfoAccess=OCSP;URI:{pki.ocsp_url}\n"
    )
    for command in (
        [OPENSSL, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=negative.example"],
        [OPENSSL, "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
         "-set_serial", serial_hex, "-days", "2", "-extfile", "ext.cnf", "-out", "leaf.pem"],
    ):  # fmt: skip
        subprocess.run(command, cwd=tmp_path, check=True, capture_output=True)
    with pytest.warns(Warning):  # cryptography warns that RFC 5280 disallows it
        return x509.load_pem_x509_certificate((tmp_path / "leaf.pem").read_bytes())


def _resign_with_serial(pki: Pki, crl_der: bytes, positive: int, negative: int) -> bytes:
    """The CRL with entry `positive` renumbered `negative` (same length), signed again."""
    old = _der(0x02, positive.to_bytes((positive.bit_length() + 8) // 8, "big"))
    new = _der(0x02, negative.to_bytes(((~negative).bit_length() + 8) // 8, "big", signed=True))
    assert len(old) == len(new)  # minimal DER both, so the TBS keeps its length
    tbs = x509.load_der_x509_crl(crl_der).tbs_certlist_bytes.replace(old, new, 1)
    algorithm = _der(0x30, bytes.fromhex("06082a8648ce3d040302"))  # ecdsa-with-SHA256
    signature = pki.key.sign(tbs, ec.ECDSA(hashes.SHA256()))
    return _der(0x30, tbs + algorithm + _der(0x03, b"\x00" + signature))


@pytest.mark.openssl
def test_certificate_with_a_negative_serial_is_checked_not_crashed(
    pki: Pki, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leaf = _negative_serial_leaf(pki, tmp_path, "-0x1234")
    assert leaf.serial_number == -0x1234
    pki.http.serve("/ocsp", b"not ocsp")
    pki.publish_crl(
        _resign_with_serial(
            pki, pki.crl([_entry(0x765, x509.ReasonFlags.superseded)]), 0x765, -0x765
        )
    )

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the command itself prints no warning
        code = main(["status", "--cert", str(tmp_path / "leaf.pem"), "--issuer",
                     str(tmp_path / "ca.pem"), "--json"])  # fmt: skip
    report = json.loads(capsys.readouterr().out)

    assert report["serial"] == "-12:34", report
    assert report["crl"]["status"] == "good", report["crl"]["error"]
    assert report["ocsp"]["status"] == "unknown"
    assert pki.http.hits["/ocsp"] == 1  # the request was built and sent
    assert code == 2


@pytest.mark.openssl
def test_negative_serial_listed_in_the_crl_is_revoked(pki: Pki, tmp_path: Path) -> None:
    leaf = _negative_serial_leaf(pki, tmp_path, "-0x1234")
    crl = _resign_with_serial(
        pki, pki.crl([_entry(0x1234, x509.ReasonFlags.key_compromise)]), 0x1234, -0x1234
    )
    assert _crl_verdict(pki, leaf, crl)[0] == "revoked"


# --- 1. never good where RFC 5280 forbids using the CRL ---------------------------------------


def test_crl_with_an_unprocessed_critical_extension_cannot_say_good(pki: Pki) -> None:
    leaf = pki.leaf()
    crl = pki.crl(extensions=[(x509.UnrecognizedExtension(UNKNOWN_OID, b"\x05\x00"), True)])

    status, error = _crl_verdict(pki, leaf, crl)

    assert status == "unknown"
    assert "critical extension 1.3.6.1.4.1.55555.1" in error


def test_crl_with_an_unknown_non_critical_extension_still_says_good(pki: Pki) -> None:
    leaf = pki.leaf()
    crl = pki.crl(extensions=[(x509.UnrecognizedExtension(UNKNOWN_OID, b"\x05\x00"), False)])
    assert _crl_verdict(pki, leaf, crl) == ("good", "")


def test_critical_extension_on_another_entry_makes_the_crl_unusable(pki: Pki) -> None:
    leaf = pki.leaf()
    other = (
        x509.RevokedCertificateBuilder()
        .serial_number(99)
        .revocation_date(now() - timedelta(hours=1))
        .add_extension(x509.UnrecognizedExtension(UNKNOWN_OID, b"\x05\x00"), critical=True)
        .build()
    )
    status, error = _crl_verdict(pki, leaf, pki.crl([other, _entry(100)]))
    assert status == "unknown"
    assert "an entry of the CRL has a critical extension" in error


def test_critical_extension_marker_inside_a_serial_is_not_mistaken_for_one(pki: Pki) -> None:
    leaf = pki.leaf()
    crl = pki.crl(
        [_entry(0x0101FF04)]
    )  # the serial's octets are the DER of BOOLEAN TRUE, OCTET STRING
    assert _crl_verdict(pki, leaf, crl) == ("good", "")


def test_crl_signed_by_a_key_without_crl_sign_usage_is_unknown() -> None:
    server = RevocationHttpServer()
    try:
        pki = Pki(
            server,
            key_usage=x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
                encipher_only=False, decipher_only=False,
            ),
        )  # fmt: skip
        leaf = pki.leaf()
        status, error = _crl_verdict(pki, leaf, pki.crl())
    finally:
        server.close()
    assert status == "unknown"
    assert "not certified for cRLSign" in error


def test_crl_signer_with_crl_sign_usage_is_believed() -> None:
    server = RevocationHttpServer()
    try:
        pki = Pki(
            server,
            key_usage=x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
        )  # fmt: skip
        leaf = pki.leaf()
        assert _crl_verdict(pki, leaf, pki.crl())[0] == "good"
    finally:
        server.close()


PARTITION = x509.Name([*CA_NAME.rdns, x509.RelativeDistinguishedName(
    [x509.NameAttribute(NameOID.COMMON_NAME, "Partition 1")])])  # fmt: skip
OTHER_PARTITION = x509.Name([*CA_NAME.rdns, x509.RelativeDistinguishedName(
    [x509.NameAttribute(NameOID.COMMON_NAME, "Partition 2")])])  # fmt: skip


def _dp(pki: Pki, *names: x509.GeneralName, relative: str | None = None) -> x509.DistributionPoint:
    if relative is not None:
        return x509.DistributionPoint(
            full_name=None,
            relative_name=x509.RelativeDistinguishedName(
                [x509.NameAttribute(NameOID.COMMON_NAME, relative)]
            ),
            reasons=None,
            crl_issuer=None,
        )
    return x509.DistributionPoint(
        full_name=[x509.UniformResourceIdentifier(pki.crl_url), *names],
        relative_name=None,
        reasons=None,
        crl_issuer=None,
    )


def test_idp_directory_name_matching_the_certificates_dp_is_believed(pki: Pki) -> None:
    leaf = pki.leaf(distribution_points=[_dp(pki, x509.DirectoryName(PARTITION))])
    crl = pki.crl(extensions=[(_idp(full_name=[x509.DirectoryName(PARTITION)]), True)])
    assert _crl_verdict(pki, leaf, crl) == ("good", "")


def test_idp_directory_name_of_another_partition_cannot_say_good(pki: Pki) -> None:
    leaf = pki.leaf(distribution_points=[_dp(pki, x509.DirectoryName(PARTITION))])
    crl = pki.crl(extensions=[(_idp(full_name=[x509.DirectoryName(OTHER_PARTITION)]), True)])

    status, error = _crl_verdict(pki, leaf, crl)

    assert status == "unknown"
    assert "CN=Partition 2" in error


def test_idp_name_relative_to_the_crl_issuer_matches_the_full_directory_name(pki: Pki) -> None:
    leaf = pki.leaf(distribution_points=[_dp(pki, x509.DirectoryName(PARTITION))])
    relative = x509.RelativeDistinguishedName(
        [x509.NameAttribute(NameOID.COMMON_NAME, "Partition 1")]
    )
    crl = pki.crl(extensions=[(_idp(relative_name=relative), True)])
    assert _crl_verdict(pki, leaf, crl) == ("good", "")


def test_certificate_dp_relative_name_is_read_under_the_issuers_name(pki: Pki) -> None:
    leaf = pki.leaf(distribution_points=[_dp(pki, relative="Partition 1")])
    matching = pki.crl(extensions=[(_idp(full_name=[x509.DirectoryName(PARTITION)]), True)])
    other = pki.crl(extensions=[(_idp(full_name=[x509.DirectoryName(OTHER_PARTITION)]), True)])

    def verdict(crl: bytes) -> str:
        # No URL: the CRL came from elsewhere (a cache, a mirror), so the names alone decide.
        return evaluate_crl(
            crl, url=None, serial=leaf.serial_number, issuer=pki.ca, now=now(), is_ca=False,
            certificate=leaf,
        ).status  # fmt: skip

    assert verdict(matching) == "good"
    assert verdict(other) == "unknown"


def test_the_fetched_urls_own_distribution_point_is_the_one_matched(pki: Pki) -> None:
    leaf = pki.leaf(distribution_points=[_dp(pki, relative="Partition 1"), _uri_point(pki.crl_url)])
    crl = pki.crl(extensions=[(_idp(full_name=[x509.DirectoryName(PARTITION)]), True)])
    # The URL fetched belongs to the URI-only point, which does not name Partition 1.
    assert _crl_verdict(pki, leaf, crl)[0] == "unknown"


def test_idp_uri_of_another_partition_with_a_directory_name_alongside_cannot_say_good(
    pki: Pki,
) -> None:
    leaf = pki.leaf()
    crl = pki.crl(
        extensions=[(_idp(full_name=[x509.UniformResourceIdentifier("http://x/other.crl")]), True)]
    )
    assert _crl_verdict(pki, leaf, crl)[0] == "unknown"


def test_freshest_crl_pointer_in_the_base_crl_cannot_say_good(pki: Pki) -> None:
    leaf = pki.leaf()
    crl = pki.crl(extensions=[(x509.FreshestCRL([_uri_point(pki.http.url("/delta.crl"))]), False)])

    status, error = _crl_verdict(pki, leaf, crl)

    assert status == "unknown"
    assert "delta CRL (freshestCRL)" in error


def test_freshest_crl_pointer_in_the_certificate_cannot_say_good(pki: Pki) -> None:
    leaf = pki.leaf(freshest=True)
    assert _crl_verdict(pki, leaf, pki.crl())[0] == "unknown"


def test_with_a_delta_crl_published_a_key_compromise_is_still_revoked_but_a_hold_is_unknown(
    pki: Pki,
) -> None:
    leaf = pki.leaf(freshest=True)
    compromised = pki.crl([_entry(leaf.serial_number, x509.ReasonFlags.key_compromise)])
    held = pki.crl([_entry(leaf.serial_number, x509.ReasonFlags.certificate_hold)])

    assert _crl_verdict(pki, leaf, compromised)[0] == "revoked"
    assert _crl_verdict(pki, leaf, held)[0] == "unknown"


def test_delta_crl_itself_is_never_used_as_a_complete_crl(pki: Pki) -> None:
    leaf = pki.leaf()
    crl = pki.crl(extensions=[(x509.DeltaCRLIndicator(6), True)])
    assert "delta CRL" in _crl_verdict(pki, leaf, crl)[1]


# --- 3. RFC 5280 7.1 name comparison ------------------------------------------------------------


def test_crl_issuer_spelled_with_other_case_and_spaces_is_the_same_issuer(pki: Pki) -> None:
    leaf = pki.leaf()
    respelled = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "  EXAMPLE   corp "),
            x509.NameAttribute(NameOID.COMMON_NAME, "strict test ca"),
        ]
    )
    assert _crl_verdict(pki, leaf, pki.crl(issuer=respelled)) == ("good", "")


def test_crl_issuer_with_another_value_is_still_refused(pki: Pki) -> None:
    leaf = pki.leaf()
    other = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Corp"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Strict Test CA 2"),
        ]
    )
    assert "not by the certificate's issuer" in _crl_verdict(pki, leaf, pki.crl(issuer=other))[1]


# --- the whole check has a deadline, and says which source ran out ----------------------------


def test_whole_check_is_bounded_and_names_each_source_that_timed_out() -> None:
    silent = [SilentListener() for _ in range(3)]
    try:
        ca = Pki.__new__(Pki)
        ca.key = ec.generate_private_key(ec.SECP256R1())
        ca.key_usage = None
        Pki.__post_init__(ca)
        leaf = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "slow.example")]))
            .issuer_name(CA_NAME)
            .public_key(ec.generate_private_key(ec.SECP256R1()).public_key())
            .serial_number(77)
            .not_valid_before(now() - timedelta(days=1))
            .not_valid_after(now() + timedelta(days=30))
            .add_extension(x509.CRLDistributionPoints([_uri_point(silent[0].url)]), critical=False)
            .add_extension(
                x509.AuthorityInformationAccess(
                    [
                        x509.AccessDescription(
                            AuthorityInformationAccessOID.OCSP,
                            x509.UniformResourceIdentifier(silent[1].url),
                        ),
                        x509.AccessDescription(
                            AuthorityInformationAccessOID.CA_ISSUERS,
                            x509.UniformResourceIdentifier(silent[2].url),
                        ),
                    ]
                ),
                critical=False,
            )
            .sign(ca.key, hashes.SHA256())
        )
        started = time.monotonic()
        with_issuer = check_status(leaf, ca.ca, timeout=5.0, total_seconds=1.0)
        elapsed_with_issuer = time.monotonic() - started
        started = time.monotonic()
        fetching_issuer = check_status(leaf, None, timeout=0.6, total_seconds=1.0)
        elapsed_fetching = time.monotonic() - started
    finally:
        for listener in silent:
            listener.close()

    assert elapsed_with_issuer < 2.5
    assert elapsed_fetching < 2.5
    assert with_issuer.status == "unknown"
    assert any(note.startswith("OCSP timed out") for note in with_issuer.notes)
    assert any(note.startswith("CRL timed out") for note in with_issuer.notes)
    assert any("issuer (AIA caIssuers) fetch timed out" in n for n in fetching_issuer.notes)


def test_status_command_deadline_from_the_environment_bounds_dead_peers(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    silent = SilentListener()
    try:
        leaf = pki.leaf(distribution_points=[_uri_point(silent.url)])
        pki.http.routes.pop("/ocsp", None)
        (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
        (tmp_path / "ca.pem").write_bytes(pki.ca.public_bytes(serialization.Encoding.PEM))
        monkeypatch.setenv("CDK_PCA_STATUS_DEADLINE", "0.8")
        started = time.monotonic()
        code = main(["status", "--cert", str(tmp_path / "leaf.pem"), "--issuer",
                     str(tmp_path / "ca.pem"), "--json"])  # fmt: skip
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    report = json.loads(capsys.readouterr().out)

    assert code == 2
    assert elapsed < 2.5
    assert "no answer within" in report["crl"]["error"]
    assert any(note.startswith("CRL timed out") for note in report["notes"])


# --- bad input under --json: one JSON object on stdout, one line on stderr -------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["status", "--json"],
        ["status", "--js", "--cert"],
        ["status", "--json", "--cert", "{fifo}"],
        ["status", "--json", "--cert", "{garbage}"],
        ["status", "--json", "--cert", "{missing}"],
    ],
)
def test_bad_input_under_json_prints_one_object_and_one_error_line(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "garbage").write_bytes(b"\x30\x03\x02\x01")
    paths = {name: str(tmp_path / name) for name in ("fifo", "garbage", "missing")}

    try:
        code = main([word.format(**paths) for word in argv])
    except SystemExit as exit_:  # argparse's own usage errors end this way
        code = int(exit_.code or 0)
    assert code == 2
    captured = capsys.readouterr()

    report = json.loads(captured.out)
    assert report["status"] == "unknown"
    assert report["error"]
    assert len(captured.err.strip().splitlines()) == 1


def test_an_unverifiable_crl_sends_the_check_on_to_the_next_distribution_point(pki: Pki) -> None:
    stranger = ec.generate_private_key(ec.SECP256R1())
    forged = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(CA_NAME)
        .last_update(now() - timedelta(minutes=5))
        .next_update(now() + timedelta(days=1))
        .sign(stranger, hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )
    pki.http.serve("/forged.crl", forged)
    leaf = pki.leaf(
        distribution_points=[_uri_point(pki.http.url("/forged.crl")), _uri_point(pki.crl_url)]
    )
    pki.http.routes.pop("/ocsp", None)

    pki.publish_crl(pki.crl([_entry(leaf.serial_number, x509.ReasonFlags.key_compromise)]))
    assert check_status(leaf, pki.ca).crl.status == "revoked"

    pki.publish_crl(forged)
    report = check_status(leaf, pki.ca)
    assert report.crl.status == "unknown"
    assert report.crl.url == pki.http.url("/forged.crl")  # the first unverifiable answer
    assert "signature does not verify" in (report.crl.error or "")
