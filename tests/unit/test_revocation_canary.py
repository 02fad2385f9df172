"""The revocation canary in the template: schedule, role, function, log group, alarms, dashboard.

Small stacks (the construct alone; the monitoring of two imported CAs with the default config's
alarm settings): the default stack itself is checked in test_pki_stack, on its shared synth.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_acmpca as acmpca
from aws_cdk.assertions import Template

from cdk_pca.alarm_catalog import crl_next_update_margin_seconds
from cdk_pca.config import ConfigError, load_config
from cdk_pca.config.alarms import ca_alarm_settings_for_config, canary_schedule_for_config
from cdk_pca.monitoring import MonitoredCa, PkiMonitoring
from cdk_pca.revocation_canary import (
    CA_ARNS_ENV,
    RevocationCanary,
    schedule_expression,
)
from cdk_pca.runtime import canary_handler
from stacks import PkiStack
from tests.unit.config_helpers import edit, example, load, only_problem

ROOT_ARN = "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555"
ISSUING_ARN = "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/66666666-2222-3333-4444-555555555555"


@pytest.fixture(scope="module")
def default() -> Template:
    """The default config's monitoring (alarm settings and canary schedule from pki.yaml)."""
    config = load_config("pki.yaml")
    stack = cdk.Stack(cdk.App(), "Monitored", env=cdk.Environment(region="us-east-1"))
    arns = {"root": ROOT_ARN, "issuing": ISSUING_ARN}
    PkiMonitoring(
        stack,
        "Monitoring",
        pki_name=config.name,
        certificate_authorities=[
            MonitoredCa.from_settings(
                settings,
                acmpca.CertificateAuthority.from_certificate_authority_arn(
                    stack, settings.name, arns[settings.name]
                ),
            )
            for settings in ca_alarm_settings_for_config(config)
        ],
        canary_schedule_minutes=canary_schedule_for_config(config),
    )
    return Template.from_stack(stack)


@pytest.fixture(scope="module")
def alone() -> Template:
    app = cdk.App()
    stack = cdk.Stack(app, "CanaryAlone", env=cdk.Environment(region="eu-west-1"))
    RevocationCanary(
        stack, "Canary", certificate_authority_arns=[ROOT_ARN, ISSUING_ARN], schedule_minutes=30
    )
    return Template.from_stack(stack)


def _one(template: Template, resource_type: str) -> tuple[str, dict[str, Any]]:
    found = template.find_resources(resource_type)
    assert len(found) == 1, found
    return next(iter(found.items()))


def _alarm(template: Template, name: str) -> dict[str, Any]:
    found = template.find_resources("AWS::CloudWatch::Alarm", {"Properties": {"AlarmName": name}})
    assert len(found) == 1, f"no alarm {name}"
    return next(iter(found.values()))["Properties"]


def test_schedule_follows_the_argument_and_rate_units(alone: Template) -> None:
    alone.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": "rate(30 minutes)"})
    # EventBridge: singular unit for 1, plural above (eb-rate-expressions).
    assert schedule_expression(1) == "rate(1 minute)"
    assert schedule_expression(5) == "rate(5 minutes)"


def test_schedule_targets_the_function_which_lets_only_this_rule_invoke_it(
    alone: Template,
) -> None:
    function_id, _ = _one(alone, "AWS::Lambda::Function")
    rule_id, rule = _one(alone, "AWS::Events::Rule")
    assert rule["Properties"]["Targets"] == [
        {"Arn": {"Fn::GetAtt": [function_id, "Arn"]}, "Id": "Canary"}
    ]
    _, permission = _one(alone, "AWS::Lambda::Permission")
    assert permission["Properties"] == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": {"Fn::GetAtt": [function_id, "Arn"]},
        "Principal": "events.amazonaws.com",
        "SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]},
    }


