"""PkiMonitoring: the alarm topic, CloudWatch alarms, EventBridge rules and dashboard of a PKI.

What to alarm on comes from `cdk_pca.alarm_catalog`, how to read a metric from `cdk_pca.pca_metrics`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import jsii
from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_acmpca as acmpca
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk.interfaces import aws_events as events_refs
from constructs import Construct

from cdk_pca.alarm_catalog import (
    DEFAULT_DAYS_TO_EXPIRY,
    AlarmCatalog,
    AlarmCatalogError,
    AlarmSpec,
    CaAlarmSettings,
    EventRuleSpec,
    build_alarm_catalog,
    validate_monitoring_settings,
)
from cdk_pca.pca_metrics import AcmMetricFactory, PcaMetricFactory


@dataclass(frozen=True, kw_only=True)
class MonitoredCa(CaAlarmSettings):
    """A CA to monitor: its alarm settings plus the CA itself (any ICertificateAuthority)."""

    certificate_authority: acmpca.ICertificateAuthority

    @classmethod
    def from_settings(
        cls, settings: CaAlarmSettings, certificate_authority: acmpca.ICertificateAuthority
    ) -> MonitoredCa:
        """The CA `settings` describe (e.g. from `alarm_catalog.ca_alarm_settings_for_config`)."""
        return cls(certificate_authority=certificate_authority, **asdict(settings))


@dataclass(frozen=True)
class MonitoredCertificate:
    """An ACM certificate to watch for expiry: a name for its alarm and its ARN (a token is fine)."""

    name: str
    certificate_arn: str


_COMPARE = cloudwatch.ComparisonOperator
_COMPARISONS = {
    "GreaterThanOrEqualToThreshold": _COMPARE.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    "LessThanThreshold": _COMPARE.LESS_THAN_THRESHOLD,
    "LessThanOrEqualToThreshold": _COMPARE.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
}
_MISSING_DATA = {
    "breaching": cloudwatch.TreatMissingData.BREACHING,
    "notBreaching": cloudwatch.TreatMissingData.NOT_BREACHING,
}
_PCA_METRICS: dict[str, Callable[..., cloudwatch.Metric]] = {
    "crl_generated": PcaMetricFactory.crl_generated,
    "misconfigured_crl_bucket": PcaMetricFactory.misconfigured_crl_bucket,
    "issuance_failure": PcaMetricFactory.issue_certificate_failure,
}


@jsii.implements(events.IRuleTarget)
class _TopicTarget:
    """Publishes to the alarm topic without the unconditioned grants of `targets.SnsTopic`.

    The topic policy and key policy are written once by PkiMonitoring, limited to its own rules.
    """

    def __init__(self, topic: sns.ITopic, message: events.RuleTargetInput) -> None:
        self._topic = topic
        self._message = message

    def bind(self, rule: events_refs.IRuleRef, id: str | None = None) -> events.RuleTargetConfig:
        return events.RuleTargetConfig(arn=self._topic.topic_arn, input=self._message)


class PkiMonitoring(Construct):
    """Alarms, event notifications and a dashboard for the CAs and certificates of one PKI.

    Creates one SNS topic (KMS-encrypted with a rotated customer-managed key, TLS-only) with the
    e-mail subscriptions; per CA with CRLs an alarm on MisconfiguredCRLBucket and one on
    CRLGenerated silence; per CA an alarm on IssueCertificate failures; per certificate a
    DaysToExpiry alarm; EventBridge rules for failed CRL generation, failed issuance and ACM's
    approaching-expiration events; and a dashboard. Every alarm notifies on ALARM and on OK.
    Names and descriptions come from `cdk_pca.alarm_catalog.build_alarm_catalog`.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        pki_name: str,
        certificate_authorities: Sequence[MonitoredCa],
        certificates: Sequence[MonitoredCertificate] = (),
        emails: Sequence[str] = (),
        days_to_expiry: int = DEFAULT_DAYS_TO_EXPIRY,
        dashboard: bool = True,
    ) -> None:
        problems = validate_monitoring_settings(
            pki_name=pki_name,
            certificate_authorities=certificate_authorities,
            certificate_names=[certificate.name for certificate in certificates],
            days_to_expiry=days_to_expiry,
            emails=emails,
        )
        if problems:
            raise AlarmCatalogError(problems)
        super().__init__(scope, construct_id)
        self.pki_name = pki_name
        self.catalog: AlarmCatalog = build_alarm_catalog(
            pki_name=pki_name,
            certificate_authorities=certificate_authorities,
            certificate_names=[certificate.name for certificate in certificates],
            days_to_expiry=days_to_expiry,
        )
        self._cas = {ca.name: ca for ca in certificate_authorities}
        self._certificates = {certificate.name: certificate for certificate in certificates}

        self.encryption_key = self._create_key()
        self.topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=f"{pki_name}-pki-alarms",
            display_name=f"PKI {pki_name} alarms",
            master_key=self.encryption_key,
            enforce_ssl=True,
        )
        for email in emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))

        self.alarms: dict[str, cloudwatch.Alarm] = {
            spec.name: self._create_alarm(spec) for spec in self.catalog.alarms
        }
        self.rules: dict[str, events.Rule] = {
            spec.name: self._create_rule(spec, days_to_expiry) for spec in self.catalog.event_rules
        }
        self._allow_publishing()
        self.dashboard = self._create_dashboard(days_to_expiry) if dashboard else None

    def _create_key(self) -> kms.Key:
        key = kms.Key(
            self,
            "AlarmTopicKey",
            description=f"Encrypts the alarm topic of PKI {self.pki_name}",
            enable_key_rotation=True,
        )
        # CloudWatch alarms and EventBridge publish to an encrypted topic only if the key policy
        # lets their service principals use the key; the AWS-managed alias/aws/sns key cannot
        # be changed to allow it, so alarms on such a topic fail ("not authorized to access the
        # SNS topic's encryption key"). https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns
        # https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowAlarmAndEventPublishers",
                principals=[
                    iam.ServicePrincipal("cloudwatch.amazonaws.com"),
                    iam.ServicePrincipal("events.amazonaws.com"),
                ],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
            )
        )
        return key

    def _allow_publishing(self) -> None:
        # A topic policy replaces SNS's default one, so each publisher is allowed here, each
        # limited to this account and to this PKI's alarms or rules (aws:SourceArn).
        stack = Stack.of(self)
        alarm_arns = stack.format_arn(
            service="cloudwatch",
            resource="alarm",
            resource_name=f"{self.pki_name}-*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowPkiAlarmsToPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "ArnLike": {"aws:SourceArn": alarm_arns},
                    "StringEquals": {"aws:SourceAccount": stack.account},
                },
            )
        )
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowPkiEventRulesToPublish",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "ArnEquals": {"aws:SourceArn": [rule.rule_arn for rule in self.rules.values()]},
                    "StringEquals": {"aws:SourceAccount": stack.account},
                },
            )
        )

    def _metric_for(self, spec: AlarmSpec) -> cloudwatch.Metric:
        period = Duration.seconds(spec.period_seconds)
        if spec.metric == "days_to_expiry":
            arn = self._certificates[spec.subject].certificate_arn
            return AcmMetricFactory.days_to_expiry(arn, period=period, statistic=spec.statistic)
        ca_arn = self._cas[spec.subject].certificate_authority.certificate_authority_arn
        return _PCA_METRICS[spec.metric](ca_arn, period=period, statistic=spec.statistic)

    def _create_alarm(self, spec: AlarmSpec) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            f"{spec.subject}-{spec.kind}-alarm",
            alarm_name=spec.name,
            alarm_description=spec.description,
            metric=self._metric_for(spec),
            threshold=spec.threshold,
            comparison_operator=_COMPARISONS[spec.comparison],
            evaluation_periods=spec.evaluation_periods,
            datapoints_to_alarm=spec.datapoints_to_alarm,
            treat_missing_data=_MISSING_DATA[spec.treat_missing_data],
        )
        action = cloudwatch_actions.SnsAction(self.topic)
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
        return alarm

    def _create_rule(self, spec: EventRuleSpec, days_to_expiry: int) -> events.Rule:
        if spec.source == "aws.acm":
            pattern, message = self._certificate_expiration_event(days_to_expiry)
        else:
            pattern, message = self._ca_failure_event(spec)
        rule = events.Rule(
            self,
            f"{spec.subject}-{spec.kind}-rule",
            rule_name=spec.name,
            description=spec.description,
            event_pattern=pattern,
        )
        rule.add_target(_TopicTarget(self.topic, message))
        return rule

    def _ca_failure_event(
        self, spec: EventRuleSpec
    ) -> tuple[events.EventPattern, events.RuleTargetInput]:
        # Private CA events carry the CA's ARN in `resources` (the issuance events add the
        # certificate's ARN after it) and {"result": "failure"} in `detail`.
        # https://docs.aws.amazon.com/privateca/latest/userguide/CloudWatchEvents.html
        ca = self._cas[spec.subject]
        pattern = events.EventPattern(
            source=[spec.source],
            detail_type=[spec.detail_type],
            resources=[ca.certificate_authority.certificate_authority_arn],
            detail={"result": ["failure"]},
        )
        ca_arn = events.EventField.from_path("$.resources[0]")
        when = events.EventField.time
        if spec.detail_type.endswith("CRL Generation"):
            reason = events.EventField.from_path("$.detail.reason")
            text = (
                f"PKI {self.pki_name}, CA {spec.subject} ({ca_arn}): AWS Private CA failed to "
                f"generate or publish a CRL at {when}: {reason}. "
                "Private CA retries every 15 minutes; relying parties fail once the current CRL "
                "expires. First check the CRL bucket policy (acm-pca.amazonaws.com may PutObject, "
                "PutObjectAcl, GetBucketAcl, GetBucketLocation), the bucket's KMS key, and the "
                "MisconfiguredCRLBucket alarm."
            )
        else:
            certificate = events.EventField.from_path("$.resources[1]")
            text = (
                f"PKI {self.pki_name}, CA {spec.subject} ({ca_arn}): AWS Private CA failed to "
                f"issue certificate {certificate} at {when}. First check the CA is ACTIVE and "
                "not expired, then the IssueCertificate call in CloudTrail (CSR, template, "
                "validity longer than the CA's); aws acm-pca get-certificate on that ARN shows "
                "the reason."
            )
        return pattern, events.RuleTargetInput.from_text(text)

    def _certificate_expiration_event(
        self, days_to_expiry: int
    ) -> tuple[events.EventPattern, events.RuleTargetInput]:
        # ACM sends this event daily from 45 days before expiry (configurable per account), with
        # the certificate's ARN in `resources` and DaysToExpiry and CommonName in `detail`.
        # https://docs.aws.amazon.com/acm/latest/userguide/supported-events.html
        # The numeric filter starts the mails at the same threshold as the DaysToExpiry alarms.
        certificate_arns = [
            certificate.certificate_arn for certificate in self._certificates.values()
        ]
        pattern = events.EventPattern(
            source=["aws.acm"],
            detail_type=["ACM Certificate Approaching Expiration"],
            resources=certificate_arns or None,
            detail={"DaysToExpiry": [{"numeric": ["<=", days_to_expiry]}]},
        )
        text = (
            f"PKI {self.pki_name}: ACM certificate {events.EventField.from_path('$.resources[0]')} "
            f"({events.EventField.from_path('$.detail.CommonName')}) expires in "
            f"{events.EventField.from_path('$.detail.DaysToExpiry')} days. ACM renews private "
            "certificates it manages from 60 days before expiry, so renewal is failing. First "
            "check aws acm describe-certificate (RenewalSummary) and that the issuing CA is ACTIVE "
            "and grants ACM renewal; an imported certificate must be reimported."
        )
        return pattern, events.RuleTargetInput.from_text(text)

    def _create_dashboard(self, days_to_expiry: int) -> cloudwatch.Dashboard:
        dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"{self.pki_name}-pki",
            default_interval=Duration.days(7),
        )
        if self.alarms:
            dashboard.add_widgets(
                cloudwatch.AlarmStatusWidget(
                    title=f"PKI {self.pki_name}: alarms",
                    alarms=list(self.alarms.values()),
                    width=24,
                    height=_alarm_status_height(len(self.alarms)),
                )
            )
        for ca in self._cas.values():
            dashboard.add_widgets(
                cloudwatch.TextWidget(markdown=f"### CA {ca.name}", width=24, height=1)
            )
            dashboard.add_widgets(*_ca_widgets(ca))
        if self._certificates:
            dashboard.add_widgets(
                cloudwatch.GraphWidget(
                    title="Certificates: days to expiry",
                    left=[
                        AcmMetricFactory.days_to_expiry(certificate.certificate_arn, label=name)
                        for name, certificate in self._certificates.items()
                    ],
                    left_annotations=[
                        cloudwatch.HorizontalAnnotation(
                            value=days_to_expiry,
                            label="alarm threshold",
                            color=cloudwatch.Color.RED,
                        )
                    ],
                    width=24,
                )
            )
        return dashboard


