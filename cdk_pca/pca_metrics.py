"""CloudWatch metrics of AWS Private CA (per CA) and of ACM certificates, as `cloudwatch.Metric`.

How to get a metric lives here; what to alarm on and show lives in `cdk_pca.monitoring`.
"""

from __future__ import annotations

from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch

from cdk_pca.alarm_catalog import ACM_NAMESPACE, PCA_NAMESPACE

# AWS lists the AWS/ACMPrivateCA metrics without their dimensions
# (https://docs.aws.amazon.com/privateca/latest/userguide/PcaCloudWatch.html). Public code that
# reads them uses PrivateCAArn for every metric (prometheus-community/
# yet-another-cloudwatch-exporter, pkg/config/services.go: AWS/ACMPrivateCA, DimensionRegexps
# "(?P<PrivateCAArn>.*)"), and
# PrivateCAArn plus Operation=IssueCertificate for the issuance metrics (a Ruby unused-CA check
# querying Success with with_dimension("Operation", "IssueCertificate") and
# with_dimension("PrivateCAArn", arn)). CloudWatch matches dimensions exactly, so a wrong set would
# read as "no data": the CRL-not-generated alarm, which breaches on missing data, would then fire.
PRIVATE_CA_ARN_DIMENSION: Final = "PrivateCAArn"
OPERATION_DIMENSION: Final = "Operation"
ISSUE_CERTIFICATE_OPERATION: Final = "IssueCertificate"
CERTIFICATE_ARN_DIMENSION: Final = "CertificateArn"


def _metric(
    namespace: str,
    metric_name: str,
    dimensions: dict[str, str],
    *,
    default_statistic: str,
    default_period: Duration,
    period: Duration | None,
    statistic: str | None,
    label: str | None,
    unit: cloudwatch.Unit | None = None,
) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=namespace,
        metric_name=metric_name,
        dimensions_map=dimensions,
        statistic=statistic or default_statistic,
        period=period or default_period,
        label=label,
        unit=unit,
    )


class PcaMetricFactory:
    """AWS/ACMPrivateCA metrics of one CA, by its ARN (a token is fine).

    Each method takes the overrides of `cloudwatch.MetricOptions` that matter here (period,
    statistic, label); the defaults suit the metric (counts summed, latency averaged).
    """

    @staticmethod
    def crl_generated(
        ca_arn: str,
        *,
        period: Duration | None = None,
        statistic: str | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        """CRLs generated. Default: Sum over 1 hour."""
        return _metric(
            PCA_NAMESPACE,
            "CRLGenerated",
            {PRIVATE_CA_ARN_DIMENSION: ca_arn},
            default_statistic="Sum",
            default_period=Duration.hours(1),
            period=period,
            statistic=statistic,
            label=label,
        )

    @staticmethod
    def misconfigured_crl_bucket(
        ca_arn: str,
        *,
        period: Duration | None = None,
        statistic: str | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        """Failed CRL writes to the S3 bucket. Default: Maximum over 1 hour."""
        return _metric(
            PCA_NAMESPACE,
            "MisconfiguredCRLBucket",
            {PRIVATE_CA_ARN_DIMENSION: ca_arn},
            default_statistic="Maximum",
            default_period=Duration.hours(1),
            period=period,
            statistic=statistic,
            label=label,
        )

    @staticmethod
    def issue_certificate_success(
        ca_arn: str,
        *,
        period: Duration | None = None,
        statistic: str | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        """Certificates issued. Default: Sum over 5 minutes."""
        return PcaMetricFactory._issuance("Success", ca_arn, period, statistic or "Sum", label)

    @staticmethod
    def issue_certificate_failure(
        ca_arn: str,
        *,
        period: Duration | None = None,
        statistic: str | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        """Failed IssueCertificate calls. Default: Sum over 5 minutes."""
        return PcaMetricFactory._issuance("Failure", ca_arn, period, statistic or "Sum", label)

    @staticmethod
    def issue_certificate_time(
        ca_arn: str,
        *,
        period: Duration | None = None,
        statistic: str | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        """Milliseconds from an issuance request to its end. Default: Average over 5 minutes."""
        return PcaMetricFactory._issuance(
            "Time", ca_arn, period, statistic or "Average", label, cloudwatch.Unit.MILLISECONDS
        )

    @staticmethod
    def _issuance(
        metric_name: str,
        ca_arn: str,
        period: Duration | None,
        statistic: str,
        label: str | None,
        unit: cloudwatch.Unit | None = None,
    ) -> cloudwatch.Metric:
        return _metric(
            PCA_NAMESPACE,
            metric_name,
            {PRIVATE_CA_ARN_DIMENSION: ca_arn, OPERATION_DIMENSION: ISSUE_CERTIFICATE_OPERATION},
            default_statistic=statistic,
            default_period=Duration.minutes(5),
            period=period,
            statistic=statistic,
            label=label,
            unit=unit,
        )


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
        """Days until the certificate expires; published daily, absent once expired.

        Default: Minimum over 1 day (as aws-cdk's `Certificate.metricDaysToExpiry()`).
        """
        return _metric(
            ACM_NAMESPACE,
            "DaysToExpiry",
            {CERTIFICATE_ARN_DIMENSION: certificate_arn},
            default_statistic="Minimum",
            default_period=Duration.days(1),
            period=period,
            statistic=statistic,
            label=label,
        )
