"""PkiMonitoring: the alarm topic, CloudWatch alarms, EventBridge rules and dashboard of a PKI.

What to alarm on comes from `cdk_pca.alarm_catalog`, which metric and dimensions from `pca_metrics`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from aws_cdk import ArnFormat, CfnResource, Fn, Stack, Token
from aws_cdk import aws_acmpca as acmpca
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from cdk_pca.alarm_catalog import (
    DEFAULT_DAYS_TO_EXPIRY,
    AlarmCatalog,
    AlarmCatalogError,
    AlarmSpec,
    CaAlarmSettings,
    EventRuleSpec,
    bounded_name,
    build_alarm_catalog,
    crl_next_update_margin_seconds,
    validate_monitoring_settings,
)
from cdk_pca.pca_metrics import (
    ACM_NAMESPACE,
    CA_CERTIFICATE_DAYS_TO_EXPIRY,
    CRL_GENERATED,
    CRL_REACHABLE,
    CRL_SECONDS_UNTIL_NEXT_UPDATE,
    CRL_VALID,
    DAYS_TO_EXPIRY,
    ISSUE_CERTIFICATE_FAILURE,
    ISSUE_CERTIFICATE_SUCCESS,
    ISSUE_CERTIFICATE_TIME,
    MISCONFIGURED_CRL_BUCKET,
    OCSP_ANSWERED,
    MetricDefinition,
)
from cdk_pca.retention import RETAINED_UNLESS_CREATE_FAILS

# Alarms, rules and the dashboard are written as CloudFormation resources from the catalog's
# plain values: each L2 object is a round trip to the jsii runtime, and the default PKI's synth
# must stay within 1.5 times an empty app's (DESIGN.md).


# SNS refuses a topic display name over 100 characters (aws-cdk-lib checks it at synth; the SNS
# API reference gives the limit for SMS display names, CreateTopic `DisplayName`:
# https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html). A stack of an environment
# (`<name>-<environment>`, up to 97 characters) can exceed it.
MAX_TOPIC_DISPLAY_NAME_LENGTH = 100


def topic_display_name(pki_name: str) -> str:
    """`PKI <name> alarms`, the stack name shortened (prefix and hash) when that is too long."""
    name = f"PKI {pki_name} alarms"
    if len(name) <= MAX_TOPIC_DISPLAY_NAME_LENGTH:
        return name
    room = MAX_TOPIC_DISPLAY_NAME_LENGTH - len("PKI  alarms")
    return f"PKI {bounded_name((pki_name,), room)} alarms"


@dataclass(frozen=True, kw_only=True)
class MonitoredCa(CaAlarmSettings):
    """A CA to monitor: its alarm settings plus the CA itself (any ICertificateAuthority)."""

    certificate_authority: acmpca.ICertificateAuthority

    @classmethod
    def from_settings(
        cls, settings: CaAlarmSettings, certificate_authority: acmpca.ICertificateAuthority
    ) -> MonitoredCa:
        """The CA `settings` describe (e.g. from `cdk_pca.config.alarms.ca_alarm_settings_for_config`)."""
        return cls(certificate_authority=certificate_authority, **asdict(settings))


@dataclass(frozen=True)
class MonitoredCertificate:
    """An ACM certificate to watch for expiry: a name for its alarm and its ARN (a token is fine)."""

    name: str
    certificate_arn: str


class PkiMonitoring(Construct):
    """Alarms, event notifications and a dashboard for the CAs and certificates of one PKI.

    Creates one SNS topic (KMS-encrypted with a rotated customer-managed key, TLS-only) with the
    e-mail subscriptions; per CA with CRLs an alarm on MisconfiguredCRLBucket and one on
    CRLGenerated silence; per CA an alarm on IssueCertificate failures; per certificate a
    DaysToExpiry alarm; one EventBridge rule each for failed CRL generation and failed issuance
    of all the CAs, and one for ACM's approaching-expiration events; and a dashboard. With
    ``canary_schedule_minutes`` (a ``RevocationCanary`` runs that often), the canary's alarms
    (instead of the CRLGenerated-silence one) and a dashboard row per CA too. Every alarm notifies
    on ALARM and on OK.
    Names, thresholds and descriptions come from `cdk_pca.alarm_catalog.build_alarm_catalog`;
    bad arguments raise `AlarmCatalogError` listing every problem, before anything is created.

    Attributes: ``topic``, ``encryption_key``, ``alarms`` and ``rules`` (by name),
    ``dashboard`` (None when ``dashboard=False``), ``catalog``.
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
        canary_schedule_minutes: int | None = None,
    ) -> None:
        problems = validate_monitoring_settings(
            pki_name=pki_name,
            certificate_authorities=certificate_authorities,
            certificate_names=[certificate.name for certificate in certificates],
            days_to_expiry=days_to_expiry,
            emails=emails,
            canary_schedule_minutes=canary_schedule_minutes,
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
            canary_schedule_minutes=canary_schedule_minutes,
        )
        self._canary_schedule_minutes = canary_schedule_minutes
        self._cas = {ca.name: ca for ca in certificate_authorities}
        self._certificates = {certificate.name: certificate for certificate in certificates}
        self._days_to_expiry = days_to_expiry

        self.encryption_key = self._create_key()
        self.topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=f"{pki_name}-alarms",
            display_name=topic_display_name(pki_name),
            master_key=self.encryption_key,
            enforce_ssl=True,
        )
        for email in emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))

        self.alarms: dict[str, cloudwatch.CfnAlarm] = {
            spec.name: self._create_alarm(spec) for spec in self.catalog.alarms
        }
        self.rules: dict[str, events.CfnRule] = {
            spec.name: self._create_rule(spec) for spec in self.catalog.event_rules
        }
        self._allow_publishing()
        self._alarms_wait_for_the_topic_policy()
        self.dashboard = self._create_dashboard() if dashboard else None

    def _create_key(self) -> kms.Key:
        key = kms.Key(
            self,
            "AlarmTopicKey",
            description=f"Encrypts the alarm topic of PKI {self.pki_name}",
            enable_key_rotation=True,
            # Kept on delete (messages already encrypted with it), gone with a failed first deploy.
            removal_policy=RETAINED_UNLESS_CREATE_FAILS,
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
        rule_arns = [rule.attr_arn for rule in self.rules.values()]
        publishers: list[tuple[str, str, str, Any]] = [
            ("AllowPkiAlarmsToPublish", "cloudwatch.amazonaws.com", "ArnLike", alarm_arns),
            ("AllowPkiEventRulesToPublish", "events.amazonaws.com", "ArnEquals", rule_arns),
        ]
        for sid, service, operator, source_arns in publishers:
            self.topic.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=sid,
                    principals=[iam.ServicePrincipal(service)],
                    actions=["sns:Publish"],
                    resources=[self.topic.topic_arn],
                    conditions={
                        operator: {"aws:SourceArn": source_arns},
                        "StringEquals": {"aws:SourceAccount": stack.account},
                    },
                )
            )

    def _alarms_wait_for_the_topic_policy(self) -> None:
        # A CRL-not-generated alarm of a new CA breaches at its first evaluation (missing data),
        # within a minute of its creation. Alarms act only when their state changes
        # (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html),
        # and before the topic policy exists the publish is refused ("is not authorized to
        # perform: SNS:Publish ... because no resource-based policy allows", seen in
        # aws-solutions/automated-security-response-on-aws#43): that ALARM mail would be lost.
        policy = self.topic.node.try_find_child("Policy")
        assert isinstance(policy, sns.TopicPolicy)  # created by add_to_resource_policy
        cfn_policy = policy.node.default_child
        assert isinstance(cfn_policy, CfnResource)
        for alarm in self.alarms.values():
            alarm.add_resource_dependency(cfn_policy)

    def _resource_arn(self, spec_subject: str, definition: MetricDefinition) -> str:
        if definition.namespace == ACM_NAMESPACE:
            return self._certificates[spec_subject].certificate_arn
        return self._cas[spec_subject].certificate_authority.certificate_authority_arn

    def _create_alarm(self, spec: AlarmSpec) -> cloudwatch.CfnAlarm:
        dimensions = spec.metric.dimensions(self._resource_arn(spec.subject, spec.metric))
        return cloudwatch.CfnAlarm(
            self,
            f"{spec.subject}-{spec.kind}-alarm",
            alarm_name=spec.name,
            alarm_description=spec.description,
            namespace=spec.namespace,
            metric_name=spec.metric_name,
            dimensions=[
                cloudwatch.CfnAlarm.DimensionProperty(name=name, value=value)
                for name, value in dimensions.items()
            ],
            statistic=spec.statistic,
            period=spec.period_seconds,
            evaluation_periods=spec.evaluation_periods,
            datapoints_to_alarm=spec.datapoints_to_alarm,
            threshold=spec.threshold,
            comparison_operator=spec.comparison,
            treat_missing_data=spec.treat_missing_data,
            alarm_actions=[self.topic.topic_arn],
            ok_actions=[self.topic.topic_arn],
        )

    def _create_rule(self, spec: EventRuleSpec) -> events.CfnRule:
        # Everything but the resources' ARNs is decided by the catalog (and shown by `plan`).
        pattern: dict[str, Any] = {"source": [spec.source], "detail-type": [spec.detail_type]}
        ca_arns = {
            name: self._cas[name].certificate_authority.certificate_authority_arn
            for name in spec.certificate_authorities
        }
        if spec.source == "aws.acm":
            if self._certificates:
                pattern["resources"] = [c.certificate_arn for c in self._certificates.values()]
        else:
            pattern["resources"] = list(ca_arns.values())
        pattern["detail"] = dict(spec.detail_filter)
        # The CA ID is the ARN's last part ("certificate-authority/<id>"), split at deploy time
        # when the ARN is a token.
        ca_ids = {
            name: Fn.select(1, Fn.split("/", arn))
            if Token.is_unresolved(arn)
            else arn.rpartition("/")[2]
            for name, arn in ca_arns.items()
        }
        return events.CfnRule(
            self,
            f"{spec.subject}-{spec.kind}-rule",
            name=spec.name,
            description=spec.description,
            event_pattern=pattern,
            state="ENABLED",
            targets=[
                events.CfnRule.TargetProperty(
                    id="AlarmTopic",
                    arn=self.topic.topic_arn,
                    # A JSON string template: SNS delivers the text with the values filled in.
                    # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
                    input_transformer=events.CfnRule.InputTransformerProperty(
                        input_paths_map=dict(spec.input_paths),
                        input_template=json.dumps(spec.notification_text(ca_ids)),
                    ),
                )
            ],
        )

    def _create_dashboard(self) -> cloudwatch.CfnDashboard:
        stack = Stack.of(self)
        layout = _DashboardLayout(stack.region)
        if self.alarms:
            layout.row(
                {
                    "type": "alarm",
                    "width": 24,
                    "height": 1 + (len(self.alarms) + 3) // 4,
                    "properties": {
                        "title": f"PKI {self.pki_name}: alarms",
                        "alarms": [alarm.attr_arn for alarm in self.alarms.values()],
                    },
                }
            )
        for ca in self._cas.values():
            arn = ca.certificate_authority.certificate_authority_arn
            layout.row(
                {
                    "type": "text",
                    "width": 24,
                    "height": 1,
                    "properties": {"markdown": f"### CA {ca.name}"},
                }
            )
            width = 6 if ca.crl_enabled else 12
            graphs = []
            if ca.crl_enabled:
                graphs.append(layout.graph("CRL generated", 6, [(CRL_GENERATED, arn, None, None)]))
                graphs.append(
                    layout.graph(
                        "CRL bucket errors", 6, [(MISCONFIGURED_CRL_BUCKET, arn, None, None)]
                    )
                )
            graphs.append(
                layout.graph(
                    "Certificates issued / failed",
                    width,
                    [
                        (ISSUE_CERTIFICATE_SUCCESS, arn, None, "Success"),
                        (ISSUE_CERTIFICATE_FAILURE, arn, None, "Failure"),
                    ],
                )
            )
            graphs.append(
                layout.graph(
                    "Issuance latency (ms)",
                    width,
                    [
                        (ISSUE_CERTIFICATE_TIME, arn, None, "average"),
                        (ISSUE_CERTIFICATE_TIME, arn, "p99", "p99"),
                    ],
                )
            )
            layout.row(*graphs)
            if self._canary_schedule_minutes is not None:
                layout.row(*self._canary_graphs(layout, ca, arn))
        if self._certificates:
            expiry = layout.graph(
                "Certificates: days to expiry",
                24,
                [
                    (DAYS_TO_EXPIRY, c.certificate_arn, None, n)
                    for n, c in self._certificates.items()
                ],
            )
            expiry["properties"]["annotations"] = {
                "horizontal": [
                    {"value": self._days_to_expiry, "label": "alarm threshold", "color": "#d62728"}
                ]
            }
            layout.row(expiry)
        return cloudwatch.CfnDashboard(
            self,
            "Dashboard",
            dashboard_name=self.pki_name,
            dashboard_body=stack.to_json_string({"start": "-P7D", "widgets": layout.widgets}),
        )

    def _canary_graphs(
        self, layout: _DashboardLayout, ca: MonitoredCa, arn: str
    ) -> list[dict[str, Any]]:
        """The revocation canary's view of one CA: what clients see of its CRL and OCSP."""
        assert self._canary_schedule_minutes is not None
        period = self._canary_schedule_minutes * 60

        def per_run(definition: MetricDefinition) -> MetricDefinition:
            return replace(definition, period_seconds=period)

        def threshold(graph: dict[str, Any], value: float, label: str) -> dict[str, Any]:
            graph["properties"]["annotations"] = {
                "horizontal": [{"value": value, "label": label, "color": "#d62728"}]
            }
            return graph

        graphs = []
        if ca.crl_enabled:
            graphs.append(
                layout.graph(
                    "Canary: CRL reachable / valid",
                    6,
                    [
                        (per_run(CRL_REACHABLE), arn, None, "reachable"),
                        (per_run(CRL_VALID), arn, None, "valid"),
                    ],
                )
            )
            graphs.append(
                threshold(
                    layout.graph(
                        "Canary: CRL seconds until nextUpdate",
                        6,
                        [(per_run(CRL_SECONDS_UNTIL_NEXT_UPDATE), arn, None, None)],
                    ),
                    crl_next_update_margin_seconds(ca.crl_expiration_days),
                    "alarm margin",
                )
            )
        if ca.ocsp_enabled:
            graphs.append(
                layout.graph(
                    "Canary: OCSP answered", 6, [(per_run(OCSP_ANSWERED), arn, None, None)]
                )
            )
        expiry = layout.graph(
            "Canary: CA certificate days to expiry",
            24 - 6 * len(graphs),
            [(per_run(CA_CERTIFICATE_DAYS_TO_EXPIRY), arn, None, None)],
        )
        if ca.rotation_threshold_days is not None:
            threshold(expiry, ca.rotation_threshold_days, "rotation threshold")
        return [*graphs, expiry]


