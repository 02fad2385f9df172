"""Custom::ParentSignature's handler against moto's ACM PCA: a root in us-east-1 signs a CA in
eu-west-1 of the same account, found by its tags; the signed CA is imported and ACTIVE."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography import x509

from cdk_pca.runtime import lookup_handler, signing_handler
from tests.lookup_certs import fake_aws_env
from tests.moto_pca import activate_root_ca, create_ca

PATH_LEN0 = "arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen0/V1"
TAGS = {"pki": "org", "pki-ca": "root"}


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    import boto3
    from moto import mock_aws

    fake_aws_env(monkeypatch)
    with mock_aws():
        yield (
            boto3.client("acm-pca", region_name="us-east-1"),
            boto3.client("acm-pca", region_name="eu-west-1"),
        )


def _properties(parent: Any, child: Any, *, account: str) -> tuple[dict[str, Any], str]:
    root = create_ca(parent, "Org Root CA", tags=TAGS)
    activate_root_ca(
        parent, root, signing_algorithm="SHA256WITHRSA", validity={"Value": 3650, "Type": "DAYS"}
    )
    create_ca(parent, "Decoy Root CA", tags={"pki": "org", "pki-ca": "other"})
    issuing = create_ca(child, "Org Issuing CA EU", ca_type="SUBORDINATE")
    csr = child.get_certificate_authority_csr(CertificateAuthorityArn=issuing)["Csr"]
    return {
        "CertificateAuthorityArn": issuing,
        "Csr": csr,
        "SigningAlgorithm": "SHA256WITHRSA",
        "TemplateArn": PATH_LEN0,
        "ValidityDays": "1825",  # CloudFormation hands properties over as strings
        "ParentRegion": "us-east-1",
        "ParentAccount": account,
        "ParentTags": json.dumps(TAGS),
        "ParentOwner": "SELF",
    }, root


def test_parent_in_another_region_signs_and_the_ca_is_activated(clients: tuple[Any, Any]) -> None:
    parent, child = clients
    account = "123456789012"  # moto's account
    properties, root = _properties(parent, child, account=account)
    data = signing_handler.sign_and_import(properties, parent_client=parent, client=child)
    assert data["ParentArn"] == root
    assert data["CertificateAuthorityArn"] == properties["CertificateAuthorityArn"]
    described = child.describe_certificate_authority(
        CertificateAuthorityArn=properties["CertificateAuthorityArn"]
    )["CertificateAuthority"]
    assert described["Status"] == "ACTIVE"
    installed = child.get_certificate_authority_certificate(
        CertificateAuthorityArn=properties["CertificateAuthorityArn"]
    )
    signed = x509.load_pem_x509_certificate(installed["Certificate"].encode())
    root_pem = parent.get_certificate_authority_certificate(CertificateAuthorityArn=root)
    issuer = x509.load_pem_x509_certificate(root_pem["Certificate"].encode())
    assert signed.issuer == issuer.subject
    signed.verify_directly_issued_by(issuer)


def test_a_parent_of_another_owner_is_refused(clients: tuple[Any, Any]) -> None:
    parent, child = clients
    properties, _ = _properties(parent, child, account="999999999999")
    # Only CAs of the parent's account are candidates: the same tags elsewhere are never asked.
    with pytest.raises(
        signing_handler.SigningRouteError,
        match="no ACTIVE CA of account 999999999999 in us-east-1 is tagged pki=org, pki-ca=root",
    ):
        signing_handler.sign_and_import(properties, parent_client=parent, client=child)
    described = child.describe_certificate_authority(
        CertificateAuthorityArn=properties["CertificateAuthorityArn"]
    )["CertificateAuthority"]
    assert described["Status"] == "PENDING_CERTIFICATE"


def test_idempotency_token_is_stable_short_and_changes_with_the_request() -> None:
    request = {"CertificateAuthorityArn": "arn:a", "Csr": "csr", "TemplateArn": PATH_LEN0}
    token = signing_handler.idempotency_token(request)
    assert token == signing_handler.idempotency_token(dict(request))
    assert len(token) == 32  # IdempotencyToken: 1..36 characters
    assert token != signing_handler.idempotency_token({**request, "Csr": "other"})


class _Recorder:
    def __init__(self, event: dict[str, Any], log_stream: str) -> None:
        self.sent: list[tuple[Any, ...]] = []
        _Recorder.last = self

    def send(self, status: str, physical_id: str, data: Any = None, reason: str = "") -> None:
        self.sent.append((status, physical_id, data, reason))

    last: _Recorder


def _event(request_type: str, **properties: Any) -> dict[str, Any]:
    return {
        "RequestType": request_type,
        "RequestId": "r1",
        "ResponseURL": "http://127.0.0.1:9/unused",
        "StackId": "s",
        "LogicalResourceId": "IssuingCaParentSignature",
        "PhysicalResourceId": "arn:aws:acm-pca:us-east-1:1:certificate-authority/x/certificate/y",
        "ResourceProperties": properties,
    }


def test_delete_keeps_the_certificate_and_answers_success(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lookup_handler, "_Responder", _Recorder)
    signing_handler.handler(_event("Delete"), None)
    assert _Recorder.last.sent[0][0] == "SUCCESS"


def test_a_failure_reaches_cloudformation_as_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lookup_handler, "_Responder", _Recorder)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise ValueError("no resource-based policy allows the acm-pca:IssueCertificate action")

    monkeypatch.setattr(signing_handler, "sign_and_import", refuse)
    monkeypatch.setattr(signing_handler, "make_pca_client", lambda *a: None)
    signing_handler.handler(_event("Create", ParentRegion="us-east-1"), None)
    status, _, _, reason = _Recorder.last.sent[0]
    assert status == "FAILED" and "no resource-based policy allows" in reason
