"""find_certificate against botocore's Stubber: exact requests, pagination, call counts, retries.

moto cannot show these (it ignores MaxItems and leaves SANs out of summaries), the Stubber can.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from cdk_pca.lookup import (
    CertificateLookupError,
    CertificateMatch,
    InvalidLookupArgumentsError,
    MultipleMatchingCertificatesError,
    NoMatchingCertificateError,
    find_certificate,
    host_is_covered,
    make_acm_client,
    validate_lookup_arguments,
)
from cdk_pca.vocabulary import ACM_KEY_TYPES

ARN = "arn:aws:acm:us-east-1:123456789012:certificate/"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def arn(n: int) -> str:
    return f"{ARN}00000000-0000-0000-0000-{n:012d}"


def summary(
    n: int,
    domain: str,
    *,
    sans: list[str] | None = None,
    has_more: bool = False,
    status: str = "ISSUED",
    cert_type: str = "AMAZON_ISSUED",
    key: str = "RSA-2048",
    not_before: datetime = T0,
) -> dict[str, Any]:
    """A CertificateSummary as real ACM returns it (SANs included, hyphenated key algorithm)."""
    return {
        "CertificateArn": arn(n),
        "DomainName": domain,
        "SubjectAlternativeNameSummaries": sans if sans is not None else [domain],
        "HasAdditionalSubjectAlternativeNames": has_more,
        "Status": status,
        "Type": cert_type,
        "KeyAlgorithm": key,
        "NotBefore": not_before,
        "NotAfter": not_before + timedelta(days=395),
    }


def list_request(
    token: str | None = None,
    statuses: list[str] | None = None,
    key_types: list[str] | None = None,
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "CertificateStatuses": statuses or ["ISSUED"],
        "Includes": {"keyTypes": key_types or list(ACM_KEY_TYPES)},
        "MaxItems": 1000,
    }
    if token:
        request["NextToken"] = token
    return request


@pytest.fixture(scope="module")
def session() -> Any:
    return botocore.session.get_session()


@pytest.fixture
def client(session: Any) -> Any:
    return session.create_client(
        "acm",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def stubber(client: Any) -> Iterator[Stubber]:
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def expect_winner(stub: Stubber, n: int, tags: dict[str, str] | None = None) -> None:
    stub.add_response(
        "list_tags_for_certificate",
        {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]} if tags else {},
        {"CertificateArn": arn(n)},
    )
    stub.add_response(
        "get_certificate",
        {"Certificate": f"PEM {n}", "CertificateChain": "CHAIN"},
        {"CertificateArn": arn(n)},
    )


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({}, "domain"),
        ({"statuses": ["ISSUED"], "types": ["IMPORTED"]}, "domain"),
        ({"tags": {}}, "domain"),
        ({"domain": "a.example.com", "hostname": "a.example.com"}, "hostname"),
        ({"domain": "a.example.com", "statuses": ["BOGUS"]}, "statuses"),
        ({"domain": "a.example.com", "types": ["PUBLIC"]}, "types"),
        ({"domain": "a.example.com", "key_types": ["RSA_8192"]}, "key_types"),
        ({"domain": "a.example.com", "key_types": ["ec_prime256v1"]}, "key_types"),
        ({"tags": {"env": 1}}, "tags"),
        ({"tags": [("env", "prod")]}, "tags"),
        ({"tags": {"": "x"}}, "tags"),
        ({"domain": ""}, "domain"),
        ({"domain": "exa mple.com"}, "domain"),
        ({"domain": "-bad.example.com"}, "domain"),
        ({"domain": "a..example.com"}, "domain"),
        ({"domain": "www.*.example.com"}, "domain"),
        ({"domain": "w*.example.com"}, "domain"),
        ({"domain": "*"}, "domain"),
        ({"domain": "a_b.example.com"}, "domain"),
        ({"domain": "x" * 64 + ".example.com"}, "domain"),
        ({"domain": ("a" * 60 + ".") * 5 + "com"}, "domain"),
        ({"domain": 42}, "domain"),
        ({"hostname": "*.example.com"}, "hostname"),
        ({"domain": "a.example.com", "most_recent": "yes"}, "most_recent"),
        ({"domain": "a.example.com", "statuses": 5}, "statuses"),
    ],
)
def test_invalid_arguments_raise_value_error_before_any_api_call(
    stubber: Stubber, client: Any, arguments: dict[str, Any], named: str
) -> None:
    with pytest.raises(ValueError, match=rf"\b{named}: ") as raised:
        find_certificate(client=client, **arguments)
    assert isinstance(raised.value, InvalidLookupArgumentsError)
    assert named in {problem.field for problem in raised.value.problems}


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InvalidLookupArgumentsError) as raised:
        validate_lookup_arguments(domain="bad domain", statuses=["NOPE"], types=["X"])
    assert [p.field for p in raised.value.problems] == ["domain", "statuses", "types"]


def test_arguments_are_normalised() -> None:
    filters = validate_lookup_arguments(
        domain="WWW.Example.COM.",
        statuses="EXPIRED",
        key_types=["RSA-2048", "RSA_2048", "EC_prime256v1"],
    )
    assert filters.domain == "www.example.com"
    assert filters.statuses == ("EXPIRED",)
    assert filters.key_types == ("RSA_2048", "EC_prime256v1")
    assert validate_lookup_arguments(hostname="bücher.example").hostname == "xn--bcher-kva.example"
    assert validate_lookup_arguments(domain="*.example.com", statuses=[]).statuses == ("ISSUED",)


def test_unknown_key_type_suggests_the_right_spelling() -> None:
    with pytest.raises(ValueError, match=r"did you mean EC_prime256v1\?"):
        validate_lookup_arguments(domain="a.example.com", key_types=["ec_prime256v1"])


@pytest.mark.parametrize(
    ("host", "name", "covered"),
    [
        ("a.example.com", "a.example.com", True),
        ("A.Example.com.", "a.example.COM", True),
        ("a.example.com", "*.example.com", True),
        ("a.b.example.com", "*.example.com", False),
        ("example.com", "*.example.com", False),
        ("a.example.com", "*.a.example.com", False),
        ("a.example.org", "*.example.com", False),
        ("a.example.com", "b.example.com", False),
        ("aexample.com", "*.example.com", False),
    ],
)
def test_wildcard_covers_exactly_one_label(host: str, name: str, covered: bool) -> None:
    assert host_is_covered(host, name) is covered


def test_request_asks_for_every_key_type_and_sends_statuses(stubber: Stubber, client: Any) -> None:
    stubber.add_response(
        "list_certificates",
        {"CertificateSummaryList": [summary(1, "a.example.com", status="EXPIRED")]},
        list_request(statuses=["ISSUED", "EXPIRED"]),
    )
    stubber.add_response("list_tags_for_certificate", {}, {"CertificateArn": arn(1)})
    match = find_certificate(domain="a.example.com", statuses=["ISSUED", "EXPIRED"], client=client)
    assert match.status == "EXPIRED"
    assert match.certificate is None and match.certificate_chain is None


def test_key_types_narrow_the_request_in_the_underscore_spelling(
    stubber: Stubber, client: Any
) -> None:
    stubber.add_response(
        "list_certificates",
        {
            "CertificateSummaryList": [
                summary(1, "a.example.com", key="RSA-2048"),
                summary(2, "a.example.com", key="EC-prime256v1"),
            ]
        },
        list_request(key_types=["EC_prime256v1"]),
    )
    expect_winner(stubber, 2)
    match = find_certificate(domain="a.example.com", key_types=["EC-prime256v1"], client=client)
    assert match.arn == arn(2)
    assert match.key_algorithm == "EC-prime256v1"


def test_every_page_is_read_and_exact_domain_costs_pages_plus_two_calls(
    stubber: Stubber, client: Any
) -> None:
    calls: list[str] = []
    client.meta.events.register(
        "provide-client-params.acm", lambda model, **_: calls.append(model.name)
    )
    pages = [
        [summary(n, f"host{n}.example.com") for n in range(0, 1000)],
        [summary(n, f"host{n}.example.com") for n in range(1000, 2000)],
        [summary(2000, "www.example.com", sans=["www.example.com", "example.com"])],
    ]
    for index, page in enumerate(pages):
        response: dict[str, Any] = {"CertificateSummaryList": page}
        if index < len(pages) - 1:
            response["NextToken"] = f"token-{index + 1}"
        stubber.add_response(
            "list_certificates", response, list_request(f"token-{index}" if index else None)
        )
    expect_winner(stubber, 2000, tags={"env": "prod", "aws:cloudformation:stack-name": "S"})

    match = find_certificate(domain="www.example.com", client=client)

    assert match.arn == arn(2000)
    assert calls == ["ListCertificates"] * 3 + ["ListTagsForCertificate", "GetCertificate"]
    assert match.subject_alternative_names == ["www.example.com", "example.com"]
    assert match.tags == {"env": "prod"}
    assert match.certificate == "PEM 2000" and match.certificate_chain == "CHAIN"
    assert match.not_before == T0 and match.not_before.tzinfo is not None


def test_truncated_san_summary_is_described_for_the_winner_only(
    stubber: Stubber, client: Any
) -> None:
    sans = [f"n{i}.example.com" for i in range(100)]
    stubber.add_response(
        "list_certificates",
        {"CertificateSummaryList": [summary(1, "www.example.com", sans=sans, has_more=True)]},
        list_request(),
    )
    stubber.add_response(
        "describe_certificate",
        {
            "Certificate": {
                "CertificateArn": arn(1),
                "DomainName": "www.example.com",
                "SubjectAlternativeNames": [*sans, "extra.example.com"],
                "Status": "ISSUED",
                "Type": "AMAZON_ISSUED",
                "KeyAlgorithm": "RSA-2048",
                "NotBefore": T0,
                "NotAfter": T0 + timedelta(days=395),
            }
        },
        {"CertificateArn": arn(1)},
    )
    expect_winner(stubber, 1)
    match = find_certificate(domain="www.example.com", client=client)
    assert match.subject_alternative_names[-1] == "extra.example.com"
    assert len(match.subject_alternative_names) == 101


def test_hostname_beyond_the_summary_sans_describes_only_truncated_candidates(
    stubber: Stubber, client: Any
) -> None:
    first_100 = [f"n{i}.example.org" for i in range(100)]
    stubber.add_response(
        "list_certificates",
        {
            "CertificateSummaryList": [
                summary(1, "other.example.net"),  # complete SANs, not covering: no call
                summary(2, "n0.example.org", sans=first_100, has_more=True),
                summary(3, "api.example.com", sans=["api.example.com", "*.api.example.com"]),
            ]
        },
        list_request(),
    )
    stubber.add_response(
        "describe_certificate",
        {
            "Certificate": {
                "CertificateArn": arn(2),
                "DomainName": "n0.example.org",
                "SubjectAlternativeNames": [*first_100, "*.shop.example.com"],
            }
        },
        {"CertificateArn": arn(2)},
    )
    expect_winner(stubber, 2)
    match = find_certificate(hostname="cart.shop.example.com", client=client)
    assert match.arn == arn(2)
    assert "*.shop.example.com" in match.subject_alternative_names


def test_tags_are_fetched_per_candidate_only_when_filtering_on_tags(
    stubber: Stubber, client: Any
) -> None:
    stubber.add_response(
        "list_certificates",
        {
            "CertificateSummaryList": [
                summary(1, "a.example.com"),
                summary(2, "b.example.com"),
            ]
        },
        list_request(),
    )
    stubber.add_response(
        "list_tags_for_certificate",
        {"Tags": [{"Key": "env", "Value": "dev"}]},
        {"CertificateArn": arn(1)},
    )
    stubber.add_response(
        "list_tags_for_certificate",
        {"Tags": [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "web"}]},
        {"CertificateArn": arn(2)},
    )
    stubber.add_response("get_certificate", {"Certificate": "PEM"}, {"CertificateArn": arn(2)})
    match = find_certificate(tags={"env": "prod"}, client=client)
    assert match.arn == arn(2)
    assert match.tags == {"env": "prod", "team": "web"}
    assert match.certificate_chain is None


def test_most_recent_ties_are_broken_by_not_after_then_arn(stubber: Stubber, client: Any) -> None:
    tied = [summary(n, "a.example.com", not_before=T0) for n in (5, 9, 7)]
    tied[2]["NotAfter"] = T0 + timedelta(days=800)
    stubber.add_response(
        "list_certificates",
        {"CertificateSummaryList": [summary(1, "a.example.com", not_before=T0 - timedelta(1))]},
        list_request(),
    )
    expect_winner(stubber, 1)
    assert find_certificate(domain="a.example.com", most_recent=True, client=client).arn == arn(1)
    for order in (tied, tied[::-1]):
        stubber.add_response("list_certificates", {"CertificateSummaryList": order}, list_request())
        expect_winner(stubber, 7)
        assert find_certificate(domain="a.example.com", most_recent=True, client=client).arn == (
            arn(7)
        )
    same = [summary(n, "a.example.com", not_before=T0) for n in (5, 9, 3)]
    stubber.add_response("list_certificates", {"CertificateSummaryList": same}, list_request())
    expect_winner(stubber, 9)
    assert find_certificate(domain="a.example.com", most_recent=True, client=client).arn == arn(9)


def test_several_matches_list_every_arn(stubber: Stubber, client: Any) -> None:
    stubber.add_response(
        "list_certificates",
        {"CertificateSummaryList": [summary(2, "a.example.com"), summary(1, "A.example.com")]},
        list_request(),
    )
    with pytest.raises(MultipleMatchingCertificatesError, match="most_recent") as raised:
        find_certificate(domain="a.example.com", client=client)
    assert raised.value.arns == [arn(1), arn(2)]
    assert isinstance(raised.value, CertificateLookupError)


def test_no_match_fails_at_once_repeating_the_filters(stubber: Stubber, client: Any) -> None:
    stubber.add_response(
        "list_certificates",
        {"CertificateSummaryList": [summary(1, "b.example.com")]},
        list_request(key_types=["RSA_4096"]),
    )
    with pytest.raises(NoMatchingCertificateError) as raised:
        find_certificate(
            domain="a.example.com", key_types=["RSA_4096"], tags={"env": "prod"}, client=client
        )
    message = str(raised.value)
    for part in ("us-east-1", "'a.example.com'", "env=prod", "statuses ISSUED", "RSA_4096"):
        assert part in message


def test_repeated_next_token_is_an_error_not_a_loop(stubber: Stubber, client: Any) -> None:
    stubber.add_response(
        "list_certificates", {"CertificateSummaryList": [], "NextToken": "t"}, list_request()
    )
    stubber.add_response(
        "list_certificates", {"CertificateSummaryList": [], "NextToken": "t"}, list_request("t")
    )
    with pytest.raises(CertificateLookupError, match="NextToken 't' twice"):
        find_certificate(domain="a.example.com", client=client)


def test_default_client_retries_throttling(monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.awsrequest import AWSResponse

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    sleeps: list[float] = []
    monkeypatch.setattr("time.sleep", sleeps.append)
    client = make_acm_client("us-east-1")
    sent: list[str] = []

    class _Raw:
        def stream(self, **_: Any) -> Iterator[bytes]:
            yield b""

    def answer(request: Any, **_: Any) -> AWSResponse:
        body: dict[str, Any]
        sent.append(json.loads(request.body)["CertificateStatuses"][0])
        if len(sent) < 3:
            body = {"__type": "ThrottlingException", "message": "Rate exceeded"}
            response = AWSResponse(request.url, 400, {}, _Raw())
        else:
            body = {"CertificateSummaryList": []}
            response = AWSResponse(request.url, 200, {}, _Raw())
        response._content = json.dumps(body).encode()
        return response

    client.meta.events.register("before-send.acm.ListCertificates", answer)
    with pytest.raises(NoMatchingCertificateError):
        find_certificate(domain="a.example.com", client=client)
    assert sent == ["ISSUED", "ISSUED", "ISSUED"]
    assert sleeps, "throttled calls must back off before the retry"


def test_default_client_is_used_without_a_client(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str | None] = []

    def fake_client(region_name: str | None = None) -> Any:
        made.append(region_name)
        raise RuntimeError("made")

    monkeypatch.setattr("cdk_pca.lookup.make_acm_client", fake_client)
    with pytest.raises(RuntimeError, match="made"):
        find_certificate(domain="a.example.com")
    assert made == [None]


def test_match_round_trips_through_json() -> None:
    match = CertificateMatch(
        arn=arn(1),
        domain="a.example.com",
        status="ISSUED",
        type="PRIVATE",
        key_algorithm="EC-prime256v1",
        not_before=T0,
        not_after=T0 + timedelta(days=1),
        subject_alternative_names=["a.example.com"],
        tags={"env": "prod"},
        certificate="PEM",
        certificate_chain=None,
    )
    assert CertificateMatch.from_dict(json.loads(json.dumps(match.to_dict()))) == match
    slim = match.to_dict(include_pem=False)
    assert "certificate" not in slim
    assert CertificateMatch.from_dict(slim).certificate is None
    with pytest.raises(ValueError, match="not a certificate match"):
        CertificateMatch.from_dict({"arn": "x"})
