"""`cdk-pca status` against real peers: an OpenSSL CA, its DER CRL over HTTP, `openssl ocsp`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from cdk_pca.cli import main
from cdk_pca.revocation.status import check_status
from tests.integration.openssl_pki import (
    IssuedCertificate,
    OcspResponder,
    OpenSslCa,
    RevocationHttpServer,
    closed_port,
)

pytestmark = pytest.mark.openssl

REVOCATION_REASONS = (
    "keyCompromise",
    "superseded",
    "cessationOfOperation",
    "affiliationChanged",
    "certificateHold",
)


@dataclass
class Pki:
    """A CA whose certificates name an HTTP server for CRL and issuer, and an OCSP port."""

    ca: OpenSslCa
    http: RevocationHttpServer
    ocsp_port: int

    @property
    def ocsp_url(self) -> str:
        return f"http://127.0.0.1:{self.ocsp_port}/"

    @property
    def crl_url(self) -> str:
        return self.http.url("/ca.crl")

    @property
    def issuer_url(self) -> str:
        return self.http.url("/ca.der")

    def issue(self, name: str, **kwargs: object) -> IssuedCertificate:
        options: dict[str, object] = {
            "ocsp_url": self.ocsp_url,
            "crl_urls": (self.crl_url,),
            "ca_issuers_url": self.issuer_url,
        }
        options.update(kwargs)
        return self.ca.issue(name, **options)  # type: ignore[arg-type]

    def publish(self) -> None:
        self.http.serve("/ca.crl", self.ca.crl_der(), content_type="application/pkix-crl")
        self.http.serve("/ca.der", self.ca.certificate.public_bytes(serialization.Encoding.DER))


@pytest.fixture
def pki(tmp_path: Path) -> Iterator[Pki]:
    http = RevocationHttpServer()
    try:
        yield Pki(OpenSslCa.create(tmp_path / "ca"), http, closed_port())
    finally:
        http.close()


@pytest.fixture
def responders() -> Iterator[list[OcspResponder]]:
    started: list[OcspResponder] = []
    try:
        yield started
    finally:
        for responder in started:
            responder.close()


def start_ocsp(pki: Pki, responders: list[OcspResponder], **kwargs: object) -> OcspResponder:
    responder = OcspResponder(pki.ca, pki.ocsp_port, **kwargs)  # type: ignore[arg-type]
    responders.append(responder)
    return responder


def run_status_json(
    capsys: pytest.CaptureFixture[str], cert: Path, issuer: Path | None = None
) -> tuple[int, dict[str, object]]:
    argv = ["status", "--cert", str(cert), "--json"]
    if issuer is not None:
        argv += ["--issuer", str(issuer)]
    code = main(argv)
    captured = capsys.readouterr()
    return code, json.loads(captured.out)


def test_good_certificate_is_good_by_ocsp_and_crl_and_exits_0(
    pki: Pki, responders: list[OcspResponder], capsys: pytest.CaptureFixture[str]
) -> None:
    leaf = pki.issue("good.example")
    pki.publish()
    start_ocsp(pki, responders)

    code, report = run_status_json(capsys, leaf.path)

    assert code == 0
    assert report["status"] == "good"
    assert report["ocsp"]["status"] == "good"  # type: ignore[index]
    assert report["crl"]["status"] == "good"  # type: ignore[index]
    assert report["ocsp"]["responder"] == "the issuer"  # type: ignore[index]
    assert report["crl"]["url"] == pki.crl_url  # type: ignore[index]
    assert report["issuer"]["source"] == pki.issuer_url  # type: ignore[index]
    assert report["ocsp"]["nextUpdate"] is not None  # type: ignore[index]


def test_revoked_certificates_report_each_rfc5280_reason_and_exit_1(
    pki: Pki, responders: list[OcspResponder], capsys: pytest.CaptureFixture[str]
) -> None:
    revoked = {reason: pki.issue(f"{reason}.example") for reason in REVOCATION_REASONS}
    for reason, leaf in revoked.items():
        pki.ca.revoke(leaf, reason)
    pki.publish()
    start_ocsp(pki, responders)

    for reason, leaf in revoked.items():
        code, report = run_status_json(capsys, leaf.path, pki.ca.certificate_path)
        assert code == 1, reason
        assert report["status"] == "revoked"
        for method in ("ocsp", "crl"):
            answer = report[method]
            assert answer["status"] == "revoked", (method, reason)  # type: ignore[index]
            assert answer["reason"] == reason, (method, answer)  # type: ignore[index]
            assert answer["revocationTime"].endswith("Z")  # type: ignore[index]


def test_crl_and_ocsp_signed_by_another_ca_are_unknown(
    pki: Pki, responders: list[OcspResponder], tmp_path: Path
) -> None:
    leaf = pki.issue("victim.example")
    impostor = OpenSslCa.create(tmp_path / "impostor", name="Test Issuing CA")
    pki.publish()
    pki.http.serve("/ca.crl", impostor.crl_der())
    start_ocsp(pki, responders, signer_cert=impostor.certificate_path, signer_key=impostor.key_path)

    report = check_status(leaf.certificate, pki.ca.certificate)

    assert report.status == "unknown"
    assert report.crl.status == "unknown"
    assert report.crl.answered
    assert "signature does not verify" in (report.crl.error or "")
    assert report.ocsp.status == "unknown"
    assert "signature does not verify" in (report.ocsp.error or "")


def test_crl_issued_under_another_name_is_unknown(pki: Pki, tmp_path: Path) -> None:
    leaf = pki.issue("victim.example", ocsp_url=None)
    other = OpenSslCa.create(tmp_path / "other", name="Some Other CA")
    pki.publish()
    pki.http.serve("/ca.crl", other.crl_der())

    report = check_status(leaf.certificate, pki.ca.certificate)

    assert report.status == "unknown"
    assert "CRL issued by CN=Some Other CA" in (report.crl.error or "")


def test_delegated_responder_certified_for_ocsp_signing_is_trusted(
    pki: Pki, responders: list[OcspResponder]
) -> None:
    leaf = pki.issue("revoked.example")
    delegate = pki.ca.issue("OCSP Responder", extended_key_usage="OCSPSigning")
    pki.ca.revoke(leaf, "keyCompromise")
    pki.publish()
    start_ocsp(pki, responders, signer_cert=delegate.path, signer_key=delegate.key_path)

    report = check_status(leaf.certificate, pki.ca.certificate)

    assert report.ocsp.status == "revoked"
    assert report.ocsp.responder == "delegated responder CN=OCSP Responder"
    assert report.status == "revoked"


def test_delegated_responder_without_ocsp_signing_usage_is_not_trusted(
    pki: Pki, responders: list[OcspResponder]
) -> None:
    leaf = pki.issue("good.example", crl_urls=())
    delegate = pki.ca.issue("Not A Responder", extended_key_usage="serverAuth")
    pki.publish()
    start_ocsp(pki, responders, signer_cert=delegate.path, signer_key=delegate.key_path)

    report = check_status(leaf.certificate, pki.ca.certificate)

    assert report.ocsp.status == "unknown"
    assert "not certified for OCSPSigning" in (report.ocsp.error or "")
    assert report.status == "unknown"


def test_expired_crl_is_unknown_with_an_error(pki: Pki) -> None:
    from tests.integration.openssl_pki import hours_ago

    leaf = pki.issue("good.example", ocsp_url=None)
    pki.publish()
    pki.http.serve(
        "/ca.crl", pki.ca.crl_with_times(last_update=hours_ago(48), next_update=hours_ago(24))
    )

    report = check_status(leaf.certificate, pki.ca.certificate)

    assert report.crl.status == "unknown"
    assert "expired CRL" in (report.crl.error or "")
    assert report.crl.next_update is not None
    assert report.status == "unknown"


def test_unreachable_peers_leave_the_status_unknown_and_exit_2(
    pki: Pki, capsys: pytest.CaptureFixture[str]
) -> None:
    dead = f"http://127.0.0.1:{closed_port()}/ca.crl"
    leaf = pki.issue("lonely.example", crl_urls=(dead,))

    code, report = run_status_json(capsys, leaf.path, pki.ca.certificate_path)

    assert code == 2
    assert report["status"] == "unknown"
    for method in ("ocsp", "crl"):
        assert report[method]["status"] == "unknown"  # type: ignore[index]
        assert report[method]["answered"] is False  # type: ignore[index]
        assert "refused" in report[method]["error"].lower()  # type: ignore[index]


def test_good_ocsp_answer_stands_when_the_crl_is_unreachable(
    pki: Pki, responders: list[OcspResponder]
) -> None:
    dead = f"http://127.0.0.1:{closed_port()}/ca.crl"
    leaf = pki.issue("good.example", crl_urls=(dead,))
    pki.publish()
    start_ocsp(pki, responders)

    report = check_status(leaf.certificate, pki.ca.certificate)

    assert report.ocsp.status == "good"
    assert not report.crl.answered
    assert report.status == "good"


def test_unverifiable_crl_answer_keeps_a_good_ocsp_answer_from_counting(
    pki: Pki, responders: list[OcspResponder]
) -> None:
    leaf = pki.issue("good.example")
    pki.publish()
    pki.http.serve("/ca.crl", b"<!DOCTYPE html><html><body>Access Denied</body></html>")
    start_ocsp(pki, responders)

    report = check_status(leaf.certificate, pki.ca.certificate)

    assert report.ocsp.status == "good"
    assert report.crl.status == "unknown"
    assert "HTML page" in (report.crl.error or "")
    assert report.status == "unknown"


def test_garbage_crl_is_unknown(pki: Pki) -> None:
    leaf = pki.issue("good.example", ocsp_url=None)
    pki.http.serve("/ca.crl", b"\x30\x82\x01\x00garbage")

    report = check_status(leaf.certificate, pki.ca.certificate)

    assert report.crl.status == "unknown"
    assert "not a CRL" in (report.crl.error or "")


def test_missing_issuer_without_aia_is_unknown_and_says_to_pass_issuer(
    pki: Pki, capsys: pytest.CaptureFixture[str]
) -> None:
    leaf = pki.issue("orphan.example", ca_issuers_url=None)
    pki.publish()

    code, report = run_status_json(capsys, leaf.path)

    assert code == 2
    assert report["status"] == "unknown"
    assert "--issuer" in report["issuer"]["error"]  # type: ignore[index]


def test_issuer_is_fetched_from_aia_as_pem_or_pkcs7(
    pki: Pki, responders: list[OcspResponder], tmp_path: Path
) -> None:
    from tests.integration.openssl_pki import run_openssl

    pem_leaf = pki.issue("pem.example", ca_issuers_url=pki.http.url("/ca.pem"))
    p7c_leaf = pki.issue("p7c.example", ca_issuers_url=pki.http.url("/ca.p7c"))
    pki.publish()
    pki.http.serve("/ca.pem", pki.ca.certificate_path.read_bytes())
    p7c = tmp_path / "ca.p7c"
    run_openssl(
        "crl2pkcs7", "-nocrl", "-certfile", str(pki.ca.certificate_path),
        "-outform", "DER", "-out", str(p7c),
    )  # fmt: skip
    pki.http.serve("/ca.p7c", p7c.read_bytes(), content_type="application/pkcs7-mime")
    start_ocsp(pki, responders)

    for leaf, path in ((pem_leaf, "/ca.pem"), (p7c_leaf, "/ca.p7c")):
        report = check_status(leaf.certificate)
        assert report.issuer.source == pki.http.url(path)
        assert report.status == "good"


def test_aia_issuer_that_did_not_sign_the_certificate_is_rejected(pki: Pki, tmp_path: Path) -> None:
    leaf = pki.issue("good.example")
    impostor = OpenSslCa.create(tmp_path / "impostor", name="Test Issuing CA")
    pki.publish()
    pki.http.serve("/ca.der", impostor.certificate.public_bytes(serialization.Encoding.DER))

    report = check_status(leaf.certificate)

    assert report.issuer.certificate is None
    assert "no certificate there signed this certificate" in (report.issuer.error or "")
    assert report.status == "unknown"


def test_issuer_file_that_did_not_sign_the_certificate_gives_unknown(
    pki: Pki, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leaf = pki.issue("good.example")
    other = OpenSslCa.create(tmp_path / "other", name="Other CA")
    pki.publish()

    code, report = run_status_json(capsys, leaf.path, other.certificate_path)

    assert code == 2
    assert "did not sign this certificate" in report["issuer"]["error"]  # type: ignore[index]


def test_crl_behind_a_redirect_is_followed(pki: Pki) -> None:
    leaf = pki.issue("good.example", ocsp_url=None, crl_urls=(pki.http.url("/moved.crl"),))
    pki.publish()
    pki.http.serve("/moved.crl", b"", status=302, location=pki.crl_url)

    report = check_status(leaf.certificate, pki.ca.certificate)

    assert report.crl.status == "good"


def test_redirect_loop_is_cut_off(pki: Pki) -> None:
    leaf = pki.issue("good.example", ocsp_url=None, crl_urls=(pki.http.url("/a.crl"),))
    pki.http.serve("/a.crl", b"", status=302, location=pki.http.url("/b.crl"))
    pki.http.serve("/b.crl", b"", status=302, location=pki.http.url("/a.crl"))

    report = check_status(leaf.certificate, pki.ca.certificate)

    assert report.crl.status == "unknown"
    assert "redirect" in (report.crl.error or "").lower()
    assert pki.http.hits["/a.crl"] + pki.http.hits["/b.crl"] <= 5


def test_der_certificate_file_is_read(
    pki: Pki, responders: list[OcspResponder], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leaf = pki.issue("der.example")
    pki.ca.revoke(leaf, "keyCompromise")
    pki.publish()
    start_ocsp(pki, responders)
    der = tmp_path / "leaf.der"
    der.write_bytes(leaf.certificate.public_bytes(serialization.Encoding.DER))

    code, report = run_status_json(capsys, der)

    assert code == 1
    assert report["serial"] == ":".join(
        f"{b:02x}" for b in leaf.serial.to_bytes((leaf.serial.bit_length() + 7) // 8, "big")
    )


def test_table_output_names_the_verdict_and_each_method(
    pki: Pki, responders: list[OcspResponder], capsys: pytest.CaptureFixture[str]
) -> None:
    leaf = pki.issue("revoked.example")
    pki.ca.revoke(leaf, "superseded")
    pki.publish()
    start_ocsp(pki, responders)

    code = main(["status", "--cert", str(leaf.path)])
    out = capsys.readouterr().out

    assert code == 1
    assert "REVOKED" in out
    assert "OCSP" in out and "CRL" in out
    assert "superseded" in out
