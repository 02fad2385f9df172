"""A 3-environment, 60-CA config stays inside CloudFormation's per-template quotas in every stack,
and `plan`'s per-stack resource count is the synthesized one."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from bench.org_config import scale_config
from cdk_pca.cli.plan_organization import (
    CDK_METADATA_RESOURCES,
    MAX_OUTPUTS,
    MAX_RESOURCES,
    environments_plan,
    estimate_resources,
)
from cdk_pca.config import load_config, parse_config
from cdk_pca.organization_stacks import build_pki_stacks
from tests.cdk_support import new_app
from tests.stack_support import CONFIGS, synthesize

# CloudFormation quotas: 500 resources, 200 outputs per template; 1 MB for a template body
# uploaded through S3 (as the CDK CLI does).
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
MAX_TEMPLATE_BYTES = 1_000_000


@pytest.fixture(scope="module")
def scale() -> tuple[Any, dict[str, dict[str, Any]]]:
    config = parse_config(yaml.safe_dump(scale_config(60)))
    app = new_app()
    stacks = build_pki_stacks(app, config)
    assembly = app.synth()
    templates = {name: assembly.get_stack_by_name(name).template for name in stacks}
    return config, templates


def test_sixty_cas_in_three_environments_fit_every_stack(
    scale: tuple[Any, dict[str, dict[str, Any]]],
) -> None:
    _, templates = scale
    assert sorted(templates) == [
        "scale-pki-security",
        "scale-pki-security-eu",
        "scale-pki-workloads",
    ]
    for name, template in templates.items():
        assert len(template["Resources"]) <= MAX_RESOURCES, name
        assert len(template.get("Outputs", {})) <= MAX_OUTPUTS, name
        assert len(json.dumps(template).encode()) <= MAX_TEMPLATE_BYTES, name
    cas = sum(
        r["Type"] == "AWS::ACMPCA::CertificateAuthority"
        for t in templates.values()
        for r in t["Resources"].values()
    )
    assert cas == 60


def test_plan_counts_the_resources_each_stack_synthesizes(
    scale: tuple[Any, dict[str, dict[str, Any]]],
) -> None:
    config, templates = scale
    for row in environments_plan(config):
        synthesized = len(templates[row["stack_name"]]["Resources"])
        # The library synth has no AWS::CDK::Metadata; the CLI's does (test_cdk_cli holds that).
        assert row["resources"] == synthesized + CDK_METADATA_RESOURCES, row
        assert row["outputs"] == len(templates[row["stack_name"]]["Outputs"]), row


@pytest.mark.parametrize("case", [c for c in CONFIGS if c.startswith("examples/organization")])
def test_plan_counts_the_resources_of_the_example(case: str) -> None:
    file, _, stack_name = case.partition(":")
    config = load_config(file)
    (row,) = [r for r in environments_plan(config) if r["stack_name"] == stack_name]
    synthesized = len(synthesize(case).template["Resources"])
    assert row["resources"] == synthesized + CDK_METADATA_RESOURCES


@pytest.mark.parametrize("case", [c for c in CONFIGS if ":" not in c])
def test_the_resource_estimate_of_a_single_stack_is_what_it_synthesizes(case: str) -> None:
    config = load_config(case)
    estimate = estimate_resources(config, tuple(config.certificate_authorities))
    assert estimate == len(synthesize(case).template["Resources"]) + CDK_METADATA_RESOURCES


def test_plan_refuses_first_a_stack_cloudformation_would_refuse(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from cdk_pca.cli import main

    cas = [
        {"name": "root", "type": "ROOT", "key_algorithm": "EC_prime256v1",
         "subject": {"common_name": "Root"}, "validity_days": 3650},
        *({"name": f"issuing-{i}", "type": "SUBORDINATE", "parent": "root",
           "key_algorithm": "EC_prime256v1", "subject": {"common_name": f"Issuing {i}"},
           "validity_days": 1825} for i in range(100)),
    ]  # fmt: skip
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump({"name": "big-pki", "certificate_authorities": cas}))

    code = main(["plan", "--config", str(path)])

    err = capsys.readouterr().err
    assert code == 2
    assert "stack big-pki would hold about" in err
    assert f"over CloudFormation's {MAX_RESOURCES} per stack (101 CAs)" in err
    assert "environments" in err


def test_each_stack_has_one_rule_per_pca_event_kind_over_all_its_cas(
    scale: tuple[Any, dict[str, dict[str, Any]]],
) -> None:
    _, templates = scale
    for name, template in templates.items():
        resources = template["Resources"].values()
        cas = sum(r["Type"] == "AWS::ACMPCA::CertificateAuthority" for r in resources)
        pca_rules = {
            r["Properties"]["Name"]: r["Properties"]["EventPattern"]
            for r in resources
            if r["Type"] == "AWS::Events::Rule"
            and r["Properties"].get("EventPattern", {}).get("source") == ["aws.acm-pca"]
        }
        assert sorted(pca_rules) == [
            f"{name}-cas-crl-generation-failed",
            f"{name}-cas-issuance-failed",
        ], name
        assert {len(p["resources"]) for p in pca_rules.values()} == {cas}, name


def test_plan_lists_exactly_the_alarms_and_rules_the_stacks_deploy(
    scale: tuple[Any, dict[str, dict[str, Any]]],
) -> None:
    from cdk_pca.cli.plan import alarm_plan

    config, templates = scale
    deployed = sorted(
        r["Properties"].get("AlarmName") or r["Properties"]["Name"]
        for t in templates.values()
        for r in t["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
        or (r["Type"] == "AWS::Events::Rule" and "EventPattern" in r["Properties"])
    )
    planned = sorted(row["alarm"] for row in alarm_plan(config) if row["condition"] != "disabled")
    assert planned == deployed


def test_the_plans_crl_bucket_logical_id_is_the_stacks() -> None:
    from cdk_pca.cli.plan_organization import PKI_STACK_CRL_BUCKET_LOGICAL_ID

    buckets = [
        logical_id
        for logical_id, r in synthesize("pki.yaml").template["Resources"].items()
        if r["Type"] == "AWS::S3::Bucket" and "AccessLogs" not in logical_id
    ]
    assert buckets == [PKI_STACK_CRL_BUCKET_LOGICAL_ID]


def _plan_errors(tmp_path: Any, capsys: pytest.CaptureFixture[str], data: dict[str, Any]) -> str:
    from cdk_pca.cli import main

    path = tmp_path / "pki.yaml"
    path.write_text(yaml.safe_dump(data))
    code = main(["plan", "--config", str(path)])
    assert code == 2
    return capsys.readouterr().err


def _issuing_cas(count: int) -> list[dict[str, Any]]:
    return [
        {"name": "root", "type": "ROOT", "key_algorithm": "EC_prime256v1",
         "subject": {"common_name": "Root"}, "validity_days": 3650},
        *({"name": f"issuing-{i}", "type": "SUBORDINATE", "parent": "root",
           "key_algorithm": "EC_prime256v1", "subject": {"common_name": f"Issuing {i}"},
           "validity_days": 1825, "crl": {"enabled": True}} for i in range(count)),
    ]  # fmt: skip


def test_plan_refuses_an_sse_kms_stack_name_synth_would_refuse(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _plan_errors(
        tmp_path,
        capsys,
        {"name": "example-pki-abcdefghijklmnopqrstu", "crl_bucket": {"encryption": "SSE_KMS"},
         "certificate_authorities": _issuing_cas(1)},
    )  # fmt: skip
    assert "SSE_KMS needs a stack name of at most 31 characters, got 33" in err


def test_plan_refuses_a_canary_whose_ca_list_outgrows_lambdas_environment(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _plan_errors(
        tmp_path, capsys,
        {"name": "wide-pki", "region": "us-east-1", "certificate_authorities": _issuing_cas(45)},
    )  # fmt: skip
    assert "bytes of Lambda environment, over Lambda's 4096" in err
    assert "canary.enabled: false" in err


def test_plan_counts_the_outputs_a_parent_hands_to_a_stack_of_its_account_and_region() -> None:
    # Two environments in one account and region: the child's stack reads its parent's ARN and
    # chain from two outputs of the parent's stack (Fn::GetStackOutput), which plan counts.
    ca = {"key_algorithm": "EC_prime256v1", "validity_days": 1000}
    config = parse_config(
        yaml.safe_dump(
            {
                "name": "pair",
                "environments": {
                    "core": {"account": "111111111111", "region": "us-east-1"},
                    "edge": {"account": "111111111111", "region": "us-east-1"},
                },
                "certificate_authorities": [
                    {**ca, "name": "root", "environment": "core", "type": "ROOT",
                     "subject": {"common_name": "Root"}, "validity_days": 3650},
                    {**ca, "name": "issuing", "environment": "edge", "type": "SUBORDINATE",
                     "parent": "root", "subject": {"common_name": "Issuing"},
                     "ocsp": {"enabled": True, "custom_cname": "ocsp.example.com"}},
                ],
            }
        )
    )  # fmt: skip
    app = new_app()
    stacks = build_pki_stacks(app, config)
    assembly = app.synth()
    for row in environments_plan(config):
        template = assembly.get_stack_by_name(stacks[row["stack_name"]].stack_name).template
        assert row["outputs"] == len(template.get("Outputs", {})), row
        assert row["resources"] == len(template["Resources"]) + CDK_METADATA_RESOURCES, row
    core = assembly.get_stack_by_name("pair-core").template
    assert len(core["Outputs"]) == 3  # the root's ARN, and the two outputs handed over
    edge = assembly.get_stack_by_name("pair-edge").template
    assert json.dumps(edge).count('"Fn::GetStackOutput"') == 2
    assert "OcspDomainName" in edge["Outputs"]  # counted too
