"""AWS clients and ARNs for the revocation tools: regional clients with retries, parsed ARNs.

A client is built in the ARN's own region, so a CA in eu-west-1 is never asked about in us-east-1.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cdk_pca.aws_names import REGION_PATTERN, arn_partition_problem

# (service, region) -> boto3 client. Tests pass one that returns stubbed clients.
ClientFactory = Callable[[str, str], Any]

_CA_ARN = re.compile(
    rf"arn:(?P<partition>aws[a-z-]*):acm-pca:(?P<region>{REGION_PATTERN}):"
    r"(?P<account>\d{12}):certificate-authority/(?P<ca_id>[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})"
)
_PCA_CERTIFICATE_ARN = re.compile(_CA_ARN.pattern + r"/certificate/(?P<certificate_id>[0-9a-f]+)")
_ACM_CERTIFICATE_ARN = re.compile(
    rf"arn:(?P<partition>aws[a-z-]*):acm:(?P<region>{REGION_PATTERN}):"
    r"(?P<account>\d{12}):certificate/(?P<certificate_id>[0-9a-f-]+)"
)
CA_ARN_FORM = "arn:aws:acm-pca:REGION:ACCOUNT:certificate-authority/CA-UUID"


class ArnError(ValueError):
    """An ARN that is not of the form an option expects."""


@dataclass(frozen=True)
class CaArn:
    arn: str
    partition: str
    region: str
    account: str
    ca_id: str


@dataclass(frozen=True)
class CertificateArn:
    """A PCA certificate ARN (`.../certificate-authority/ID/certificate/ID`) or an ACM one."""

    arn: str
    service: str  # "acm-pca" or "acm"
    region: str
    account: str
    ca_arn: str | None


def parse_ca_arn(text: str, *, option: str = "--ca-arn") -> CaArn:
    match = _CA_ARN.fullmatch(text.strip())
    if match is None:
        hint = ""
        if _PCA_CERTIFICATE_ARN.fullmatch(text.strip()):
            hint = " (that is a certificate ARN; the CA's ARN ends at the CA's UUID)"
        raise ArnError(f"{option} {text!r} is not a private CA ARN: expected {CA_ARN_FORM}{hint}")
    _check_partition(option, text, match)
    return CaArn(arn=text.strip(), **match.groupdict())


def _check_partition(option: str, text: str, match: re.Match[str]) -> None:
    """An ARN in a partition botocore does not know, or with a region of another partition,
    names nothing: refuse it before any client is built for it."""
    problem = arn_partition_problem(match["partition"], match["region"])
    if problem is not None:
        raise ArnError(f"{option} {text.strip()!r}: {problem}")


def parse_certificate_arn(text: str) -> CertificateArn:
    value = text.strip()
    match = _PCA_CERTIFICATE_ARN.fullmatch(value)
    if match is not None:
        _check_partition("--certificate-arn", value, match)
        groups = match.groupdict()
        ca_arn = value.split("/certificate/", 1)[0]
        return CertificateArn(value, "acm-pca", groups["region"], groups["account"], ca_arn)
    match = _ACM_CERTIFICATE_ARN.fullmatch(value)
    if match is not None:
        _check_partition("--certificate-arn", value, match)
        groups = match.groupdict()
        return CertificateArn(value, "acm", groups["region"], groups["account"], None)
    raise ArnError(
        f"--certificate-arn {text!r} is not a certificate ARN: expected "
        f"{CA_ARN_FORM}/certificate/ID (private CA) or "
        "arn:aws:acm:REGION:ACCOUNT:certificate/UUID (ACM)"
    )


def boto3_client(service: str, region: str) -> Any:
    """A boto3 client in `region` that retries throttling (adaptive mode: it also slows down)."""
    import boto3
    from botocore.config import Config

    config = Config(
        region_name=region,
        retries={"mode": "adaptive", "max_attempts": 8},
        connect_timeout=10,
        read_timeout=60,
    )
    return boto3.client(service, config=config)


def error_message(exc: BaseException) -> str:
    """The AWS error message of a botocore ClientError on one line, else the exception's text."""
    response = getattr(exc, "response", None) or {}
    return " ".join(str(response.get("Error", {}).get("Message", exc)).split())


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError, None for anything else."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None
