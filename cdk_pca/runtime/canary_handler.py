"""Scheduled revocation canary: for each CA, read its certificate and revocation config, check it.

Publishes every CA's metrics with one PutMetricData per run; never fails the invocation.
"""

from __future__ import annotations

import logging
import os
import re
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from cryptography import x509

from cdk_pca.canary import CanaryResult, check_certificate_authority

logger = logging.getLogger()
logger.setLevel(logging.INFO)

NAMESPACE = "cdk-pca"
DIMENSION = "PrivateCAArn"
CA_ARNS_ENV = "CA_ARNS"
# Stop this long before Lambda's timeout, so the one PutMetricData always goes out.
_MARGIN_MS = 5_000
_DEFAULT_BUDGET_SECONDS = 30.0
_ARN = re.compile(
    r"^arn:[\w-]+:acm-pca:(?P<region>[a-z0-9-]+):\d{12}:certificate-authority/(?P<id>[0-9a-f-]+)$"
)


def crl_url(arn: str, revocation: dict[str, Any]) -> str | None:
    """The CDP URL PCA writes into certificates: http://<CustomCname or bucket S3 host>/
    <CustomPath or 'crl'>/<CA id>.crl; partitioned CRLs have one per partition (not watched).
    https://docs.aws.amazon.com/privateca/latest/userguide/crl-planning.html#crl-url and
    https://docs.aws.amazon.com/privateca/latest/APIReference/API_CrlConfiguration.html"""
    crl = revocation.get("CrlConfiguration") or {}
    match = _ARN.match(arn)
    if not crl.get("Enabled") or match is None or crl.get("CrlType") == "PARTITIONED":
        return None
    host = crl.get("CustomCname") or f"{crl.get('S3BucketName')}.s3.{match['region']}.amazonaws.com"
    path = (crl.get("CustomPath") or "crl").strip("/")
    return f"http://{host}/{path}/{match['id']}.crl"


def ocsp_url(arn: str, revocation: dict[str, Any]) -> str | None:
    """PCA's responder unless OcspCustomCname fronts it:
    https://docs.aws.amazon.com/privateca/latest/APIReference/API_OcspConfiguration.html"""
    ocsp = revocation.get("OcspConfiguration") or {}
    match = _ARN.match(arn)
    if not ocsp.get("Enabled") or match is None:
        return None
    cname = ocsp.get("OcspCustomCname")
    return f"http://{cname}" if cname else f"http://ocsp.acm-pca.{match['region']}.amazonaws.com"


def ocsp_probe(pem: str) -> tuple[int | None, bool]:
    """The serial to ask the CA's OCSP responder about, and whether this CA issued it.

    A root's own certificate was issued by the root (PCA issues it with RootCACertificate/V1), so
    its serial is one the responder knows. A subordinate's certificate was issued by its parent
    and the canary knows no serial the subordinate issued: its own serial is then a probe, and a
    signed, fresh "unknown" answer still shows the responder answering for this CA. What PCA's
    responder answers for a serial it did not issue is not documented (the PCA guide says only
    that it ignores request extensions and answers the first certificate of a batch:
    https://docs.aws.amazon.com/privateca/latest/userguide/creating-managing.html).
    """
    try:
        certificate = x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        return None, False  # check_certificate_authority reports the unreadable certificate
    return certificate.serial_number, certificate.issuer == certificate.subject


def check_one(pca: Any, arn: str, timeout: float) -> CanaryResult:
    """Read-only PCA calls, then the client-side check. Any AWS error becomes a problem line."""
    try:
        described = pca.describe_certificate_authority(CertificateAuthorityArn=arn)
        authority = described["CertificateAuthority"]
        status = authority.get("Status", "")
        if status not in {"ACTIVE", "EXPIRED", "DISABLED"}:
            return CanaryResult(problems=[f"{arn}: CA is {status}, nothing to check"])
        pem = pca.get_certificate_authority_certificate(CertificateAuthorityArn=arn)["Certificate"]
    except Exception as exc:  # throttling, access denied, a deleted CA: report, do not fail
        return CanaryResult(problems=[f"{arn}: {type(exc).__name__}: {exc}"])
    revocation = authority.get("RevocationConfiguration") or {}
    serial, self_issued = ocsp_probe(pem)
    result = check_certificate_authority(
        ca_certificate=pem.encode(),
        crl_url=crl_url(arn, revocation),
        ocsp_url=ocsp_url(arn, revocation),
        ocsp_serial=serial,
        timeout=timeout,
        ocsp_unknown_is_answer=not self_issued,
    )
    if status != "ACTIVE":
        result.problems.append(f"{arn}: CA is {status}")
    return result


def run(pca: Any, cloudwatch: Any, arns: list[str], budget_seconds: float) -> dict[str, Any]:
    """Check every CA concurrently within `budget_seconds`, then one PutMetricData."""
    timeout = max(1.0, min(10.0, budget_seconds / 3))
    results: dict[str, CanaryResult] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, min(10, len(arns))))
    futures = {arn: pool.submit(check_one, pca, arn, timeout) for arn in arns}
    wait(futures.values(), timeout=budget_seconds)
    for arn, future in futures.items():
        if future.done() and future.exception() is None:
            results[arn] = future.result()
        else:
            results[arn] = CanaryResult(problems=[f"{arn}: not finished within the run's budget"])
    pool.shutdown(wait=False, cancel_futures=True)
    data = [
        {
            "MetricName": name,
            "Dimensions": [{"Name": DIMENSION, "Value": arn}],
            "Value": value,
            "Unit": "Count" if name in {"CrlReachable", "CrlValid", "OcspAnswered"} else "None",
        }
        for arn, result in results.items()
        for name, value in sorted(result.metrics.items())
    ]
    published = False
    if data:
        try:
            cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data)
            published = True
        except Exception as exc:
            logger.error("PutMetricData failed: %s: %s", type(exc).__name__, exc)
    problems = {arn: result.problems for arn, result in results.items() if result.problems}
    for arn, lines in problems.items():
        logger.warning("%s: %s", arn, "; ".join(lines))
    return {"published": published, "metrics": len(data), "problems": problems}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    import boto3  # at call time: the module stays importable without boto3

    arns = [arn for arn in os.environ.get(CA_ARNS_ENV, "").split(",") if arn]
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    budget = (remaining() - _MARGIN_MS) / 1000 if remaining else _DEFAULT_BUDGET_SECONDS
    return run(boto3.client("acm-pca"), boto3.client("cloudwatch"), arns, max(1.0, budget))
