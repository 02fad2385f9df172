"""The canary Lambda: botocore Stubber for PCA (throttled, pending, disabled), moto for CloudWatch.

One PutMetricData per run, dimension PrivateCAArn, and no failure ever escapes the handler.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from cdk_pca.runtime.canary_handler import NAMESPACE, crl_url, ocsp_url, run
from tests.integration.openssl_pki import OpenSslCa, RevocationHttpServer

ARN = "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555"
ARN2 = "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/66666666-2222-3333-4444-555555555555"


@pytest.fixture
def cloudwatch() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("cloudwatch", region_name="us-east-1")


def _describe(status: str, revocation: dict[str, Any] | None = None) -> dict[str, Any]:
    authority: dict[str, Any] = {"Arn": ARN, "Status": status}
    if revocation is not None:
        authority["RevocationConfiguration"] = revocation
    return {"CertificateAuthority": authority}


def _metric_names(cloudwatch: Any) -> set[tuple[str, str]]:
    listed = cloudwatch.list_metrics(Namespace=NAMESPACE)["Metrics"]
    return {(m["MetricName"], m["Dimensions"][0]["Value"]) for m in listed}


def test_crl_url_follows_pca_cdp_format() -> None:
    revocation = {"CrlConfiguration": {"Enabled": True, "S3BucketName": "b", "CustomPath": "x/"}}
    assert crl_url(ARN, revocation) == (
        "http://b.s3.us-east-1.amazonaws.com/x/11111111-2222-3333-4444-555555555555.crl"
    )
    cname = {"CrlConfiguration": {"Enabled": True, "CustomCname": "crl.example.com"}}
    assert crl_url(ARN, cname) == (
        "http://crl.example.com/crl/11111111-2222-3333-4444-555555555555.crl"
    )
    assert crl_url(ARN, {"CrlConfiguration": {"Enabled": False}}) is None
    assert ocsp_url(ARN, {"OcspConfiguration": {"Enabled": True}}) == (
        "http://ocsp.acm-pca.us-east-1.amazonaws.com"
    )


def test_active_ca_publishes_its_metrics_once(
    tmp_path: Path, http: RevocationHttpServer, cloudwatch: Any
) -> None:
    ca = OpenSslCa.create(tmp_path / "ca")
    host = http.base_url.removeprefix("http://")
    http.serve("/crl/11111111-2222-3333-4444-555555555555.crl", ca.crl_der())
    pca = boto3.client("acm-pca", region_name="us-east-1")
    revocation = {"CrlConfiguration": {"Enabled": True, "CustomCname": host}}
    with Stubber(pca) as stub:
        stub.add_response("describe_certificate_authority", _describe("ACTIVE", revocation))
        stub.add_response(
            "get_certificate_authority_certificate",
            {"Certificate": ca.certificate_path.read_text()},
        )
        outcome = run(pca, cloudwatch, [ARN], budget_seconds=20)
    assert outcome["published"] is True
    assert {"CrlReachable", "CrlValid", "CaCertificateDaysToExpiry"} <= {
        name for name, arn in _metric_names(cloudwatch) if arn == ARN
    }
    stats = cloudwatch.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName="CrlValid",
        Dimensions=[{"Name": "PrivateCAArn", "Value": ARN}],
        StartTime="2000-01-01T00:00:00Z",
        EndTime="2100-01-01T00:00:00Z",
        Period=60,
        Statistics=["Minimum"],
    )["Datapoints"]
    assert [point["Minimum"] for point in stats] == [1.0]


def test_throttled_and_pending_cas_are_problems_not_failures(cloudwatch: Any) -> None:
    pca = boto3.client("acm-pca", region_name="us-east-1")
    with Stubber(pca) as stub:
        # The pool runs both; each stubbed call is answered in order of arrival, so make
        # both answers failures of a kind the handler must absorb.
        stub.add_client_error("describe_certificate_authority", "ThrottlingException")
        stub.add_response("describe_certificate_authority", _describe("PENDING_CERTIFICATE"))
        outcome = run(pca, cloudwatch, [ARN, ARN2], budget_seconds=10)
    assert outcome["metrics"] == 0
    assert outcome["published"] is False
    text = " ".join(line for lines in outcome["problems"].values() for line in lines)
    assert "ThrottlingException" in text
    assert "PENDING_CERTIFICATE" in text


def test_disabled_ca_still_reports_certificate_expiry(tmp_path: Path, cloudwatch: Any) -> None:
    ca = OpenSslCa.create(tmp_path / "ca")
    pca = boto3.client("acm-pca", region_name="us-east-1")
    with Stubber(pca) as stub:
        stub.add_response("describe_certificate_authority", _describe("DISABLED", {}))
        stub.add_response(
            "get_certificate_authority_certificate",
            {"Certificate": ca.certificate_path.read_text()},
        )
        outcome = run(pca, cloudwatch, [ARN], budget_seconds=10)
    assert outcome["published"] is True
    assert ("CaCertificateDaysToExpiry", ARN) in _metric_names(cloudwatch)
    assert any("DISABLED" in line for line in outcome["problems"][ARN])


def test_run_ends_within_its_budget_when_a_crl_hangs(tmp_path: Path, cloudwatch: Any) -> None:
    import time

    from tests.integration.openssl_pki import SilentListener

    ca = OpenSslCa.create(tmp_path / "ca")
    silent = SilentListener()
    host = silent.url.removeprefix("http://").rstrip("/")
    pca = boto3.client("acm-pca", region_name="us-east-1")
    revocation = {"CrlConfiguration": {"Enabled": True, "CustomCname": host}}
    try:
        with Stubber(pca) as stub:
            stub.add_response("describe_certificate_authority", _describe("ACTIVE", revocation))
            stub.add_response(
                "get_certificate_authority_certificate",
                {"Certificate": ca.certificate_path.read_text()},
            )
            started = time.monotonic()
            outcome = run(pca, cloudwatch, [ARN], budget_seconds=3)
            elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert elapsed < 3.5
    assert outcome["published"] is True
    assert ("CrlReachable", ARN) in _metric_names(cloudwatch)


def test_failed_put_metric_data_is_logged_not_raised(tmp_path: Path) -> None:
    ca = OpenSslCa.create(tmp_path / "ca")
    pca = boto3.client("acm-pca", region_name="us-east-1")
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
    with Stubber(pca) as stub, Stubber(cloudwatch) as cw_stub:
        stub.add_response("describe_certificate_authority", _describe("ACTIVE", {}))
        stub.add_response(
            "get_certificate_authority_certificate",
            {"Certificate": ca.certificate_path.read_text()},
        )
        cw_stub.add_client_error("put_metric_data", "AccessDenied")
        outcome = run(pca, cloudwatch, [ARN], budget_seconds=5)
    assert outcome["published"] is False
    assert outcome["metrics"] == 1


def test_ocsp_probe_asks_a_root_about_itself_and_a_subordinate_about_a_probe() -> None:
    from cdk_pca.runtime.canary_handler import ocsp_probe
    from tests.integration.openssl_pki import MemoryCa, pem

    root = MemoryCa.create()
    subordinate = root.issue("Memory Issuing CA", serial=0xABC)
    assert ocsp_probe(root.pem) == (root.certificate.serial_number, True)
    assert ocsp_probe(pem(subordinate)) == (0xABC, False)
    assert ocsp_probe("not a certificate") == (None, False)
