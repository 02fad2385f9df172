"""`cdk-pca lookup-ca` and find_certificate_authority through botocore's Stubber: what moto lacks
(ResourceOwner OTHER_ACCOUNTS, NextToken paging, throttling), exit codes and one-line errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from cdk_pca import lookup
from cdk_pca.cli import main
from tests.lookup_certs import REGION, fake_aws_env

OWN = f"arn:aws:acm-pca:{REGION}:111111111111:certificate-authority/11111111-1111-1111-1111-111111111111"
SHARED = f"arn:aws:acm-pca:{REGION}:222222222222:certificate-authority/22222222-2222-2222-2222-222222222222"
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def _summary(arn: str, common_name: str, status: str = "ACTIVE") -> dict[str, Any]:
    return {
        "Arn": arn,
        "Status": status,
        "Type": "SUBORDINATE",
        "NotAfter": datetime(2030, 1, 1, tzinfo=UTC),
        "CertificateAuthorityConfiguration": {
            "KeyAlgorithm": "EC_prime256v1",
            "SigningAlgorithm": "SHA256WITHECDSA",
            "Subject": {"CommonName": common_name},
        },
    }


def _listing(owner: str, *pages: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict]]:
    """The ListCertificateAuthorities calls for `owner`: one per page, chained by NextToken."""
    calls = []
    for index, page in enumerate(pages):
        request: dict[str, Any] = {"MaxResults": lookup.CA_LIST_PAGE_SIZE, "ResourceOwner": owner}
        if index:
            request["NextToken"] = f"{owner}-{index}"
        response: dict[str, Any] = {"CertificateAuthorities": page}
        if index + 1 < len(pages):
            response["NextToken"] = f"{owner}-{index + 1}"
        calls.append((response, request))
    return calls


@pytest.fixture
def pca(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    fake_aws_env(monkeypatch)
    client = boto3.client("acm-pca", region_name=REGION)
    stubber = Stubber(client)
    monkeypatch.setattr(lookup, "make_pca_client", lambda region_name=None: client)
    with stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def _expect(stubber: Stubber, operation: str, calls: list[tuple[dict[str, Any], dict]]) -> None:
    for response, request in calls:
        stubber.add_response(operation, response, request)


def test_a_ca_shared_through_ram_is_found_on_the_second_page(
    pca: Stubber, capsys: pytest.CaptureFixture[str]
) -> None:
    _expect(pca, "list_certificate_authorities", _listing("SELF", [_summary(OWN, "Own CA")]))
    _expect(
        pca,
        "list_certificate_authorities",
        _listing("OTHER_ACCOUNTS", [_summary(OWN.replace("1111-1", "1111-9"), "Other")],
                 [_summary(SHARED, "Shared Issuing CA")]),
    )  # fmt: skip
    pca.add_response(
        "get_certificate_authority_certificate",
        {"Certificate": PEM, "CertificateChain": PEM},
        {"CertificateAuthorityArn": SHARED},
    )

    code = main(["lookup-ca", "--common-name", "Shared Issuing CA", "--json"])

    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["arn"] == SHARED and data["owner_account"] == "222222222222"
    assert data["certificate_chain"] == PEM and data["not_after"] == "2030-01-01T00:00:00+00:00"


def test_owner_other_accounts_lists_only_shared_cas_and_tags_narrow(
    pca: Stubber, capsys: pytest.CaptureFixture[str]
) -> None:
    other = SHARED.replace("2222-2", "2222-8")
    _expect(
        pca,
        "list_certificate_authorities",
        _listing("OTHER_ACCOUNTS", [_summary(SHARED, "A"), _summary(other, "B")]),
    )
    for arn, team in ((SHARED, "payments"), (other, "web")):
        pca.add_response(
            "list_tags",
            {"Tags": [{"Key": "team", "Value": team}]},
            {"CertificateAuthorityArn": arn, "MaxResults": lookup.CA_LIST_PAGE_SIZE},
        )
    pca.add_response(
        "get_certificate_authority_certificate",
        {"Certificate": PEM},
        {"CertificateAuthorityArn": SHARED},
    )

    code = main(["lookup-ca", "--owner", "OTHER_ACCOUNTS", "--tag", "team=payments"])

    out = capsys.readouterr().out
    assert code == 0
    assert SHARED in out and "222222222222" in out and "Private CA" in out


def _tags_denied(stubber: Stubber, arn: str) -> None:
    stubber.add_client_error(
        "list_tags",
        service_error_code="AccessDeniedException",
        service_message="not authorized to perform: acm-pca:ListTags",
        expected_params={"CertificateAuthorityArn": arn, "MaxResults": lookup.CA_LIST_PAGE_SIZE},
    )


def test_a_shared_ca_whose_tags_may_not_be_read_is_left_out_and_named(
    pca: Stubber, capsys: pytest.CaptureFixture[str]
) -> None:
    # Its share's permission does not grant ListTags (a customer managed permission may leave
    # it out): it cannot be shown to carry the tags, and the lookup goes on without it.
    _expect(
        pca, "list_certificate_authorities", _listing("OTHER_ACCOUNTS", [_summary(SHARED, "A")])
    )
    _tags_denied(pca, SHARED)

    code = main(["lookup-ca", "--owner", "OTHER_ACCOUNTS", "--tag", "team=payments"])

    err = capsys.readouterr().err
    assert code == 1
    assert "left out 1 shared CA(s) whose tags this account may not read" in err
    assert SHARED in err


def test_a_denied_list_tags_on_an_own_ca_is_the_callers_policy_and_fails(
    pca: Stubber, capsys: pytest.CaptureFixture[str]
) -> None:
    _expect(pca, "list_certificate_authorities", _listing("SELF", [_summary(OWN, "A")]))
    _tags_denied(pca, OWN)

    code = main(["lookup-ca", "--owner", "SELF", "--tag", "team=payments"])

    assert code == 2
    assert "AccessDenied" in capsys.readouterr().err


def test_several_matches_exit_1_naming_each_arn(
    pca: Stubber, capsys: pytest.CaptureFixture[str]
) -> None:
    _expect(pca, "list_certificate_authorities", _listing("SELF", [_summary(OWN, "Issuing")]))
    _expect(
        pca,
        "list_certificate_authorities",
        _listing("OTHER_ACCOUNTS", [_summary(SHARED, "Issuing")]),
    )

    code = main(["lookup-ca", "--common-name", "Issuing"])

    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and OWN in err and SHARED in err and "narrow the filters" in err


def test_a_pending_ca_is_found_only_when_asked_and_has_no_certificate(
    pca: Stubber, capsys: pytest.CaptureFixture[str]
) -> None:
    pending = _summary(OWN, "New CA", status="PENDING_CERTIFICATE")
    _expect(pca, "list_certificate_authorities", _listing("SELF", [pending]))

    code = main(["lookup-ca", "--owner", "SELF", "--status", "PENDING_CERTIFICATE", "--json"])

    data = json.loads(capsys.readouterr().out)
    assert code == 0  # no GetCertificateAuthorityCertificate: the Stubber would fail on it
    assert data["status"] == "PENDING_CERTIFICATE" and data["certificate"] is None


def test_throttling_is_one_line_with_what_to_do(
    pca: Stubber, capsys: pytest.CaptureFixture[str]
) -> None:
    pca.add_client_error(
        "list_certificate_authorities", "ThrottlingException", "Rate exceeded", 400
    )

    code = main(["lookup-ca", "--owner", "SELF", "--common-name", "x"])

    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "ListCertificateAuthorities failed with ThrottlingException" in err
    assert "try again later" in err


def test_a_repeated_next_token_ends_the_listing_with_an_error(
    pca: Stubber, capsys: pytest.CaptureFixture[str]
) -> None:
    request = {"MaxResults": lookup.CA_LIST_PAGE_SIZE, "ResourceOwner": "SELF"}
    pca.add_response(
        "list_certificate_authorities", {"CertificateAuthorities": [], "NextToken": "t"}, request
    )
    pca.add_response(
        "list_certificate_authorities",
        {"CertificateAuthorities": [], "NextToken": "t"},
        {**request, "NextToken": "t"},
    )

    code = main(["lookup-ca", "--owner", "SELF", "--common-name", "x"])

    assert code == 1
    assert "returned NextToken 't' twice" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--owner", "ME"], "--owner: 'ME' is not allowed; expected one of SELF, OTHER_ACCOUNTS"),
        (["--status", "RUNNING"], "--status"),
        (["--tag", "novalue"], "--tag 'novalue' is not KEY=VALUE"),
        (["--common-name", ""], "--common-name: must be a non-empty string"),
    ],
)
def test_bad_arguments_fail_before_any_call(
    pca: Stubber, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code = main(["lookup-ca", *argv])  # the Stubber has no responses: any call would fail

    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and message in err
