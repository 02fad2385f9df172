"""The Custom::CertificateLookup Lambda handler, run in-process against moto's ACM.

CloudFormation's pre-signed response URL is a local HTTP server that records each PUT.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest

from cdk_pca.runtime.lookup_handler import handler
from tests.lookup_certs import fake_aws_env, import_certificate, mocked_acm


class _Recorder(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]]
    delay_seconds: ClassVar[float] = 0.0
    reply_delay: ClassVar[threading.Event] = threading.Event()

    def do_PUT(self) -> None:
        length = int(self.headers["Content-Length"])
        self.received.append(
            {
                "content_type": self.headers.get("Content-Type"),
                "size": length,
                "body": json.loads(self.rfile.read(length)),
            }
        )
        self.reply_delay.wait(self.delay_seconds)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def cloudformation() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []
    recorder = type("Recorder", (_Recorder,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), recorder)
    # shutdown() waits for serve_forever's next poll; the default interval added 0.5 s to each test.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/response", received
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def acm(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    fake_aws_env(monkeypatch)
    with mocked_acm() as client:
        yield client


class _Context:
    log_stream_name = "2026/11/27/[$LATEST]abc"

    def get_remaining_time_in_millis(self) -> int:
        return 120_000


def event(url: str, request_type: str, filters: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "RequestType": request_type,
        "ResponseURL": url,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/Pki/1",
        "RequestId": "req-1",
        "LogicalResourceId": "WebLookup",
        "ResourceType": "Custom::CertificateLookup",
        "ResourceProperties": {"ServiceToken": "arn:lambda", "Filters": json.dumps(filters)},
        **extra,
    }


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_create_and_update_answer_the_certificate_attributes(
    acm: Any, cloudformation: tuple[str, list[dict[str, Any]]], request_type: str
) -> None:
    url, responses = cloudformation
    arn = import_certificate(acm, "www.example.com", key_type="EC_prime256v1")
    extra = {"PhysicalResourceId": "old-arn"} if request_type == "Update" else {}
    handler(event(url, request_type, {"domain": "www.example.com"}, **extra), _Context())

    [response] = responses
    body = response["body"]
    assert response["content_type"] == ""
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", arn)
    assert body["Data"]["Arn"] == arn
    assert body["Data"]["DomainName"] == "www.example.com"
    assert body["Data"]["KeyAlgorithm"].replace("-", "_") == "EC_prime256v1"
    assert body["Data"]["NotAfter"].endswith("+00:00")
    assert set(body["Data"]) == {
        "Arn",
        "DomainName",
        "Status",
        "Type",
        "KeyAlgorithm",
        "NotBefore",
        "NotAfter",
    }
    assert (body["RequestId"], body["LogicalResourceId"]) == ("req-1", "WebLookup")
    assert len(json.dumps(body)) < 4096


def test_no_match_fails_the_deploy_with_the_lookup_message(
    acm: Any, cloudformation: tuple[str, list[dict[str, Any]]]
) -> None:
    url, responses = cloudformation
    import_certificate(acm, "www.example.com")
    handler(event(url, "Create", {"domain": "missing.example.com"}), _Context())
    [response] = responses
    body = response["body"]
    assert body["Status"] == "FAILED"
    assert "no ACM certificate in us-east-1 matches domain 'missing.example.com'" in body["Reason"]
    assert body["PhysicalResourceId"] == "lookup-failed-req-1"


def test_failed_update_keeps_the_physical_id(
    acm: Any, cloudformation: tuple[str, list[dict[str, Any]]]
) -> None:
    url, responses = cloudformation
    for _ in range(2):
        import_certificate(acm, "www.example.com")
    handler(
        event(url, "Update", {"domain": "www.example.com"}, PhysicalResourceId="arn-before"),
        _Context(),
    )
    body = responses[0]["body"]
    assert body["Status"] == "FAILED"
    assert body["PhysicalResourceId"] == "arn-before"
    assert "2 ACM certificates" in body["Reason"] and "most_recent" in body["Reason"]


def test_invalid_filters_fail_with_the_validation_message(
    acm: Any, cloudformation: tuple[str, list[dict[str, Any]]]
) -> None:
    url, responses = cloudformation
    handler(event(url, "Create", {"domain": "a.example.com", "statuses": ["NOPE"]}), _Context())
    body = responses[0]["body"]
    assert body["Status"] == "FAILED"
    assert "statuses: 'NOPE' is not allowed" in body["Reason"]


def test_delete_succeeds_without_calling_acm(
    cloudformation: tuple[str, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, responses = cloudformation
    monkeypatch.setattr(
        "cdk_pca.runtime.lookup_handler.make_acm_client",
        lambda: pytest.fail("Delete must not call ACM"),
    )
    handler(
        event(url, "Delete", {"domain": "www.example.com"}, PhysicalResourceId="arn-x"),
        _Context(),
    )
    body = responses[0]["body"]
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", "arn-x")


def test_a_lookup_that_outlives_the_lambda_reports_failure_before_the_timeout(
    cloudformation: tuple[str, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, responses = cloudformation
    monkeypatch.setattr("cdk_pca.runtime.lookup_handler._TIMEOUT_MARGIN_SECONDS", 0.0)
    released = threading.Event()

    def slow_client() -> Any:
        released.wait(5)
        raise RuntimeError("too late")

    monkeypatch.setattr("cdk_pca.runtime.lookup_handler.make_acm_client", slow_client)

    class _ShortContext(_Context):
        def get_remaining_time_in_millis(self) -> int:
            return 1_000

    worker = threading.Thread(
        target=handler, args=(event(url, "Create", {"domain": "a.example.com"}), _ShortContext())
    )
    worker.start()
    for _ in range(100):
        if responses:
            break
        threading.Event().wait(0.05)
    released.set()
    worker.join()
    assert [r["body"]["Status"] for r in responses] == ["FAILED"]
    assert "timed out" in responses[0]["body"]["Reason"]


def test_a_long_non_ascii_failure_reason_still_fits_cloudformations_4096_byte_limit(
    cloudformation: tuple[str, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # json.dumps writes each non-ASCII character as a 6-byte escape: 2,000 of them made a
    # 12 KB body, which CloudFormation rejects, leaving the stack waiting for an answer.
    url, responses = cloudformation

    def failing_client() -> Any:
        raise RuntimeError("tag \u00e9quipe=" + "\u00e9" * 3000)

    monkeypatch.setattr("cdk_pca.runtime.lookup_handler.make_acm_client", failing_client)
    handler(event(url, "Create", {"domain": "a.example.com"}), _Context())
    [response] = responses
    assert response["size"] <= 4096
    body = response["body"]
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith("certificate lookup failed: tag \u00e9quipe=\u00e9")
    assert body["Reason"].endswith("...")
    assert response["size"] > 3500, "the reason is cut to fit, not dropped"


def test_the_handler_returns_only_after_the_timeout_answer_reached_cloudformation(
    cloudformation: tuple[str, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Lambda freezes the environment when the handler returns: a timeout answer still in flight
    # would never arrive and CloudFormation would wait an hour.
    url, responses = cloudformation
    monkeypatch.setattr("cdk_pca.runtime.lookup_handler._TIMEOUT_MARGIN_SECONDS", 0.0)
    monkeypatch.setattr(_Recorder, "delay_seconds", 0.5)

    def client_that_fails_once_the_timeout_answer_is_sent() -> Any:
        for _ in range(200):
            if responses:
                break
            threading.Event().wait(0.01)
        raise RuntimeError("too late")

    monkeypatch.setattr(
        "cdk_pca.runtime.lookup_handler.make_acm_client",
        client_that_fails_once_the_timeout_answer_is_sent,
    )

    class _ShortContext(_Context):
        def get_remaining_time_in_millis(self) -> int:
            return 1_000

    delivered = threading.Event()
    original_wait = _Recorder.reply_delay.wait

    def wait_then_mark(timeout: float | None = None) -> bool:
        result = original_wait(timeout)
        delivered.set()
        return result

    monkeypatch.setattr(_Recorder.reply_delay, "wait", wait_then_mark)
    handler(event(url, "Create", {"domain": "a.example.com"}), _ShortContext())
    assert delivered.is_set(), "the handler returned while the timeout answer was in flight"
    assert [r["body"]["Status"] for r in responses] == ["FAILED"]
