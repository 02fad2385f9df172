"""find_certificate_authority against moto's ACM PCA: tags, common name, status, certificates.

moto keeps real CAs with real certificates; the Stubber tests cover what moto lacks (ResourceOwner).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cdk_pca.lookup import (
    MultipleMatchingCertificatesError,
    NoMatchingCertificateError,
    find_certificate_authority,
)
from tests.lookup_certs import REGION, fake_aws_env
from tests.moto_pca import activate_root_ca, create_ca


@pytest.fixture
def pca(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    import boto3
    from moto import mock_aws

    fake_aws_env(monkeypatch)
    with mock_aws():
        yield boto3.client("acm-pca", region_name=REGION)


def _activate_root(pca: Any, arn: str) -> None:
    activate_root_ca(
        pca, arn, signing_algorithm="SHA256WITHRSA", validity={"Value": 365, "Type": "DAYS"}
    )


def test_statuses_default_to_active(pca: Any) -> None:
    active = create_ca(pca, "Example Root CA")
    _activate_root(pca, active)
    create_ca(pca, "Example Root CA")  # PENDING_CERTIFICATE
    match = find_certificate_authority(common_name="Example Root CA", client=pca)
    assert match.arn == active
    assert match.status == "ACTIVE"
    assert match.type == "ROOT"
    assert match.owner_account == active.split(":")[4]
    assert match.certificate is not None and match.certificate.startswith("-----BEGIN CERTIFICATE")
    assert match.certificate_chain is None  # a root has no chain
    assert match.not_after is not None and match.not_after.tzinfo is not None


def test_pending_ca_is_found_when_asked_for_and_has_no_certificate(pca: Any) -> None:
    pending = create_ca(pca, "Pending CA")
    match = find_certificate_authority(
        common_name="Pending CA", statuses=["PENDING_CERTIFICATE"], client=pca
    )
    assert (match.arn, match.certificate, match.certificate_chain) == (pending, None, None)


def test_tags_must_all_match_and_extra_tags_are_fine(pca: Any) -> None:
    for tags in ({"env": "dev"}, {"env": "prod", "team": "pki"}):
        _activate_root(pca, create_ca(pca, "Root", tags=tags))
    match = find_certificate_authority(tags={"env": "prod"}, client=pca)
    assert match.common_name == "Root"
    with pytest.raises(NoMatchingCertificateError, match="tags env=prod, team=web"):
        find_certificate_authority(tags={"env": "prod", "team": "web"}, client=pca)


def test_several_matches_raise_listing_their_arns(pca: Any) -> None:
    arns = [create_ca(pca, "Twin CA") for _ in range(2)]
    for arn in arns:
        _activate_root(pca, arn)
    with pytest.raises(MultipleMatchingCertificatesError) as caught:
        find_certificate_authority(common_name="Twin CA", owner="SELF", client=pca)
    assert caught.value.arns == sorted(arns)


def test_common_name_is_exact(pca: Any) -> None:
    _activate_root(pca, create_ca(pca, "Example Root CA"))
    with pytest.raises(NoMatchingCertificateError, match="common name 'Example Root'"):
        find_certificate_authority(common_name="Example Root", client=pca)
