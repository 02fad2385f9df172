"""`cdk-pca revoke --wait`: polls the CA's real CRL and OCSP responder (OpenSSL) until both agree."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cdk_pca.cli import main
from cdk_pca.cli import revocation as cli_revocation
from cdk_pca.revocation import revoke as revoke_module
from cdk_pca.revocation.aws import parse_ca_arn
from cdk_pca.revocation.fetch import ConditionalCache, FetchError, fetch
from cdk_pca.revocation.revoke import CertificateAuthority, RevocationTarget, revocation_urls
from tests.integration.openssl_pki import (
    IssuedCertificate,
    OcspResponder,
    OpenSslCa,
    RevocationHttpServer,
    closed_port,
)
from tests.unit.test_revoke import CA_ARN, CA_ID, REGION, StubbedAws

pytestmark = pytest.mark.openssl


class OpenSslBackedCa:
    """An OpenSSL CA standing in for the PCA CA: AWS answers are stubbed, CRL/OCSP are real."""

    def __init__(self, tmp_path: Path) -> None:
        self.ca = OpenSslCa.create(tmp_path / "ca")
        self.http = RevocationHttpServer()
        self.ocsp_port = closed_port()
        self.responder: OcspResponder | None = None

    def issue(self) -> IssuedCertificate:
        return self.ca.issue(
            "leaked.example",
            ocsp_url=f"http://127.0.0.1:{self.ocsp_port}/",
            crl_urls=(self.http.url("/ca.crl"),),
        )

    def publish(self) -> None:
        self.http.serve("/ca.crl", self.ca.crl_der())
        self.responder = OcspResponder(self.ca, self.ocsp_port)

    def expect_aws(self, aws: StubbedAws, serial: str) -> None:
        pem = self.ca.certificate_path.read_text()
        aws.pca.add_response(
            "describe_certificate_authority",
            {
                "CertificateAuthority": {
                    "Arn": CA_ARN,
                    "Type": "SUBORDINATE",
                    "Status": "ACTIVE",
                    "RevocationConfiguration": {
                        "CrlConfiguration": {"Enabled": True, "S3BucketName": "crl-bucket"},
                        "OcspConfiguration": {"Enabled": True},
                    },
                }
            },
            {"CertificateAuthorityArn": CA_ARN},
        )
        aws.pca.add_response("get_certificate_authority_certificate", {"Certificate": pem})
        aws.expect_revoke(serial, "KEY_COMPROMISE")

    def close(self) -> None:
        if self.responder is not None:
            self.responder.close()
        self.http.close()


@pytest.fixture
def backed(tmp_path: Path) -> Iterator[OpenSslBackedCa]:
    ca = OpenSslBackedCa(tmp_path)
    try:
        yield ca
    finally:
        ca.close()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> StubbedAws:
    stubbed = StubbedAws()
    monkeypatch.setattr(cli_revocation, "_clients", lambda: stubbed.factory)
    monkeypatch.setattr(revoke_module, "DEFAULT_POLL_SECONDS", 0.2)
    return stubbed


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["revoke", "--ca-arn", CA_ARN, *argv])
    return code, capsys.readouterr().out


def colon_serial(leaf: IssuedCertificate) -> str:
    return RevocationTarget(leaf.serial, "test").certificate_serial


def test_wait_confirms_when_crl_and_ocsp_both_show_the_revocation(
    backed: OpenSslBackedCa, aws: StubbedAws, capsys: pytest.CaptureFixture[str]
) -> None:
    leaf = backed.issue()
    backed.ca.revoke(leaf, "keyCompromise")
    backed.publish()
    backed.expect_aws(aws, colon_serial(leaf))

    code, out = run(
        capsys, "--cert", str(leaf.path), "--reason", "KEY_COMPROMISE", "--wait", "--json"
    )
    report: dict[str, Any] = json.loads(out)

    assert code == 0
    assert report["wait"]["confirmed"] is True
    assert report["wait"]["ocsp"]["status"] == "revoked"
    assert report["wait"]["crl"]["status"] == "revoked"
    assert report["wait"]["crl"]["reason"] == "keyCompromise"
    assert report["wait"]["crlVisibleAfterSeconds"] >= 0
    assert report["wait"]["ocspVisibleAfterSeconds"] >= 0
    aws.assert_done()


def test_wait_times_out_with_exit_3_while_the_crl_still_says_good(
    backed: OpenSslBackedCa, aws: StubbedAws, capsys: pytest.CaptureFixture[str]
) -> None:
    leaf = backed.issue()
    backed.publish()  # published before the revocation reaches it, as right after the API call
    backed.expect_aws(aws, colon_serial(leaf))

    code, out = run(
        capsys, "--cert", str(leaf.path), "--reason", "KEY_COMPROMISE",
        "--wait", "--timeout", "0.5", "--json",
    )  # fmt: skip
    report: dict[str, Any] = json.loads(out)

    assert code == 3
    assert report["revoked"] is True
    assert report["wait"]["confirmed"] is False
    assert report["wait"]["crl"]["status"] == "good"
    assert report["wait"]["ocsp"]["status"] == "good"


def test_wait_for_people_shows_each_method_and_the_outcome(
    backed: OpenSslBackedCa, aws: StubbedAws, capsys: pytest.CaptureFixture[str]
) -> None:
    leaf = backed.issue()
    backed.ca.revoke(leaf, "keyCompromise")
    backed.publish()
    backed.expect_aws(aws, colon_serial(leaf))

    code, out = run(capsys, "--cert", str(leaf.path), "--reason", "KEY_COMPROMISE", "--wait")

    assert code == 0
    assert "revoked" in out
    assert "visible to clients" in out
    assert "OCSP: revoked" in out and "CRL:  revoked" in out


def test_urls_without_a_certificate_come_from_the_revocation_configuration() -> None:
    authority = CertificateAuthority(
        arn=parse_ca_arn(CA_ARN),
        type="SUBORDINATE",
        status="ACTIVE",
        certificate=None,
        revocation_configuration={
            "CrlConfiguration": {
                "Enabled": True,
                "S3BucketName": "pki-crls",
                "CustomCname": "crl.example.com",
                "CustomPath": "/pki/",
            },
            "OcspConfiguration": {"Enabled": True},
        },
    )

    ocsp, crl, notes = revocation_urls(authority, RevocationTarget(0xAB, "--serial"))

    assert ocsp == [f"http://ocsp.acm-pca.{REGION}.amazonaws.com"]
    assert crl == [f"http://crl.example.com/pki/{CA_ID}.crl"]
    assert notes == []


def test_urls_default_to_the_bucket_host_and_crl_path() -> None:
    authority = CertificateAuthority(
        arn=parse_ca_arn(CA_ARN),
        type="ROOT",
        status="ACTIVE",
        certificate=None,
        revocation_configuration={
            "CrlConfiguration": {"Enabled": True, "S3BucketName": "pki-crls"},
            "OcspConfiguration": {"Enabled": True, "OcspCustomCname": "ocsp.example.com"},
        },
    )

    ocsp, crl, _ = revocation_urls(authority, RevocationTarget(0xAB, "--serial"))

    assert ocsp == ["http://ocsp.example.com"]
    assert crl == [f"http://pki-crls.s3.{REGION}.amazonaws.com/crl/{CA_ID}.crl"]


def test_a_crl_that_has_not_changed_is_not_downloaded_again(tmp_path: Path) -> None:
    ca = OpenSslCa.create(tmp_path / "ca")
    http = RevocationHttpServer()
    try:
        url = http.serve("/ca.crl", ca.crl_der(), etag='"v1"')
        cache = ConditionalCache()

        first = fetch(url, cache=cache)
        second = fetch(url, cache=cache)
        http.serve("/ca.crl", b"new body", etag='"v2"')
        third = fetch(url, cache=cache)
    finally:
        http.close()

    assert not first.not_modified and first.etag == '"v1"'
    assert second.not_modified and second.body == first.body
    assert third.body == b"new body" and not third.not_modified
    assert http.not_modified == {"/ca.crl": 1} and cache.not_modified == 1


def test_a_304_to_a_request_that_was_not_conditional_is_an_error(tmp_path: Path) -> None:
    http = RevocationHttpServer()
    try:
        url = http.serve("/ca.crl", b"", status=304)
        with pytest.raises(FetchError, match="304 to a request that was not conditional"):
            fetch(url, cache=ConditionalCache())
    finally:
        http.close()


def test_wait_measures_when_the_crl_shows_the_revocation_and_polls_conditionally(
    tmp_path: Path,
) -> None:
    ca = OpenSslCa.create(tmp_path / "ca")
    http = RevocationHttpServer()
    leaf = ca.issue("leaked.example", crl_urls=(http.url("/ca.crl"),))
    http.serve("/ca.crl", ca.crl_der(), etag='"before"')
    authority = CertificateAuthority(
        arn=parse_ca_arn(CA_ARN),
        type="SUBORDINATE",
        status="ACTIVE",
        certificate=ca.certificate,
        revocation_configuration={"CrlConfiguration": {"Enabled": True}},
    )
    target = RevocationTarget(leaf.serial, "--cert", leaf.certificate)
    clock = [0.0]
    polls = [0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds
        polls[0] += 1
        if polls[0] == 3:  # PCA publishes the new CRL between the third and fourth poll
            ca.revoke(leaf, "keyCompromise")
            http.serve("/ca.crl", ca.crl_der(), etag='"after"')

    try:
        result = revoke_module.wait_until_visible(
            authority, target, timeout_seconds=600, poll_seconds=60,
            clock=lambda: clock[0], sleep=sleep,
        )  # fmt: skip
    finally:
        http.close()

    assert result.confirmed and result.crl is not None and result.crl.status == "revoked"
    assert result.crl_seconds == 180.0 and result.ocsp_seconds is None
    assert result.crl_not_modified == 2 == http.not_modified["/ca.crl"]
