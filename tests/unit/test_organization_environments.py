"""Per environment: the CloudFront certificates of its distributions and its certificate lookups,
each built in that environment's stack (its account and region), and `plan` counting them."""

from __future__ import annotations

import datetime
import json
from typing import Any

import aws_cdk as cdk
import pytest
import yaml
from aws_cdk.assertions import Match, Template

from cdk_pca.cli.plan_organization import CDK_METADATA_RESOURCES, environments_plan
from cdk_pca.config import PkiConfig, parse_config
from cdk_pca.lookup import CertificateMatch, validate_lookup_arguments
from cdk_pca.lookup_cache import context_key
from cdk_pca.organization_stacks import build_pki_stacks
from tests.cdk_support import feature_flags

CRL_CERTIFICATE = (
    "arn:aws:acm:us-east-1:111111111111:certificate/11111111-1111-1111-1111-111111111111"
)
OCSP_CERTIFICATE = (
    "arn:aws:acm:us-east-1:222222222222:certificate/22222222-2222-2222-2222-222222222222"
)
CACHED_ARN = "arn:aws:acm:eu-west-1:222222222222:certificate/33333333-3333-3333-3333-333333333333"


def _ca(name: str, environment: str, parent: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "environment": environment,
        "type": "SUBORDINATE" if parent else "ROOT",
        **({"parent": parent} if parent else {}),
        "subject": {"common_name": f"{name} CA"},
        "key_algorithm": "EC_prime256v1",
        "validity_days": 3650 if parent is None else 1000,
        "crl": {"enabled": True, **extra.pop("crl", {})},
        **extra,
    }


CONFIG = {
    "name": "env-pki",
    "environments": {
        "security": {
            "account": "111111111111",
            "region": "us-east-1",
            "crl_distribution": {"certificate_arn": CRL_CERTIFICATE},
        },
        "workloads": {
            "account": "222222222222",
            "region": "eu-west-1",
            "ocsp_distribution": {"certificate_arn": OCSP_CERTIFICATE},
        },
    },
    "certificate_authorities": [
        _ca("root", "security", crl={"custom_cname": "crl.example.com"}),
        # A root of its own: this test is about the distributions, not the signing route.
        _ca("work", "workloads", ocsp={"enabled": True, "custom_cname": "ocsp.example.com"}),
    ],
    "lookups": [
        {"name": "web", "domain": "www.example.com", "environment": "workloads", "mode": "synth"},
        {"name": "vpn", "domain": "vpn.example.com", "environment": "security"},
        {"name": "api", "domain": "api.example.com", "environment": "workloads"},
    ],
}


def _cached_answer() -> dict[str, Any]:
    """The cdk.context.json entry of the synth-mode lookup, under the workloads stack's account
    and region (cdk_pca.lookup_cache)."""
    filters = validate_lookup_arguments(domain="www.example.com", tags={}, most_recent=False)
    match = CertificateMatch(
        arn=CACHED_ARN,
        domain="www.example.com",
        status="ISSUED",
        type="IMPORTED",
        key_algorithm="EC_prime256v1",
        not_before=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        not_after=datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC),
        subject_alternative_names=["www.example.com"],
        tags={},
    )
    key = context_key("222222222222", "eu-west-1", filters)
    return {key: {"match": match.to_dict(include_pem=False)}}


@pytest.fixture(scope="module")
def synthesized() -> tuple[PkiConfig, dict[str, dict[str, Any]]]:
    config = parse_config(yaml.safe_dump(CONFIG))
    app = cdk.App(context={**feature_flags(), **_cached_answer()})
    stacks = build_pki_stacks(app, config)
    assembly = app.synth()
    return config, {name: assembly.get_stack_by_name(name).template for name in stacks}


def _distributions(template: dict[str, Any]) -> dict[str, Any]:
    return {
        logical_id: resource["Properties"]["DistributionConfig"]
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::CloudFront::Distribution"
    }


def test_the_crl_certificate_of_an_environment_serves_its_custom_names(
    synthesized: tuple[PkiConfig, dict[str, dict[str, Any]]],
) -> None:
    _, templates = synthesized
    Template.from_json(templates["env-pki-security"]).has_resource_properties(
        "AWS::CloudFront::Distribution",
        {
            "DistributionConfig": Match.object_like(
                {
                    "Aliases": ["crl.example.com"],
                    "ViewerCertificate": Match.object_like({"AcmCertificateArn": CRL_CERTIFICATE}),
                }
            )
        },
    )