def test_role_reads_only_these_cas_and_puts_metrics_only_into_cdk_pca(alone: Template) -> None:
    logs_id, _ = _one(alone, "AWS::Logs::LogGroup")
    _, role = _one(alone, "AWS::IAM::Role")
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
    assert "ManagedPolicyArns" not in role["Properties"]
    [policy] = role["Properties"]["Policies"]
    assert policy["PolicyDocument"]["Statement"] == [
        {
            "Action": [
                "acm-pca:DescribeCertificateAuthority",
                "acm-pca:GetCertificateAuthorityCertificate",
            ],
            "Effect": "Allow",
            "Resource": [ROOT_ARN, ISSUING_ARN],
        },
        {
            "Action": "cloudwatch:PutMetricData",
            "Condition": {"StringEquals": {"cloudwatch:namespace": "cdk-pca"}},
            "Effect": "Allow",
            "Resource": "*",
        },
        {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [logs_id, "Arn"]},
        },
    ]


def test_function_is_pinned_python_arm64_with_a_bounded_timeout(alone: Template) -> None:
    role_id, _ = _one(alone, "AWS::IAM::Role")
    logs_id, _ = _one(alone, "AWS::Logs::LogGroup")
    _, function = _one(alone, "AWS::Lambda::Function")
    properties = function["Properties"]
    assert properties["Runtime"] == "python3.14"
    assert properties["Architectures"] == ["arm64"]
    assert properties["Handler"] == "cdk_pca.runtime.canary_handler.handler"
    # The handler stops 5 s before the deadline; each request is cut off after at most 10 s.
    assert properties["Timeout"] == 60
    assert properties["MemorySize"] == 512
    assert properties["Role"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert properties["Environment"] == {"Variables": {"CA_ARNS": f"{ROOT_ARN},{ISSUING_ARN}"}}
    assert properties["LoggingConfig"] == {"LogGroup": {"Ref": logs_id}}
    assert set(properties["Code"]) == {"S3Bucket", "S3Key"}


def test_log_group_keeps_three_months(alone: Template) -> None:
    alone.has_resource(
        "AWS::Logs::LogGroup",
        {"Properties": {"RetentionInDays": 90}, "DeletionPolicy": "Delete"},
    )


def test_handler_and_construct_agree_on_names() -> None:
    assert CA_ARNS_ENV == canary_handler.CA_ARNS_ENV
    assert canary_handler.NAMESPACE == "cdk-pca"
    assert canary_handler.DIMENSION == "PrivateCAArn"


def test_construct_rejects_a_bad_schedule_and_no_cas() -> None:
    stack = cdk.Stack(cdk.App(), "Bad")
    with pytest.raises(ValueError) as caught:
        RevocationCanary(stack, "Canary", certificate_authority_arns=[], schedule_minutes=2)
    message = str(caught.value)
    assert message.startswith("Bad/Canary: ")
    assert "schedule_minutes: 2 is not allowed; expected a whole number of minutes 5..60" in message
    assert "certificate_authority_arns: is empty" in message


def test_issuing_ca_gets_every_canary_alarm(default: Template) -> None:
    period = 900
    crl = _alarm(default, "example-pki-issuing-crl-unusable")
    assert crl["Namespace"] == "cdk-pca"
    assert crl["Dimensions"] == [{"Name": "PrivateCAArn", "Value": ISSUING_ARN}]
    assert (crl["MetricName"], crl["Statistic"], crl["Period"]) == ("CrlValid", "Minimum", period)
    assert (crl["EvaluationPeriods"], crl["DatapointsToAlarm"]) == (2, 2)
    assert (crl["Threshold"], crl["ComparisonOperator"]) == (1, "LessThanThreshold")
    assert crl["TreatMissingData"] == "notBreaching"

    expiring = _alarm(default, "example-pki-issuing-crl-expiring")
    assert expiring["MetricName"] == "CrlSecondsUntilNextUpdate"
    # 7-day CRLs: a quarter of the lifetime capped at one day.
    assert expiring["Threshold"] == 86_400 == crl_next_update_margin_seconds(7)
    assert (expiring["ComparisonOperator"], expiring["EvaluationPeriods"]) == (
        "LessThanThreshold",
        1,
    )

    ocsp = _alarm(default, "example-pki-issuing-ocsp-not-answering")
    assert (ocsp["MetricName"], ocsp["Statistic"], ocsp["EvaluationPeriods"]) == (
        "OcspAnswered",
        "Minimum",
        2,
    )
    assert (ocsp["Threshold"], ocsp["TreatMissingData"]) == (1, "notBreaching")

    ca_expiry = _alarm(default, "example-pki-issuing-ca-certificate-expiring")
    assert ca_expiry["MetricName"] == "CaCertificateDaysToExpiry"
    # The issuing CA signs end-entity certificates of 395 days; warned 90 days before.
    assert ca_expiry["Threshold"] == 395 + 90
    assert ca_expiry["ComparisonOperator"] == "LessThanOrEqualToThreshold"

    silent = _alarm(default, "example-pki-issuing-canary-not-reporting")
    assert (silent["MetricName"], silent["Statistic"]) == (
        "CaCertificateDaysToExpiry",
        "SampleCount",
    )
    assert (silent["EvaluationPeriods"], silent["DatapointsToAlarm"], silent["Period"]) == (
        3,
        3,
        period,
    )
    assert (silent["Threshold"], silent["ComparisonOperator"]) == (1, "LessThanThreshold")
    assert silent["TreatMissingData"] == "breaching"
    assert silent["AlarmActions"] == silent["OKActions"] != []


def test_root_without_ocsp_gets_no_ocsp_alarm_and_a_threshold_from_its_child(
    default: Template,
) -> None:
    names = {
        alarm["Properties"]["AlarmName"]
        for alarm in default.find_resources("AWS::CloudWatch::Alarm").values()
    }
    assert "example-pki-root-ocsp-not-answering" not in names
    assert "example-pki-root-canary-not-reporting" in names
    # The root signs the 1825-day issuing CA.
    assert _alarm(default, "example-pki-root-ca-certificate-expiring")["Threshold"] == 1825 + 90


def test_dashboard_shows_the_canary_metrics_per_ca(default: Template) -> None:
    _, dashboard = _one(default, "AWS::CloudWatch::Dashboard")
    parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"][1]
    body = "".join(part for part in parts if isinstance(part, str))
    titles = [
        "Canary: CRL reachable / valid",
        "Canary: CRL seconds until nextUpdate",
        "Canary: OCSP answered",
        "Canary: CA certificate days to expiry",
    ]
    for title in titles:
        assert title in body
    assert body.count("Canary: CA certificate days to expiry") == 2  # root and issuing
    assert body.count("Canary: OCSP answered") == 1  # only the issuing CA answers OCSP
    for metric in ("CrlReachable", "CrlValid", "CrlSecondsUntilNextUpdate", "OcspAnswered"):
        assert f'"cdk-pca","{metric}"' in body


def test_schedule_out_of_range_is_a_config_error() -> None:
    problem = only_problem(edit(example(), "canary.schedule_minutes", 61))
    assert problem.path == "canary.schedule_minutes"
    assert "61 is out of range; allowed 5..60" in problem.message


def test_unknown_canary_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        load(edit(example(), "canary.every", 5))
    assert "canary.every" in str(caught.value)


def test_disabled_canary_builds_no_function_and_no_canary_alarms() -> None:
    data = edit(example(), "canary.enabled", False)
    data.pop("lookups")
    stack = PkiStack(cdk.App(), "NoCanary", config=load(data))
    assert stack.revocation_canary is None
    assert stack.node.try_find_child("RevocationCanary") is None
    kinds = {alarm.kind for alarm in stack.monitoring.catalog.alarms}
    assert "canary-not-reporting" not in kinds
    assert "crl-not-generated" in kinds
    # Without the canary's measured freshness the CRLGenerated-silence alarm is deployed.
    names = {
        alarm["Properties"]["AlarmName"]
        for alarm in Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").values()
    }
    assert "example-pki-issuing-crl-not-generated" in names
    assert "example-pki-issuing-crl-expiring" not in names
