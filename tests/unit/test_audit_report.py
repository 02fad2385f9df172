"""`cdk-pca audit-report`: the exact requests (botocore Stubber), the wait, and the refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.stub import Stubber

from cdk_pca import audit
from cdk_pca.cli import main
from cdk_pca.cli import revocation as cli_revocation
from tests.unit.test_revoke import CA_ARN, CA_ID, StubbedAws

REPORT_ID = "11111111-2222-3333-4444-555555555555"
KEY = f"audit-report/{CA_ID}/{REPORT_ID}.csv"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> StubbedAws:
    stubbed = StubbedAws()
    monkeypatch.setattr(cli_revocation, "_clients", lambda: stubbed.factory)
    monkeypatch.setattr(audit, "DEFAULT_POLL_SECONDS", 0.01)
    return stubbed


def expect_create(pca: Stubber, report_format: str = "CSV") -> None:
    pca.add_response(
        "create_certificate_authority_audit_report",
        {"AuditReportId": REPORT_ID, "S3Key": KEY},
        {
            "CertificateAuthorityArn": CA_ARN,
            "S3BucketName": "pki-audit",
            "AuditReportResponseFormat": report_format,
        },
    )


def expect_describe(pca: Stubber, status: str) -> None:
    pca.add_response(
        "describe_certificate_authority_audit_report",
        {"AuditReportStatus": status, "S3BucketName": "pki-audit", "S3Key": KEY},
        {"CertificateAuthorityArn": CA_ARN, "AuditReportId": REPORT_ID},
    )


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["audit-report", "--ca-arn", CA_ARN, "--bucket", "pki-audit", *argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_report_is_requested_and_its_s3_location_printed(
    aws: StubbedAws, capsys: pytest.CaptureFixture[str]
) -> None:
    expect_create(aws.pca, "CSV")

    code, out, _ = run(capsys, "--format", "csv")

    assert code == 0
    assert out.strip() == f"CREATING  s3://pki-audit/{KEY}"
    aws.assert_done()


def test_wait_polls_until_success(aws: StubbedAws, capsys: pytest.CaptureFixture[str]) -> None:
    expect_create(aws.pca, "JSON")
    expect_describe(aws.pca, "CREATING")
    expect_describe(aws.pca, "CREATING")
    expect_describe(aws.pca, "SUCCESS")

    code, out, _ = run(capsys, "--wait", "--json")
    report: dict[str, Any] = json.loads(out)

    assert code == 0
    assert report["status"] == "SUCCESS"
    assert report["s3Uri"] == f"s3://pki-audit/{KEY}"
    aws.assert_done()


def test_failed_report_exits_2_with_a_bucket_hint(
    aws: StubbedAws, capsys: pytest.CaptureFixture[str]
) -> None:
    expect_create(aws.pca, "JSON")
    expect_describe(aws.pca, "FAILED")

    code, out, err = run(capsys, "--wait")

    assert code == 2
    assert out.startswith("FAILED")
    assert "bucket policy" in err


def test_wait_gives_up_after_its_timeout_with_exit_3(
    aws: StubbedAws, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "DEFAULT_WAIT_SECONDS", 0.015)
    expect_create(aws.pca, "JSON")
    for _ in range(3):
        expect_describe(aws.pca, "CREATING")

    code, out, _ = run(capsys, "--wait", "--json")

    assert code == 3
    assert json.loads(out)["status"] == "CREATING"


def test_a_second_report_within_30_minutes_is_explained(
    aws: StubbedAws, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.pca.add_client_error(
        "create_certificate_authority_audit_report",
        service_error_code="RequestInProgressException",
        service_message="The request is already in progress",
    )

    code, _, err = run(capsys)

    assert code == 2
    assert "one every 30 minutes" in err
    assert len(err.strip().splitlines()) == 1


def test_bucket_permission_problems_name_the_policy_needs(
    aws: StubbedAws, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.pca.add_client_error(
        "create_certificate_authority_audit_report",
        service_error_code="InvalidArgsException",
        service_message="Permission error with your S3 bucket",
    )

    code, _, err = run(capsys)

    assert code == 2
    assert "acm-pca.amazonaws.com" in err and "s3:GetBucketAcl" in err


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--format", "XML"], "--format 'XML'"),
        (["--ca-arn", "arn:aws:acm-pca:eu-west-1:1:certificate-authority/x"], "--ca-arn"),
    ],
)
def test_bad_input_is_refused_before_any_call(
    aws: StubbedAws, capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
) -> None:
    code, _, err = run(capsys, *argv)

    assert code == 2
    assert fragment in err
    assert aws.requested_regions == []


@pytest.mark.parametrize("bucket", ["Upper-Case", "ab", "a..b", "-start", "192.168.1.1"])
def test_bad_bucket_name_is_refused(
    aws: StubbedAws, capsys: pytest.CaptureFixture[str], bucket: str
) -> None:
    code = main(["audit-report", "--ca-arn", CA_ARN, f"--bucket={bucket}"])
    err = capsys.readouterr().err

    assert code == 2
    assert "is not an S3 bucket name" in err
    assert aws.requested_regions == []
