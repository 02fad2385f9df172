"""find_certificate against moto's ACM: Terraform's aws_acm_certificate acceptance cases, then ours.

moto leaves SANs out of summaries, so hostname and SAN answers here go through DescribeCertificate.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from cdk_pca.lookup import (
    MultipleMatchingCertificatesError,
    NoMatchingCertificateError,
    find_certificate,
)
from tests.lookup_certs import NOW, fake_aws_env, import_certificate, mocked_acm

PCA_ARN = (
    "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-5555"
)


@pytest.fixture
def acm(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    fake_aws_env(monkeypatch)
    with mocked_acm() as client:
        yield client


def calls_of(client: Any) -> list[str]:
    calls: list[str] = []
    client.meta.events.register(
        "provide-client-params.acm", lambda model, **_: calls.append(model.name)
    )
    return calls


# --- Terraform parity ---------------------------------------------------------------------------


def test_finds_the_issued_certificate_by_exact_domain(acm: Any) -> None:
    wanted = import_certificate(acm, "www.example.com", sans=["example.com"])
    import_certificate(acm, "api.example.com")
    match = find_certificate(domain="www.example.com", client=acm)
    assert match.arn == wanted
    assert (match.domain, match.status, match.type) == ("www.example.com", "ISSUED", "IMPORTED")
    assert match.subject_alternative_names == ["www.example.com", "example.com"]
    assert match.certificate is not None and match.certificate.startswith("-----BEGIN CERTIFICATE")
    assert match.not_after is not None and match.not_after.utcoffset() == timedelta(0)


def test_domain_match_is_exact_not_a_suffix_or_san_match(acm: Any) -> None:
    import_certificate(acm, "www.example.com", sans=["example.com"])
    with pytest.raises(NoMatchingCertificateError):
        find_certificate(domain="example.com", client=acm)


def test_no_match_raises_with_the_filters_in_the_message(acm: Any) -> None:
    import_certificate(acm, "www.example.com")
    with pytest.raises(NoMatchingCertificateError, match=r"domain 'missing\.example\.com'"):
        find_certificate(domain="missing.example.com", types=["IMPORTED"], client=acm)


def test_several_matches_raise_listing_their_arns(acm: Any) -> None:
    arns = {import_certificate(acm, "www.example.com") for _ in range(2)}
    with pytest.raises(MultipleMatchingCertificatesError) as raised:
        find_certificate(domain="www.example.com", client=acm)
    assert set(raised.value.arns) == arns
    for arn in arns:
        assert arn in str(raised.value)


def test_most_recent_picks_the_latest_not_before(acm: Any) -> None:
    import_certificate(acm, "www.example.com", not_before=NOW - timedelta(days=30))
    newest = import_certificate(acm, "www.example.com", not_before=NOW - timedelta(days=2))
    import_certificate(acm, "www.example.com", not_before=NOW - timedelta(days=10))
    assert find_certificate(domain="www.example.com", most_recent=True, client=acm).arn == newest


def test_tags_must_all_match_and_extra_tags_are_fine(acm: Any) -> None:
    import_certificate(acm, "www.example.com", tags={"env": "dev"})
    prod = import_certificate(acm, "www.example.com", tags={"env": "prod", "team": "web"})
    match = find_certificate(domain="www.example.com", tags={"env": "prod"}, client=acm)
    assert match.arn == prod
    assert match.tags == {"env": "prod", "team": "web"}
    with pytest.raises(NoMatchingCertificateError, match="team=api"):
        find_certificate(domain="www.example.com", tags={"env": "prod", "team": "api"}, client=acm)


def test_tags_alone_find_a_certificate(acm: Any) -> None:
    import_certificate(acm, "a.example.com", tags={"app": "shop"})
    wanted = import_certificate(acm, "b.example.com", tags={"app": "blog"})
    assert find_certificate(tags={"app": "blog"}, client=acm).arn == wanted


def test_statuses_default_to_issued(acm: Any) -> None:
    pending = acm.request_certificate(DomainName="new.example.com")["CertificateArn"]
    with pytest.raises(NoMatchingCertificateError, match="statuses ISSUED"):
        find_certificate(domain="new.example.com", client=acm)
    match = find_certificate(domain="new.example.com", statuses=["PENDING_VALIDATION"], client=acm)
    assert (match.arn, match.status, match.type) == (pending, "PENDING_VALIDATION", "AMAZON_ISSUED")
    assert match.certificate is None and match.certificate_chain is None


def test_types_filter(acm: Any) -> None:
    imported = import_certificate(acm, "svc.example.com")
    private = acm.request_certificate(
        DomainName="svc.example.com", CertificateAuthorityArn=PCA_ARN
    )["CertificateArn"]
    assert find_certificate(domain="svc.example.com", types=["PRIVATE"], client=acm).arn == private
    assert find_certificate(domain="svc.example.com", types="IMPORTED", client=acm).arn == imported
    with pytest.raises(MultipleMatchingCertificatesError):
        find_certificate(domain="svc.example.com", types=["PRIVATE", "IMPORTED"], client=acm)


def test_key_types_filter(acm: Any) -> None:
    rsa = import_certificate(acm, "k.example.com", key_type="RSA_2048")
    ec = import_certificate(acm, "k.example.com", key_type="EC_secp384r1")
    assert find_certificate(domain="k.example.com", key_types=["RSA_2048"], client=acm).arn == rsa
    match = find_certificate(domain="k.example.com", key_types=["EC_secp384r1"], client=acm)
    assert (match.arn, match.key_algorithm.replace("-", "_")) == (ec, "EC_secp384r1")


# --- better than Terraform ----------------------------------------------------------------------


@pytest.mark.parametrize("key_type", ["EC_prime256v1", "EC_secp384r1", "RSA_3072"])
def test_certificates_of_every_key_type_are_found_without_key_types(
    acm: Any, key_type: str
) -> None:
    wanted = import_certificate(acm, "ec.example.com", key_type=key_type)
    calls: list[dict[str, Any]] = []
    acm.meta.events.register(
        "provide-client-params.acm.ListCertificates", lambda params, **_: calls.append(params)
    )
    assert find_certificate(domain="ec.example.com", client=acm).arn == wanted
    assert key_type in calls[0]["Includes"]["keyTypes"]


def test_hostname_is_covered_by_a_one_label_wildcard_san(acm: Any) -> None:
    wanted = import_certificate(acm, "example.com", sans=["*.example.com"])
    import_certificate(acm, "other.example.org", sans=["*.b.example.com"])
    assert find_certificate(hostname="shop.example.com", client=acm).arn == wanted
    assert find_certificate(hostname="example.com", client=acm).arn == wanted
    with pytest.raises(NoMatchingCertificateError):
        find_certificate(hostname="a.c.example.com", client=acm)


def test_hostname_matches_a_san_that_is_not_the_domain_name(acm: Any) -> None:
    sans = [f"n{i}.example.net" for i in range(120)]
    wanted = import_certificate(acm, "primary.example.net", sans=sans)
    match = find_certificate(hostname="n119.example.net", client=acm)
    assert match.arn == wanted
    assert len(match.subject_alternative_names) == 121


def test_hostname_with_several_covering_certificates_needs_most_recent(acm: Any) -> None:
    exact = import_certificate(acm, "www.example.com", not_before=NOW - timedelta(days=5))
    wildcard = import_certificate(acm, "*.example.com", not_before=NOW - timedelta(days=1))
    with pytest.raises(MultipleMatchingCertificatesError) as raised:
        find_certificate(hostname="www.example.com", client=acm)
    assert sorted(raised.value.arns) == sorted([exact, wildcard])
    assert find_certificate(hostname="www.example.com", most_recent=True, client=acm).arn == (
        wildcard
    )


def test_exact_domain_lookup_describes_only_the_winner(acm: Any) -> None:
    for n in range(20):
        import_certificate(acm, f"host{n}.example.com")
    wanted = import_certificate(acm, "www.example.com")
    calls = calls_of(acm)
    assert find_certificate(domain="www.example.com", client=acm).arn == wanted
    # moto's summaries carry no SANs, so the winner is described once; real ACM's summaries
    # make that call unnecessary (tests/unit/test_lookup.py counts pages + 2).
    assert calls == [
        "ListCertificates",
        "DescribeCertificate",
        "ListTagsForCertificate",
        "GetCertificate",
    ]
