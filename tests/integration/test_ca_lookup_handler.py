"""The Custom::CertificateAuthorityLookup handler, against moto's ACM PCA (CAs of this account) and
botocore's Stubber (CAs shared through RAM, which moto does not model: ResourceOwner is ignored).

CloudFormation's pre-signed response URL is the certificate lookup tests' local recorder.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from cdk_pca.runtime import ca_lookup_handler
from tests.integration import test_lookup_handler as certificate_lookup_handler_tests
from tests.lookup_certs import REGION, fake_aws_env
from tests.moto_pca import activate_root_ca, create_ca

Recorder = tuple[str, list[dict[str, Any]]]
# The certificate lookup's local CloudFormation (records each PUT) and Lambda context.
cloudformation = certificate_lookup_handler_tests.cloudformation
_Context = certificate_lookup_handler_tests._Context
SHARED_ARN = (
    "arn:aws:acm-pca:us-east-1:222222222222:certificate-authority/"
    "11111111-2222-3333-4444-555555555555"
)


@pytest.fixture
def pca(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    import boto3
    from moto import mock_aws

    fake_aws_env(monkeypatch)
    with mock_aws():
        yield boto3.client("acm-pca", region_name=REGION)


def _active_root(pca: Any, common_name: str, tags: dict[str, str]) -> str:
    arn = create_ca(pca, common_name, tags=tags)
    activate_root_ca(
        pca, arn, signing_algorithm="SHA256WITHRSA", validity={"Value": 365, "Type": "DAYS"}
    )
    return arn


def _event(url: str, request_type: str, filters: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "RequestType": request_type,
        "ResponseURL": url,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/Pki/1",
        "RequestId": "req-1",
        "LogicalResourceId": "RootLookup",
        "ResourceType": "Custom::CertificateAuthorityLookup",
        "ResourceProperties": {
            "ServiceToken": "arn:lambda",
            # the construct's form: every key, sorted
            "Filters": json.dumps(
                {"common_name": None, "owner": None, "statuses": ["ACTIVE"], "tags": {}} | filters,
                sort_keys=True,
            ),
        },
        **extra,
    }


def test_create_answers_the_ca_attributes_without_fetching_its_certificate(
    pca: Any, cloudformation: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, responses = cloudformation
    arn = _active_root(pca, "Org Root CA", {"pki": "org"})
    _active_root(pca, "Other Root CA", {"pki": "other"})
    # The role is not granted GetCertificateAuthorityCertificate: the handler must not call it.
    monkeypatch.setattr(
        "botocore.client.BaseClient._make_api_call",
        _refusing("GetCertificateAuthorityCertificate", monkeypatch),
    )
    ca_lookup_handler.handler(_event(url, "Create", {"tags": {"pki": "org"}}), _Context())

    [response] = responses
    body = response["body"]
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", arn)
    assert body["Data"] == {
        "Arn": arn,
        "CommonName": "Org Root CA",
        "Status": "ACTIVE",
        "Type": "ROOT",
        "OwnerAccount": "123456789012",
        "NotAfter": body["Data"]["NotAfter"],
    }
    assert datetime.fromisoformat(body["Data"]["NotAfter"]).tzinfo is not None
    assert response["size"] < 4096


def _refusing(operation: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    from botocore.client import BaseClient

    original = BaseClient._make_api_call

    def call(self: Any, name: str, params: dict[str, Any]) -> Any:
        if name == operation:
            pytest.fail(f"{operation} called")
        return original(self, name, params)

    return call


def test_no_match_fails_the_deploy_with_the_lookup_message(
    pca: Any, cloudformation: Recorder
) -> None:
    url, responses = cloudformation
    _active_root(pca, "Org Root CA", {"pki": "org"})
    ca_lookup_handler.handler(_event(url, "Create", {"common_name": "Missing CA"}), _Context())
    body = responses[0]["body"]
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith("CA lookup failed: no private CA in us-east-1 matches")
    assert "common name 'Missing CA'" in body["Reason"]
    assert body["PhysicalResourceId"] == "ca-lookup-failed-req-1"


def test_several_matches_fail_the_update_naming_them_and_keep_the_physical_id(
    pca: Any, cloudformation: Recorder
) -> None:
    url, responses = cloudformation
    arns = sorted(_active_root(pca, "Twin CA", {"pki": "org"}) for _ in range(2))
    ca_lookup_handler.handler(
        _event(url, "Update", {"tags": {"pki": "org"}}, PhysicalResourceId="arn-before"),
        _Context(),
    )
    body = responses[0]["body"]
    assert (body["Status"], body["PhysicalResourceId"]) == ("FAILED", "arn-before")
    assert "2 private CAs" in body["Reason"] and ", ".join(arns) in body["Reason"]


def test_invalid_filters_fail_with_the_validation_message(
    pca: Any, cloudformation: Recorder
) -> None:
    url, responses = cloudformation
    ca_lookup_handler.handler(_event(url, "Create", {"owner": "EVERYONE"}), _Context())
    body = responses[0]["body"]
    assert body["Status"] == "FAILED"
    assert "owner: 'EVERYONE'" in body["Reason"] and "SELF" in body["Reason"]


def test_delete_succeeds_without_calling_pca(
    cloudformation: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, responses = cloudformation
    monkeypatch.setattr(
        "cdk_pca.runtime.ca_lookup_handler.make_pca_client",
        lambda: pytest.fail("Delete must not call PCA"),
    )
    ca_lookup_handler.handler(_event(url, "Delete", {}, PhysicalResourceId="arn-x"), _Context())
    body = responses[0]["body"]
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", "arn-x")


def test_a_ca_shared_through_ram_answers_its_owner_account() -> None:
    import boto3
    from botocore.stub import Stubber

    client = boto3.client(
        "acm-pca", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    summary = {
        "Arn": SHARED_ARN,
        "Type": "SUBORDINATE",
        "Status": "ACTIVE",
        "NotAfter": datetime(2031, 1, 1, tzinfo=UTC),
        "CertificateAuthorityConfiguration": {
            "KeyAlgorithm": "EC_prime256v1",
            "SigningAlgorithm": "SHA256WITHECDSA",
            "Subject": {"CommonName": "Org Issuing CA"},
        },
    }
    with Stubber(client) as stubber:
        stubber.add_response(
            "list_certificate_authorities",
            {"CertificateAuthorities": [summary]},
            {"MaxResults": 1000, "ResourceOwner": "OTHER_ACCOUNTS"},
        )
        stubber.add_response(
            "list_tags",
            {"Tags": [{"Key": "pki", "Value": "org"}]},
            {"CertificateAuthorityArn": SHARED_ARN, "MaxResults": 1000},
        )
        physical_id, data = ca_lookup_handler.look_up(
            {
                "Filters": json.dumps(
                    {"tags": {"pki": "org"}, "owner": "OTHER_ACCOUNTS", "statuses": ["ACTIVE"]}
                )
            },
            client=client,
        )
        stubber.assert_no_pending_responses()  # and no GetCertificateAuthorityCertificate
    assert physical_id == SHARED_ARN
    assert data["OwnerAccount"] == "222222222222"
    assert (data["Type"], data["NotAfter"]) == ("SUBORDINATE", "2031-01-01T00:00:00+00:00")
