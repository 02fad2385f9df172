"""CertificateLookup in both modes: the template it makes, its values, its Lambda, its rejections."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from cdk_pca.certificate_lookup import CertificateLookup, lambda_asset_directory
from cdk_pca.lookup import CertificateMatch
from tests.cdk_support import feature_flags

ARN = "arn:aws:acm:eu-west-1:111111111111:certificate/12345678-1234-1234-1234-123456789012"
MATCH = CertificateMatch(
    arn=ARN,
    domain="www.example.com",
    status="ISSUED",
    type="PRIVATE",
    key_algorithm="EC-prime256v1",
    not_before=datetime(2026, 1, 1, tzinfo=UTC),
    not_after=datetime(2027, 1, 31, tzinfo=UTC),
    subject_alternative_names=["www.example.com"],
    tags={"env": "prod"},
)


def new_stack() -> cdk.Stack:
    app = cdk.App(context=feature_flags())
    return cdk.Stack(
        app, "Lookups", env=cdk.Environment(account="111111111111", region="eu-west-1")
    )


def masked(template: Any) -> Any:
    return json.loads(re.sub(r"[0-9a-f]{64}", "<asset-hash>", json.dumps(template)))


# --- deploy mode --------------------------------------------------------------------------------


def test_deploy_mode_is_a_custom_resource_per_lookup_sharing_one_lambda() -> None:
    stack = new_stack()
    CertificateLookup(stack, "Web", domain="www.example.com", most_recent=True)
    CertificateLookup(stack, "Api", hostname="api.example.com", key_types=["EC_prime256v1"])
    template = Template.from_stack(stack)

    template.resource_count_is("Custom::CertificateLookup", 2)
    template.resource_count_is("AWS::Lambda::Function", 1)
    template.resource_count_is("AWS::IAM::Role", 1)
    template.has_resource_properties(
        "Custom::CertificateLookup",
        {
            "Filters": json.dumps(
                {
                    "domain": "www.example.com",
                    "hostname": None,
                    "key_types": [],
                    "most_recent": True,
                    "statuses": ["ISSUED"],
                    "tags": {},
                    "types": [],
                },
                sort_keys=True,
            ),
            "RefreshToken": Match.absent(),
        },
    )


def test_a_lookup_lambda_that_never_answers_fails_the_deploy_in_minutes_not_an_hour() -> None:
    stack = new_stack()
    CertificateLookup(stack, "Web", domain="www.example.com")
    template = Template.from_stack(stack)
    [function] = template.find_resources("AWS::Lambda::Function").values()
    [lookup] = template.find_resources("Custom::CertificateLookup").values()
    service_timeout = int(lookup["Properties"]["ServiceTimeout"])  # CDK renders it "600"
    # Longer than a run of the Lambda (which answers before its own timeout), far below the
    # default 3,600 s CloudFormation would otherwise wait for an answer that never comes.
    assert function["Properties"]["Timeout"] < service_timeout <= 900


def test_deploy_mode_values_are_attributes_of_the_lookup() -> None:
    stack = new_stack()
    lookup = CertificateLookup(stack, "Web", domain="www.example.com")
    logical_id = stack.get_logical_id(lookup.resource.node.default_child)  # type: ignore[arg-type]
    for value, attribute in (
        (lookup.certificate_arn, "Arn"),
        (lookup.domain_name, "DomainName"),
        (lookup.not_after, "NotAfter"),
        (lookup.status, "Status"),
        (lookup.key_algorithm, "KeyAlgorithm"),
        (lookup.certificate.certificate_arn, "Arn"),
    ):
        assert stack.resolve(value) == {"Fn::GetAtt": [logical_id, attribute]}


def test_lambda_runs_the_packaged_handler_with_least_privilege() -> None:
    stack = new_stack()
    CertificateLookup(stack, "Web", domain="www.example.com")
    template = Template.from_stack(stack)

    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "cdk_pca.runtime.lookup_handler.handler",
            "Runtime": "python3.14",
            "LoggingConfig": {"LogGroup": {"Ref": Match.string_like_regexp("Logs")}},
        },
    )
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 90})
    [role] = template.find_resources("AWS::IAM::Role").values()
    assert "ManagedPolicyArns" not in role["Properties"]
    [policy] = role["Properties"]["Policies"]
    statements = policy["PolicyDocument"]["Statement"]
    actions = sorted(
        action
        for statement in statements
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
    )
    assert actions == [
        "acm:DescribeCertificate",
        "acm:GetCertificate",
        "acm:ListCertificates",
        "acm:ListTagsForCertificate",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    ]
    [list_statement] = [s for s in statements if s["Action"] == "acm:ListCertificates"]
    assert list_statement["Resource"] == "*"
    assert template.find_resources("AWS::IAM::Policy") == {}


def test_refresh_token_is_the_only_way_to_rerun_an_unchanged_lookup() -> None:
    stack = new_stack()
    CertificateLookup(stack, "Web", domain="www.example.com", refresh_token="2026-11-27")
    Template.from_stack(stack).has_resource_properties(
        "Custom::CertificateLookup", {"RefreshToken": "2026-11-27"}
    )


def test_deploy_mode_template_is_deterministic() -> None:
    def synth() -> Any:
        stack = new_stack()
        CertificateLookup(stack, "Web", tags={"b": "2", "a": "1"}, statuses=["EXPIRED", "ISSUED"])
        return Template.from_stack(stack).to_json()

    assert synth() == synth()


def _import_from_asset(asset: Path, module: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Import `module` from the asset alone: -I -S, so neither the editable install's finder nor
    any .pth file can supply a package file the asset lacks; site-packages (boto3, as Lambda's
    runtime has it) is added by hand after the asset."""
    import sysconfig

    probe = (
        "import sys; sys.path[:0] = [sys.argv[1]]; sys.path.append(sys.argv[2]); "
        f"import {module} as h; "
        "assert h.__file__.startswith(sys.argv[1]), h.__file__; "
        "assert 'aws_cdk' not in sys.modules; print('ok')"
    )
    return subprocess.run(
        [sys.executable, "-I", "-S", "-c", probe, str(asset), sysconfig.get_paths()["purelib"]],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_lambda_asset_holds_only_what_the_handler_imports(tmp_path: Path) -> None:
    asset = Path(lambda_asset_directory())
    files = sorted(str(p.relative_to(asset)) for p in asset.rglob("*") if p.is_file())
    assert files == [
        "cdk_pca/__init__.py",
        "cdk_pca/aws_names.py",
        "cdk_pca/lookup.py",
        "cdk_pca/rules.py",
        "cdk_pca/runtime/__init__.py",
        "cdk_pca/runtime/lookup_handler.py",
        "cdk_pca/vocabulary.py",
    ]
    result = _import_from_asset(asset, "cdk_pca.runtime.lookup_handler", tmp_path)
    assert result.stdout.strip() == "ok", result.stderr


def test_the_signing_asset_imports_its_handler_alone(tmp_path: Path) -> None:
    from cdk_pca import parent_signature

    asset = Path(lambda_asset_directory(parent_signature._LAMBDA_FILES))
    result = _import_from_asset(asset, "cdk_pca.runtime.signing_handler", tmp_path)
    assert result.stdout.strip() == "ok", result.stderr


def test_cfn_lint_finds_nothing(tmp_path: Path) -> None:
    stack = new_stack()
    CertificateLookup(stack, "Web", domain="www.example.com")
    template = tmp_path / "lookups.template.json"
    template.write_text(json.dumps(Template.from_stack(stack).to_json()))
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run(
        [str(cfn_lint), str(template)], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr


@pytest.mark.parametrize("environment", ["account and region", "agnostic"])
def test_cdk_nag_aws_solutions_finds_nothing(environment: str) -> None:
    from cdk_nag import AwsSolutionsChecks

    app = cdk.App(context=feature_flags())
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    env = cdk.Environment(account="111111111111", region="eu-west-1")
    stack = cdk.Stack(app, "Lookups", env=env if environment != "agnostic" else None)
    CertificateLookup(stack, "Web", domain="www.example.com")
    app.synth()


def test_deploy_mode_snapshot(snapshot: Any) -> None:
    stack = new_stack()
    CertificateLookup(stack, "Web", domain="www.example.com", most_recent=True)
    assert masked(Template.from_stack(stack).to_json()) == snapshot


# --- synth mode ---------------------------------------------------------------------------------


@pytest.mark.parametrize("given", [MATCH, MATCH.to_dict(include_pem=False)])
def test_synth_mode_emits_plain_values_and_no_resources(given: Any) -> None:
    stack = new_stack()
    lookup = CertificateLookup(stack, "Web", domain="www.example.com", mode="synth", match=given)
    assert lookup.certificate_arn == ARN
    assert lookup.certificate.certificate_arn == ARN
    assert (lookup.domain_name, lookup.status) == ("www.example.com", "ISSUED")
    assert lookup.not_after == "2027-01-31T00:00:00+00:00"
    assert lookup.key_algorithm == "EC-prime256v1"
    cdk.CfnWaitConditionHandle(stack, "Anchor")  # an empty stack fails CloudFormation validation
    assert list(Template.from_stack(stack).to_json()["Resources"]) == ["Anchor"]


def test_synth_mode_snapshot(snapshot: Any) -> None:
    stack = new_stack()
    lookup = CertificateLookup(stack, "Web", domain="www.example.com", mode="synth", match=MATCH)
    cdk.CfnOutput(stack, "WebArn", value=lookup.certificate.certificate_arn)
    cdk.CfnOutput(stack, "WebNotAfter", value=lookup.not_after)
    cdk.CfnWaitConditionHandle(stack, "Anchor")  # an empty stack fails CloudFormation validation
    assert Template.from_stack(stack).to_json()["Outputs"] == snapshot


# --- rejections ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, r"Lookups/Bad: invalid certificate lookup: domain: a lookup needs domain"),
        ({"domain": "bad domain"}, r"Lookups/Bad: .*domain: 'bad domain' contains white space"),
        ({"domain": "a.example.com", "key_types": ["RSA_8192"]}, r"key_types: 'RSA_8192'"),
        ({"domain": "a.example.com", "mode": "later"}, r"mode 'later' is not one of"),
        ({"domain": "a.example.com", "mode": "synth"}, r"mode 'synth' needs the match"),
        ({"domain": "a.example.com", "match": MATCH}, r"match is only for mode 'synth'"),
        (
            {"domain": "a.example.com", "mode": "synth", "match": MATCH, "refresh_token": "1"},
            r"refresh_token only applies to mode 'deploy'",
        ),
        (
            {"domain": "a.example.com", "mode": "synth", "match": {"arn": ARN}},
            r"Lookups/Bad: not a certificate match",
        ),
    ],
)
def test_bad_arguments_are_rejected_at_synth_naming_the_construct(
    arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        CertificateLookup(new_stack(), "Bad", **arguments)
