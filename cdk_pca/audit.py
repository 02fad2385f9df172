"""`cdk-pca audit-report` as a library: ask a CA for its audit report (every certificate it issued
or revoked), wait for it, and say where in S3 it landed.

The audit bucket must let AWS Private CA write to it, and the caller too: AWS says "Both AWS
Private CA and the IAM principal must have permission to write to the S3 bucket"
(https://docs.aws.amazon.com/privateca/latest/APIReference/API_CreateCertificateAuthorityAuditReport.html).
The bucket policy statement, the same grant as for CRLs, scoped to the CA
(https://docs.aws.amazon.com/privateca/latest/userguide/crl-planning.html#s3-policies and
https://docs.aws.amazon.com/privateca/latest/userguide/PcaAuditReport.html)::

    {"Effect": "Allow",
     "Principal": {"Service": "acm-pca.amazonaws.com"},
     "Action": ["s3:PutObject", "s3:PutObjectAcl", "s3:GetBucketAcl", "s3:GetBucketLocation"],
     "Resource": ["arn:aws:s3:::BUCKET", "arn:aws:s3:::BUCKET/*"],
     "Condition": {"StringEquals": {"aws:SourceAccount": "ACCOUNT",
                                    "aws:SourceArn": "arn:aws:acm-pca:REGION:ACCOUNT:certificate-authority/CA_ID"}}}

The caller needs acm-pca:CreateCertificateAuthorityAuditReport and
acm-pca:DescribeCertificateAuthorityAuditReport on the CA, and s3:PutObject on the bucket.
Encryption: SSE-S3, or a customer-managed KMS key whose policy lets acm-pca.amazonaws.com
GenerateDataKey (the AWS-managed aws/s3 key cannot be used). Reports land at
s3://BUCKET/audit-report/CA_ID/REPORT_ID.json|csv; a CA can make one report every 30 minutes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from cdk_pca.aws_names import bucket_name_problem
from cdk_pca.revocation.aws import (
    CaArn,
    ClientFactory,
    boto3_client,
    error_code,
    error_message,
)

AUDIT_REPORT_FORMATS: Final = ("JSON", "CSV")
# Reports of small CAs take a minute or two; the largest ones longer. 30 minutes is also the
# interval between two reports, so waiting longer than that is never useful.
DEFAULT_WAIT_SECONDS: Final = 1800.0
DEFAULT_POLL_SECONDS: Final = 10.0


class AuditReportError(Exception):
    """A refused or failed audit report, as one line."""


@dataclass(frozen=True)
class AuditReport:
    report_id: str
    bucket: str
    key: str
    status: str  # CREATING | SUCCESS | FAILED
    created_at: datetime | None = None

    @property
    def s3_uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def validate_bucket(name: str) -> str:
    """The bucket name, or AuditReportError when S3 would refuse it (aws_names has the rules)."""
    problem = bucket_name_problem(name)
    if problem is not None:
        raise AuditReportError(f"--bucket {problem}")
    return name


def validate_format(report_format: str) -> str:
    normalised = report_format.strip().upper()
    if normalised not in AUDIT_REPORT_FORMATS:
        raise AuditReportError(
            f"--format {report_format!r} is not an audit report format: allowed JSON, CSV"
        )
    return normalised


def create_audit_report(
    ca: CaArn,
    bucket: str,
    report_format: str = "JSON",
    *,
    clients: ClientFactory = boto3_client,
) -> AuditReport:
    """CreateCertificateAuthorityAuditReport, with AWS's refusals turned into one clear line."""
    validate_bucket(bucket)
    response_format = validate_format(report_format)
    pca = clients("acm-pca", ca.region)
    try:
        answer = pca.create_certificate_authority_audit_report(
            CertificateAuthorityArn=ca.arn,
            S3BucketName=bucket,
            AuditReportResponseFormat=response_format,
        )
    except Exception as exc:
        code = error_code(exc)
        if code == "RequestInProgressException":
            raise AuditReportError(
                "an audit report for this CA is already being made (AWS allows one every 30 "
                "minutes): wait and look in s3://" + bucket + f"/audit-report/{ca.ca_id}/"
            ) from None
        if code in {"InvalidArgsException", "AccessDeniedException", "AccessDenied"}:
            raise AuditReportError(
                f"CreateCertificateAuthorityAuditReport refused ({code}: {error_message(exc)}): the "
                f"bucket {bucket} must exist and its policy must let acm-pca.amazonaws.com "
                "s3:PutObject, s3:PutObjectAcl, s3:GetBucketAcl and s3:GetBucketLocation, and the "
                "caller needs write access to it too"
            ) from None
        raise
    return AuditReport(
        report_id=answer["AuditReportId"], bucket=bucket, key=answer["S3Key"], status="CREATING"
    )


def describe_audit_report(ca: CaArn, report_id: str, pca: Any) -> AuditReport:
    answer = pca.describe_certificate_authority_audit_report(
        CertificateAuthorityArn=ca.arn, AuditReportId=report_id
    )
    return AuditReport(
        report_id=report_id,
        bucket=answer.get("S3BucketName", ""),
        key=answer.get("S3Key", ""),
        status=answer.get("AuditReportStatus", "CREATING"),
        created_at=answer.get("CreatedAt"),
    )


def wait_for_audit_report(
    ca: CaArn,
    report: AuditReport,
    *,
    clients: ClientFactory = boto3_client,
    timeout_seconds: float = DEFAULT_WAIT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> AuditReport:
    """Poll DescribeCertificateAuthorityAuditReport until SUCCESS or FAILED, or the timeout: the
    last status seen is returned (CREATING on timeout)."""
    pca = clients("acm-pca", ca.region)
    started = clock()
    while True:
        current = describe_audit_report(ca, report.report_id, pca)
        current = AuditReport(
            report_id=current.report_id,
            bucket=current.bucket or report.bucket,
            key=current.key or report.key,
            status=current.status,
            created_at=current.created_at,
        )
        if current.status in {"SUCCESS", "FAILED"}:
            return current
        if clock() - started + poll_seconds > timeout_seconds:
            return current
        sleep(poll_seconds)
