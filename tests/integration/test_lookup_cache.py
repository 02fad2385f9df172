"""Synth-mode lookups cached in cdk.context.json: read without credentials, written once with them.

moto plays ACM and STS (its account is 123456789012).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from cdk_pca.certificate_lookup import CertificateLookup
from cdk_pca.lookup import NoMatchingCertificateError, validate_lookup_arguments
from cdk_pca.lookup_cache import LookupCacheError, context_key, resolve_certificate_lookup
from tests.lookup_certs import REGION, fake_aws_env, import_certificate, mocked_acm

MOTO_ACCOUNT = "123456789012"
FILTERS = validate_lookup_arguments(domain="www.example.com")


@pytest.fixture
def acm(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    fake_aws_env(monkeypatch)
    with mocked_acm() as client:
        yield client


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


def stack_in(context: dict[str, Any] | None = None, account: str | None = MOTO_ACCOUNT) -> Any:
    app = cdk.App(context=context or {})
    env = cdk.Environment(account=account, region=REGION) if account else None
    return cdk.Stack(app, "Pki", env=env)


def test_equal_filters_share_a_key_and_different_filters_do_not() -> None:
    a = validate_lookup_arguments(tags={"b": "2", "a": "1"}, statuses=["EXPIRED", "ISSUED"])
    b = validate_lookup_arguments(tags={"a": "1", "b": "2"}, statuses=["ISSUED", "EXPIRED"])
    c = validate_lookup_arguments(tags={"a": "1", "b": "2"})
    assert context_key("1", "r", a) == context_key("1", "r", b)
    assert context_key("1", "r", a) != context_key("1", "r", c)
    assert context_key("1", "r", a) != context_key("2", "r", a)
    assert context_key("1", "eu-west-1", a).startswith("cdk-pca:lookup:1:eu-west-1:")


def test_first_synth_looks_up_and_saves_the_answer_keeping_other_keys(
    acm: Any, tmp_path: Path
) -> None:
    arn = import_certificate(acm, "www.example.com")
    context_file = tmp_path / "cdk.context.json"
    context_file.write_text(json.dumps({"availability-zones:account=1:region=r": ["a"]}))

    match = resolve_certificate_lookup(
        stack_in(),
        filters=FILTERS,
        account=MOTO_ACCOUNT,
        region=REGION,
        context_file=context_file,
    )

    assert match.arn == arn and match.certificate is None
    saved = json.loads(context_file.read_text())
    key = context_key(MOTO_ACCOUNT, REGION, FILTERS)
    assert list(saved) == ["availability-zones:account=1:region=r", key]
    assert saved[key]["filters"]["domain"] == "www.example.com"
    assert saved[key]["match"]["arn"] == arn
    assert "certificate" not in saved[key]["match"]
    assert [p.name for p in tmp_path.iterdir()] == ["cdk.context.json"]


def test_a_cached_answer_needs_no_credentials_and_gives_the_same_template(
    acm: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_certificate(acm, "www.example.com")
    context_file = tmp_path / "cdk.context.json"

    def template(context: dict[str, Any]) -> Any:
        stack = stack_in(context)
        match = resolve_certificate_lookup(
            stack,
            filters=FILTERS,
            account=stack.account,
            region=stack.region,
            context_file=context_file,
        )
        lookup = CertificateLookup(
            stack, "Web", domain="www.example.com", mode="synth", match=match
        )
        cdk.CfnOutput(stack, "Arn", value=lookup.certificate_arn)
        cdk.CfnOutput(stack, "NotAfter", value=lookup.not_after)
        return cdk.assertions.Template.from_stack(stack).to_json()["Outputs"]

    first = template({})
    monkeypatch.setattr("boto3.Session", lambda *_, **__: pytest.fail("no AWS call when cached"))
    second = template(json.loads(context_file.read_text()))
    assert first == second


def test_no_cached_answer_and_no_credentials_says_what_to_run(
    no_credentials: None, tmp_path: Path
) -> None:
    context_file = tmp_path / "cdk.context.json"
    with pytest.raises(LookupCacheError) as raised:
        resolve_certificate_lookup(
            stack_in(account="111111111111"),
            filters=FILTERS,
            account="111111111111",
            region=REGION,
            label="lookups[0] (web)",
            context_file=context_file,
        )
    message = str(raised.value)
    assert message.startswith("lookups[0] (web): no cached answer for domain 'www.example.com'")
    assert "run `cdk synth` once with credentials for account 111111111111" in message
    assert "mode 'deploy'" in message
    assert not context_file.exists()


def test_credentials_of_another_account_are_refused(acm: Any, tmp_path: Path) -> None:
    with pytest.raises(LookupCacheError, match="credentials are for account 123456789012, but"):
        resolve_certificate_lookup(
            stack_in(account="111111111111"),
            filters=FILTERS,
            account="111111111111",
            region=REGION,
            context_file=tmp_path / "cdk.context.json",
        )


def test_an_environment_agnostic_stack_uses_the_callers_account(acm: Any, tmp_path: Path) -> None:
    arn = import_certificate(acm, "www.example.com")
    stack = stack_in(account=None)
    context_file = tmp_path / "cdk.context.json"
    match = resolve_certificate_lookup(
        stack,
        filters=FILTERS,
        account=stack.account,
        region=stack.region,
        context_file=context_file,
    )
    assert match.arn == arn
    assert context_key(MOTO_ACCOUNT, REGION, FILTERS) in json.loads(context_file.read_text())


def test_a_failed_lookup_writes_nothing(acm: Any, tmp_path: Path) -> None:
    context_file = tmp_path / "cdk.context.json"
    with pytest.raises(NoMatchingCertificateError, match=r"www\.example\.com"):
        resolve_certificate_lookup(
            stack_in(),
            filters=FILTERS,
            account=MOTO_ACCOUNT,
            region=REGION,
            context_file=context_file,
        )
    assert not context_file.exists()


def test_a_malformed_context_file_is_reported_and_left_alone(acm: Any, tmp_path: Path) -> None:
    import_certificate(acm, "www.example.com")
    context_file = tmp_path / "cdk.context.json"
    context_file.write_text("{not json")
    with pytest.raises(LookupCacheError, match="is not valid JSON"):
        resolve_certificate_lookup(
            stack_in(),
            filters=FILTERS,
            account=MOTO_ACCOUNT,
            region=REGION,
            context_file=context_file,
        )
    assert context_file.read_text() == "{not json"


def test_an_unreadable_cached_answer_names_the_key_to_reset() -> None:
    key = context_key(MOTO_ACCOUNT, REGION, FILTERS)
    with pytest.raises(LookupCacheError, match=rf"cdk context --reset {key}"):
        resolve_certificate_lookup(
            stack_in({key: {"match": {"arn": "x"}}}),
            filters=FILTERS,
            account=MOTO_ACCOUNT,
            region=REGION,
        )