def test_the_ocsp_certificate_of_an_environment_stays_in_its_stack(
    synthesized: tuple[PkiConfig, dict[str, dict[str, Any]]],
) -> None:
    _, templates = synthesized
    workloads = _distributions(templates["env-pki-workloads"])
    with_certificate = [
        d for d in workloads.values() if "AcmCertificateArn" in d.get("ViewerCertificate", {})
    ]
    assert [
        (d["Aliases"], d["ViewerCertificate"]["AcmCertificateArn"]) for d in with_certificate
    ] == [(["ocsp.example.com"], OCSP_CERTIFICATE)]
    # The workloads CRL distribution has no custom name and takes no certificate.
    assert len(workloads) == 2
    security = _distributions(templates["env-pki-security"]).values()
    assert OCSP_CERTIFICATE not in str(list(security))


def test_each_lookup_is_built_in_its_environment_s_stack(
    synthesized: tuple[PkiConfig, dict[str, dict[str, Any]]],
) -> None:
    _, templates = synthesized
    outputs = {name: set(t.get("Outputs", {})) for name, t in templates.items()}
    assert {o for o in outputs["env-pki-security"] if "Lookup" in o} == {"VpnLookupCertificateArn"}
    assert {o for o in outputs["env-pki-workloads"] if "Lookup" in o} == {
        "WebLookupCertificateArn",
        "ApiLookupCertificateArn",
    }
    lookups = {
        name: sum(r["Type"] == "Custom::CertificateLookup" for r in t["Resources"].values())
        for name, t in templates.items()
    }
    assert lookups == {"env-pki-security": 1, "env-pki-workloads": 1}  # web is a synth lookup


def test_a_synth_lookup_reads_the_cache_of_its_stack_s_account_and_region(
    synthesized: tuple[PkiConfig, dict[str, dict[str, Any]]],
) -> None:
    _, templates = synthesized
    output = templates["env-pki-workloads"]["Outputs"]["WebLookupCertificateArn"]
    assert output["Value"] == CACHED_ARN


class _NoCredentials:
    region_name = None

    def get_credentials(self) -> None:
        return None


def test_a_synth_lookup_takes_no_answer_cached_for_another_account(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = parse_config(yaml.safe_dump(CONFIG))
    # Cached for the security account and region: the workloads stack must not take it.
    ((key, value),) = _cached_answer().items()
    other = key.replace("222222222222:eu-west-1", "111111111111:us-east-1")
    monkeypatch.setattr("boto3.Session", _NoCredentials)
    app = cdk.App(context={**feature_flags(), other: value})
    with pytest.raises(ValueError, match=r"lookups\[0\] \(web\): no cached answer") as raised:
        build_pki_stacks(app, config)
    assert "(account 222222222222, region eu-west-1) and no AWS credentials" in str(raised.value)


def test_plan_counts_each_environment_s_lookups(
    synthesized: tuple[PkiConfig, dict[str, dict[str, Any]]],
) -> None:
    config, templates = synthesized
    rows = {row["stack_name"]: row for row in environments_plan(config)}
    assert rows["env-pki-security"]["lookups"] == ["vpn"]
    assert rows["env-pki-workloads"]["lookups"] == ["web", "api"]
    for name, row in rows.items():
        # The library synth has no AWS::CDK::Metadata; the CLI's does (plan counts what it writes).
        assert row["resources"] == len(templates[name]["Resources"]) + CDK_METADATA_RESOURCES, name
        assert row["outputs"] == len(templates[name]["Outputs"]), name


def test_plan_lists_the_lookups_per_environment(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from cdk_pca.cli import main

    path = tmp_path / "env.yaml"
    path.write_text(yaml.safe_dump(CONFIG))
    assert main(["plan", "--config", str(path), "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert [(lookup["name"], lookup["environment"]) for lookup in plan["lookups"]] == [
        ("web", "workloads"),
        ("vpn", "security"),
        ("api", "workloads"),
    ]
    assert "environment" not in plan["lookups"][0]["filters"]
    assert main(["plan", "--config", str(path)]) == 0
    table = capsys.readouterr().out.split("Certificate lookups", 1)[1]
    assert "environment" in table.splitlines()[2]
    assert table.index("vpn") < table.index("web")  # grouped by environment
