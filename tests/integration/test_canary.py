"""check_certificate_authority against real OpenSSL CRLs and `openssl ocsp` responders.

Each fault a peer can commit becomes a metric value and a problem line, never an exception.
"""

from __future__ import annotations

import socket
import time
from datetime import timedelta
from pathlib import Path

from cdk_pca.canary import check_certificate_authority
from tests.integration.openssl_pki import (
    EndlessStream,
    OcspResponder,
    OpenSslCa,
    RevocationHttpServer,
    SilentListener,
    StreamingPeer,
    closed_port,
    hours_ago,
    now,
)


def _pem(ca: OpenSslCa) -> bytes:
    return ca.certificate_path.read_bytes()


def test_good_crl_gives_every_crl_metric(ca: OpenSslCa, http: RevocationHttpServer) -> None:
    url = http.serve("/ca.crl", ca.crl_der(hours=24))
    result = check_certificate_authority(ca_certificate=_pem(ca), crl_url=url, ocsp_url=None)
    assert result.metrics["CrlReachable"] == 1.0
    assert result.metrics["CrlValid"] == 1.0
    assert 23 * 3600 < result.metrics["CrlSecondsUntilNextUpdate"] <= 24 * 3600
    assert 0 <= result.metrics["CrlAgeSeconds"] < 120
    assert 29 < result.metrics["CaCertificateDaysToExpiry"] <= 30
    assert "OcspAnswered" not in result.metrics
    assert result.problems == ["OCSP: no OCSP URL configured"]


def test_der_ca_certificate_is_accepted(ca: OpenSslCa, http: RevocationHttpServer) -> None:
    from cryptography.hazmat.primitives import serialization

    der = ca.certificate.public_bytes(serialization.Encoding.DER)
    url = http.serve("/ca.crl", ca.crl_der())
    result = check_certificate_authority(ca_certificate=der, crl_url=url, ocsp_url=None)
    assert result.metrics["CrlValid"] == 1.0


def test_crl_signed_by_another_key_is_not_valid(
    ca: OpenSslCa, tmp_path: Path, http: RevocationHttpServer
) -> None:
    # Same subject, other key: only the signature can tell them apart.
    impostor = OpenSslCa.create(tmp_path / "impostor", name=ca.name)
    url = http.serve("/ca.crl", impostor.crl_der())
    result = check_certificate_authority(ca_certificate=_pem(ca), crl_url=url, ocsp_url=None)
    assert result.metrics["CrlReachable"] == 1.0
    assert result.metrics["CrlValid"] == 0.0
    assert any("signature" in problem for problem in result.problems)


def test_expired_crl_is_not_valid_and_reports_negative_time_left(
    ca: OpenSslCa, http: RevocationHttpServer
) -> None:
    body = ca.crl_with_times(last_update=hours_ago(48), next_update=hours_ago(2))
    url = http.serve("/ca.crl", body)
    result = check_certificate_authority(ca_certificate=_pem(ca), crl_url=url, ocsp_url=None)
    assert result.metrics["CrlValid"] == 0.0
    assert -2 * 3600 - 120 < result.metrics["CrlSecondsUntilNextUpdate"] < -2 * 3600 + 120
    assert result.metrics["CrlAgeSeconds"] > 47 * 3600
    assert any("expired" in problem for problem in result.problems)


def test_stale_but_unexpired_crl_shows_its_age(ca: OpenSslCa, http: RevocationHttpServer) -> None:
    body = ca.crl_with_times(last_update=hours_ago(20), next_update=now() + timedelta(hours=1))
    url = http.serve("/ca.crl", body)
    result = check_certificate_authority(ca_certificate=_pem(ca), crl_url=url, ocsp_url=None)
    assert result.metrics["CrlValid"] == 1.0
    assert result.metrics["CrlAgeSeconds"] > 19 * 3600
    assert result.metrics["CrlSecondsUntilNextUpdate"] < 3601


def test_unreachable_crl(ca: OpenSslCa) -> None:
    url = f"http://127.0.0.1:{closed_port()}/ca.crl"
    result = check_certificate_authority(ca_certificate=_pem(ca), crl_url=url, ocsp_url=None)
    assert result.metrics["CrlReachable"] == 0.0
    assert result.metrics["CrlValid"] == 0.0
    assert "CrlSecondsUntilNextUpdate" not in result.metrics
    assert "CrlAgeSeconds" not in result.metrics


def test_forbidden_crl(ca: OpenSslCa, http: RevocationHttpServer) -> None:
    url = http.serve("/ca.crl", b"<Error>AccessDenied</Error>", status=403)
    result = check_certificate_authority(ca_certificate=_pem(ca), crl_url=url, ocsp_url=None)
    assert result.metrics["CrlReachable"] == 0.0
    assert any("403" in problem for problem in result.problems)


def test_hanging_crl_is_cut_off_at_the_timeout(ca: OpenSslCa) -> None:
    silent = SilentListener()
    try:
        started = time.monotonic()
        result = check_certificate_authority(
            ca_certificate=_pem(ca), crl_url=silent.url + "ca.crl", ocsp_url=None, timeout=1.0
        )
        assert time.monotonic() - started < 5
    finally:
        silent.close()
    assert result.metrics["CrlReachable"] == 0.0


