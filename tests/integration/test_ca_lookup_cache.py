"""Synth-mode CA lookups through cdk.context.json, against moto's ACM PCA: the certificate lookup's
caching rules under a key of their own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from cdk_pca.certificate_authority_lookup import CertificateAuthorityLookup
from cdk_pca.lookup import (
    MultipleMatchingCertificatesError,
    validate_ca_lookup_arguments,
    validate_lookup_arguments,
)
from cdk_pca.lookup_cache import (
    CA_CONTEXT_KEY_PREFIX,
    LookupCacheError,
    context_key,
    resolve_certificate_authority_lookup,
)
from tests.integration import test_lookup_cache as certificate_cache_tests
from tests.lookup_certs import REGION, fake_aws_env
from tests.moto_pca import activate_root_ca, create_ca

MOTO_ACCOUNT = certificate_cache_tests.MOTO_ACCOUNT
FILTERS = validate_ca_lookup_arguments(tags={"pki": "org"})
no_credentials = certificate_cache_tests.no_credentials
stack_in = certificate_cache_tests.stack_in


@pytest.fixture
def pca(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    import boto3
    from moto import mock_aws

    fake_aws_env(monkeypatch)
    with mock_aws():
        yield boto3.client("acm-pca", region_name=REGION)


def _active_root(pca: Any, tags: dict[str, str]) -> str:
    arn = create_ca(pca, "Org Root CA", tags=tags)
    activate_root_ca(
        pca, arn, signing_algorithm="SHA256WITHRSA", validity={"Value": 365, "Type": "DAYS"}
    )
    return arn


def _resolve(stack: Any, context_file: Path | None, **extra: Any) -> Any:
    return resolve_certificate_authority_lookup(
        stack,
        filters=FILTERS,
        account=stack.account,
        region=stack.region,
        context_file=context_file,
        **extra,
    )


def test_ca_keys_are_their_own_even_for_filters_that_serialize_alike() -> None:
    key = context_key("1", "eu-west-1", FILTERS, prefix=CA_CONTEXT_KEY_PREFIX)
    assert key.startswith("cdk-pca:ca-lookup:1:eu-west-1:")
    certificate_filters = validate_lookup_arguments(tags={"pki": "org"})
    assert context_key("1", "eu-west-1", certificate_filters) != key


def test_first_synth_saves_the_ca_without_pem_and_a_cached_synth_makes_no_call(
    pca: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = _active_root(pca, {"pki": "org", "team": "security"})
    context_file = tmp_path / "cdk.context.json"
    context_file.write_text(json.dumps({"other": 1}))

    def outputs(context: dict[str, Any]) -> Any:
        stack = stack_in(context)
        match = _resolve(stack, context_file)
        lookup = CertificateAuthorityLookup(
            stack, "Root", tags={"pki": "org"}, mode="synth", match=match
        )
        cdk.CfnOutput(stack, "Arn", value=lookup.certificate_authority_arn)
        cdk.CfnOutput(stack, "NotAfter", value=lookup.not_after)
        return cdk.assertions.Template.from_stack(stack).to_json()["Outputs"]

    first = outputs({})
    saved = json.loads(context_file.read_text())
    key = context_key(MOTO_ACCOUNT, REGION, FILTERS, prefix=CA_CONTEXT_KEY_PREFIX)
    assert list(saved) == ["other", key]
    assert saved[key]["filters"] == FILTERS.to_dict()
    assert saved[key]["match"]["arn"] == arn
    assert saved[key]["match"]["common_name"] == "Org Root CA"
    assert "certificate" not in saved[key]["match"]

    monkeypatch.setattr("boto3.Session", lambda *_, **__: pytest.fail("no AWS call when cached"))
    assert outputs(saved) == first
    assert first["Arn"]["Value"] == arn


def test_several_cas_fail_the_synth_naming_them_and_write_nothing(pca: Any, tmp_path: Path) -> None:
    arns = sorted(_active_root(pca, {"pki": "org"}) for _ in range(2))
    context_file = tmp_path / "cdk.context.json"
    with pytest.raises(MultipleMatchingCertificatesError) as raised:
        _resolve(stack_in(), context_file)
    assert raised.value.arns == arns
    assert not context_file.exists()


def test_no_cached_ca_and_no_credentials_says_what_to_run(
    no_credentials: None, tmp_path: Path
) -> None:
    with pytest.raises(LookupCacheError) as raised:
        _resolve(stack_in(account="111111111111"), tmp_path / "cdk.context.json")
    message = str(raised.value)
    assert message.startswith("CA lookup: no cached answer for tags pki=org; statuses ACTIVE")
    assert "run `cdk synth` once with credentials for account 111111111111" in message
    assert "use mode 'deploy' to look the CA up at deploy time" in message


def test_an_unreadable_cached_ca_names_the_key_to_reset() -> None:
    key = context_key(MOTO_ACCOUNT, REGION, FILTERS, prefix=CA_CONTEXT_KEY_PREFIX)
    with pytest.raises(LookupCacheError, match=rf"cdk context --reset {key}"):
        _resolve(stack_in({key: {"match": {"arn": "x"}}}), None)
