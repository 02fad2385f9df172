"""One-line error reporting for the CLI: bad input, AWS credentials, access, region, throttling."""

from __future__ import annotations

from typing import Any

EXIT_BAD_INPUT = 2
# An error is one line a person reads: a 3,000-character --domain is cut, not echoed whole.
MAX_ERROR_LENGTH = 500


def one_line(text: str) -> str:
    """`text` on one line of at most MAX_ERROR_LENGTH characters."""
    line = " ".join(text.split())
    return line if len(line) <= MAX_ERROR_LENGTH else line[: MAX_ERROR_LENGTH - 3] + "..."


class CliError(Exception):
    """A problem to report as one line, then exit with `exit_code` (2: bad input or undetermined)."""

    def __init__(
        self, message: str, exit_code: int = EXIT_BAD_INPUT, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        # Extra keys for the command's JSON error object (the problems of a config, for one).
        self.details: dict[str, Any] = dict(details or {})


def describe_exception(exc: BaseException) -> tuple[str, int]:
    """Turn any exception into (one-line message, exit code) without importing botocore eagerly."""
    name = type(exc).__name__
    module = type(exc).__module__ or ""
    if module.startswith("botocore"):
        return _describe_botocore(exc), EXIT_BAD_INPUT
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc} ({getattr(exc, 'filename', '') or name})", EXIT_BAD_INPUT
    text = " ".join(str(exc).split()) or name
    return f"{name}: {text}", EXIT_BAD_INPUT


def _describe_botocore(exc: BaseException) -> str:
    name = type(exc).__name__
    if name in {"NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError"}:
        return (
            "no AWS credentials found: set AWS_PROFILE or run 'aws configure' / 'aws sso login' "
            f"({name})"
        )
    if name == "NoRegionError":
        # boto3 reads AWS_DEFAULT_REGION and the profile, never AWS_REGION (other SDKs' name).
        return (
            "no AWS region set: pass --region, or set AWS_DEFAULT_REGION or a region in the "
            "AWS profile (boto3 does not read AWS_REGION)"
        )
    if name in {"EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError"}:
        return f"cannot reach the AWS endpoint ({exc}); check the region and the network"
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error", {})
        code = error.get("Code", name)
        message = " ".join(str(error.get("Message", "")).split())
        operation = getattr(exc, "operation_name", "the AWS call")
        hint = {
            "AccessDenied": "the caller lacks the IAM permission for this action",
            "AccessDeniedException": "the caller lacks the IAM permission for this action",
            "UnrecognizedClientException": "the credentials are invalid for this region",
            "InvalidClientTokenId": "the credentials are invalid",
            "ExpiredToken": "the session token has expired; log in again",
            "ExpiredTokenException": "the session token has expired; log in again",
            "ThrottlingException": "AWS kept throttling the call after retries; try again later",
            "ResourceNotFoundException": "check the ARN and the region (ARNs are regional)",
        }.get(code)
        suffix = f": {hint}" if hint else ""
        return f"{operation} failed with {code}: {message}{suffix}"
    return f"{name}: {' '.join(str(exc).split())}"
