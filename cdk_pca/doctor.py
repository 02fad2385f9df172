"""`cdk-pca doctor` as a library: read-only checks that a deployed PKI works, one finding per check.

Plain boto3 and cryptography (no aws_cdk): CA status, revocation settings, CRL bucket, CRL and OCSP.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

from botocore.exceptions import BotoCoreError, ClientError
from cryptography import x509

from cdk_pca.revocation.aws import ClientFactory, error_code, error_message, parse_ca_arn
from cdk_pca.revocation.certificates import is_issued_by
from cdk_pca.revocation.crl import evaluate_crl
from cdk_pca.revocation.fetch import MAX_TIMEOUT_SECONDS, FetchError, fetch
from cdk_pca.revocation.ocsp import build_request, evaluate_response
from cdk_pca.revocation.result import GOOD, REVOKED
from cdk_pca.vocabulary import ca_output_key

# Exit codes of the contract (DESIGN.md): 0 every check passed, 1 a problem found, 2 could not check.
EXIT_HEALTHY: Final = 0
EXIT_PROBLEM: Final = 1
EXIT_UNDETERMINED: Final = 2

# Every request (AWS API, CRL, OCSP) has its own deadline of at most 10 s; the whole run has this
# bound on top, so a run over many CAs with slow peers still ends.
DEFAULT_RUN_SECONDS: Final = 90.0

PCA_SERVICE_PRINCIPAL: Final = "acm-pca.amazonaws.com"
ACM_SERVICE_PRINCIPAL: Final = "acm.amazonaws.com"
# What PCA needs on its CRL bucket (the same four actions CrlBucket grants).
# https://docs.aws.amazon.com/privateca/latest/userguide/crl-planning.html#s3-policies
PCA_BUCKET_ACTIONS: Final = (
    "s3:PutObject",
    "s3:PutObjectAcl",
    "s3:GetBucketAcl",
    "s3:GetBucketLocation",
)
_BUCKET_LEVEL_ACTIONS: Final = frozenset({"s3:GetBucketAcl", "s3:GetBucketLocation"})
# With Block Public Access on, PCA must write with this ACL (its default, PUBLIC_READ, fails).
# https://docs.aws.amazon.com/privateca/latest/userguide/crl-planning.html#s3-bpa
CRL_OBJECT_ACL: Final = "BUCKET_OWNER_FULL_CONTROL"
# A customer-managed key must let PCA encrypt what it writes; the aws/s3 managed key is refused.
# https://docs.aws.amazon.com/privateca/latest/userguide/crl-planning.html#crl-encryption
PCA_KEY_ACTIONS: Final = ("kms:GenerateDataKey", "kms:Decrypt")
# The guide conditions that statement on the bucket ARN as encryption context (with the S3 Bucket
# Key); aws:SourceAccount/SourceArn are absent when S3, not PCA, calls KMS (DESIGN.md, facts).
_KMS_S3_CONTEXT_KEY: Final = "kms:encryptioncontext:aws:s3:arn"
_SERVICE_CALL_KEYS: Final = frozenset({"aws:sourceaccount", "aws:sourcearn"})
# ACM renews the private certificates it issued only with all three actions on the CA.
# https://docs.aws.amazon.com/privateca/latest/APIReference/API_Permission.html
ACM_PERMISSION_ACTIONS: Final = ("IssueCertificate", "GetCertificate", "ListPermissions")

# What evaluate_response says when a response verified (signer, signature, CertID, nonce, times)
# but the certificate status is unknown: for a serial the CA never issued that is still a signed
# answer for this CA, which is all the OCSP check asks of the responder.
OCSP_UNKNOWN_STATUS_ERROR: Final = "the responder does not know this certificate (status unknown)"
# The serial asked about when the run knows no certificate the CA issued: never a real one.
OCSP_PROBE_SERIAL: Final = 0x0DC70C0DC70C0DC70C0DC70C0DC70C01

# Per CA status: what it means and what to do. Statuses per the API reference:
# https://docs.aws.amazon.com/privateca/latest/APIReference/API_CertificateAuthority.html
_STATUS_ADVICE: Final = {
    "CREATING": (
        "is still being created",
        "wait a minute and run doctor again",
    ),
    "PENDING_CERTIFICATE": (
        "is PENDING_CERTIFICATE: it has no CA certificate installed, so it issues nothing",
        "install its certificate: for external_parent, deploy phase 2 with certificate_file and "
        "chain_file; otherwise redeploy the stack (its CertificateAuthorityActivation failed)",
    ),
    "DISABLED": (
        "is DISABLED: it issues nothing and its OCSP answers stop",
        "aws acm-pca update-certificate-authority --certificate-authority-arn ARN --status ACTIVE",
    ),
    "EXPIRED": (
        "is EXPIRED: its CA certificate has passed notAfter",
        "install a renewed CA certificate (import-certificate-authority-certificate) or replace "
        "the CA",
    ),
    "FAILED": (
        "is FAILED: its creation failed",
        "read FailureReason in describe-certificate-authority, delete the CA and redeploy",
    ),
    "DELETED": (
        "is DELETED (scheduled for deletion)",
        "restore it within its restore period: aws acm-pca restore-certificate-authority",
    ),
}
_STATUSES_WITH_CERTIFICATE: Final = frozenset({"ACTIVE", "DISABLED", "EXPIRED"})


class DoctorError(Exception):
    """Nothing could be checked (bad input, no credentials, no such stack): one line, exit 2."""


@dataclass(frozen=True)
class Finding:
    """One check of one CA. `determined` is False when the check could not be made (access
    denied, endpoint unreachable, out of time): not a verdict, so it never alone makes exit 1."""

    ca: str
    check: str
    ok: bool
    detail: str
    fix: str | None = None
    determined: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "ca": self.ca,
            "check": self.check,
            "ok": self.ok,
            "detail": self.detail,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class DoctorReport:
    findings: tuple[Finding, ...]

    @property
    def healthy(self) -> bool:
        return bool(self.findings) and all(finding.ok for finding in self.findings)

    @property
    def exit_code(self) -> int:
        if any(not finding.ok and finding.determined for finding in self.findings):
            return EXIT_PROBLEM
        if not self.healthy:
            return EXIT_UNDETERMINED
        return EXIT_HEALTHY

    def to_json(self) -> dict[str, Any]:
        return {
            "healthy": self.healthy,
            "checks": [finding.to_json() for finding in self.findings],
        }


@dataclass(frozen=True)
class ExpectedCa:
    """What the config says about one CA's deployment (compared with what AWS reports)."""

    crl_enabled: bool
    crl_expiration_days: int
    crl_custom_cname: str | None  # None: the stack's CloudFront domain, whatever it is
    crl_custom_path: str | None
    crl_partitioned: bool
    crl_omit_extension: bool
    ocsp_enabled: bool
    ocsp_custom_cname: str | None
    acm_renewals: bool
    bucket_encryption: str  # SSE_S3 | SSE_KMS

    @classmethod
    def from_config(cls, ca: Any, *, bucket_encryption: str) -> ExpectedCa:
        return cls(
            crl_enabled=ca.crl.enabled,
            crl_expiration_days=ca.crl.expiration_days,
            crl_custom_cname=ca.crl.custom_cname,
            crl_custom_path=ca.crl.custom_path,
            crl_partitioned=ca.crl.partitioned,
            crl_omit_extension=ca.crl.omit_extension,
            ocsp_enabled=ca.ocsp.enabled,
            ocsp_custom_cname=ca.ocsp.custom_cname,
            acm_renewals=ca.acm_renewals,
            bucket_encryption=bucket_encryption,
        )


