"""The CloudWatch metrics of AWS Private CA (per CA) and of ACM certificates, and a factory for them.

Definitions are plain data (the alarm catalog and `cdk-pca plan` use them without aws_cdk); the
factories return `cloudwatch.Metric` and import aws_cdk only when called.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypedDict, Unpack

if TYPE_CHECKING:
    from aws_cdk import Duration
    from aws_cdk import aws_cloudwatch as cloudwatch

PCA_NAMESPACE: Final = "AWS/ACMPrivateCA"
ACM_NAMESPACE: Final = "AWS/CertificateManager"

# AWS lists the AWS/ACMPrivateCA metrics without their dimensions
# (https://docs.aws.amazon.com/privateca/latest/userguide/PcaCloudWatch.html). Public code that
# reads them uses PrivateCAArn for every metric (prometheus-community/
# yet-another-cloudwatch-exporter, pkg/config/services.go: AWS/ACMPrivateCA, DimensionRegexps
# "(?P<PrivateCAArn>.*)"), and PrivateCAArn plus Operation=IssueCertificate for the issuance
# metrics (a public Ruby unused-CA check querying Success with with_dimension("Operation",
# "IssueCertificate") and with_dimension("PrivateCAArn", arn)). CloudWatch matches dimensions
# exactly, so a wrong set reads as "no data": the CRL-not-generated alarm, which breaches on
# missing data, would then fire.
PRIVATE_CA_ARN_DIMENSION: Final = "PrivateCAArn"
OPERATION_DIMENSION: Final = "Operation"
ISSUE_CERTIFICATE_OPERATION: Final = "IssueCertificate"
# ACM: https://docs.aws.amazon.com/acm/latest/userguide/cloudwatch-metrics.html
CERTIFICATE_ARN_DIMENSION: Final = "CertificateArn"


@dataclass(frozen=True)
class MetricDefinition:
    """One metric and the statistic and period that suit it by default."""

    namespace: str
    metric_name: str
    statistic: str
    period_seconds: int
    resource_dimension: str
    """The dimension whose value is the resource's ARN."""
    fixed_dimensions: tuple[tuple[str, str], ...] = ()
    unit: str | None = None
    """A `cloudwatch.Unit` member name (`MILLISECONDS`)."""

    def dimensions(self, resource_arn: str) -> dict[str, str]:
        """The dimensions of this metric for one CA or certificate, sorted by name."""
        dimensions = {self.resource_dimension: resource_arn, **dict(self.fixed_dimensions)}
        return dict(sorted(dimensions.items()))


_ISSUANCE = ((OPERATION_DIMENSION, ISSUE_CERTIFICATE_OPERATION),)

CRL_GENERATED: Final = MetricDefinition(
    PCA_NAMESPACE, "CRLGenerated", "Sum", 3600, PRIVATE_CA_ARN_DIMENSION
)
MISCONFIGURED_CRL_BUCKET: Final = MetricDefinition(
    PCA_NAMESPACE, "MisconfiguredCRLBucket", "Maximum", 3600, PRIVATE_CA_ARN_DIMENSION
)
ISSUE_CERTIFICATE_SUCCESS: Final = MetricDefinition(
    PCA_NAMESPACE, "Success", "Sum", 300, PRIVATE_CA_ARN_DIMENSION, _ISSUANCE
)
ISSUE_CERTIFICATE_FAILURE: Final = MetricDefinition(
    PCA_NAMESPACE, "Failure", "Sum", 300, PRIVATE_CA_ARN_DIMENSION, _ISSUANCE
)
ISSUE_CERTIFICATE_TIME: Final = MetricDefinition(
    PCA_NAMESPACE, "Time", "Average", 300, PRIVATE_CA_ARN_DIMENSION, _ISSUANCE, "MILLISECONDS"
)
# Published once a day and no longer once the certificate has expired; Minimum over a day as
# aws-cdk's Certificate.metricDaysToExpiry().
DAYS_TO_EXPIRY: Final = MetricDefinition(
    ACM_NAMESPACE, "DaysToExpiry", "Minimum", 86400, CERTIFICATE_ARN_DIMENSION
)


# The revocation canary's metrics (cdk_pca.canary; DESIGN.md "Canary"), one datapoint per run
# and CA; the alarm catalog sets the period from the canary's schedule.
CANARY_NAMESPACE: Final = "cdk-pca"


def _canary_metric(metric_name: str, statistic: str) -> MetricDefinition:
    return MetricDefinition(CANARY_NAMESPACE, metric_name, statistic, 900, PRIVATE_CA_ARN_DIMENSION)