class _Trickle(StreamingPeer):
    path = "/slow.crl"

    def _answer(self, connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        while not self._stopped.wait(0.05):
            connection.sendall(b"a")


def test_trickling_crl_is_cut_off_at_the_timeout(ca: OpenSslCa) -> None:
    slow = _Trickle()
    try:
        started = time.monotonic()
        result = check_certificate_authority(
            ca_certificate=_pem(ca), crl_url=slow.url, ocsp_url=None, timeout=1.0
        )
        assert time.monotonic() - started < 5
    finally:
        slow.close()
    assert result.metrics["CrlReachable"] == 0.0


def test_redirect_loop(ca: OpenSslCa, http: RevocationHttpServer) -> None:
    http.serve("/a.crl", b"", status=302, location=http.url("/b.crl"))
    http.serve("/b.crl", b"", status=302, location=http.url("/a.crl"))
    result = check_certificate_authority(
        ca_certificate=_pem(ca), crl_url=http.url("/a.crl"), ocsp_url=None
    )
    assert result.metrics["CrlReachable"] == 0.0
    assert any("redirect" in problem for problem in result.problems)


def test_endless_garbage_is_cut_off_at_the_size_bound(ca: OpenSslCa) -> None:
    stream = EndlessStream()
    try:
        result = check_certificate_authority(
            ca_certificate=_pem(ca), crl_url=stream.url, ocsp_url=None, timeout=10.0
        )
    finally:
        stream.close()
    assert result.metrics["CrlReachable"] == 0.0
    assert result.metrics["CrlValid"] == 0.0


def test_garbage_crl_is_reachable_but_not_valid(ca: OpenSslCa, http: RevocationHttpServer) -> None:
    url = http.serve("/ca.crl", b"\x00" * 4096)
    result = check_certificate_authority(ca_certificate=_pem(ca), crl_url=url, ocsp_url=None)
    assert result.metrics["CrlReachable"] == 1.0
    assert result.metrics["CrlValid"] == 0.0


def test_ocsp_good_answer(ca: OpenSslCa) -> None:
    leaf = ca.issue("leaf.example")
    responder = OcspResponder(ca)
    try:
        result = check_certificate_authority(
            ca_certificate=_pem(ca), crl_url=None, ocsp_url=responder.url, ocsp_serial=leaf.serial
        )
    finally:
        responder.close()
    assert result.metrics["OcspAnswered"] == 1.0, result.problems


def test_ocsp_signed_by_another_ca_is_not_an_answer(ca: OpenSslCa, tmp_path: Path) -> None:
    leaf = ca.issue("leaf.example")
    other = OpenSslCa.create(tmp_path / "other", name="Other CA")
    responder = OcspResponder(ca, signer_cert=other.certificate_path, signer_key=other.key_path)
    try:
        result = check_certificate_authority(
            ca_certificate=_pem(ca), crl_url=None, ocsp_url=responder.url, ocsp_serial=leaf.serial
        )
    finally:
        responder.close()
    assert result.metrics["OcspAnswered"] == 0.0
    assert any(problem.startswith("OCSP:") for problem in result.problems)


def test_silent_ocsp_responder(ca: OpenSslCa) -> None:
    silent = SilentListener()
    try:
        result = check_certificate_authority(
            ca_certificate=_pem(ca), crl_url=None, ocsp_url=silent.url, ocsp_serial=1, timeout=1.0
        )
    finally:
        silent.close()
    assert result.metrics["OcspAnswered"] == 0.0


def test_ocsp_without_serial_is_not_measured(ca: OpenSslCa) -> None:
    result = check_certificate_authority(
        ca_certificate=_pem(ca), crl_url=None, ocsp_url="http://127.0.0.1:1/"
    )
    assert "OcspAnswered" not in result.metrics
    assert "OCSP: no serial of this CA to ask about" in result.problems


def test_bad_ca_certificate_is_a_problem_not_an_exception() -> None:
    result = check_certificate_authority(ca_certificate=b"nonsense", crl_url=None, ocsp_url=None)
    assert result.metrics == {}
    assert result.problems[0].startswith("ca_certificate:")


def test_ocsp_probe_answered_unknown_counts_only_when_it_is_a_probe(ca: OpenSslCa) -> None:
    # openssl ocsp answers "unknown" for a serial missing from its index, signed and fresh.
    never_issued = 0x5EED
    responder = OcspResponder(ca)
    try:
        probe = check_certificate_authority(
            ca_certificate=_pem(ca),
            crl_url=None,
            ocsp_url=responder.url,
            ocsp_serial=never_issued,
            ocsp_unknown_is_answer=True,
        )
        strict = check_certificate_authority(
            ca_certificate=_pem(ca), crl_url=None, ocsp_url=responder.url, ocsp_serial=never_issued
        )
    finally:
        responder.close()
    assert probe.metrics["OcspAnswered"] == 1.0, probe.problems
    assert strict.metrics["OcspAnswered"] == 0.0
    assert any("status unknown" in problem for problem in strict.problems)


def test_ocsp_probe_signed_by_another_ca_is_still_not_an_answer(
    ca: OpenSslCa, tmp_path: Path
) -> None:
    other = OpenSslCa.create(tmp_path / "other", name="Other CA")
    responder = OcspResponder(ca, signer_cert=other.certificate_path, signer_key=other.key_path)
    try:
        result = check_certificate_authority(
            ca_certificate=_pem(ca),
            crl_url=None,
            ocsp_url=responder.url,
            ocsp_serial=0x5EED,
            ocsp_unknown_is_answer=True,
        )
    finally:
        responder.close()
    assert result.metrics["OcspAnswered"] == 0.0
