"""`lookups:` in a PKI config become CertificateLookups of the PkiStack, in both modes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from cdk_pca.config import load_config
from cdk_pca.lookup import validate_lookup_arguments
from cdk_pca.lookup_cache import REFRESH_CONTEXT_KEY, context_key
from stacks import PkiStack
from tests.cdk_support import feature_flags
from tests.conftest import PROJECT_ROOT

ACCOUNT = "123456789012"
REGION = "us-east-1"
CACHED_ARN = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555"
LOOKUPS = """
lookups:
  - name: web
    domain: www.example.com
    most_recent: true
    mode: deploy
  - name: api-cert
    hostname: api.example.com
    key_types: [EC_prime256v1]
    mode: synth
"""
SYNTH_FILTERS = validate_lookup_arguments(hostname="api.example.com", key_types=["EC_prime256v1"])
CACHED = {
    context_key(ACCOUNT, REGION, SYNTH_FILTERS): {
        "filters": SYNTH_FILTERS.to_dict(),
        "match": {
            "arn": CACHED_ARN,
            "domain": "*.example.com",
            "status": "ISSUED",
            "type": "PRIVATE",
            "key_algorithm": "EC-prime256v1",
            "not_before": "2026-01-01T00:00:00+00:00",
            "not_after": "2027-01-01T00:00:00+00:00",
            "subject_alternative_names": ["*.example.com"],
            "tags": {},
        },
    }
}


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    text = (PROJECT_ROOT / "pki.yaml").read_text()
    text = text.replace("name: example-pki", f'name: lookup-pki\naccount: "{ACCOUNT}"', 1)
    path = tmp_path / "pki.yaml"
    path.write_text(text + LOOKUPS)
    return path


def build(config_path: Path, context: dict[str, Any], *, nag: bool = False) -> PkiStack:
    app = cdk.App(context={**feature_flags(), **context})
    if nag:
        from cdk_nag import AwsSolutionsChecks

        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    config = load_config(config_path)
    return PkiStack(
        app, config.name, config=config, env=cdk.Environment(account=ACCOUNT, region=REGION)
    )


def test_each_lookup_entry_becomes_a_certificate_lookup_by_name(config_path: Path) -> None:
    stack = build(config_path, CACHED)
    assert list(stack.certificate_lookups) == ["web", "api-cert"]
    assert stack.certificate_lookups["web"].mode == "deploy"
    assert stack.certificate_lookups["api-cert"].certificate_arn == CACHED_ARN

    template = Template.from_stack(stack)
    template.resource_count_is("Custom::CertificateLookup", 1)
    template.has_resource_properties(
        "Custom::CertificateLookup",
        {"Filters": Match.string_like_regexp("www.example.com"), "RefreshToken": Match.absent()},
    )
    outputs = template.to_json()["Outputs"]
    assert outputs["ApiCertLookupCertificateArn"]["Value"] == CACHED_ARN
    web_value = outputs["WebLookupCertificateArn"]["Value"]
    assert web_value == stack.resolve(stack.certificate_lookups["web"].certificate_arn)
    assert web_value["Fn::GetAtt"][1] == "Arn"


def test_refresh_context_reruns_deploy_lookups(config_path: Path) -> None:
    stack = build(config_path, {**CACHED, REFRESH_CONTEXT_KEY: "2026-11-27"})
    Template.from_stack(stack).has_resource_properties(
        "Custom::CertificateLookup", {"RefreshToken": "2026-11-27"}
    )


def test_a_synth_lookup_without_cache_or_credentials_fails_naming_the_entry(
    config_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=r"^lookups\[1\] \(api-cert\): no cached answer") as raised:
        build(config_path, {})
    assert f"credentials for account {ACCOUNT}, region {REGION}" in str(raised.value)
    assert not (tmp_path / "cdk.context.json").exists()


def test_a_stack_with_lookups_passes_cdk_nag(config_path: Path) -> None:
    stack = build(config_path, CACHED, nag=True)
    stack.node.root.synth()  # type: ignore[attr-defined]
