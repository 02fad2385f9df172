"""`cdk-pca doctor` against moto (acm-pca, s3, kms, cloudformation), botocore's Stubber for what moto
lacks (ListPermissions), and real peers: an OpenSSL CA's DER CRL over HTTP and `openssl ocsp`."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from cdk_pca.cli import main
from cdk_pca.config import parse_config
from cdk_pca.doctor import (
    EXIT_HEALTHY,
    EXIT_PROBLEM,
    EXIT_UNDETERMINED,
    DoctorReport,
    DoctorTarget,
    ExpectedCa,
    Finding,
    diagnose,
    targets_from_config,
)
from tests.integration.openssl_pki import (
    OcspResponder,
    OpenSslCa,
    RevocationHttpServer,
    SilentListener,
    closed_port,
)

pytestmark = pytest.mark.openssl

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
BUCKET = "example-pki-crl-bucket"
ACM_ACTIONS = ["IssueCertificate", "GetCertificate", "ListPermissions"]


def _bucket_policy(actions: list[str] | None = None) -> str:
    """The statement CrlBucket writes: the four actions, on condition of the account and CA ARN."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AllowPrivateCaToPublishCrls",
                    "Effect": "Allow",
                    "Principal": {"Service": "acm-pca.amazonaws.com"},
                    "Action": actions
                    or [
                        "s3:PutObject",
                        "s3:PutObjectAcl",
                        "s3:GetBucketAcl",
                        "s3:GetBucketLocation",
                    ],
                    "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": ACCOUNT},
                        "ArnLike": {
                            "aws:SourceArn": f"arn:aws:acm-pca:{REGION}:{ACCOUNT}:certificate-authority/*"
                        },
                    },
                },
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": {"AWS": "*"},
                    "Action": "s3:*",
                    "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ],
        }
    )


class _PermissionsStubbed:
    """The moto acm-pca client, except ListPermissions (moto lacks it), answered by a Stubber."""

    def __init__(self, real: Any, permissions: dict[str, list[str]]) -> None:
        self._real = real
        self._stubbed = boto3.client("acm-pca", region_name=REGION)
        self._stubber = Stubber(self._stubbed)
        for arn, actions in permissions.items():
            listed = (
                [
                    {
                        "CertificateAuthorityArn": arn,
                        "Principal": "acm.amazonaws.com",
                        "Actions": actions,
                    }
                ]
                if actions
                else []
            )
            self._stubber.add_response(
                "list_permissions", {"Permissions": listed}, {"CertificateAuthorityArn": arn}
            )
        self._stubber.activate()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stubbed if name == "list_permissions" else self._real, name)


