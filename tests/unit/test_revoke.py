"""`cdk-pca revoke`: the exact RevokeCertificate request (botocore Stubber), and every refusal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from cdk_pca.cli import main
from cdk_pca.cli import revocation as cli_revocation
from cdk_pca.revocation.certificates import CertificateInputError, colon_hex_serial, parse_serial
from tests.integration.openssl_pki import MemoryCa, pem

REGION = "eu-west-1"
CA_ID = "12345678-1234-1234-1234-123456789012"
CA_ARN = f"arn:aws:acm-pca:{REGION}:111122223333:certificate-authority/{CA_ID}"
CERT_ARN = f"{CA_ARN}/certificate/0123456789abcdef0123456789abcdef"
ACM_ARN = f"arn:aws:acm:{REGION}:111122223333:certificate/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


class StubbedAws:
    """Real botocore clients with Stubbers: a request that differs from the expected one fails."""

    def __init__(self) -> None:
        self.clients: dict[tuple[str, str], Any] = {}
        self.stubbers: dict[str, Stubber] = {}
        for service in ("acm-pca", "acm"):
            client = boto3.client(
                service,
                region_name=REGION,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            self.clients[(service, REGION)] = client
            self.stubbers[service] = Stubber(client)
            self.stubbers[service].activate()
        self.requested_regions: list[tuple[str, str]] = []

    def factory(self, service: str, region: str) -> Any:
        self.requested_regions.append((service, region))
        return self.clients[(service, region)]

    @property
    def pca(self) -> Stubber:
        return self.stubbers["acm-pca"]

    @property
    def acm(self) -> Stubber:
        return self.stubbers["acm"]

    def expect_ca(self, ca: MemoryCa, *, ca_type: str = "SUBORDINATE") -> None:
        self.pca.add_response(
            "describe_certificate_authority",
            {
                "CertificateAuthority": {
                    "Arn": CA_ARN,
                    "Type": ca_type,
                    "Status": "ACTIVE",
                    "RevocationConfiguration": {
                        "CrlConfiguration": {"Enabled": True, "S3BucketName": "crl-bucket"},
                        "OcspConfiguration": {"Enabled": True},
                    },
                }
            },
            {"CertificateAuthorityArn": CA_ARN},
        )
        self.pca.add_response(
            "get_certificate_authority_certificate",
            {"Certificate": ca.pem},
            {"CertificateAuthorityArn": CA_ARN},
        )

    def expect_revoke(self, serial: str, reason: str) -> None:
        self.pca.add_response(
            "revoke_certificate",
            {},
            {
                "CertificateAuthorityArn": CA_ARN,
                "CertificateSerial": serial,
                "RevocationReason": reason,
            },
        )

    def assert_done(self) -> None:
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[StubbedAws]:
    stubbed = StubbedAws()
    monkeypatch.setattr(cli_revocation, "_clients", lambda: stubbed.factory)
    yield stubbed


@pytest.fixture
def ca() -> MemoryCa:
    return MemoryCa.create("Issuing CA")


def revoke(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    try:
        code = main(["revoke", "--ca-arn", CA_ARN, *argv, "--json"])
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if captured.out else {}), captured.err


@pytest.mark.parametrize(
    ("written", "certificate_serial"),
    [
        ("4B:E2:01", "4b:e2:01"),
        ("0x4be201", "4b:e2:01"),
        ("4be201", "4b:e2:01"),
        ("abc", "0a:bc"),  # odd length: a leading zero makes whole octets
        ("00:80:01", "80:01"),  # the DER sign octet is not part of the number
        ("0A 1B 2C", "0a:1b:2c"),
    ],
)
def test_serial_is_sent_as_colon_separated_lowercase_octets(
    aws: StubbedAws,
    ca: MemoryCa,
    capsys: pytest.CaptureFixture[str],
    written: str,
    certificate_serial: str,
) -> None:
    aws.expect_ca(ca)
    aws.expect_revoke(certificate_serial, "KEY_COMPROMISE")

    code, report, err = revoke(capsys, "--serial", written, "--reason", "KEY_COMPROMISE")

    assert code == 0, err
    assert report["serial"] == certificate_serial
    assert report["revoked"] is True
    aws.assert_done()
    assert aws.requested_regions == [("acm-pca", REGION)]


def test_serial_of_a_certificate_file_is_revoked(
    aws: StubbedAws, ca: MemoryCa, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    leaf = ca.issue("leaked.example", serial=0x00F1_0203_0405)
    cert_file = tmp_path / "leaked.pem"
    cert_file.write_text(pem(leaf))
    aws.expect_ca(ca)
    aws.expect_revoke("f1:02:03:04:05", "SUPERSEDED")

    code, report, err = revoke(capsys, "--cert", str(cert_file), "--reason", "superseded")

    assert code == 0, err
    assert report["reason"] == "SUPERSEDED"
    aws.assert_done()


def test_certificate_arn_is_resolved_with_get_certificate(
    aws: StubbedAws, ca: MemoryCa, capsys: pytest.CaptureFixture[str]
) -> None:
    leaf = ca.issue("service.example", serial=0x1234)
    aws.pca.add_response(
        "get_certificate",
        {"Certificate": pem(leaf), "CertificateChain": ca.pem},
        {"CertificateAuthorityArn": CA_ARN, "CertificateArn": CERT_ARN},
    )
    aws.expect_ca(ca)
    aws.expect_revoke("12:34", "CESSATION_OF_OPERATION")

    code, report, err = revoke(
        capsys, "--certificate-arn", CERT_ARN, "--reason", "CESSATION_OF_OPERATION"
    )

    assert code == 0, err
    assert report["serialFrom"] == "GetCertificate"
    aws.assert_done()


def test_public_acm_certificate_is_refused_without_revoking(
    aws: StubbedAws, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.acm.add_response(
        "describe_certificate",
        {"Certificate": {"CertificateArn": ACM_ARN, "Type": "AMAZON_ISSUED"}},
        {"CertificateArn": ACM_ARN},
    )

    code, _, err = revoke(capsys, "--certificate-arn", ACM_ARN, "--reason", "KEY_COMPROMISE")

    assert code == 2
    assert "only AWS Support can revoke" in err
    assert len(err.strip().splitlines()) == 1
    aws.assert_done()


def test_private_acm_certificate_is_revoked_by_its_serial(
    aws: StubbedAws, ca: MemoryCa, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.acm.add_response(
        "describe_certificate",
        {
            "Certificate": {
                "CertificateArn": ACM_ARN,
                "Type": "PRIVATE",
                "CertificateAuthorityArn": CA_ARN,
                "Serial": "0f:ee:12",
            }
        },
        {"CertificateArn": ACM_ARN},
    )
    aws.expect_ca(ca)
    aws.expect_revoke("0f:ee:12", "AFFILIATION_CHANGED")

    code, _, err = revoke(capsys, "--certificate-arn", ACM_ARN, "--reason", "AFFILIATION_CHANGED")

    assert code == 0, err
    aws.assert_done()


def test_private_acm_certificate_of_another_ca_is_refused(
    aws: StubbedAws, capsys: pytest.CaptureFixture[str]
) -> None:
    other_ca = CA_ARN.replace("12345678-", "87654321-")
    aws.acm.add_response(
        "describe_certificate",
        {
            "Certificate": {
                "CertificateArn": ACM_ARN,
                "Type": "PRIVATE",
                "CertificateAuthorityArn": other_ca,
                "Serial": "0f:ee:12",
            }
        },
        {"CertificateArn": ACM_ARN},
    )

    code, _, err = revoke(capsys, "--certificate-arn", ACM_ARN, "--reason", "SUPERSEDED")

    assert code == 2
    assert f"was issued by CA {other_ca}" in err


def test_certificate_arn_under_another_ca_is_refused_before_any_call(
    aws: StubbedAws, capsys: pytest.CaptureFixture[str]
) -> None:
    other = CERT_ARN.replace("12345678-", "87654321-")

    code, _, err = revoke(capsys, "--certificate-arn", other, "--reason", "SUPERSEDED")

    assert code == 2
    assert "revoke it with the CA that issued it" in err
    assert aws.requested_regions == []


def test_root_ca_own_certificate_is_refused(
    aws: StubbedAws, ca: MemoryCa, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.expect_ca(ca, ca_type="ROOT")

    code, _, err = revoke(
        capsys, "--serial", f"{ca.certificate.serial_number:x}", "--reason", "KEY_COMPROMISE"
    )

    assert code == 2
    assert "root CA's own self-signed certificate" in err
    aws.assert_done()  # and no RevokeCertificate was stubbed: the Stubber would have failed


def test_subordinate_ca_own_certificate_points_to_the_parent(
    aws: StubbedAws, ca: MemoryCa, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.expect_ca(ca, ca_type="SUBORDINATE")

    code, _, err = revoke(
        capsys, "--serial", f"{ca.certificate.serial_number:x}", "--reason", "KEY_COMPROMISE"
    )

    assert code == 2
    assert "parent CA's ARN" in err


def test_certificate_from_another_ca_is_refused(
    aws: StubbedAws, ca: MemoryCa, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stranger = MemoryCa.create("Stranger CA").issue("elsewhere.example")
    cert_file = tmp_path / "elsewhere.pem"
    cert_file.write_text(pem(stranger))
    aws.expect_ca(ca)

    code, _, err = revoke(capsys, "--cert", str(cert_file), "--reason", "KEY_COMPROMISE")

    assert code == 2
    assert "was not issued by" in err
    assert "CN=Stranger CA" in err


def test_already_revoked_serial_is_success_with_a_note(
    aws: StubbedAws, ca: MemoryCa, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.expect_ca(ca)
    aws.pca.add_client_error(
        "revoke_certificate",
        service_error_code="RequestAlreadyProcessedException",
        service_message="Your request has already been completed.",
        expected_params={
            "CertificateAuthorityArn": CA_ARN,
            "CertificateSerial": "0a:bc",
            "RevocationReason": "KEY_COMPROMISE",
        },
    )

    code, report, _ = revoke(capsys, "--serial", "abc", "--reason", "KEY_COMPROMISE")

    assert code == 0
    assert report["alreadyRevoked"] is True
    assert any("already revoked" in note for note in report["notes"])


def test_access_denied_mentions_the_crl_bucket(
    aws: StubbedAws, ca: MemoryCa, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.expect_ca(ca)
    aws.pca.add_client_error(
        "revoke_certificate", service_error_code="AccessDeniedException", service_message="no"
    )

    code, _, err = revoke(capsys, "--serial", "abc", "--reason", "KEY_COMPROMISE")

    assert code == 2
    assert "write access to the CA's CRL bucket" in err
    assert len(err.strip().splitlines()) == 1


def test_missing_ca_is_one_line_with_a_region_hint(
    aws: StubbedAws, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.pca.add_client_error(
        "describe_certificate_authority",
        service_error_code="ResourceNotFoundException",
        service_message="Could not find certificate authority",
    )

    code, _, err = revoke(capsys, "--serial", "abc", "--reason", "KEY_COMPROMISE")

    assert code == 2
    assert "ResourceNotFoundException" in err
    assert "region" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("reason", ["keyCompromise", "REVOKED", "", "CERTIFICATE_HOLD"])
def test_bad_reason_is_refused_before_any_aws_call(
    aws: StubbedAws, capsys: pytest.CaptureFixture[str], reason: str
) -> None:
    code, _, err = revoke(capsys, "--serial", "abc", "--reason", reason)

    assert code == 2
    assert "--reason" in err and "KEY_COMPROMISE" in err
    assert aws.requested_regions == []


@pytest.mark.parametrize(
    ("reason", "hint"),
    [
        ("keyCompromise", "(the RFC 5280 name of KEY_COMPROMISE?)"),
        ("cACompromise", "(the RFC 5280 name of CERTIFICATE_AUTHORITY_COMPROMISE?)"),
        ("certificateHold", "(AWS Private CA cannot put a certificate on hold)"),
        ("CERTIFICATE_HOLD", "(AWS Private CA cannot put a certificate on hold)"),
    ],
)
def test_rfc5280_reason_names_that_status_prints_point_at_the_api_name(
    aws: StubbedAws, capsys: pytest.CaptureFixture[str], reason: str, hint: str
) -> None:
    code, _, err = revoke(capsys, "--serial", "abc", "--reason", reason)

    assert code == 2
    assert hint in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "ca_arn",
    [
        "not-an-arn",
        f"arn:aws:acm:{REGION}:111122223333:certificate-authority/{CA_ID}",
        CERT_ARN,
        f"arn:aws:acm-pca:{REGION}:1111:certificate-authority/{CA_ID}",
    ],
)
def test_malformed_ca_arn_is_refused(
    aws: StubbedAws, capsys: pytest.CaptureFixture[str], ca_arn: str
) -> None:
    code = main(["revoke", "--ca-arn", ca_arn, "--serial", "ab", "--reason", "SUPERSEDED"])
    err = capsys.readouterr().err

    assert code == 2
    assert "--ca-arn" in err and "certificate-authority/CA-UUID" in err
    assert aws.requested_regions == []


@pytest.mark.parametrize("serial", ["xyz", "0x", "", "00", "ab" * 22])
def test_malformed_serial_is_refused(
    aws: StubbedAws, capsys: pytest.CaptureFixture[str], serial: str
) -> None:
    code, _, err = revoke(capsys, "--serial", serial, "--reason", "SUPERSEDED")

    assert code == 2
    assert "--serial" in err
    assert aws.requested_regions == []


def test_timeout_without_wait_is_refused_before_any_call(
    aws: StubbedAws, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = revoke(capsys, "--serial", "ab", "--reason", "SUPERSEDED", "--timeout", "60")

    assert code == 2
    assert "only applies with --wait" in err
    assert aws.requested_regions == []


@pytest.mark.parametrize("timeout", ["0", "-5", "soon"])
def test_timeout_must_be_a_positive_number(
    capsys: pytest.CaptureFixture[str], timeout: str
) -> None:
    code, _, err = revoke(
        capsys, "--serial", "ab", "--reason", "SUPERSEDED", "--wait", f"--timeout={timeout}"
    )

    assert code == 2
    assert "--timeout" in err


def test_two_ways_of_naming_the_certificate_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = revoke(capsys, "--serial", "ab", "--cert", "x.pem", "--reason", "SUPERSEDED")

    assert code == 2
    assert "not allowed with argument" in err


def test_colon_hex_round_trips_through_parse_serial() -> None:
    for serial in (1, 0xFF, 0x100, 0x80_00, 2**159 - 1):
        assert parse_serial(colon_hex_serial(serial)) == serial
    with pytest.raises(CertificateInputError):
        colon_hex_serial(-1)


def test_missing_credentials_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)

    code = main(["revoke", "--ca-arn", CA_ARN, "--serial", "ab", "--reason", "SUPERSEDED"])
    err = capsys.readouterr().err

    assert code == 2
    assert "no AWS credentials found" in err
    assert len(err.strip().splitlines()) == 1
