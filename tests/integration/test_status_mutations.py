"""Property: whatever bytes a CRL or OCSP peer sends, `status --json` prints one object, exits 0/1/2
within its deadline, and a tampered answer never counts as good.

Valid DER answers are mutated byte by byte (replace, insert, delete, truncate) by hypothesis.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdk_pca.cli import main
from tests.integration.openssl_pki import MemoryCa, RevocationHttpServer, now

DEADLINE_SECONDS = 3.0


class Peer:
    """One CA, one leaf, and the loopback server that hands out whatever the example says."""

    def __init__(self, folder: Path) -> None:
        self.http = RevocationHttpServer()
        self.ca = MemoryCa.create("Mutation CA")
        key = self.ca.key
        leaf = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "m.example")]))
            .issuer_name(self.ca.certificate.subject)
            .public_key(key.public_key())
            .serial_number(0x4242)
            .not_valid_before(now() - timedelta(days=1))
            .not_valid_after(now() + timedelta(days=30))
            .add_extension(
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            [x509.UniformResourceIdentifier(self.http.url("/ca.crl"))],
                            None,
                            None,
                            None,
                        )
                    ]
                ),
                critical=False,
            )
            .add_extension(
                x509.AuthorityInformationAccess(
                    [
                        x509.AccessDescription(
                            x509.AuthorityInformationAccessOID.OCSP,
                            x509.UniformResourceIdentifier(self.http.url("/ocsp")),
                        )
                    ]
                ),
                critical=False,
            )
            .sign(key, hashes.SHA256())
        )
        self.crl = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.ca.certificate.subject)
            .last_update(now() - timedelta(minutes=5))
            .next_update(now() + timedelta(days=2))
            .add_extension(x509.CRLNumber(3), critical=False)
            .add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(17)
                .revocation_date(now() - timedelta(hours=1))
                .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
                .build()
            )
            .sign(key, hashes.SHA256())
            .public_bytes(serialization.Encoding.DER)
        )
        self.ocsp = (
            ocsp.OCSPResponseBuilder()
            .add_response(
                cert=leaf,
                issuer=self.ca.certificate,
                algorithm=hashes.SHA1(),
                cert_status=ocsp.OCSPCertStatus.GOOD,
                this_update=now() - timedelta(minutes=1),
                next_update=now() + timedelta(days=2),
                revocation_time=None,
                revocation_reason=None,
            )
            .responder_id(ocsp.OCSPResponderEncoding.NAME, self.ca.certificate)
            .sign(key, hashes.SHA256())
            .public_bytes(serialization.Encoding.DER)
        )
        self.cert_path = folder / "leaf.pem"
        self.issuer_path = folder / "ca.pem"
        self.cert_path.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
        self.issuer_path.write_text(self.ca.pem)


@pytest.fixture(scope="module")
def peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peer]:
    served = Peer(tmp_path_factory.mktemp("mutations"))
    try:
        yield served
    finally:
        served.http.close()


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "replace" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = bytes([draw(st.integers(0, 255))])
        elif kind == "delete" and data:
            del data[at]
        else:
            del data[at:]
    return bytes(data)


def _run(
    peer: Peer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, dict[str, object], float]:
    monkeypatch.setenv("CDK_PCA_STATUS_DEADLINE", str(DEADLINE_SECONDS))
    monkeypatch.setenv("CDK_PCA_HTTP_TIMEOUT", "2")
    started = time.monotonic()
    code = main(
        ["status", "--cert", str(peer.cert_path), "--issuer", str(peer.issuer_path), "--json"]
    )
    elapsed = time.monotonic() - started
    out = capsys.readouterr().out
    return code, json.loads(out), elapsed


def test_the_unmutated_answers_say_good(
    peer: Peer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    peer.http.serve("/ca.crl", peer.crl)
    peer.http.serve("/ocsp", peer.ocsp)
    code, report, _ = _run(peer, capsys, monkeypatch)
    assert (code, report["status"]) == (0, "good")


@pytest.mark.parametrize("source", ["crl", "ocsp"])
def test_a_mutated_answer_gives_one_json_object_in_time_and_never_good(
    source: str,
    peer: Peer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = peer.crl if source == "crl" else peer.ocsp

    @settings(
        max_examples=100,
        deadline=None,  # the command's own deadline is what is asserted
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        derandomize=True,
    )
    @given(body=mutated(original))
    def check(body: bytes) -> None:
        # Only the mutated source answers; the other is a 404 (not answered, so it does not vote).
        peer.http.routes.clear()
        peer.http.serve("/ca.crl" if source == "crl" else "/ocsp", body)
        code, report, elapsed = _run(peer, capsys, monkeypatch)
        assert code in (0, 1, 2)
        assert {"good": 0, "revoked": 1, "unknown": 2}[str(report["status"])] == code
        assert elapsed < DEADLINE_SECONDS + 1.0
        if body != original:
            assert report[source]["status"] != "good", report[source]  # type: ignore[index]

    check()
