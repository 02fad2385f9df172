"""The integ-runner tests without an AWS account: snapshots compared offline, their assertions
present, and the sweep that `make integ` runs after them (against moto)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.integ.sweep import sweep
from tests.integration.openssl_pki import MemoryCa, pem

PROJECT_ROOT = Path(__file__).resolve().parents[2]
INTEG_DIR = PROJECT_ROOT / "tests" / "integ"
INTEG_RUNNER = PROJECT_ROOT / "node_modules" / ".bin" / "integ-runner"
INTEG_TESTS = ("integ_default", "integ_kms")


def _offline_env(tmp_path: Path) -> dict[str, str]:
    """No credentials, no metadata service, and every proxied request to a dead port: a snapshot
    comparison that tried the network would fail, not quietly pass."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_") and key not in {"CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION"}
    }
    env.update(
        {
            "PATH": os.pathsep.join(
                [str(INTEG_RUNNER.parent), str(Path(sys.executable).parent), env.get("PATH", "")]
            ),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
            "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
            "HTTP_PROXY": "http://127.0.0.1:9",
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "NO_PROXY": "",
            "CDK_DISABLE_VERSION_CHECK": "1",
            "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1",
        }
    )
    return env


def test_integ_snapshots_match_offline(tmp_path: Path) -> None:
    completed = subprocess.run(
        [
            str(INTEG_RUNNER),
            "--language",
            "python",
            "--app",
            f"{sys.executable} {{filePath}}",
            "--directory",
            str(INTEG_DIR.relative_to(PROJECT_ROOT)),
            "--max-workers",
            "2",
        ],
        cwd=PROJECT_ROOT,
        env=_offline_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=420,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-3000:]
    for name in INTEG_TESTS:
        assert f"UNCHANGED  {name}" in output, output[-3000:]
    assert "Running integration tests" not in output  # compared only, nothing deployed


def _assert_template(test: str) -> dict[str, Any]:
    snapshot = INTEG_DIR / f"{test}.py.snapshot"
    (path,) = [p for p in snapshot.glob("*DeployAssert*.template.json")]
    return dict(json.loads(path.read_text())["Resources"])


@pytest.mark.parametrize("test", INTEG_TESTS)
def test_integ_snapshot_asserts_what_the_issue_asks(test: str) -> None:
    resources = _assert_template(test)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for resource in resources.values():
        by_type.setdefault(resource["Type"], []).append(resource["Properties"])
    describe = by_type["Custom::DeployAssert@SdkCallACMPCAdescribeCertificateAuthori"]
    assert len(describe) == 2  # root and issuing, each ACTIVE
    assert all("ACTIVE" in p["expected"] for p in describe)
    (issue,) = by_type["Custom::DeployAssert@SdkCallACMPCAissueCertificate"]
    assert "BEGIN CERTIFICATE REQUEST" in json.dumps(issue["parameters"])
    assert "Custom::DeployAssert@SdkCallACMPCAgetCertificate" in by_type
    http_calls = json.dumps(by_type["Custom::DeployAssert@HttpCall"])
    assert http_calls.count(".crl") == 2  # the root's and the issuing CA's CRL
    assert "CrlDistribution" in http_calls and '"http://"' in http_calls
    assert "application/ocsp-response" in http_calls
    # The default PKI has no custom OCSP name: AWS's responder. The KMS variant has one, so its
    # stack has an OCSP distribution, and OCSP is asked through it (its exported domain name).
    through_proxy = "OcspDistribution" in http_calls
    assert through_proxy == (test == "integ_kms"), http_calls
    assert ("ocsp.acm-pca." in http_calls) == (not through_proxy)


def test_integ_csr_is_the_same_at_every_synth() -> None:
    sys.path.insert(0, str(INTEG_DIR))
    try:
        from pki_integ import certificate_request_pem  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(INTEG_DIR))
    assert certificate_request_pem() == certificate_request_pem()


# --- the sweep ---------------------------------------------------------------------------------


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


def _clients(service: str) -> Any:
    return boto3.client(service, region_name="us-east-1")


def _ca(pki: str, *, activate: bool) -> str:
    pca = _clients("acm-pca")
    arn = str(
        pca.create_certificate_authority(
            CertificateAuthorityConfiguration={
                "KeyAlgorithm": "RSA_2048",
                "SigningAlgorithm": "SHA256WITHRSA",
                "Subject": {"CommonName": pki},
            },
            CertificateAuthorityType="ROOT",
            Tags=[{"Key": "pki", "Value": pki}],
        )["CertificateAuthorityArn"]
    )
    if activate:
        pca.import_certificate_authority_certificate(
            CertificateAuthorityArn=arn, Certificate=pem(MemoryCa.create().certificate).encode()
        )
    return arn


def _bucket(name: str, pki: str) -> None:
    s3 = _clients("s3")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "pki", "Value": pki}]})
    for body in (b"one", b"two"):
        s3.put_object(Bucket=name, Key="crl/x.crl", Body=body)


def test_sweep_deletes_only_what_integration_tests_tagged(aws: None) -> None:
    active = _ca("cdk-pca-integ-default", activate=True)
    pending = _ca("cdk-pca-integ-kms", activate=False)
    real = _ca("example-pki", activate=True)
    _bucket("cdk-pca-integ-default-crlbucket-1", "cdk-pca-integ-default")
    _bucket("cdk-pca-integ-lookalike", "example-pki")
    kms = _clients("kms")
    ours = kms.create_key(Tags=[{"TagKey": "pki", "TagValue": "cdk-pca-integ-kms"}])
    theirs = kms.create_key(Tags=[{"TagKey": "pki", "TagValue": "example-pki"}])

    done = sweep(clients=_clients)

    pca = _clients("acm-pca")

    def status(arn: str) -> str:
        return str(
            pca.describe_certificate_authority(CertificateAuthorityArn=arn)["CertificateAuthority"][
                "Status"
            ]
        )

    assert status(active) == "DELETED" and status(pending) == "DELETED"
    assert status(real) == "ACTIVE"
    buckets = {b["Name"] for b in _clients("s3").list_buckets()["Buckets"]}
    assert buckets == {"cdk-pca-integ-lookalike"}
    assert kms.describe_key(KeyId=ours["KeyMetadata"]["KeyId"])["KeyMetadata"]["KeyState"] == (
        "PendingDeletion"
    )
    assert kms.describe_key(KeyId=theirs["KeyMetadata"]["KeyId"])["KeyMetadata"]["KeyState"] == (
        "Enabled"
    )
    assert len(done) == 4


def test_sweep_dry_run_deletes_nothing(aws: None) -> None:
    arn = _ca("cdk-pca-integ-default", activate=True)

    done = sweep(clients=_clients, dry_run=True)

    assert done == [f"delete CA {arn} (ACTIVE)"]
    status = _clients("acm-pca").describe_certificate_authority(CertificateAuthorityArn=arn)
    assert status["CertificateAuthority"]["Status"] == "ACTIVE"
