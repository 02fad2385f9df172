"""Custom::CertificateLookup: runs cdk_pca.lookup at deploy time and answers CloudFormation.

A plain Lambda-backed custom resource (no provider framework): it PUTs its own response.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.request
from collections.abc import Callable
from typing import Any

from cdk_pca.lookup import (
    CertificateMatch,
    find_certificate_with,
    make_acm_client,
    validate_lookup_arguments,
)

logger = logging.getLogger()
logger.setLevel(logging.INFO)

# CloudFormation rejects a custom resource response body larger than 4,096 bytes, so the answer
# carries short attributes only (no PEM, no SAN list) and the failure reason is cut until the
# encoded body fits: counted in bytes, as json.dumps escapes a non-ASCII character (a tag value,
# a domain in an error message) to six of them.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html
MAX_RESPONSE_BYTES = 4096
_MAX_REASON = 2000
# Answer FAILED this long before Lambda's timeout, or CloudFormation waits an hour for a reply.
_TIMEOUT_MARGIN_SECONDS = 10.0
_HTTP_TIMEOUT_SECONDS = 30


def attributes(match: CertificateMatch) -> dict[str, str]:
    """The Fn::GetAtt attributes of a lookup: every one always present, '' when ACM has no value."""
    return {
        "Arn": match.arn,
        "DomainName": match.domain,
        "Status": match.status,
        "Type": match.type,
        "KeyAlgorithm": match.key_algorithm,
        "NotBefore": match.not_before.isoformat() if match.not_before else "",
        "NotAfter": match.not_after.isoformat() if match.not_after else "",
    }


class _Responder:
    """Sends exactly one response to CloudFormation's pre-signed URL, whoever calls first."""

    def __init__(self, event: dict[str, Any], log_stream: str) -> None:
        self._event = event
        self._log_stream = log_stream
        self._lock = threading.Lock()
        self._sent = False

    def send(
        self,
        status: str,
        physical_id: str,
        data: dict[str, str] | None = None,
        reason: str = "",
    ) -> None:
        with self._lock:
            if self._sent:
                return
            self._sent = True
        body = self._body(status, physical_id, data or {}, reason)
        request = urllib.request.Request(
            self._event["ResponseURL"],
            data=body,
            method="PUT",
            # The URL is pre-signed for an empty content type.
            headers={"Content-Type": "", "Content-Length": str(len(body))},
        )
        with urllib.request.urlopen(request, timeout=_HTTP_TIMEOUT_SECONDS) as response:
            logger.info("CloudFormation answered %s to %s", response.status, status)

    def _body(self, status: str, physical_id: str, data: dict[str, str], reason: str) -> bytes:
        """The response as JSON, its reason shortened until the whole fits MAX_RESPONSE_BYTES."""
        reason = reason or f"See CloudWatch Logs stream {self._log_stream}"
        limit = min(len(reason), _MAX_REASON)
        while True:
            text = reason if limit >= len(reason) else reason[: max(limit - 3, 0)] + "..."
            body = json.dumps(
                {
                    "Status": status,
                    "Reason": text,
                    "PhysicalResourceId": physical_id,
                    "StackId": self._event["StackId"],
                    "RequestId": self._event["RequestId"],
                    "LogicalResourceId": self._event["LogicalResourceId"],
                    "NoEcho": False,
                    "Data": data,
                }
            ).encode()
            if len(body) <= MAX_RESPONSE_BYTES or limit <= 3:
                return body
            limit = max(3, limit - (len(body) - MAX_RESPONSE_BYTES) // 6 - 1)


def serve(
    event: dict[str, Any],
    context: Any,
    work: Callable[[dict[str, Any]], tuple[str, dict[str, str]]],
    *,
    what: str,
    failed_id: str,
) -> None:
    """Answer one custom resource event: Delete succeeds at once (nothing to undo); Create and
    Update run `work(properties)` -> (physical ID, attributes). Every failure, and running out of
    time, reaches CloudFormation as FAILED with its reason, never as silence."""
    request_type = event["RequestType"]
    properties = event.get("ResourceProperties", {})
    logger.info("%s %s", request_type, event.get("LogicalResourceId"))
    responder = _Responder(event, getattr(context, "log_stream_name", ""))
    # A failed Create has no physical ID yet; any stable, unique string will do.
    physical_id = event.get("PhysicalResourceId") or f"{failed_id}-failed-{event['RequestId']}"
    if request_type == "Delete":
        responder.send("SUCCESS", physical_id)
        return

    remaining_ms = getattr(context, "get_remaining_time_in_millis", lambda: 0)()
    timer = None
    if remaining_ms:
        timer = threading.Timer(
            max(remaining_ms / 1000 - _TIMEOUT_MARGIN_SECONDS, 1.0),
            lambda: responder.send("FAILED", physical_id, reason=f"{what} timed out"),
        )
        timer.daemon = True
        timer.start()
    try:
        physical_id, data = work(properties)
    except Exception as exc:  # every failure must reach CloudFormation as its reason
        logger.exception("%s failed", what)
        responder.send("FAILED", physical_id, reason=f"{what} failed: {exc}")
    else:
        responder.send("SUCCESS", physical_id, data=data)
    finally:
        if timer is not None:
            timer.cancel()
            # If the timer already fired, its PUT may still be in flight: Lambda freezes the
            # environment once the handler returns, and CloudFormation would then wait an hour.
            timer.join()


def _look_up(properties: dict[str, Any]) -> tuple[str, dict[str, str]]:
    logger.info("filters=%s", properties.get("Filters"))
    filters = validate_lookup_arguments(**json.loads(properties["Filters"]))
    match = find_certificate_with(filters, client=make_acm_client())
    logger.info("found %s", match.arn)
    return match.arn, attributes(match)


def handler(event: dict[str, Any], context: Any) -> None:
    """Create/Update: look the certificate up (physical ID = its ARN). Delete: nothing to undo."""
    serve(event, context, _look_up, what="certificate lookup", failed_id="lookup")
