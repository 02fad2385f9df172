"""What every CA offers, created here or imported by ARN: grants, metrics and its reference.

As aws-cdk's CertificateBase gives created and imported certificates one `metricDaysToExpiry()`,
`CertificateAuthorityBase` gives `PrivateCertificateAuthority` and an imported CA the same API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Unpack

import jsii
from aws_cdk import Resource
from aws_cdk import aws_acmpca as acmpca
from aws_cdk import aws_iam as iam
from aws_cdk.aws_cloudwatch import Metric
from aws_cdk.interfaces import aws_acmpca as acmpca_refs
from constructs import Construct

from cdk_pca.pca_metrics import MetricOverrides, PcaMetricFactory

if TYPE_CHECKING:
    from cdk_pca.crl_bucket import CrlBucket


@jsii.implements(acmpca.ICertificateAuthority)
class CertificateAuthorityBase(Resource):
    """A CA with grants and AWS/ACMPrivateCA metrics; subclasses say where its ARN comes from.

    `certificate_authority_arn` is what anything that issues from the CA uses (for a created CA it
    carries the dependency on the activation); `metrics` is bound to the CA's bare ARN, the value
    of the PrivateCAArn dimension.
    """

    @property
    def certificate_authority_arn(self) -> str:
        raise NotImplementedError

    @property
    def metrics(self) -> PcaMetricFactory:
        """The AWS/ACMPrivateCA metrics of this CA."""
        raise NotImplementedError

    @property
    def certificate_authority_ref(self) -> acmpca_refs.CertificateAuthorityReference:
        return acmpca_refs.CertificateAuthorityReference(
            certificate_authority_arn=self.certificate_authority_arn
        )

    def _grant_crl_write(self, grantee: iam.IGrantable) -> None:
        """RevokeCertificate also needs write access to the CRL bucket, where one is known."""

    def grant_issue(self, grantee: iam.IGrantable) -> iam.Grant:
        """acm-pca:IssueCertificate and GetCertificate on this CA."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["acm-pca:IssueCertificate", "acm-pca:GetCertificate"],
            resource_arns=[self.certificate_authority_arn],
        )

    def grant_revoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """acm-pca:RevokeCertificate, plus the CRL bucket write access PCA requires of the caller."""
        grant = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["acm-pca:RevokeCertificate", "acm-pca:GetCertificate"],
            resource_arns=[self.certificate_authority_arn],
        )
        self._grant_crl_write(grantee)
        return grant

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Describe the CA and read its certificate and CSR."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=[
                "acm-pca:DescribeCertificateAuthority",
                "acm-pca:GetCertificateAuthorityCertificate",
                "acm-pca:GetCertificateAuthorityCsr",
                "acm-pca:ListTags",
            ],
            resource_arns=[self.certificate_authority_arn],
        )

    def metric(self, metric_name: str, **props: Any) -> Metric:
        """Any AWS/ACMPrivateCA metric of this CA (dimension PrivateCAArn)."""
        return self.metrics.metric(metric_name, **props)

    def metric_crl_generated(self, **options: Unpack[MetricOverrides]) -> Metric:
        """CRLs this CA published (Sum over 1 hour unless `options` say otherwise)."""
        return self.metrics.crl_generated(**options)

    def metric_misconfigured_crl_bucket(self, **options: Unpack[MetricOverrides]) -> Metric:
        """Failures to write the CRL to its bucket: any datapoint means clients get a stale CRL."""
        return self.metrics.misconfigured_crl_bucket(**options)

    def metric_issue_certificate_success(self, **options: Unpack[MetricOverrides]) -> Metric:
        """Successful IssueCertificate calls."""
        return self.metrics.issue_certificate_success(**options)

    def metric_issue_certificate_failure(self, **options: Unpack[MetricOverrides]) -> Metric:
        """Failed IssueCertificate calls."""
        return self.metrics.issue_certificate_failure(**options)

    def metric_issue_certificate_time(self, **options: Unpack[MetricOverrides]) -> Metric:
        """IssueCertificate latency."""
        return self.metrics.issue_certificate_time(**options)


class ImportedCertificateAuthority(CertificateAuthorityBase):
    """A CA made elsewhere (another stack, another account through AWS RAM), by its ARN.

    It is ACTIVE already, so its ARN is used as it is. Give `crl_bucket` when this app owns the
    CA's CRL bucket, so that `grant_revoke` includes the write access RevokeCertificate needs.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        certificate_authority_arn: str,
        crl_bucket: CrlBucket | None = None,
    ) -> None:
        super().__init__(scope, construct_id, environment_from_arn=certificate_authority_arn)
        self._arn = certificate_authority_arn
        self.crl_bucket = crl_bucket
        self._metrics = PcaMetricFactory(certificate_authority_arn)

    @property
    def certificate_authority_arn(self) -> str:
        return self._arn

    @property
    def metrics(self) -> PcaMetricFactory:
        return self._metrics

    def _grant_crl_write(self, grantee: iam.IGrantable) -> None:
        if self.crl_bucket is not None:
            self.crl_bucket.grant_crl_write(grantee)
