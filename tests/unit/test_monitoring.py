"""PkiMonitoring: alarms, topic, event rules and dashboard in the template; the metric factory."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from aws_cdk import App, Duration, Environment, Stack, Validations
from aws_cdk import aws_acmpca as acmpca
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk.assertions import Match, Template
from cdk_nag import AwsSolutionsChecks

from cdk_pca.alarm_catalog import AlarmCatalogError
from cdk_pca.monitoring import MonitoredCa, MonitoredCertificate, PkiMonitoring
from cdk_pca.pca_metrics import AcmMetricFactory, PcaMetricFactory

ACCOUNT = "111111111111"
REGION = "eu-west-1"
ROOT_ARN = (
    f"arn:aws:acm-pca:{REGION}:{ACCOUNT}:certificate-authority/11111111-aaaa-bbbb-cccc-111111111111"
)
WEB_ARN = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/22222222-aaaa-bbbb-cccc-222222222222"


@dataclass
class Built:
    app: App
    template: Template
    monitoring: PkiMonitoring
    issuing_arn_ref: dict[str, Any]


def _cfn_ca(stack: Stack, construct_id: str) -> acmpca.CfnCertificateAuthority:
    return acmpca.CfnCertificateAuthority(
        stack,
        construct_id,
        type="SUBORDINATE",
        key_algorithm="EC_prime256v1",
        signing_algorithm="SHA256WITHECDSA",
        subject=acmpca.CfnCertificateAuthority.SubjectProperty(common_name=construct_id),
    )


@pytest.fixture(scope="module")
def built() -> Built:
    app = App()
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    stack = Stack(app, "Pki", env=Environment(account=ACCOUNT, region=REGION))
    root = acmpca.CertificateAuthority.from_certificate_authority_arn(stack, "Root", ROOT_ARN)
    issuing_cfn = _cfn_ca(stack, "Issuing")
    issuing = acmpca.CertificateAuthority.from_certificate_authority_arn(
        stack, "IssuingRef", issuing_cfn.attr_arn
    )
    ocsp_only = acmpca.CertificateAuthority.from_certificate_authority_arn(
        stack, "OcspOnlyRef", _cfn_ca(stack, "OcspOnly").attr_arn
    )
    lab = acmpca.CertificateAuthority.from_certificate_authority_arn(
        stack, "LabRef", _cfn_ca(stack, "Lab").attr_arn
    )
    monitoring = PkiMonitoring(
        stack,
        "Monitoring",
        pki_name="example-pki",
        certificate_authorities=[
            MonitoredCa(name="root", certificate_authority=root, crl_enabled=True),
            MonitoredCa(
                name="issuing",
                certificate_authority=issuing,
                crl_enabled=True,
                crl_expiration_days=1,
                issuance_failure_threshold=3,
                issuance_failure_period_minutes=15,
            ),
            MonitoredCa(name="ocsp-only", certificate_authority=ocsp_only),
            MonitoredCa(name="lab", certificate_authority=lab, crl_enabled=True, enabled=False),
        ],
        certificates=[MonitoredCertificate("web", WEB_ARN)],
        emails=["pki-oncall@example.com", "security@example.com"],
        days_to_expiry=21,
    )
    # A second PKI in the same stack: no certificates, no e-mails, no dashboard.
    PkiMonitoring(
        stack,
        "Bare",
        pki_name="bare-pki",
        certificate_authorities=[MonitoredCa(name="root", certificate_authority=root)],
        dashboard=False,
    )
    template = Template.from_stack(stack)
    issuing_ref = stack.resolve(issuing_cfn.attr_arn)
    return Built(app, template, monitoring, issuing_ref)


def _alarm(built: Built, name: str) -> dict[str, Any]:
    alarms = built.template.find_resources(
        "AWS::CloudWatch::Alarm", {"Properties": {"AlarmName": name}}
    )
    assert len(alarms) == 1, f"expected one alarm named {name}, found {list(alarms)}"
    properties: dict[str, Any] = next(iter(alarms.values()))["Properties"]
    return properties


def _topic_ref(built: Built) -> dict[str, str]:
    resolved: dict[str, str] = Stack.of(built.monitoring).resolve(built.monitoring.topic.topic_arn)
    return resolved


def test_each_pki_gets_exactly_the_catalogs_alarms(built: Built) -> None:
    names = {
        props["Properties"]["AlarmName"]
        for props in built.template.find_resources("AWS::CloudWatch::Alarm").values()
    }

    assert names == {
        "example-pki-root-crl-bucket-misconfigured",
        "example-pki-root-crl-not-generated",
        "example-pki-root-issuance-failures",
        "example-pki-issuing-crl-bucket-misconfigured",
        "example-pki-issuing-crl-not-generated",
        "example-pki-issuing-issuance-failures",
        "example-pki-ocsp-only-issuance-failures",
        "example-pki-web-certificate-expiring",
        "bare-pki-root-issuance-failures",
    }
    assert set(built.monitoring.alarms) == {n for n in names if n.startswith("example-pki")}


def test_every_alarm_notifies_the_topic_on_alarm_and_on_ok(built: Built) -> None:
    topic = _topic_ref(built)
    for name in built.monitoring.alarms:
        properties = _alarm(built, name)
        assert properties["AlarmActions"] == [topic]
        assert properties["OKActions"] == [topic]
        assert "First check" in properties["AlarmDescription"]


def test_alarms_are_created_after_the_topic_policy_that_lets_them_publish(built: Built) -> None:
    # A new CA's CRL-not-generated alarm goes to ALARM at its first evaluation; created before
    # the topic policy, its one notification would be refused by SNS and never retried.
    [policy_id] = [
        logical_id
        for logical_id, resource in built.template.find_resources("AWS::SNS::TopicPolicy").items()
        if resource["Properties"]["Topics"] == [_topic_ref(built)]
    ]
    alarms = built.template.find_resources("AWS::CloudWatch::Alarm")
    mine = [a for a in alarms.values() if a["Properties"]["AlarmName"] in built.monitoring.alarms]
    assert len(mine) == len(built.monitoring.alarms) > 0
    for alarm in mine:
        assert policy_id in alarm.get("DependsOn", []), alarm["Properties"]["AlarmName"]


def test_crl_bucket_alarm_fires_on_any_misconfigured_bucket_datapoint(built: Built) -> None:
    properties = _alarm(built, "example-pki-root-crl-bucket-misconfigured")

    assert properties["Namespace"] == "AWS/ACMPrivateCA"
    assert properties["MetricName"] == "MisconfiguredCRLBucket"
    assert properties["Dimensions"] == [{"Name": "PrivateCAArn", "Value": ROOT_ARN}]
    assert (properties["Statistic"], properties["Period"]) == ("Maximum", 3600)
    assert properties["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert (properties["Threshold"], properties["EvaluationPeriods"]) == (1, 1)
    assert properties["TreatMissingData"] == "notBreaching"


def test_crl_not_generated_alarm_window_follows_the_cas_crl_lifetime(built: Built) -> None:
    root = _alarm(built, "example-pki-root-crl-not-generated")
    issuing = _alarm(built, "example-pki-issuing-crl-not-generated")

    assert root["MetricName"] == "CRLGenerated"
    assert root["Dimensions"] == [{"Name": "PrivateCAArn", "Value": ROOT_ARN}]
    assert (root["Statistic"], root["Period"]) == ("Sum", 3600)
    assert root["ComparisonOperator"] == "LessThanThreshold"
    assert root["Threshold"] == 1
    assert root["TreatMissingData"] == "breaching"
    assert root["EvaluationPeriods"] == root["DatapointsToAlarm"] == 144
    assert issuing["EvaluationPeriods"] == issuing["DatapointsToAlarm"] == 18
    assert issuing["Dimensions"] == [{"Name": "PrivateCAArn", "Value": built.issuing_arn_ref}]


def test_issuance_alarm_counts_failed_issue_certificate_calls(built: Built) -> None:
    root = _alarm(built, "example-pki-root-issuance-failures")
    issuing = _alarm(built, "example-pki-issuing-issuance-failures")

    assert root["MetricName"] == "Failure"
    assert root["Dimensions"] == [
        {"Name": "Operation", "Value": "IssueCertificate"},
        {"Name": "PrivateCAArn", "Value": ROOT_ARN},
    ]
    assert (root["Statistic"], root["Period"], root["Threshold"]) == ("Sum", 300, 1)
    assert root["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert root["TreatMissingData"] == "notBreaching"
    assert (issuing["Period"], issuing["Threshold"]) == (900, 3)


def test_certificate_expiry_alarm_breaches_on_missing_data(built: Built) -> None:
    properties = _alarm(built, "example-pki-web-certificate-expiring")

    assert properties["Namespace"] == "AWS/CertificateManager"
    assert properties["MetricName"] == "DaysToExpiry"
    assert properties["Dimensions"] == [{"Name": "CertificateArn", "Value": WEB_ARN}]
    assert (properties["Statistic"], properties["Period"]) == ("Minimum", 86400)
    assert properties["ComparisonOperator"] == "LessThanOrEqualToThreshold"
    assert (properties["Threshold"], properties["EvaluationPeriods"]) == (21, 1)
    assert properties["TreatMissingData"] == "breaching"


def test_topic_is_encrypted_with_a_rotated_key_that_admits_alarms_and_events(built: Built) -> None:
    key_arn = Stack.of(built.monitoring).resolve(built.monitoring.encryption_key.key_arn)
    built.template.has_resource_properties(
        "AWS::SNS::Topic",
        {"TopicName": "example-pki-alarms", "KmsMasterKeyId": key_arn},
    )
    built.template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "EnableKeyRotation": True,
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        {
                            "Sid": "AllowAlarmAndEventPublishers",
                            "Effect": "Allow",
                            "Principal": {
                                "Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]
                            },
                            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                            "Resource": "*",
                        }
                    ]
                )
            },
        },
    )


def test_topic_policy_requires_tls_and_admits_only_this_pkis_alarms_and_rules(built: Built) -> None:
    topic = _topic_ref(built)
    policies = built.template.find_resources(
        "AWS::SNS::TopicPolicy", {"Properties": {"Topics": [topic]}}
    )
    (policy,) = policies.values()
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}

    assert statements["AllowPublishThroughSSLOnly"]["Effect"] == "Deny"
    assert statements["AllowPublishThroughSSLOnly"]["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}
    }
    alarms = statements["AllowPkiAlarmsToPublish"]
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert alarms["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert f':cloudwatch:{REGION}:{ACCOUNT}:alarm:example-pki-*"' in json.dumps(
        alarms["Condition"]["ArnLike"]["aws:SourceArn"]
    )
    rules = statements["AllowPkiEventRulesToPublish"]
    assert rules["Principal"] == {"Service": "events.amazonaws.com"}
    rule_arns = rules["Condition"]["ArnEquals"]["aws:SourceArn"]
    assert len(rule_arns) == len(built.monitoring.rules) == 3


def test_every_email_is_subscribed(built: Built) -> None:
    topic = _topic_ref(built)
    subscriptions = built.template.find_resources(
        "AWS::SNS::Subscription", {"Properties": {"TopicArn": topic, "Protocol": "email"}}
    )

    assert sorted(s["Properties"]["Endpoint"] for s in subscriptions.values()) == [
        "pki-oncall@example.com",
        "security@example.com",
    ]


def _rule(built: Built, name: str) -> dict[str, Any]:
    rules = built.template.find_resources("AWS::Events::Rule", {"Properties": {"Name": name}})
    assert len(rules) == 1, f"expected one rule named {name}"
    properties: dict[str, Any] = next(iter(rules.values()))["Properties"]
    return properties


def _ca_id(arn: Any) -> dict[str, Any]:
    return {"Fn::Select": [1, {"Fn::Split": ["/", arn]}]}


def test_one_crl_generation_rule_matches_every_ca_with_crls_and_names_each(built: Built) -> None:
    rule = _rule(built, "example-pki-cas-crl-generation-failed")

    # PCA events: source aws.acm-pca, the CA's ARN in `resources`, result in `detail`.
    assert rule["EventPattern"] == {
        "source": ["aws.acm-pca"],
        "detail-type": ["ACM Private CA CRL Generation"],
        "resources": [ROOT_ARN, built.issuing_arn_ref],
        "detail": {"result": ["failure"]},
    }
    (target,) = rule["Targets"]
    assert target["Arn"] == _topic_ref(built)
    transformer = target["InputTransformer"]
    assert transformer["InputPathsMap"] == {
        "ca": "$.resources[0]",
        "time": "$.time",
        "reason": "$.detail.reason",
    }
    # The literal ARN's ID is known at synth; the created CA's is split at deploy time.
    text, issuing_id, end = transformer["InputTemplate"]["Fn::Join"][1]
    assert text.startswith('"PKI example-pki, CA <ca> (its name: the list at the end): ')
    assert "<reason>" in text and "First check the CRL bucket policy" in text
    assert text.endswith(
        " The CAs of this rule by ID: root 11111111-aaaa-bbbb-cccc-111111111111; issuing "
    )
    assert (issuing_id, end) == (_ca_id(built.issuing_arn_ref), '."')


def test_one_issuance_rule_matches_every_enabled_ca_and_names_the_certificate(
    built: Built,
) -> None:
    rule = _rule(built, "example-pki-cas-issuance-failed")

    assert rule["EventPattern"]["detail-type"] == ["ACM Private CA Certificate Issuance"]
    resources = rule["EventPattern"]["resources"]
    assert len(resources) == 3  # root, issuing and ocsp-only; lab's alarms are off
    assert resources[:2] == [ROOT_ARN, built.issuing_arn_ref]
    assert rule["EventPattern"]["detail"] == {"result": ["failure"]}
    transformer = rule["Targets"][0]["InputTransformer"]
    assert transformer["InputPathsMap"]["certificate"] == "$.resources[1]"
    parts = transformer["InputTemplate"]["Fn::Join"][1]
    assert "failed to issue certificate <certificate>" in parts[0]
    assert "; ocsp-only " in parts and "lab" not in json.dumps(parts)


def test_disabled_and_crl_less_cas_get_no_crl_rules(built: Built) -> None:
    assert set(built.monitoring.rules) == {
        "example-pki-cas-crl-generation-failed",
        "example-pki-cas-issuance-failed",
        "example-pki-certificates-expiring",
    }
    crl_rule = _rule(built, "example-pki-cas-crl-generation-failed")
    assert len(crl_rule["EventPattern"]["resources"]) == 2  # root and issuing, not lab


def test_a_rule_over_one_ca_names_it_in_a_plain_template(built: Built) -> None:
    rule = _rule(built, "bare-pki-cas-issuance-failed")

    assert rule["EventPattern"]["resources"] == [ROOT_ARN]
    template = rule["Targets"][0]["InputTransformer"]["InputTemplate"]
    assert template.startswith('"PKI bare-pki, CA root (<ca>): AWS Private CA failed to issue')


def test_approaching_expiration_events_are_scoped_to_known_certificates(built: Built) -> None:
    rule = _rule(built, "example-pki-certificates-expiring")

    assert rule["EventPattern"] == {
        "source": ["aws.acm"],
        "detail-type": ["ACM Certificate Approaching Expiration"],
        "resources": [WEB_ARN],
        "detail": {"DaysToExpiry": [{"numeric": ["<=", 21]}]},
    }
    transformer = rule["Targets"][0]["InputTransformer"]
    assert set(transformer["InputPathsMap"].values()) == {
        "$.resources[0]",
        "$.detail.CommonName",
        "$.detail.DaysToExpiry",
    }


def test_without_certificates_expiration_events_of_the_whole_account_are_sent(built: Built) -> None:
    rule = _rule(built, "bare-pki-certificates-expiring")

    assert "resources" not in rule["EventPattern"]
    assert rule["EventPattern"]["detail"] == {"DaysToExpiry": [{"numeric": ["<=", 30]}]}


def test_dashboard_has_a_row_per_ca_and_the_certificates_days_to_expiry(built: Built) -> None:
    dashboards = built.template.find_resources("AWS::CloudWatch::Dashboard")
    assert len(dashboards) == 1
    (dashboard,) = dashboards.values()
    assert dashboard["Properties"]["DashboardName"] == "example-pki"
    body = json.dumps(dashboard["Properties"]["DashboardBody"])

    for ca in ("root", "issuing", "ocsp-only", "lab"):
        assert f"### CA {ca}" in body
    for title in ("CRL generated", "CRL bucket errors"):
        assert body.count(title) == 3  # root, issuing and lab publish CRLs
    for title in ("Certificates issued / failed", "Issuance latency (ms)"):
        assert body.count(title) == 4
    assert "Certificates: days to expiry" in body
    assert "DaysToExpiry" in body and "alarm threshold" in body


def test_cdk_nag_aws_solutions_finds_nothing(built: Built) -> None:
    built.app.synth(force=True)


def test_bad_arguments_are_rejected_before_anything_is_built() -> None:
    stack = Stack(App(), "Bad")
    root = acmpca.CertificateAuthority.from_certificate_authority_arn(stack, "Root", ROOT_ARN)

    with pytest.raises(AlarmCatalogError) as raised:
        PkiMonitoring(
            stack,
            "Monitoring",
            pki_name="p",
            certificate_authorities=[
                MonitoredCa(name="root", certificate_authority=root, crl_expiration_days=-1)
            ],
            emails=["oncall"],
            days_to_expiry=0,
        )

    assert raised.value.problems == (
        "days_to_expiry: 0 is out of range; allowed 1..45",
        "certificate_authorities[root].crl_expiration_days: -1 is out of range; allowed 1..5000",
        "emails[0]: 'oncall' is not an e-mail address; expected name@domain",
    )
    assert stack.node.try_find_child("Monitoring") is None


def test_metric_factory_uses_the_published_dimensions_and_sensible_defaults() -> None:
    crl = PcaMetricFactory(ROOT_ARN).crl_generated()
    bucket = PcaMetricFactory(ROOT_ARN).misconfigured_crl_bucket()
    success = PcaMetricFactory(ROOT_ARN).issue_certificate_success()
    failure = PcaMetricFactory(ROOT_ARN).issue_certificate_failure()
    latency = PcaMetricFactory(ROOT_ARN).issue_certificate_time()
    expiry = AcmMetricFactory.days_to_expiry(WEB_ARN)

    for metric in (crl, bucket, success, failure, latency):
        assert metric.namespace == "AWS/ACMPrivateCA"
    assert crl.dimensions == {"PrivateCAArn": ROOT_ARN}
    assert bucket.dimensions == {"PrivateCAArn": ROOT_ARN}
    issuance = {"PrivateCAArn": ROOT_ARN, "Operation": "IssueCertificate"}
    assert success.dimensions == failure.dimensions == latency.dimensions == issuance
    assert [m.metric_name for m in (crl, bucket, success, failure, latency)] == [
        "CRLGenerated",
        "MisconfiguredCRLBucket",
        "Success",
        "Failure",
        "Time",
    ]
    assert [m.statistic for m in (crl, bucket, success, failure, latency, expiry)] == [
        "Sum",
        "Maximum",
        "Sum",
        "Sum",
        "Average",
        "Minimum",
    ]
    assert crl.period.to_seconds() == 3600 and failure.period.to_seconds() == 300
    assert latency.unit == cloudwatch.Unit.MILLISECONDS
    assert (expiry.namespace, expiry.metric_name) == ("AWS/CertificateManager", "DaysToExpiry")
    assert expiry.dimensions == {"CertificateArn": WEB_ARN}
    assert expiry.period.to_days() == 1


def test_metric_factory_accepts_period_statistic_and_label_overrides() -> None:
    metric = PcaMetricFactory(ROOT_ARN).issue_certificate_time(
        period=Duration.minutes(1), statistic="p99", label="p99 latency"
    )

    assert (metric.period.to_seconds(), metric.statistic, metric.label) == (
        60,
        "p99",
        "p99 latency",
    )


def _joined_text(value: Any) -> str:
    """A Fn::Join body as text, each token (Ref, GetAtt) replaced by the word TOKEN."""
    parts = value["Fn::Join"][1]
    return "".join(part if isinstance(part, str) else "TOKEN" for part in parts)


def test_dashboard_body_is_valid_json_on_the_24_column_grid(built: Built) -> None:
    (dashboard,) = built.template.find_resources("AWS::CloudWatch::Dashboard").values()
    body = json.loads(_joined_text(dashboard["Properties"]["DashboardBody"]))

    cells: set[tuple[int, int]] = set()
    for widget in body["widgets"]:
        assert widget["x"] + widget["width"] <= 24
        area = {
            (x, y)
            for x in range(widget["x"], widget["x"] + widget["width"])
            for y in range(widget["y"], widget["y"] + widget["height"])
        }
        assert not cells & area, f"widget overlaps another: {widget}"
        cells |= area
    (alarms,) = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert len(alarms["properties"]["alarms"]) == len(built.monitoring.alarms)
    crl_graph = next(w for w in body["widgets"] if w["properties"].get("title") == "CRL generated")
    assert crl_graph["properties"]["metrics"][0] == [
        "AWS/ACMPrivateCA",
        "CRLGenerated",
        "PrivateCAArn",
        ROOT_ARN,
        {"stat": "Sum", "period": 3600, "label": "CRLGenerated"},
    ]