@dataclass
class Account:
    """A moto account with the CRL bucket of a PkiStack, OpenSSL CAs and their HTTP peers."""

    tmp_path: Path
    http: RevocationHttpServer
    permissions: dict[str, list[str]] = field(default_factory=dict)
    responders: list[OcspResponder] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.s3 = boto3.client("s3", region_name=REGION)
        self.pca = boto3.client("acm-pca", region_name=REGION)
        self.s3.create_bucket(Bucket=BUCKET)
        self.s3.put_bucket_policy(Bucket=BUCKET, Policy=_bucket_policy())
        self.s3.put_public_access_block(
            Bucket=BUCKET,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        self.s3.put_bucket_encryption(
            Bucket=BUCKET,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )

    def clients(self, service: str, region: str) -> Any:
        client = boto3.client(service, region_name=region)
        if service == "acm-pca":
            return _PermissionsStubbed(client, self.permissions)
        return client

    def openssl_ca(self, name: str = "Doctor Issuing CA") -> OpenSslCa:
        return OpenSslCa.create(self.tmp_path / f"ca-{len(list(self.tmp_path.iterdir()))}", name)

    def create_ca(
        self,
        ca: OpenSslCa | None,
        *,
        ocsp_host: str | None = None,
        crl: bool = True,
        acl: str = "BUCKET_OWNER_FULL_CONTROL",
        activate: bool = True,
    ) -> str:
        """A moto CA whose CRL CNAME is the loopback HTTP server; activated with the OpenSSL CA's
        certificate (moto takes any), so that CA's key signs what the peers serve."""
        revocation: dict[str, Any] = {
            "CrlConfiguration": {
                "Enabled": crl,
                "ExpirationInDays": 7,
                "CustomCname": self.http.base_url.removeprefix("http://"),
                "S3BucketName": BUCKET,
                "S3ObjectAcl": acl,
            },
            "OcspConfiguration": {"Enabled": ocsp_host is not None},
        }
        if ocsp_host is not None:
            revocation["OcspConfiguration"]["OcspCustomCname"] = ocsp_host
        arn = self.pca.create_certificate_authority(
            CertificateAuthorityConfiguration={
                "KeyAlgorithm": "EC_prime256v1",
                "SigningAlgorithm": "SHA256WITHECDSA",
                "Subject": {"CommonName": ca.name if ca else "Pending CA"},
            },
            RevocationConfiguration=revocation,
            CertificateAuthorityType="ROOT",
        )["CertificateAuthorityArn"]
        if activate and ca is not None:
            self.pca.import_certificate_authority_certificate(
                CertificateAuthorityArn=arn, Certificate=ca.certificate_path.read_bytes()
            )
        self.permissions[arn] = ACM_ACTIONS
        return arn

    def serve_crl(self, arn: str, body: bytes, **kwargs: object) -> None:
        self.http.serve(f"/crl/{arn.rsplit('/', 1)[1]}.crl", body, **kwargs)

    def ocsp(self, ca: OpenSslCa) -> str:
        responder = OcspResponder(ca)
        self.responders.append(responder)
        return f"127.0.0.1:{responder.port}"

    def diagnose(self, arn: str, *, acm_renewals: bool = True, **kwargs: Any) -> DoctorReport:
        expected = _expected(acm_renewals=acm_renewals)
        return diagnose([DoctorTarget("issuing", arn, expected)], clients=self.clients, **kwargs)


def _expected(**changes: Any) -> ExpectedCa:
    values: dict[str, Any] = {
        "crl_enabled": True,
        "crl_expiration_days": 7,
        "crl_custom_cname": None,
        "crl_custom_path": None,
        "crl_partitioned": False,
        "crl_omit_extension": False,
        "ocsp_enabled": True,
        "ocsp_custom_cname": None,
        "acm_renewals": True,
        "bucket_encryption": "SSE_S3",
    }
    values.update(changes)
    return ExpectedCa(**values)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield


@pytest.fixture
def account(aws_env: None, tmp_path: Path) -> Iterator[Account]:
    http = RevocationHttpServer()
    created = Account(tmp_path, http)
    try:
        yield created
    finally:
        for responder in created.responders:
            responder.close()
        http.close()


def _by_check(report: DoctorReport) -> dict[str, Finding]:
    return {finding.check: finding for finding in report.findings}


def _healthy_ca(account: Account) -> tuple[OpenSslCa, str]:
    ca = account.openssl_ca()
    arn = account.create_ca(ca, ocsp_host=account.ocsp(ca))
    account.serve_crl(arn, ca.crl_der())
    return ca, arn


def test_healthy_ca_passes_every_check(account: Account) -> None:
    _, arn = _healthy_ca(account)

    report = account.diagnose(arn)

    checks = _by_check(report)
    assert sorted(checks) == [
        "acm-permission",
        "block-public-access",
        "bucket-encryption",
        "bucket-policy",
        "crl",
        "crl-configuration",
        "ocsp",
        "ocsp-configuration",
        "status",
    ]
    assert [f for f in report.findings if not f.ok] == []
    assert report.healthy and report.exit_code == EXIT_HEALTHY
    assert "signed by this CA" in checks["crl"].detail
    # openssl ocsp answers 'unknown' for the probe serial: a signed answer for this CA.
    assert "unknown (never issued)" in checks["ocsp"].detail
    assert "the issuer" in checks["ocsp"].detail


def test_pending_ca_says_what_is_pending(account: Account) -> None:
    arn = account.create_ca(None, activate=False)

    report = account.diagnose(arn)

    status = _by_check(report)["status"]
    assert not status.ok
    assert "PENDING_CERTIFICATE" in status.detail
    assert status.fix is not None and "phase 2" in status.fix
    assert "crl" not in _by_check(report)  # no certificate to verify a CRL with
    assert report.exit_code == EXIT_PROBLEM


def test_crl_answering_403_is_a_problem_with_the_cloudfront_fix(account: Account) -> None:
    ca = account.openssl_ca()
    arn = account.create_ca(ca)
    account.serve_crl(arn, b"<Error><Code>AccessDenied</Code></Error>", status=403)

    report = account.diagnose(arn)

    crl = _by_check(report)["crl"]
    assert not crl.ok
    assert "HTTP 403" in crl.detail
    assert crl.fix is not None and "plain http" in crl.fix
    assert report.exit_code == EXIT_PROBLEM


def test_forged_crl_signed_by_another_key_is_refused(account: Account) -> None:
    ca = account.openssl_ca("Doctor Issuing CA")
    forger = account.openssl_ca("Doctor Issuing CA")  # same name, another key
    arn = account.create_ca(ca)
    account.serve_crl(arn, forger.crl_der())

    report = account.diagnose(arn)

    crl = _by_check(report)["crl"]
    assert not crl.ok
    assert "signature does not verify" in crl.detail
    assert crl.fix is not None and "forged" in crl.fix


def test_expired_crl_is_stale(account: Account) -> None:
    from tests.integration.openssl_pki import hours_ago

    ca = account.openssl_ca()
    arn = account.create_ca(ca)
    account.serve_crl(arn, ca.crl_with_times(last_update=hours_ago(48), next_update=hours_ago(1)))

    crl = _by_check(account.diagnose(arn))["crl"]

    assert not crl.ok and "expired CRL" in crl.detail
    assert crl.fix is not None and "MisconfiguredCRLBucket" in crl.fix


def test_silent_ocsp_responder_fails_within_the_deadline(account: Account) -> None:
    ca = account.openssl_ca()
    silent = SilentListener()
    try:
        arn = account.create_ca(ca, ocsp_host=silent.url.removeprefix("http://").rstrip("/"))
        account.serve_crl(arn, ca.crl_der())
        started = time.monotonic()

        report = account.diagnose(arn, timeout=1.0)

        elapsed = time.monotonic() - started
    finally:
        silent.close()
    ocsp = _by_check(report)["ocsp"]
    assert not ocsp.ok
    assert "no answer within 1 s" in ocsp.detail
    assert elapsed < 5
    assert _by_check(report)["crl"].ok  # the other checks still ran
    assert report.exit_code == EXIT_PROBLEM


def test_whole_run_is_bounded_even_when_every_peer_hangs(account: Account) -> None:
    ca = account.openssl_ca()
    silent = SilentListener()
    try:
        host = silent.url.removeprefix("http://").rstrip("/")
        arn = account.create_ca(ca, ocsp_host=host)
        started = time.monotonic()

        report = account.diagnose(arn, timeout=10.0, run_seconds=1.5)

        elapsed = time.monotonic() - started
    finally:
        silent.close()
    # The CRL server answers; OCSP hangs 10 s per request: the run ends at its own bound.
    assert elapsed < 4
    deadline = _by_check(report)["deadline"]
    assert not deadline.ok and "1.5 s" in deadline.detail
    assert report.exit_code in (EXIT_PROBLEM, EXIT_UNDETERMINED)


def test_public_read_acl_and_missing_bucket_grants_are_reported(account: Account) -> None:
    ca = account.openssl_ca()
    arn = account.create_ca(ca, acl="PUBLIC_READ")
    account.serve_crl(arn, ca.crl_der())
    account.s3.put_bucket_policy(
        Bucket=BUCKET, Policy=_bucket_policy(["s3:PutObject", "s3:GetBucketAcl"])
    )

    checks = _by_check(account.diagnose(arn))

    assert not checks["crl-configuration"].ok
    assert "S3ObjectAcl is PUBLIC_READ" in checks["crl-configuration"].detail
    policy = checks["bucket-policy"]
    assert not policy.ok
    assert "s3:PutObjectAcl, s3:GetBucketLocation" in policy.detail
    assert "s3:PutObject," not in policy.detail


def test_block_public_access_off_is_reported(account: Account) -> None:
    ca = account.openssl_ca()
    arn = account.create_ca(ca)
    account.serve_crl(arn, ca.crl_der())
    account.s3.delete_public_access_block(Bucket=BUCKET)

    bpa = _by_check(account.diagnose(arn))["block-public-access"]

    assert not bpa.ok and "BlockPublicAcls" in bpa.detail


def _kms_key(condition: dict[str, Any]) -> str:
    kms = boto3.client("kms", region_name=REGION)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Principal": {"Service": "acm-pca.amazonaws.com"},
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": "*",
                "Condition": condition,
            },
        ],
    }
    return str(kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]["Arn"])


