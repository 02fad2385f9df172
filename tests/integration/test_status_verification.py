"""What `status` refuses to believe: OCSP answers that fail a check, and peers that never answer."""

from __future__ import annotations

import socket
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509 import ocsp

from cdk_pca.revocation.crl import evaluate_crl
from cdk_pca.revocation.fetch import FetchError, fetch
from cdk_pca.revocation.ocsp import evaluate_response
from cdk_pca.revocation.status import check_status
from tests.integration.openssl_pki import (
    IssuedCertificate,
    MemoryCa,
    OpenSslCa,
    RevocationHttpServer,
    SilentListener,
    StreamingPeer,
    now,
)

pytestmark = pytest.mark.openssl


@pytest.fixture
def leaf(ca: OpenSslCa, http: RevocationHttpServer) -> IssuedCertificate:
    return ca.issue("leaf.example", ocsp_url=http.url("/ocsp"))


def ocsp_response(
    leaf: x509.Certificate,
    issuer: x509.Certificate,
    signer_key: CertificateIssuerPrivateKeyTypes,
    *,
    responder: x509.Certificate | None = None,
    this_update: datetime | None = None,
    next_update: datetime | None = None,
    nonce: bytes | None = None,
    status: ocsp.OCSPCertStatus = ocsp.OCSPCertStatus.GOOD,
) -> bytes:
    """An OCSP response built by cryptography, for cases `openssl ocsp` will not produce."""
    moment = now()
    builder = ocsp.OCSPResponseBuilder().add_response(
        cert=leaf,
        issuer=issuer,
        algorithm=hashes.SHA1(),
        cert_status=status,
        this_update=this_update or moment - timedelta(minutes=1),
        next_update=next_update or moment + timedelta(hours=1),
        revocation_time=moment - timedelta(hours=1)
        if status == ocsp.OCSPCertStatus.REVOKED
        else None,
        revocation_reason=x509.ReasonFlags.key_compromise
        if status == ocsp.OCSPCertStatus.REVOKED
        else None,
    )
    signer = responder or issuer
    builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, signer)
    if responder is not None:
        builder = builder.certificates([responder])
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.sign(signer_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def test_response_signed_by_issuer_key_id_with_matching_nonce_is_believed(
    ca: OpenSslCa, leaf: IssuedCertificate
) -> None:
    body = ocsp_response(
        leaf.certificate, ca.certificate, ca.private_key, nonce=b"n" * 16,
        status=ocsp.OCSPCertStatus.REVOKED,
    )  # fmt: skip

    result = evaluate_response(
        body, url=None, serial=leaf.serial, issuer=ca.certificate, nonce=b"n" * 16, now=now()
    )

    assert result.status == "revoked"
    assert result.reason == "keyCompromise"
    assert result.notes == ()


def test_response_with_another_nonce_is_unknown(
    ca: OpenSslCa, leaf: IssuedCertificate, http: RevocationHttpServer
) -> None:
    http.serve("/ocsp", ocsp_response(leaf.certificate, ca.certificate, ca.private_key,
                                      nonce=b"replayed-nonce-0"))  # fmt: skip

    report = check_status(leaf.certificate, ca.certificate)

    assert report.ocsp.status == "unknown"
    assert "nonce" in (report.ocsp.error or "")


def test_response_without_nonce_is_accepted_with_a_note(
    ca: OpenSslCa, leaf: IssuedCertificate, http: RevocationHttpServer
) -> None:
    http.serve("/ocsp", ocsp_response(leaf.certificate, ca.certificate, ca.private_key))

    report = check_status(leaf.certificate, ca.certificate)

    assert report.ocsp.status == "good"
    assert any("did not echo the nonce" in note for note in report.ocsp.notes)


def test_stale_response_is_unknown(
    ca: OpenSslCa, leaf: IssuedCertificate, http: RevocationHttpServer
) -> None:
    old = now() - timedelta(days=2)
    http.serve("/ocsp", ocsp_response(leaf.certificate, ca.certificate, ca.private_key,
                                      this_update=old, next_update=old + timedelta(days=1)))  # fmt: skip

    report = check_status(leaf.certificate, ca.certificate)

    assert report.ocsp.status == "unknown"
    assert "stale" in (report.ocsp.error or "")


def test_response_dated_in_the_future_is_unknown(
    ca: OpenSslCa, leaf: IssuedCertificate, http: RevocationHttpServer
) -> None:
    ahead = now() + timedelta(hours=3)
    http.serve("/ocsp", ocsp_response(leaf.certificate, ca.certificate, ca.private_key,
                                      this_update=ahead, next_update=ahead + timedelta(hours=1)))  # fmt: skip

    report = check_status(leaf.certificate, ca.certificate)

    assert report.ocsp.status == "unknown"
    assert "in the future" in (report.ocsp.error or "")


def test_response_about_another_certificate_is_unknown(
    ca: OpenSslCa, leaf: IssuedCertificate, http: RevocationHttpServer
) -> None:
    other = ca.issue("other.example")
    http.serve("/ocsp", ocsp_response(other.certificate, ca.certificate, ca.private_key))

    report = check_status(leaf.certificate, ca.certificate)

    assert report.ocsp.status == "unknown"
    assert "does not answer for serial" in (report.ocsp.error or "")


def test_delegate_not_issued_by_the_issuer_is_not_trusted(
    ca: OpenSslCa, leaf: IssuedCertificate, http: RevocationHttpServer, tmp_path: Path
) -> None:
    rogue_ca = OpenSslCa.create(tmp_path / "rogue")
    rogue = rogue_ca.issue("Rogue Responder", extended_key_usage="OCSPSigning")
    rogue_key = serialization.load_pem_private_key(rogue.key_path.read_bytes(), None)
    body = ocsp_response(
        leaf.certificate, ca.certificate, rogue_key, responder=rogue.certificate,  # type: ignore[arg-type]
        status=ocsp.OCSPCertStatus.GOOD,
    )  # fmt: skip
    http.serve("/ocsp", body)

    report = check_status(leaf.certificate, ca.certificate)

    assert report.ocsp.status == "unknown"
    assert "was not issued by the certificate's issuer" in (report.ocsp.error or "")


def test_unsuccessful_and_garbage_responses_are_unknown(
    ca: OpenSslCa, leaf: IssuedCertificate, http: RevocationHttpServer
) -> None:
    try_later = ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.TRY_LATER)
    http.serve("/ocsp", try_later.public_bytes(serialization.Encoding.DER))
    assert "try_later" in (check_status(leaf.certificate, ca.certificate).ocsp.error or "")

    http.serve("/ocsp", b"<html>gateway timeout</html>")
    garbage = check_status(leaf.certificate, ca.certificate).ocsp
    assert garbage.status == "unknown"
    assert "not an OCSP response" in (garbage.error or "")