CRL_REACHABLE: Final = _canary_metric("CrlReachable", "Minimum")
CRL_VALID: Final = _canary_metric("CrlValid", "Minimum")
CRL_SECONDS_UNTIL_NEXT_UPDATE: Final = _canary_metric("CrlSecondsUntilNextUpdate", "Minimum")
CRL_AGE_SECONDS: Final = _canary_metric("CrlAgeSeconds", "Maximum")
OCSP_ANSWERED: Final = _canary_metric("OcspAnswered", "Minimum")
CA_CERTIFICATE_DAYS_TO_EXPIRY: Final = _canary_metric("CaCertificateDaysToExpiry", "Minimum")
CANARY_METRICS: Final = (
    CRL_REACHABLE,
    CRL_VALID,
    CRL_SECONDS_UNTIL_NEXT_UPDATE,
    CRL_AGE_SECONDS,
    OCSP_ANSWERED,
    CA_CERTIFICATE_DAYS_TO_EXPIRY,
)


def metric(
    definition: MetricDefinition,
    resource_arn: str,
    *,
    period: Duration | None = None,
    statistic: str | None = None,
    label: str | None = None,
) -> cloudwatch.Metric:
    """`definition` for one CA or certificate as a `cloudwatch.Metric`, with overrides."""
    from aws_cdk import Duration
    from aws_cdk import aws_cloudwatch as cloudwatch

    return cloudwatch.Metric(
        namespace=definition.namespace,
        metric_name=definition.metric_name,
        dimensions_map=definition.dimensions(resource_arn),
        statistic=statistic or definition.statistic,
        period=period or Duration.seconds(definition.period_seconds),
        label=label,
        unit=cloudwatch.Unit[definition.unit] if definition.unit else None,
    )


class MetricOverrides(TypedDict, total=False):
    """The `cloudwatch.MetricOptions` a caller may override (each defaults to the metric's own)."""

    period: Duration | None
    statistic: str | None
    label: str | None


class PcaMetricFactory:
    """AWS/ACMPrivateCA metrics of one CA, bound to its ARN (a token is fine), as
    cdk-monitoring-constructs' factories are bound to what they measure.

    Each method takes the overrides of `cloudwatch.MetricOptions` that matter here (period,
    statistic, label); the defaults suit the metric (counts summed, latency averaged).
    """

    def __init__(self, ca_arn: str) -> None:
        self.ca_arn = ca_arn

    def metric(self, metric_name: str, **props: Any) -> cloudwatch.Metric:
        """Any AWS/ACMPrivateCA metric of this CA (dimension PrivateCAArn)."""
        from aws_cdk import aws_cloudwatch as cloudwatch

        return cloudwatch.Metric(
            namespace=PCA_NAMESPACE,
            metric_name=metric_name,
            dimensions_map={PRIVATE_CA_ARN_DIMENSION: self.ca_arn},
            **props,
        )

    def crl_generated(self, **options: Unpack[MetricOverrides]) -> cloudwatch.Metric:
        """CRLs generated. Default: Sum over 1 hour."""
        return metric(CRL_GENERATED, self.ca_arn, **options)

    def misconfigured_crl_bucket(self, **options: Unpack[MetricOverrides]) -> cloudwatch.Metric:
        """Failed CRL writes to the S3 bucket. Default: Maximum over 1 hour."""
        return metric(MISCONFIGURED_CRL_BUCKET, self.ca_arn, **options)

    def issue_certificate_success(self, **options: Unpack[MetricOverrides]) -> cloudwatch.Metric:
        """Certificates issued. Default: Sum over 5 minutes."""
        return metric(ISSUE_CERTIFICATE_SUCCESS, self.ca_arn, **options)

    def issue_certificate_failure(self, **options: Unpack[MetricOverrides]) -> cloudwatch.Metric:
        """Failed IssueCertificate calls. Default: Sum over 5 minutes."""
        return metric(ISSUE_CERTIFICATE_FAILURE, self.ca_arn, **options)

    def issue_certificate_time(self, **options: Unpack[MetricOverrides]) -> cloudwatch.Metric:
        """Milliseconds from an issuance request to its end. Default: Average over 5 minutes."""
        return metric(ISSUE_CERTIFICATE_TIME, self.ca_arn, **options)


class AcmMetricFactory:
    """AWS/CertificateManager metrics of one certificate, by its ARN."""

    @staticmethod
    def days_to_expiry(
        certificate_arn: str,
        *,
        period: Duration | None = None,
        statistic: str | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        """Days until the certificate expires. Default: Minimum over 1 day."""
        return metric(
            DAYS_TO_EXPIRY, certificate_arn, period=period, statistic=statistic, label=label
        )