def _encrypt_bucket_with(account: Account, key_arn: str) -> None:
    account.s3.put_bucket_encryption(
        Bucket=BUCKET,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key_arn,
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )


def test_kms_key_admitting_pca_by_bucket_encryption_context_passes(account: Account) -> None:
    ca = account.openssl_ca()
    arn = account.create_ca(ca)
    account.serve_crl(arn, ca.crl_der())
    key = _kms_key({"StringLike": {"kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{BUCKET}*"}})
    _encrypt_bucket_with(account, key)

    report = diagnose(
        [DoctorTarget("issuing", arn, _expected(bucket_encryption="SSE_KMS"))],
        clients=account.clients,
    )

    encryption = _by_check(report)["bucket-encryption"]
    assert encryption.ok, encryption.detail
    assert key in encryption.detail


def test_kms_key_conditioned_on_source_account_is_a_problem(account: Account) -> None:
    ca = account.openssl_ca()
    arn = account.create_ca(ca)
    account.serve_crl(arn, ca.crl_der())
    _encrypt_bucket_with(account, _kms_key({"StringEquals": {"aws:SourceAccount": ACCOUNT}}))

    report = diagnose(
        [DoctorTarget("issuing", arn, _expected(bucket_encryption="SSE_KMS"))],
        clients=account.clients,
    )

    encryption = _by_check(report)["bucket-encryption"]
    assert not encryption.ok
    assert "aws:SourceAccount" in encryption.detail
    assert encryption.fix is not None and "kms:EncryptionContext:aws:s3:arn" in encryption.fix