@dataclass(frozen=True)
class DoctorTarget:
    """A CA to check: `label` is its name in the config, or its ARN."""

    label: str
    arn: str
    expected: ExpectedCa | None = None


# --- finding the CAs of a deployed config -------------------------------------------------------


def targets_from_config(
    config: Any,
    *,
    cloudformation: Any,
    stack_name: str | None = None,
    environment: str | None = None,
) -> tuple[list[DoctorTarget], list[Finding]]:
    """The CAs of the config's deployed stack, by the stack's `<Ca>Arn` outputs (DescribeStacks);
    with `environment`, that environment's stack (`<name>-<environment>`) and its CAs.

    A CA of the config without an output is a finding (not deployed, or deployed from another
    config); a missing stack is a DoctorError: there is nothing to check.
    """
    name = stack_name or config.stack_name(environment)
    try:
        stacks = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except ClientError as exc:
        if error_code(exc) == "ValidationError" and "does not exist" in error_message(exc):
            raise DoctorError(
                f"stack {name!r} does not exist in {_client_region(cloudformation)}: deploy it "
                "(make deploy), or pass --region, or check CAs by --ca-arn"
            ) from None
        raise
    stack = stacks[0]
    findings: list[Finding] = []
    status = str(stack.get("StackStatus", ""))
    # A stack whose last operation failed may hold CAs that the config no longer describes.
    if status.endswith("_COMPLETE") and "ROLLBACK" not in status:
        findings.append(Finding(name, "stack", True, f"stack {name} is {status}"))
    else:
        findings.append(
            Finding(
                name,
                "stack",
                False,
                f"stack {name} is {status}: its last operation did not complete",
                "read the stack's events (aws cloudformation describe-stack-events) and redeploy",
            )
        )
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    encryption = str(config.crl_bucket.encryption)
    targets: list[DoctorTarget] = []
    cas = config.cas_in(environment) if environment else config.certificate_authorities
    for ca in cas:
        key = ca_output_key(ca.name)
        arn = outputs.get(key)
        if arn is None:
            findings.append(
                Finding(
                    ca.name,
                    "found",
                    False,
                    f"stack {name} has no output {key}: the CA is not deployed from this config",
                    "deploy this config (make deploy CONFIG=...), or check the CA by --ca-arn",
                )
            )
            continue
        targets.append(
            DoctorTarget(ca.name, arn, ExpectedCa.from_config(ca, bucket_encryption=encryption))
        )
    return targets, findings


def _client_region(client: Any) -> str:
    return str(getattr(getattr(client, "meta", None), "region_name", None) or "this region")


# --- the run ------------------------------------------------------------------------------------