def test_dead_responder_and_crl_server_time_out_quickly(
    ca: OpenSslCa, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CDK_PCA_HTTP_TIMEOUT", "0.5")
    ocsp_dead, crl_dead = SilentListener(), SilentListener()
    try:
        leaf = ca.issue("hung.example", ocsp_url=ocsp_dead.url, crl_urls=(crl_dead.url,))
        started = time.monotonic()
        report = check_status(leaf.certificate, ca.certificate)
        elapsed = time.monotonic() - started
    finally:
        ocsp_dead.close()
        crl_dead.close()

    assert report.status == "unknown"
    assert "no answer within 0.5 s" in (report.ocsp.error or "")
    assert "no answer within 0.5 s" in (report.crl.error or "")
    # Both were asked at once: the total is about one timeout, not two.
    assert elapsed < 0.95


class TricklingHeaders(StreamingPeer):
    """Answers with a status line, then one header byte every 50 ms: each read is quick, the
    answer never completes (a socket timeout alone never fires)."""

    path = "/slow.crl"

    def _answer(self, connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        while not self._stopped.wait(0.05):
            connection.sendall(b"a")


def test_peer_that_trickles_its_headers_is_cut_off_at_the_deadline() -> None:
    slow = TricklingHeaders()
    try:
        started = time.monotonic()
        with pytest.raises(FetchError) as caught:
            fetch(slow.url, timeout=0.5)
        elapsed = time.monotonic() - started
    finally:
        slow.close()

    assert "answer within 0.5 s" in str(caught.value)
    assert elapsed < 2


def test_answers_beyond_the_size_bound_are_refused(http: RevocationHttpServer) -> None:
    url = http.serve("/big.crl", b"x" * 4096)

    with pytest.raises(FetchError, match="larger than 1024 bytes"):
        fetch(url, max_bytes=1024)
    assert len(fetch(url, max_bytes=4096).body) == 4096


def test_non_http_urls_are_not_fetched() -> None:
    with pytest.raises(FetchError, match="only http and https"):
        fetch("file:///etc/passwd")


def test_tampered_crl_entry_breaks_the_signature(ca: OpenSslCa, http: RevocationHttpServer) -> None:
    leaf = ca.issue("leaf.example", crl_urls=(http.url("/ca.crl"),))
    other_serial = leaf.serial + 1
    der = bytearray(
        ca.crl_with_times(
            last_update=now() - timedelta(hours=1),
            next_update=now() + timedelta(hours=1),
            revoked={other_serial: now() - timedelta(hours=1)},
        )
    )
    encoded = other_serial.to_bytes((other_serial.bit_length() + 8) // 8, "big")
    where = bytes(der).index(encoded)
    # Turn the listed serial into the leaf's: a forged "good" becomes a forged "revoked".
    der[where : where + len(encoded)] = leaf.serial.to_bytes(len(encoded), "big")
    http.serve("/ca.crl", bytes(der))

    report = check_status(leaf.certificate, ca.certificate)

    assert report.crl.status == "unknown"
    assert "signature does not verify" in (report.crl.error or "")


def test_pem_crl_is_read_too(ca: OpenSslCa, http: RevocationHttpServer) -> None:
    leaf = ca.issue("leaf.example", crl_urls=(http.url("/ca.crl"),))
    ca.revoke(leaf, "cessationOfOperation")
    ca.crl_der()
    http.serve("/ca.crl", (ca.directory / "crl.pem").read_bytes())

    report = check_status(leaf.certificate, ca.certificate)

    assert report.crl.status == "revoked"
    assert report.crl.reason == "cessationOfOperation"


@pytest.mark.parametrize(
    "sigopts",
    [(), ("rsa_padding_mode:pss", "rsa_pss_saltlen:32")],
    ids=["pkcs1v15", "pss"],
)
def test_rsa_ca_signatures_verify_with_pkcs1_and_pss(
    tmp_path: Path, http: RevocationHttpServer, sigopts: tuple[str, ...]
) -> None:
    from tests.integration.openssl_pki import OcspResponder, closed_port

    rsa_ca = OpenSslCa.create(tmp_path / "rsa", key="rsa")
    port = closed_port()
    leaf = rsa_ca.issue(
        "rsa.example", ocsp_url=f"http://127.0.0.1:{port}/", crl_urls=(http.url("/ca.crl"),)
    )
    rsa_ca.revoke(leaf, "superseded")
    http.serve("/ca.crl", rsa_ca.crl_der(sigopts=sigopts))
    extra = tuple(arg for option in sigopts for arg in ("-rsigopt", option))
    responder = OcspResponder(rsa_ca, port, extra_args=extra)
    try:
        report = check_status(leaf.certificate, rsa_ca.certificate)
    finally:
        responder.close()

    assert report.crl.status == "revoked", report.crl.error
    assert report.ocsp.status == "revoked", report.ocsp.error


def test_endless_answer_is_cut_at_the_size_bound() -> None:
    from tests.integration.openssl_pki import EndlessStream

    stream = EndlessStream()
    try:
        with pytest.raises(FetchError, match="larger than 2097152 bytes"):
            fetch(stream.url, max_bytes=2 * 1024 * 1024, timeout=5)
    finally:
        stream.close()


def test_ldap_distribution_points_are_skipped_with_a_note(
    ca: OpenSslCa, http: RevocationHttpServer
) -> None:
    ldap = "ldap://ldap.example.com/cn=Test%20CA?certificateRevocationList"
    leaf = ca.issue("leaf.example", crl_urls=(ldap, http.url("/ca.crl")))
    http.serve("/ca.crl", ca.crl_der())

    report = check_status(leaf.certificate, ca.certificate)

    assert report.crl.status == "good"
    assert report.crl.url == http.url("/ca.crl")
    assert any(ldap in note and "skipped" in note for note in report.notes)


def test_certificate_without_any_revocation_pointer_is_unknown(ca: OpenSslCa) -> None:
    leaf = ca.issue("bare.example")

    report = check_status(leaf.certificate, ca.certificate)

    assert report.status == "unknown"
    assert "no http OCSP responder" in (report.ocsp.error or "")
    assert "no http CRL distribution point" in (report.crl.error or "")


def test_issuer_file_may_be_a_chain_with_the_issuer_anywhere(
    ca: OpenSslCa, http: RevocationHttpServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cdk_pca.cli import main

    leaf = ca.issue("leaf.example", crl_urls=(http.url("/ca.crl"),))
    http.serve("/ca.crl", ca.crl_der())
    root = OpenSslCa.create(tmp_path / "root", name="Some Root")
    chain = tmp_path / "chain.pem"
    chain.write_bytes(root.certificate_path.read_bytes() + ca.certificate_path.read_bytes())

    code = main(["status", "--cert", str(leaf.path), "--issuer", str(chain), "--json"])
    out = capsys.readouterr().out

    assert code == 0
    assert '"subject": "CN=Test Issuing CA"' in out


def test_loopback_is_fetched_directly_even_with_a_proxy_in_the_environment(
    http: RevocationHttpServer,
) -> None:
    import os
    import subprocess
    import sys

    from tests.conftest import PROJECT_ROOT

    dead_proxy = SilentListener()
    environment = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    environment.update(http_proxy=dead_proxy.url, HTTP_PROXY=dead_proxy.url)
    script = (
        "from cdk_pca.revocation.fetch import fetch\n"
        f"print(fetch({http.serve('/ping', b'pong')!r}, timeout=2).body.decode())\n"
    )
    try:
        completed = subprocess.run(
            [sys.executable, "-c", script], env=environment, cwd=PROJECT_ROOT,
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
    finally:
        dead_proxy.close()

    assert completed.stdout.strip() == "pong", completed.stderr


# --- CRLs scoped by an issuingDistributionPoint (AWS Private CA's partitioned CRLs) -----------


def _scoped_crl(ca: MemoryCa, scope: x509.IssuingDistributionPoint, revoked: int = 0) -> bytes:
    moment = now()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(moment - timedelta(minutes=5))
        .next_update(moment + timedelta(days=1))
        .add_extension(scope, critical=True)
    )
    if revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(revoked)
            .revocation_date(moment - timedelta(minutes=10))
            .build()
        )
    return builder.sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _idp(
    url: str | None = None,
    *,
    only_ca: bool = False,
    reasons: frozenset[x509.ReasonFlags] | None = None,
) -> x509.IssuingDistributionPoint:
    return x509.IssuingDistributionPoint(
        full_name=[x509.UniformResourceIdentifier(url)] if url else None,
        relative_name=None,
        only_contains_user_certs=False,
        only_contains_ca_certs=only_ca,
        only_some_reasons=reasons,
        indirect_crl=False,
        only_contains_attribute_certs=False,
    )


PARTITION_1 = "http://crl.example.com/crl/ca-id-1.crl"
PARTITION_2 = "http://crl.example.com/crl/ca-id-2.crl"


def test_crl_of_the_certificates_own_partition_is_believed() -> None:
    ca = MemoryCa.create()
    result = evaluate_crl(
        _scoped_crl(ca, _idp(PARTITION_1)), url=PARTITION_1, serial=7, issuer=ca.certificate,
        now=now(), is_ca=False,
    )  # fmt: skip
    assert result.status == "good"


def test_crl_of_another_partition_that_does_not_list_the_serial_is_unknown() -> None:
    ca = MemoryCa.create()
    result = evaluate_crl(
        _scoped_crl(ca, _idp(PARTITION_2)), url=PARTITION_1, serial=7, issuer=ca.certificate,
        now=now(), is_ca=False,
    )  # fmt: skip
    assert result.status == "unknown"
    assert f"this CRL is the one for {PARTITION_2}, not for {PARTITION_1}" in (result.error or "")


@pytest.mark.parametrize(
    ("scope", "fragment"),
    [
        (_idp(only_ca=True), "only lists CA certificates"),
        (_idp(reasons=frozenset({x509.ReasonFlags.key_compromise})), "for some reasons"),
    ],
)
def test_crl_scoped_to_other_certificates_or_reasons_cannot_say_good(
    scope: x509.IssuingDistributionPoint, fragment: str
) -> None:
    ca = MemoryCa.create()
    result = evaluate_crl(
        _scoped_crl(ca, scope), url=PARTITION_1, serial=7, issuer=ca.certificate, now=now(),
        is_ca=False,
    )  # fmt: skip
    assert result.status == "unknown"
    assert fragment in (result.error or "")


def test_serial_listed_in_a_scoped_crl_is_still_revoked() -> None:
    ca = MemoryCa.create()
    result = evaluate_crl(
        _scoped_crl(ca, _idp(PARTITION_2), revoked=7), url=PARTITION_1, serial=7,
        issuer=ca.certificate, now=now(), is_ca=False,
    )  # fmt: skip
    assert result.status == "revoked"