def test_encryption_other_than_the_config_says_is_reported(account: Account) -> None:
    ca = account.openssl_ca()
    arn = account.create_ca(ca)
    account.serve_crl(arn, ca.crl_der())

    report = diagnose(
        [DoctorTarget("issuing", arn, _expected(bucket_encryption="SSE_KMS"))],
        clients=account.clients,
    )

    encryption = _by_check(report)["bucket-encryption"]
    assert not encryption.ok and "the config says SSE_KMS" in encryption.detail


def test_missing_acm_permission_is_reported(account: Account) -> None:
    ca = account.openssl_ca()
    arn = account.create_ca(ca)
    account.serve_crl(arn, ca.crl_der())
    account.permissions[arn] = ["IssueCertificate"]

    permission = _by_check(account.diagnose(arn))["acm-permission"]

    assert not permission.ok
    assert "GetCertificate, ListPermissions" in permission.detail
    assert permission.fix is not None and "create-permission" in permission.fix


def test_revocation_configuration_is_compared_with_the_config(account: Account) -> None:
    ca = account.openssl_ca()
    arn = account.create_ca(ca)  # OCSP off
    account.serve_crl(arn, ca.crl_der())

    report = diagnose(
        [DoctorTarget("issuing", arn, _expected(crl_expiration_days=30, ocsp_enabled=True))],
        clients=account.clients,
    )

    checks = _by_check(report)
    assert "ExpirationInDays is 7, the config says 30" in checks["crl-configuration"].detail
    assert "OCSP is disabled, the config says enabled" in checks["ocsp-configuration"].detail