def doctor_client_factory() -> ClientFactory:
    """boto3 clients with a 10 s deadline per attempt and few retries: doctor must end quickly."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session()
    lock = threading.Lock()  # boto3 sessions are not thread-safe while they create clients
    config = Config(
        connect_timeout=5,
        read_timeout=MAX_TIMEOUT_SECONDS,
        retries={"mode": "standard", "max_attempts": 2},
    )

    def make(service: str, region: str) -> Any:
        with lock:
            return session.client(service, region_name=region, config=config)

    return make


def diagnose(
    targets: Sequence[DoctorTarget],
    *,
    clients: ClientFactory,
    now: datetime | None = None,
    timeout: float | None = None,
    run_seconds: float = DEFAULT_RUN_SECONDS,
    findings: Iterable[Finding] = (),
) -> DoctorReport:
    """Check every target, CAs in parallel; `timeout` bounds each HTTP request (default 10 s or
    CDK_PCA_HTTP_TIMEOUT), `run_seconds` the whole run. Never raises for what AWS or a peer says."""
    moment = now or datetime.now(UTC)
    deadline = time.monotonic() + run_seconds
    checkers = [_CaChecker(target, clients, moment, timeout) for target in targets]
    # Phase 1: status and CA certificate of every CA. Phase 2 may then ask a parent's responder
    # about a child CA's serial: a certificate the parent really issued.
    _run_all([checker.describe for checker in checkers], deadline, run_seconds)
    certificates = [c.certificate for c in checkers if c.certificate is not None]
    _run_all(
        [functools.partial(checker.check_rest, certificates) for checker in checkers],
        deadline,
        run_seconds,
    )
    collected = list(findings)
    for checker in checkers:
        collected.extend(checker.result(run_seconds))
    return DoctorReport(tuple(collected))


T = TypeVar("T")


def _run_all(tasks: list[Callable[[], None]], deadline: float, run_seconds: float) -> None:
    """Run tasks in daemon threads until done or the deadline: a thread stuck past it is left
    behind (daemon: it does not hold the process) and its CA reports the unfinished checks."""
    threads = [threading.Thread(target=task, daemon=True) for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))


class _CaChecker:
    """The checks of one CA; findings are appended under a lock so a late thread cannot race."""

    def __init__(
        self, target: DoctorTarget, clients: ClientFactory, now: datetime, timeout: float | None
    ) -> None:
        self.target = target
        self.clients = clients
        self.now = now
        self.timeout = timeout
        self.description: dict[str, Any] | None = None
        self.certificate: x509.Certificate | None = None
        self._findings: list[Finding] = []
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._closed = False
        arn = parse_ca_arn(target.arn)
        self.region = arn.region
        self.account = arn.account
        self.partition = arn.partition
        self.ca_id = arn.ca_id

    # -- bookkeeping

    def add(self, check: str, ok: bool, detail: str, fix: str | None = None) -> None:
        self._add(Finding(self.target.label, check, ok, detail, None if ok else fix))

    def _add(self, finding: Finding) -> None:
        with self._lock:
            if not self._closed:
                self._findings.append(finding)

    def result(self, run_seconds: float) -> list[Finding]:
        with self._lock:
            self._closed = True
            findings = list(self._findings)
        if not self._done.is_set():
            findings.append(
                Finding(
                    self.target.label,
                    "deadline",
                    False,
                    f"checks did not finish within the run's {run_seconds:g} s bound",
                    "run doctor again; if it persists, check the network path to AWS and to the "
                    "CRL and OCSP hosts",
                    determined=False,
                )
            )
        return findings

    def aws(self, check: str, permission: str, call: Callable[..., T], **kwargs: Any) -> T:
        """An AWS read; any failure becomes an undetermined finding and raises _Stop."""
        try:
            return call(**kwargs)
        except ClientError as exc:
            code = error_code(exc) or "error"
            fix = (
                f"grant the caller {permission} (README: the read permissions doctor needs)"
                if "AccessDenied" in code or code == "UnauthorizedOperation"
                else None
            )
            detail = f"{permission} failed: {code}: {error_message(exc)}"
        except BotoCoreError as exc:
            name = type(exc).__name__
            if name in {"NoCredentialsError", "PartialCredentialsError"}:
                detail = f"no AWS credentials ({name})"
                fix = "set AWS_PROFILE, or run 'aws configure' / 'aws sso login'"
            elif name == "EndpointConnectionError":
                detail = (
                    f"cannot reach the {permission.split(':')[0]} endpoint in {self.region}: "
                    f"{exc} (is the service offered in this region?)"
                )
                fix = "check the region, and that AWS Private CA is offered there"
            else:
                detail = f"{permission} failed: {name}: {' '.join(str(exc).split())}"
                fix = None
        self._add(
            Finding(self.target.label, check, False, detail, fix or "retry", determined=False)
        )
        raise _Stop

    # -- phase 1

    def describe(self) -> None:
        try:
            self._describe()
        except _Stop:
            self._done.set()
        except Exception as exc:  # a bug or a surprise from a peer: one finding, never a traceback
            self._add(self._unexpected("status", exc))
            self._done.set()

    def _describe(self) -> None:
        pca = self.clients("acm-pca", self.region)
        permission = "acm-pca:DescribeCertificateAuthority"
        try:
            description = pca.describe_certificate_authority(
                CertificateAuthorityArn=self.target.arn
            )
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                self.add(
                    "status",
                    False,
                    f"no private CA {self.target.arn} in account {self.account}, {self.region}",
                    "check the ARN (ARNs are regional), or the stack's outputs for the CA's ARN",
                )
                raise _Stop from None
            description = self.aws("status", permission, _raiser(exc))
        except BotoCoreError as exc:
            description = self.aws("status", permission, _raiser(exc))
        self.description = description["CertificateAuthority"]
        status = str(self.description.get("Status", "UNKNOWN"))
        if status == "ACTIVE":
            self.add("status", True, "ACTIVE")
        else:
            meaning, fix = _STATUS_ADVICE.get(status, (f"is {status}", "see the AWS console"))
            reason = self.description.get("FailureReason")
            self.add("status", False, f"the CA {meaning}" + (f" ({reason})" if reason else ""), fix)
        if status in _STATUSES_WITH_CERTIFICATE:
            answer = self.aws(
                "status",
                "acm-pca:GetCertificateAuthorityCertificate",
                pca.get_certificate_authority_certificate,
                CertificateAuthorityArn=self.target.arn,
            )
            self.certificate = x509.load_pem_x509_certificate(answer["Certificate"].encode())

    # -- phase 2

    def check_rest(self, certificates: list[x509.Certificate]) -> None:
        if self.description is None:
            self._done.set()
            return
        revocation = self.description.get("RevocationConfiguration") or {}
        crl = revocation.get("CrlConfiguration") or {}
        ocsp = revocation.get("OcspConfiguration") or {}
        steps: list[Callable[[], None]] = [
            lambda: self.check_crl_configuration(crl),
            lambda: self.check_ocsp_configuration(ocsp),
        ]
        if crl.get("Enabled") and crl.get("S3BucketName"):
            bucket = str(crl["S3BucketName"])
            steps += [
                lambda: self.check_bucket_policy(bucket, crl),
                lambda: self.check_block_public_access(bucket),
                lambda: self.check_bucket_encryption(bucket),
            ]
            if self.certificate is not None:
                steps.append(lambda: self.check_crl(crl))
        if ocsp.get("Enabled") and self.certificate is not None:
            steps.append(lambda: self.check_ocsp(ocsp, certificates))
        if self.target.expected is not None and self.target.expected.acm_renewals:
            steps.append(self.check_acm_permission)
        for step in steps:
            try:
                step()
            except _Stop:
                continue
            except Exception as exc:  # one finding, never a traceback
                self._add(self._unexpected("internal", exc))
        self._done.set()

    def _unexpected(self, check: str, exc: Exception) -> Finding:
        return Finding(
            self.target.label,
            check,
            False,
            f"could not check: {type(exc).__name__}: {' '.join(str(exc).split())}",
            "report this as a bug of cdk-pca doctor",
            determined=False,
        )

    def check_crl_configuration(self, crl: Mapping[str, Any]) -> None:
        expected = self.target.expected
        problems: list[str] = []
        fixes: list[str] = []
        enabled = bool(crl.get("Enabled"))
        if expected is not None:
            if enabled != expected.crl_enabled:
                problems.append(
                    f"CRL is {'enabled' if enabled else 'disabled'}, the config says "
                    f"{'enabled' if expected.crl_enabled else 'disabled'}"
                )
            elif enabled:
                days = crl.get("ExpirationInDays")
                if days != expected.crl_expiration_days:
                    problems.append(
                        f"ExpirationInDays is {days}, the config says {expected.crl_expiration_days}"
                    )
                cname = crl.get("CustomCname")
                if expected.crl_custom_cname and cname != expected.crl_custom_cname:
                    problems.append(
                        f"CustomCname is {cname!r}, the config says {expected.crl_custom_cname!r}"
                    )
                path = crl.get("CustomPath")
                if (path or None) != (expected.crl_custom_path or None):
                    problems.append(
                        f"CustomPath is {path!r}, the config says {expected.crl_custom_path!r}"
                    )
                crl_type = str(crl.get("CrlType") or "COMPLETE")
                wanted_type = "PARTITIONED" if expected.crl_partitioned else "COMPLETE"
                if crl_type != wanted_type:
                    problems.append(f"CrlType is {crl_type}, the config says {wanted_type}")
            if problems:
                fixes.append("deploy this config (make deploy CONFIG=...)")
        if enabled:
            acl = crl.get("S3ObjectAcl") or "PUBLIC_READ"
            if acl != CRL_OBJECT_ACL:
                problems.append(
                    f"S3ObjectAcl is {acl}: with Block Public Access on, PCA cannot write the CRL"
                )
                fixes.append(f"set S3ObjectAcl to {CRL_OBJECT_ACL}")
        if problems:
            self.add("crl-configuration", False, "; ".join(problems), "; ".join(fixes))
        elif enabled:
            self.add(
                "crl-configuration",
                True,
                f"CRL enabled: ExpirationInDays {crl.get('ExpirationInDays')}, bucket "
                f"{crl.get('S3BucketName')}, S3ObjectAcl {CRL_OBJECT_ACL}",
            )
        else:
            self.add("crl-configuration", True, "CRL disabled, as configured")

    def check_ocsp_configuration(self, ocsp: Mapping[str, Any]) -> None:
        expected = self.target.expected
        enabled = bool(ocsp.get("Enabled"))
        cname = ocsp.get("OcspCustomCname")
        problems: list[str] = []
        if expected is not None:
            if enabled != expected.ocsp_enabled:
                problems.append(
                    f"OCSP is {'enabled' if enabled else 'disabled'}, the config says "
                    f"{'enabled' if expected.ocsp_enabled else 'disabled'}"
                )
            # No name in the config: AWS's responder, or a proxy the stack names; both are fine.
            elif enabled and expected.ocsp_custom_cname and cname != expected.ocsp_custom_cname:
                problems.append(
                    f"OcspCustomCname is {cname!r}, the config says {expected.ocsp_custom_cname!r}"
                )
        if problems:
            self.add(
                "ocsp-configuration",
                False,
                "; ".join(problems),
                "deploy this config (make deploy CONFIG=...)",
            )
        else:
            state = f"OCSP enabled ({ocsp_url(ocsp, self.region)})" if enabled else "OCSP disabled"
            self.add("ocsp-configuration", True, state)

    def check_bucket_policy(self, bucket: str, crl: Mapping[str, Any]) -> None:
        s3 = self.clients("s3", self.region)
        try:
            text = s3.get_bucket_policy(Bucket=bucket)["Policy"]
        except ClientError as exc:
            if error_code(exc) in {"NoSuchBucketPolicy", "NoSuchBucket"}:
                what = "does not exist" if error_code(exc) == "NoSuchBucket" else "has no policy"
                self.add(
                    "bucket-policy",
                    False,
                    f"CRL bucket {bucket} {what}: PCA cannot publish CRLs",
                    "redeploy the stack (its CrlBucket grants acm-pca.amazonaws.com "
                    + ", ".join(PCA_BUCKET_ACTIONS)
                    + ")",
                )
                return
            text = self.aws("bucket-policy", "s3:GetBucketPolicy", _raiser(exc))
        try:
            policy = json.loads(text)
        except ValueError:
            self.add("bucket-policy", False, f"CRL bucket {bucket}'s policy is not JSON", "fix it")
            return
        bucket_arn = f"arn:{self.partition}:s3:::{bucket}"
        folder = str(crl.get("CustomPath") or "crl").strip("/")
        object_arn = f"{bucket_arn}/{folder}/{self.ca_id}.crl" if folder else f"{bucket_arn}/x"
        context = {
            "aws:sourceaccount": self.account,
            "aws:sourcearn": self.target.arn,
            "aws:securetransport": "true",  # PCA writes over TLS
        }
        missing = []
        denied = []
        for action in PCA_BUCKET_ACTIONS:
            resource = bucket_arn if action in _BUCKET_LEVEL_ACTIONS else object_arn
            verdict = policy_allows(policy, PCA_SERVICE_PRINCIPAL, action, resource, context)
            if verdict == "deny":
                denied.append(action)
            elif verdict != "allow":
                missing.append(action)
        if not missing and not denied:
            self.add(
                "bucket-policy",
                True,
                f"CRL bucket {bucket} grants {PCA_SERVICE_PRINCIPAL} "
                + ", ".join(PCA_BUCKET_ACTIONS),
            )
            return
        parts = []
        if missing:
            parts.append("does not grant " + ", ".join(missing))
        if denied:
            parts.append("denies " + ", ".join(denied))
        self.add(
            "bucket-policy",
            False,
            f"CRL bucket {bucket}'s policy {' and '.join(parts)} to {PCA_SERVICE_PRINCIPAL} "
            f"for this CA: CRLs are not published",
            f"allow {PCA_SERVICE_PRINCIPAL} " + ", ".join(PCA_BUCKET_ACTIONS) + " on "
            f"{bucket_arn} and {bucket_arn}/* with aws:SourceAccount {self.account} "
            "(redeploying the stack restores its policy)",
        )

    def check_block_public_access(self, bucket: str) -> None:
        s3 = self.clients("s3", self.region)
        try:
            answer = s3.get_public_access_block(Bucket=bucket)
        except ClientError as exc:
            if error_code(exc) == "NoSuchPublicAccessBlockConfiguration":
                answer = {"PublicAccessBlockConfiguration": {}}
            else:
                answer = self.aws(
                    "block-public-access", "s3:GetBucketPublicAccessBlock", _raiser(exc)
                )
        settings = answer.get("PublicAccessBlockConfiguration") or {}
        names = (
            "BlockPublicAcls",
            "IgnorePublicAcls",
            "BlockPublicPolicy",
            "RestrictPublicBuckets",
        )
        off = [name for name in names if not settings.get(name)]
        if off:
            self.add(
                "block-public-access",
                False,
                f"CRL bucket {bucket}: Block Public Access is off for {', '.join(off)}",
                f"aws s3api put-public-access-block --bucket {bucket} --public-access-block-"
                "configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,"
                "RestrictPublicBuckets=true (clients read CRLs through CloudFront)",
            )
        else:
            self.add("block-public-access", True, f"CRL bucket {bucket}: Block Public Access on")

    def check_bucket_encryption(self, bucket: str) -> None:
        s3 = self.clients("s3", self.region)
        try:
            answer = s3.get_bucket_encryption(Bucket=bucket)
        except ClientError as exc:
            if error_code(exc) == "ServerSideEncryptionConfigurationNotFoundError":
                answer = {}
            else:
                answer = self.aws(
                    "bucket-encryption", "s3:GetEncryptionConfiguration", _raiser(exc)
                )
        rules = (answer.get("ServerSideEncryptionConfiguration") or {}).get("Rules") or [{}]
        default = rules[0].get("ApplyServerSideEncryptionByDefault") or {}
        algorithm = str(default.get("SSEAlgorithm") or "")
        expected = self.target.expected
        wanted = expected.bucket_encryption if expected is not None else None
        if algorithm == "AES256":
            if wanted == "SSE_KMS":
                self.add(
                    "bucket-encryption",
                    False,
                    f"CRL bucket {bucket} is encrypted SSE-S3, the config says SSE_KMS",
                    "deploy this config (make deploy CONFIG=...)",
                )
            else:
                self.add("bucket-encryption", True, f"CRL bucket {bucket}: SSE-S3")
            return
        if not algorithm.startswith("aws:kms"):
            self.add(
                "bucket-encryption",
                False,
                f"CRL bucket {bucket}: no default encryption reported ({algorithm or 'none'})",
                "set SSE-S3, or SSE-KMS with a customer-managed key that admits acm-pca",
            )
            return
        if wanted == "SSE_S3":
            self.add(
                "bucket-encryption",
                False,
                f"CRL bucket {bucket} is encrypted SSE-KMS, the config says SSE_S3",
                "deploy this config (make deploy CONFIG=...)",
            )
            return
        key_id = default.get("KMSMasterKeyID")
        if not key_id:
            self.add(
                "bucket-encryption",
                False,
                f"CRL bucket {bucket} uses SSE-KMS with the AWS-managed aws/s3 key: PCA refuses it",
                "use SSE-S3, or a customer-managed key whose policy admits acm-pca.amazonaws.com",
            )
            return
        self.check_key_policy(bucket, str(key_id))

    def check_key_policy(self, bucket: str, key_id: str) -> None:
        kms = self.clients("kms", _region_of(key_id) or self.region)
        metadata = self.aws("bucket-encryption", "kms:DescribeKey", kms.describe_key, KeyId=key_id)[
            "KeyMetadata"
        ]
        key_arn = str(metadata.get("Arn", key_id))
        if metadata.get("KeyManager") == "AWS":
            self.add(
                "bucket-encryption",
                False,
                f"CRL bucket {bucket} uses the AWS-managed key {key_arn}: PCA refuses it",
                "use SSE-S3, or a customer-managed key whose policy admits acm-pca.amazonaws.com",
            )
            return
        if metadata.get("KeyState") != "Enabled":
            self.add(
                "bucket-encryption",
                False,
                f"CRL bucket {bucket}'s key {key_arn} is {metadata.get('KeyState')}",
                "enable the key (aws kms enable-key), or cancel its deletion",
            )
            return
        text = self.aws(
            "bucket-encryption",
            "kms:GetKeyPolicy",
            kms.get_key_policy,
            KeyId=key_arn,
            PolicyName="default",
        )["Policy"]
        policy = json.loads(text)
        bucket_arn = f"arn:{self.partition}:s3:::{bucket}"
        # S3 calls KMS for PCA's write: the request carries the bucket ARN as encryption context
        # (S3 Bucket Key on) and no aws:SourceAccount/SourceArn.
        context = {_KMS_S3_CONTEXT_KEY: bucket_arn}
        missing = [
            action
            for action in PCA_KEY_ACTIONS
            if policy_allows(policy, PCA_SERVICE_PRINCIPAL, action, key_arn, context) != "allow"
        ]
        if not missing:
            self.add(
                "bucket-encryption",
                True,
                f"CRL bucket {bucket}: SSE-KMS with {key_arn}, whose policy admits "
                f"{PCA_SERVICE_PRINCIPAL} " + ", ".join(PCA_KEY_ACTIONS),
            )
            return
        only_service_keys = _conditions_on_service_keys(policy)
        hint = (
            " (its statement is conditioned on aws:SourceAccount/SourceArn, which S3's calls to "
            "KMS do not carry)"
            if only_service_keys
            else ""
        )
        self.add(
            "bucket-encryption",
            False,
            f"CRL bucket {bucket}'s key {key_arn} does not let {PCA_SERVICE_PRINCIPAL} "
            + ", ".join(missing)
            + hint,
            f"allow {PCA_SERVICE_PRINCIPAL} " + ", ".join(PCA_KEY_ACTIONS) + " in the key policy "
            f"on condition StringLike kms:EncryptionContext:aws:s3:arn {bucket_arn}*",
        )

    def check_crl(self, crl: Mapping[str, Any]) -> None:
        assert self.certificate is not None
        if crl.get("CrlType") == "PARTITIONED":
            self._add(
                Finding(
                    self.target.label,
                    "crl",
                    False,
                    "partitioned CRL: its URL names a partition that only issued certificates "
                    "carry, so doctor cannot fetch it",
                    "check a certificate it issued: cdk-pca status --cert FILE",
                    determined=False,
                )
            )
            return
        url = crl_url(crl, region=self.region, ca_id=self.ca_id)
        try:
            body = fetch(url, accept="application/pkix-crl, */*", timeout=self.timeout).body
        except FetchError as exc:
            self.add("crl", False, f"CRL not fetched: {exc}", _crl_fetch_fix(str(exc)))
            return
        # Serial 0 is issued by no CA (RFC 5280 4.1.2.2: positive): a verified CRL says good.
        verdict = evaluate_crl(body, url=url, serial=0, issuer=self.certificate, now=self.now)
        if verdict.status in (GOOD, REVOKED):
            age = ""
            if verdict.this_update is not None and verdict.next_update is not None:
                age = (
                    f", thisUpdate {_iso(verdict.this_update)}, nextUpdate "
                    f"{_iso(verdict.next_update)}"
                )
            self.add("crl", True, f"{url} answers a CRL signed by this CA{age}")
            return
        error = verdict.error or "the CRL could not be verified"
        self.add("crl", False, f"{url}: {error}", _crl_content_fix(error))

    def check_ocsp(self, ocsp: Mapping[str, Any], certificates: list[x509.Certificate]) -> None:
        assert self.certificate is not None
        url = ocsp_url(ocsp, self.region)
        serial, about = self._ocsp_serial(certificates)
        nonce = os.urandom(16)
        request = build_request(self.certificate, serial, nonce)
        try:
            body = fetch(
                url,
                data=request,
                content_type="application/ocsp-request",
                accept="application/ocsp-response",
                timeout=self.timeout,
            ).body
        except FetchError as exc:
            self.add(
                "ocsp",
                False,
                f"OCSP not answered: {exc}",
                "point the OCSP name's DNS at its proxy (the OcspDomainName output); a 403 means "
                "the name is not an alternate domain name of the distribution "
                "(ocsp_distribution.certificate_arn); the proxy's origin is "
                "acm-pca-ocsp.<region>.api.aws"
                if ocsp.get("OcspCustomCname")
                else "check the network path to AWS's OCSP responder",
            )
            return
        verdict = evaluate_response(
            body, url=url, serial=serial, issuer=self.certificate, nonce=nonce, now=self.now
        )
        if verdict.status in (GOOD, REVOKED) or verdict.error == OCSP_UNKNOWN_STATUS_ERROR:
            said = verdict.status if verdict.status != "unknown" else "unknown (never issued)"
            self.add(
                "ocsp",
                True,
                f"{url} answers for this CA, signed by {verdict.responder}: {about} is {said}",
            )
            return
        self.add(
            "ocsp",
            False,
            f"{url}: {verdict.error or 'the response could not be verified'}",
            "the OCSP name must reach AWS's responder for this CA's region, unaltered: check DNS "
            "and the proxy's origin (acm-pca-ocsp.<region>.api.aws, the stack's OcspDistribution)",
        )

    def _ocsp_serial(self, certificates: list[x509.Certificate]) -> tuple[int, str]:
        """A serial this CA issued when the run knows one (a child CA's certificate), else a probe
        serial: a signed 'unknown' for it still proves the responder answers for this CA."""
        assert self.certificate is not None
        for child in certificates:
            if child is self.certificate or child.subject == self.certificate.subject:
                continue
            if child.issuer == self.certificate.subject and is_issued_by(child, self.certificate):
                return child.serial_number, f"the child CA certificate {child.serial_number:x}"
        return OCSP_PROBE_SERIAL, f"probe serial {OCSP_PROBE_SERIAL:x}"

    def check_acm_permission(self) -> None:
        pca = self.clients("acm-pca", self.region)
        answer = self.aws(
            "acm-permission",
            "acm-pca:ListPermissions",
            pca.list_permissions,
            CertificateAuthorityArn=self.target.arn,
        )
        granted: set[str] = set()
        for permission in answer.get("Permissions", []):
            if permission.get("Principal") == ACM_SERVICE_PRINCIPAL:
                granted.update(permission.get("Actions", []))
        missing = [action for action in ACM_PERMISSION_ACTIONS if action not in granted]
        if missing:
            self.add(
                "acm-permission",
                False,
                f"{ACM_SERVICE_PRINCIPAL} lacks {', '.join(missing)} on this CA: ACM cannot renew "
                "the certificates it issued from it",
                f"aws acm-pca create-permission --certificate-authority-arn {self.target.arn} "
                f"--principal {ACM_SERVICE_PRINCIPAL} --actions "
                + " ".join(ACM_PERMISSION_ACTIONS),
            )
        else:
            self.add(
                "acm-permission",
                True,
                f"{ACM_SERVICE_PRINCIPAL} may " + ", ".join(ACM_PERMISSION_ACTIONS),
            )


class _Stop(Exception):
    """A check recorded why it could not go on."""


def _raiser(exc: BaseException) -> Callable[[], Any]:
    def call() -> Any:
        raise exc

    return call


# --- URLs ---------------------------------------------------------------------------------------


def crl_url(crl: Mapping[str, Any], *, region: str, ca_id: str) -> str:
    """The CDP PCA writes into the certificates a CA issues: http://<CustomCname or the bucket's S3
    host>/<CustomPath or crl>/<CA ID>.crl.
    https://docs.aws.amazon.com/privateca/latest/userguide/crl-planning.html#crl-url"""
    host = crl.get("CustomCname") or f"{crl.get('S3BucketName')}.s3.{region}.amazonaws.com"
    folder = str(crl.get("CustomPath") or "crl").strip("/")
    return f"http://{host}/{folder}/{ca_id}.crl" if folder else f"http://{host}/{ca_id}.crl"


def ocsp_url(ocsp: Mapping[str, Any], region: str) -> str:
    """The AIA OCSP URL PCA writes: the custom CNAME, else AWS's responder for the region.
    https://docs.aws.amazon.com/privateca/latest/userguide/ocsp-customize.html"""
    cname = ocsp.get("OcspCustomCname")
    return f"http://{cname}" if cname else f"http://ocsp.acm-pca.{region}.amazonaws.com"


def _crl_fetch_fix(error: str) -> str:
    if "HTTP 403" in error:
        return (
            "CloudFront or the bucket refused the read: the bucket policy must let the CRL "
            "distribution read the CRL paths over plain http (a TLS-only Deny must exempt it), and a "
            "custom CNAME must be an alternate domain name of the distribution "
            "(crl_distribution.certificate_arn)"
        )
    if "HTTP 404" in error:
        return (
            "no CRL there yet: PCA writes a CA's first CRL only after it has issued a certificate "
            "that refers to it; else check CustomPath and the distribution's CRL paths"
        )
    return (
        "the CRL host does not answer: point the CRL name's DNS at the CrlDomainName output and "
        "check that the distribution is deployed"
    )


def _crl_content_fix(error: str) -> str:
    if "signature" in error or "issued by" in error:
        return (
            "the URL serves another CA's CRL or a forged one: check that the CRL name's DNS points "
            "at this stack's distribution, and who can write to the CRL bucket"
        )
    if "expired" in error:
        return (
            "PCA stopped refreshing the CRL: check the CA's MisconfiguredCRLBucket metric, the "
            "bucket policy and the key policy"
        )
    return "the URL does not serve this CA's CRL: check the distribution's origin and DNS"


# --- policy evaluation (what doctor needs of IAM's, no more) ------------------------------------


def policy_allows(
    policy: Mapping[str, Any],
    service: str,
    action: str,
    resource: str,
    context: Mapping[str, str],
) -> str | None:
    """'allow', 'deny' or None (not granted) for a service principal's request, as IAM evaluates a
    resource policy: an applicable Deny wins, else any applicable Allow. Conditions are evaluated
    for the operators StringEquals/StringLike/ArnEquals/ArnLike/Bool on keys in `context`; a
    condition on a key absent from `context` does not match (as IAM treats a missing key)."""
    allowed = False
    statements = policy.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    for statement in statements:
        if not isinstance(statement, Mapping):
            continue
        if not _principal_matches(statement.get("Principal"), service):
            continue
        if not _any_match(statement.get("Action"), action, case_insensitive=True):
            continue
        if not _any_match(statement.get("Resource", "*"), resource):
            continue
        if not _conditions_match(statement.get("Condition") or {}, context):
            continue
        if statement.get("Effect") == "Deny":
            return "deny"
        if statement.get("Effect") == "Allow":
            allowed = True
    return "allow" if allowed else None


def _principal_matches(principal: Any, service: str) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        if principal.get("AWS") == "*":
            return True
        services = principal.get("Service", [])
        services = [services] if isinstance(services, str) else list(services)
        return service in services
    return False


def _any_match(patterns: Any, value: str, *, case_insensitive: bool = False) -> bool:
    if patterns is None:
        return False
    items = [patterns] if isinstance(patterns, str) else list(patterns)
    for item in items:
        pattern, candidate = str(item), value
        if case_insensitive:
            pattern, candidate = pattern.lower(), candidate.lower()
        if fnmatch.fnmatchcase(candidate, pattern):
            return True
    return False


def _conditions_match(conditions: Mapping[str, Any], context: Mapping[str, str]) -> bool:
    for operator, pairs in conditions.items():
        if not isinstance(pairs, Mapping):
            return False
        negated = operator.startswith(("StringNot", "ArnNot"))
        base = operator.replace("IfExists", "")
        for key, wanted in pairs.items():
            actual = context.get(str(key).lower())
            # A scalar (a number too: s3:TlsVersion 1.2 in every TLS-only bucket policy) or a list.
            raw = [wanted] if isinstance(wanted, str | bool | int | float) else list(wanted)
            values = [str(v).lower() if isinstance(v, bool) else str(v) for v in raw]
            if actual is None:
                if operator.endswith("IfExists") or negated:
                    continue
                return False
            if base in {"StringEquals", "ArnEquals", "Bool"}:
                hit = actual in values
            elif base in {"StringLike", "ArnLike"}:
                hit = any(fnmatch.fnmatchcase(actual, v) for v in values)
            elif base in {"StringNotEquals", "ArnNotEquals"}:
                hit = actual not in values
            elif base in {"StringNotLike", "ArnNotLike"}:
                hit = not any(fnmatch.fnmatchcase(actual, v) for v in values)
            else:
                return False  # an operator doctor does not evaluate: do not count the statement
            if not hit:
                return False
    return True


def _conditions_on_service_keys(policy: Mapping[str, Any]) -> bool:
    """True when a statement naming acm-pca is conditioned on aws:SourceAccount/SourceArn."""
    statements = policy.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    for statement in statements:
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        if not _principal_matches(statement.get("Principal"), PCA_SERVICE_PRINCIPAL):
            continue
        for pairs in (statement.get("Condition") or {}).values():
            if isinstance(pairs, Mapping) and any(
                str(key).lower() in _SERVICE_CALL_KEYS for key in pairs
            ):
                return True
    return False


def _region_of(key_id: str) -> str | None:
    parts = key_id.split(":")
    return parts[3] if key_id.startswith("arn:") and len(parts) > 3 and parts[3] else None


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


__all__ = [
    "DoctorError",
    "DoctorReport",
    "DoctorTarget",
    "ExpectedCa",
    "Finding",
    "ca_output_key",
    "crl_url",
    "diagnose",
    "doctor_client_factory",
    "ocsp_url",
    "policy_allows",
    "targets_from_config",
]
