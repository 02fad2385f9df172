"""`cdk-pca lookup-ca` with botocore's Stubber: CAs shared through RAM (OTHER_ACCOUNTS, which moto
lacks), paging, throttling, and bad input; one line and an exit code, never a traceback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from cdk_pca.cli import main

SHARED = "arn:aws:acm-pca:us-east-1:111111111111:certificate-authority/11111111-1111-1111-1111-111111111111"
OWN = "arn:aws:acm-pca:us-east-1:222222222222:certificate-authority/22222222-2222-2222-2222-222222222222"
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"


def _summary(arn: str, common_name: str) -> dict[str, Any]:
    return {
        "Arn": arn,
        "Type": "ROOT",
        "Status": "ACTIVE",
        "CertificateAuthorityConfiguration": {
            "KeyAlgorithm": "RSA_4096",
            "SigningAlgorithm": "SHA512WITHRSA",
            "Subject": {"CommonName": common_name},
        },
    }


def _list(stubber: Stubber, owner: str, summaries: list[dict[str, Any]], **page: str) -> None:
    """One ListCertificateAuthorities page; `token` in `page` is the request's NextToken,
    `next` the response's."""
    request: dict[str, Any] = {"MaxResults": 1000, "ResourceOwner": owner}
    response: dict[str, Any] = {"CertificateAuthorities": summaries}
    if "token" in page:
        request["NextToken"] = page["token"]
    if "next" in page:
        response["NextToken"] = page["next"]
    stubber.add_response("list_certificate_authorities", response, request)


def _certificate(stubber: Stubber, arn: str) -> None:
    stubber.add_response(
        "get_certificate_authority_certificate",
        {"Certificate": PEM},
        {"CertificateAuthorityArn": arn},
    )


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Stubber]]:
    import boto3

    client = boto3.client(
        "acm-pca",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    monkeypatch.setattr("cdk_pca.lookup.make_pca_client", lambda region=None: client)
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["lookup-ca", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_ca_shared_through_ram_is_found_by_tags(
    stubbed: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    _, stubber = stubbed
    _list(stubber, "OTHER_ACCOUNTS", [_summary(SHARED, "Org Root CA")])
    stubber.add_response(
        "list_tags",
        {"Tags": [{"Key": "pki", "Value": "org"}, {"Key": "pki-ca", "Value": "root"}]},
        {"CertificateAuthorityArn": SHARED, "MaxResults": 1000},
    )
    _certificate(stubber, SHARED)
    code, out, err = _run(
        capsys, "--tag", "pki=org", "--tag", "pki-ca=root", "--owner", "OTHER_ACCOUNTS", "--json"
    )
    assert (code, err) == (0, "")
    found = json.loads(out)
    assert found["arn"] == SHARED and found["owner_account"] == "111111111111"
    assert found["certificate"] == PEM and found["certificate_chain"] is None


def test_every_page_of_both_owners_is_read(
    stubbed: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    _, stubber = stubbed
    _list(stubber, "SELF", [_summary(OWN, "Other CA")], next="page-2")
    _list(stubber, "SELF", [], token="page-2")
    _list(stubber, "OTHER_ACCOUNTS", [_summary(SHARED, "Org Root CA")])
    _certificate(stubber, SHARED)
    code, out, _ = _run(capsys, "--common-name", "Org Root CA")
    assert code == 0
    assert "111111111111" in out and "Org Root CA" in out


def test_several_matches_exit_1_listing_them(
    stubbed: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    _, stubber = stubbed
    _list(stubber, "SELF", [_summary(OWN, "Root CA"), _summary(SHARED, "Root CA")])
    code, _, err = _run(capsys, "--common-name", "Root CA", "--owner", "SELF")
    assert code == 1
    assert OWN in err and SHARED in err and len(err.strip().splitlines()) == 1


def test_throttling_that_outlasts_the_retries_is_one_line_exit_2(
    stubbed: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    _, stubber = stubbed
    stubber.add_client_error(
        "list_certificate_authorities",
        service_error_code="ThrottlingException",
        service_message="Rate exceeded",
        http_status_code=400,
    )
    code, _, err = _run(capsys, "--tag", "pki=org", "--owner", "SELF")
    assert code == 2
    assert "Rate exceeded" in err or "Throttling" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--owner", "EVERYONE"], "--owner: 'EVERYONE' is not allowed"),
        (["--status", "ACTIVATED"], "--status"),
        (["--tag", "no-equals-sign"], "is not KEY=VALUE"),
    ],
)
def test_bad_input_is_one_line_exit_2_without_calling_aws(
    stubbed: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    code, _, err = _run(capsys, *args)
    assert code == 2 and expected in err and len(err.strip().splitlines()) == 1