def _ca_widgets(ca: MonitoredCa) -> list[cloudwatch.IWidget]:
    arn = ca.certificate_authority.certificate_authority_arn
    widgets: list[cloudwatch.IWidget] = []
    width = 6 if ca.crl_enabled else 12
    if ca.crl_enabled:
        widgets.append(
            _graph("CRL generated", [PcaMetricFactory.crl_generated(arn, label="CRLGenerated")], 6)
        )
        widgets.append(
            _graph(
                "CRL bucket errors",
                [PcaMetricFactory.misconfigured_crl_bucket(arn, label="MisconfiguredCRLBucket")],
                6,
            )
        )
    widgets.append(
        _graph(
            "Certificates issued / failed",
            [
                PcaMetricFactory.issue_certificate_success(arn, label="Success"),
                PcaMetricFactory.issue_certificate_failure(arn, label="Failure"),
            ],
            width,
        )
    )
    widgets.append(
        _graph(
            "Issuance latency (ms)",
            [
                PcaMetricFactory.issue_certificate_time(arn, label="average"),
                PcaMetricFactory.issue_certificate_time(arn, statistic="p99", label="p99"),
            ],
            width,
        )
    )
    return widgets


def _graph(title: str, metrics: list[cloudwatch.Metric], width: int) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=metrics, width=width, height=6)


def _alarm_status_height(alarm_count: int) -> int:
    # Four alarms fit on a row of a full-width status widget; keep room for the title.
    return max(2, 1 + (alarm_count + 3) // 4)