def test_unreachable_pca_endpoint_is_undetermined_not_a_traceback(aws_env: None) -> None:
    port = closed_port()

    def clients(service: str, region: str) -> Any:
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=f"http://127.0.0.1:{port}",
            config=__import__("botocore.config").config.Config(retries={"max_attempts": 1}),
        )

    arn = f"arn:aws:acm-pca:ap-southeast-7:{ACCOUNT}:certificate-authority/{'0' * 8}-0000-0000-0000-{'0' * 12}"
    report = diagnose([DoctorTarget(arn, arn)], clients=clients)

    status = _by_check(report)["status"]
    assert not status.ok and not status.determined
    assert "cannot reach the acm-pca endpoint in ap-southeast-7" in status.detail
    assert report.exit_code == EXIT_UNDETERMINED


# --- the command line --------------------------------------------------------------------------


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_unknown_arn_is_a_failed_check_in_json(
    aws_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    arn = f"arn:aws:acm-pca:{REGION}:{ACCOUNT}:certificate-authority/12345678-1234-1234-1234-123456789012"

    code, out, err = _run(["doctor", "--ca-arn", arn, "--json"], capsys)

    assert code == EXIT_PROBLEM
    data = json.loads(out)
    assert data == {
        "healthy": False,
        "checks": [
            {
                "ca": arn,
                "check": "status",
                "ok": False,
                "detail": f"no private CA {arn} in account {ACCOUNT}, {REGION}",
                "fix": "check the ARN (ARNs are regional), or the stack's outputs for the CA's ARN",
            }
        ],
    }
    assert err == ""


def test_cli_without_credentials_is_one_line_exit_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    arn = f"arn:aws:acm-pca:{REGION}:{ACCOUNT}:certificate-authority/12345678-1234-1234-1234-123456789012"
    started = time.monotonic()

    code, out, err = _run(["doctor", "--ca-arn", arn], capsys)

    assert code == EXIT_UNDETERMINED
    assert out == ""
    assert err.count("\n") == 1 and "no AWS credentials found" in err
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--ca-arn", "arn:aws:acm:us-east-1:123456789012:certificate/x"], "not a private CA ARN"),
        (
            [
                "--ca-arn",
                f"arn:aws:acm-pca:eu-west-1:{ACCOUNT}:certificate-authority/12345678-1234-1234-1234-123456789012",
                "--region",
                "us-east-1",
            ],
            "is in eu-west-1, not --region us-east-1",
        ),
        (["--config", "does-not-exist.yaml"], "does-not-exist.yaml"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(
    aws_env: None, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = _run(["doctor", *argv], capsys)

    assert code == EXIT_UNDETERMINED
    assert message in err and err.count("\n") == 1
    assert "Traceback" not in err and out == ""


_CONFIG = """
name: doctor-pki
region: us-east-1
certificate_authorities:
  - name: root
    type: ROOT
    subject: {common_name: Doctor Root}
    key_algorithm: RSA_2048
    validity_days: 3650
    crl: {enabled: true}
  - name: issuing-ca
    type: SUBORDINATE
    parent: root
    subject: {common_name: Doctor Issuing}
    key_algorithm: EC_prime256v1
    validity_days: 1000
    ocsp: {enabled: true}
    acm_renewals: true
"""


def _stack(outputs: dict[str, str] | None, status: str = "CREATE_COMPLETE") -> Any:
    """A CloudFormation client whose DescribeStacks answers like a deployed PkiStack (Stubber:
    moto's CloudFormation needs openapi-spec-validator, and knows no AWS::ACMPCA:: resources)."""
    client = boto3.client("cloudformation", region_name=REGION)
    stubber = Stubber(client)
    if outputs is None:
        stubber.add_client_error(
            "describe_stacks",
            service_error_code="ValidationError",
            service_message="Stack with id doctor-pki does not exist",
            expected_params={"StackName": "doctor-pki"},
        )
    else:
        stack = {
            "StackName": "doctor-pki",
            "CreationTime": "2026-01-01T00:00:00Z",
            "StackStatus": status,
            "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
        }
        stubber.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": "doctor-pki"})
    stubber.activate()
    return client


def _with_cloudformation(account: Account, cloudformation: Any) -> Any:
    def clients(service: str, region: str) -> Any:
        return cloudformation if service == "cloudformation" else account.clients(service, region)

    return clients


def test_config_finds_cas_by_stack_outputs_and_reports_undeployed_ones(aws_env: None) -> None:
    config = parse_config(_CONFIG)

    targets, findings = targets_from_config(
        config, cloudformation=_stack({"RootCaArn": "arn:placeholder"})
    )

    assert [(t.label, t.arn) for t in targets] == [("root", "arn:placeholder")]
    assert targets[0].expected is not None and targets[0].expected.crl_enabled
    by_check = {f.check: f for f in findings}
    assert by_check["stack"].ok
    assert not by_check["found"].ok and by_check["found"].ca == "issuing-ca"
    assert "no output IssuingCaCaArn" in by_check["found"].detail


def test_rolled_back_stack_is_a_problem(aws_env: None) -> None:
    config = parse_config(_CONFIG)

    _, findings = targets_from_config(
        config, cloudformation=_stack({}, status="UPDATE_ROLLBACK_COMPLETE")
    )

    stack = next(f for f in findings if f.check == "stack")
    assert not stack.ok and "UPDATE_ROLLBACK_COMPLETE" in stack.detail


def _run_config(
    account: Account, config: Path, cloudformation: Any, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    from cdk_pca.cli import build_parser
    from cdk_pca.cli.doctor import run_doctor
    from cdk_pca.cli.errors import CliError

    args = build_parser().parse_args(["doctor", "--config", str(config), "--json"])
    try:
        code = run_doctor(args, clients=_with_cloudformation(account, cloudformation))
    except CliError as exc:
        code = exc.exit_code
        print(f"error: {exc}", file=__import__("sys").stderr)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_config_checks_the_deployed_stack(
    account: Account, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = account.create_ca(None, activate=False)
    config = tmp_path / "pki.yaml"
    config.write_text(_CONFIG)

    code, out, err = _run_config(account, config, _stack({"RootCaArn": root}), capsys)

    assert code == EXIT_PROBLEM, err
    checks = {(c["ca"], c["check"]): c for c in json.loads(out)["checks"]}
    assert checks[("doctor-pki", "stack")]["ok"]
    assert "PENDING_CERTIFICATE" in checks[("root", "status")]["detail"]
    assert not checks[("issuing-ca", "found")]["ok"]


def test_cli_config_without_a_deployed_stack_is_one_line_exit_2(
    account: Account, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "pki.yaml"
    config.write_text(_CONFIG)

    code, out, err = _run_config(account, config, _stack(None), capsys)

    assert code == EXIT_UNDETERMINED and out == ""
    assert "stack 'doctor-pki' does not exist in us-east-1" in err and err.count("\n") == 1


def test_text_output_prints_each_problem_with_its_fix(
    account: Account, capsys: pytest.CaptureFixture[str]
) -> None:
    arn = account.create_ca(None, activate=False)
    # The command's own client factory, against moto (a pending CA asks no ListPermissions).
    code, out, _ = _run(["doctor", "--ca-arn", arn], capsys)

    assert code == EXIT_PROBLEM
    assert f"FAIL {arn}  status: the CA is PENDING_CERTIFICATE" in out
    assert "fix: install its certificate" in out
    assert out.rstrip().endswith("not healthy: 1 problem(s), 0 check(s) could not be made")


# --- a config with environments: each environment's stack, in its region, if in our account ----

_ORG_CONFIG = f"""
name: doctor-org
environments:
  security: {{account: "{ACCOUNT}", region: {REGION}}}
  work: {{account: "222222222222", region: eu-west-1}}
certificate_authorities:
  - name: root
    environment: security
    type: ROOT
    subject: {{common_name: Doctor Org Root}}
    key_algorithm: EC_prime256v1
    validity_days: 3650
    crl: {{enabled: true, expiration_days: 7}}
    ocsp: {{enabled: true}}
    acm_renewals: true
  - name: work-root
    environment: work
    type: ROOT
    subject: {{common_name: Doctor Org Work Root}}
    key_algorithm: EC_prime256v1
    validity_days: 3650
"""


def _org_stack(outputs: dict[str, str]) -> Any:
    """DescribeStacks of the security environment's stack, `<name>-<environment>`, only."""
    client = boto3.client("cloudformation", region_name=REGION)
    stubber = Stubber(client)
    stack = {
        "StackName": "doctor-org-security",
        "CreationTime": "2026-01-01T00:00:00Z",
        "StackStatus": "CREATE_COMPLETE",
        "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
    }
    stubber.add_response(
        "describe_stacks", {"Stacks": [stack]}, {"StackName": "doctor-org-security"}
    )
    stubber.activate()
    return client


def _run_org(
    account: Account,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    *extra: str,
    outputs: dict[str, str] | None = None,
) -> tuple[int, str, str]:
    from cdk_pca.cli import build_parser
    from cdk_pca.cli.doctor import run_doctor
    from cdk_pca.cli.errors import CliError

    config = tmp_path / "org.yaml"
    config.write_text(_ORG_CONFIG)
    args = build_parser().parse_args(["doctor", "--config", str(config), "--json", *extra])
    try:
        code = run_doctor(args, clients=_with_cloudformation(account, _org_stack(outputs or {})))
    except CliError as exc:
        code = exc.exit_code
        print(f"error: {exc}", file=__import__("sys").stderr)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_config_with_environments_checks_those_of_the_callers_account(
    account: Account, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, arn = _healthy_ca(account)

    code, out, err = _run_org(account, tmp_path, capsys, outputs={"RootCaArn": arn})

    report = json.loads(out)
    assert code == EXIT_HEALTHY, report
    assert set(report) == {"healthy", "checks"} and report["healthy"]
    checks = {(c["ca"], c["check"]) for c in report["checks"]}
    assert ("doctor-org-security", "stack") in checks and ("root", "status") in checks
    assert all(set(c) == {"ca", "check", "ok", "detail", "fix"} for c in report["checks"])
    assert not any(c["ca"] == "work-root" for c in report["checks"])
    assert err == (
        "note: environment work (stack doctor-org-work) is in account 222222222222, the "
        f"credentials are for account {ACCOUNT}: not checked; run doctor --config "
        f"{tmp_path / 'org.yaml'} --environment work with credentials for 222222222222\n"
    )


def test_cli_environment_of_another_account_checks_nothing_exit_2(
    account: Account, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run_org(account, tmp_path, capsys, "--environment", "work")

    assert code == EXIT_UNDETERMINED and out == ""
    assert err == (
        f"error: nothing checked: the credentials are for account {ACCOUNT}, and environment "
        "work is in account 222222222222: run doctor with credentials for that account "
        "(--environment NAME checks one)\n"
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--environment", "nowhere"],
            "--environment 'nowhere' is not an environment of {path}; expected one of: "
            "security, work",
        ),
        (["--region", "eu-west-1"], "--region eu-west-1: the environments of {path} name"),
    ],
)
def test_cli_bad_environment_arguments_are_one_line_exit_2(
    account: Account,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    code, out, err = _run_org(account, tmp_path, capsys, *extra)

    assert code == EXIT_UNDETERMINED and out == ""
    assert message.format(path=tmp_path / "org.yaml") in err and err.count("\n") == 1


def test_cli_environment_without_environments_is_refused(
    aws_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "pki.yaml"
    config.write_text(_CONFIG)

    code, out, err = _run(["doctor", "--config", str(config), "--environment", "security"], capsys)

    assert code == EXIT_UNDETERMINED and out == ""
    assert f"--environment security: {config} has no environments" in err