_GraphLine = tuple[MetricDefinition, str, str | None, str | None]
"""A metric on a graph: definition, resource ARN, statistic override, label."""


class _DashboardLayout:
    """Places widgets in rows of the 24-column CloudWatch dashboard grid.

    Widget JSON as documented in the dashboard body structure:
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
    """

    def __init__(self, region: str) -> None:
        self.region = region
        self.widgets: list[dict[str, Any]] = []
        self._y = 0

    def row(self, *widgets: dict[str, Any]) -> None:
        x = 0
        for widget in widgets:
            widget["x"], widget["y"] = x, self._y
            x += widget["width"]
            self.widgets.append(widget)
        self._y += max(widget["height"] for widget in widgets)

    def graph(self, title: str, width: int, lines: list[_GraphLine]) -> dict[str, Any]:
        metrics = []
        for definition, arn, statistic, label in lines:
            line: list[Any] = [definition.namespace, definition.metric_name]
            for name, value in definition.dimensions(arn).items():
                line += [name, value]
            options = {
                "stat": statistic or definition.statistic,
                "period": definition.period_seconds,
            }
            line.append({**options, "label": label or definition.metric_name})
            metrics.append(line)
        return {
            "type": "metric",
            "width": width,
            "height": 6,
            "properties": {
                "view": "timeSeries",
                "title": title,
                "region": self.region,
                "metrics": metrics,
            },
        }
