"""`PrivateCertificateAuthority`: one AWS Private CA, its CA certificate and its activation.

A root signs itself; a subordinate is signed by its parent in the same deploy, or by an external CA
in two phases. Its ARN carries the dependency on the activation, so nothing issues from a pending CA.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import jsii
from aws_cdk import (
    CfnOutput,
    Duration,
    IStableStringProducer,
    Lazy,
    Resource,
    Stack,
    Tags,
    Token,
)
from aws_cdk import aws_acmpca as acmpca
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk.interfaces import aws_acmpca as acmpca_refs
from constructs import Construct

from cdk_pca import vocabulary
from cdk_pca.crl_bucket import CRL_OBJECT_ACL, CrlBucket
from cdk_pca.pca_metrics import PCA_NAMESPACE, PRIVATE_CA_ARN_DIMENSION, PcaMetricFactory
from cdk_pca.retention import RETAINED_UNLESS_CREATE_FAILS

if TYPE_CHECKING:
    # Imported when used: the signing Lambda's constructs cost synth time most PKIs never need.
    from cdk_pca.parent_signature import ParentSignature, RemoteParent

CaType = Literal["ROOT", "SUBORDINATE"]
UsageMode = Literal["GENERAL_PURPOSE", "SHORT_LIVED_CERTIFICATE"]

# A DNS host name: labels of letters, digits and hyphens; no scheme, port or path. PCA takes the
# CNAME verbatim into the CDP/AIA URL as http://<cname>/..., so anything else breaks every client.
_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)
_CUSTOM_PATH = re.compile(vocabulary.CRL_CUSTOM_PATH_PATTERN)


@dataclass(frozen=True)
class CaSubject:
    """The CA's distinguished name. Changing any field replaces the CA (a new key)."""

    common_name: str
    organization: str | None = None
    organizational_unit: str | None = None
    country: str | None = None
    state: str | None = None
    locality: str | None = None

    def to_cfn(self) -> acmpca.CfnCertificateAuthority.SubjectProperty:
        return acmpca.CfnCertificateAuthority.SubjectProperty(
            common_name=self.common_name,
            organization=self.organization,
            organizational_unit=self.organizational_unit,
            country=self.country,
            state=self.state,
            locality=self.locality,
        )


@dataclass(frozen=True)
class CrlOptions:
    """Certificate revocation lists, published to a `CrlBucket`.

    :param expiration_days: the CRL's validity (nextUpdate); PCA refreshes it before then. 1..5000.
    :param custom_cname: host name written into the CDP instead of the bucket's S3 URL. With a
        private bucket this must be a name that serves the bucket (the stack passes its
        CloudFront domain when none is given).
    :param partitioned: PARTITIONED CRLs (for CAs issuing more than ~1M certificates).
    :param custom_path: object path in the bucket instead of ``crl/``.
    :param omit_extension: leave the CDP extension out of issued certificates (clients learn the
        CRL's address some other way). AWS refuses it together with ``custom_cname``.
    """

    enabled: bool = True
    expiration_days: int = 7
    custom_cname: str | None = None
    partitioned: bool = False
    custom_path: str | None = None
    omit_extension: bool = False


@dataclass(frozen=True)
class OcspOptions:
    """OCSP answered by AWS (``ocsp.acm-pca.<region>.amazonaws.com``) or a custom CNAME to it."""

    enabled: bool = True
    custom_cname: str | None = None


@jsii.implements(acmpca.ICertificateAuthority)
class PrivateCertificateAuthority(Resource):
    """An AWS Private CA with its CA certificate installed and activated.

    - ``ROOT``: self-signed with RootCACertificate/V1 and activated in the same deploy.
    - ``SUBORDINATE`` with ``parent``: signed by the parent (SubordinateCACertificate_PathLenN/V1,
      N = CA levels below this one, computed as children are added) after the parent's activation,
      and activated with the parent's chain.
    - ``SUBORDINATE`` with ``external_parent=True``: phase 1 creates the CA and outputs its CSR;
      phase 2 (``external_certificate`` and ``external_chain`` given) installs and activates it.

    The CA, its certificate and its activation are retained on delete and on replacement (a
    replaced CA has a new key, and every certificate it issued is orphaned), and deleted only when
    the stack operation that created them rolls back (``cdk_pca.retention``).

    :param ca_type: ``ROOT`` or ``SUBORDINATE``.
    :param subject: the CA's distinguished name.
    :param key_algorithm: any PCA KeyAlgorithm. @default ``RSA_2048``
    :param signing_algorithm: @default derived from the key (e.g. SHA512WITHRSA for RSA_4096).
    :param validity_days: lifetime of the CA certificate.
    :param usage_mode: ``GENERAL_PURPOSE`` or ``SHORT_LIVED_CERTIFICATE``. @default general purpose
    :param key_storage_security_standard: @default PCA's (FIPS 140-2 level 3 where available).
    :param crl: CRL options; requires ``crl_bucket``. @default no CRL.
    :param crl_bucket: the bucket CRLs are published to.
    :param ocsp: OCSP options. @default no OCSP.
    :param parent: the CA in this app that signs this one.
    :param external_parent: signed outside AWS (two-phase activation).
    :param external_certificate: phase 2: the signed CA certificate (PEM).
    :param external_chain: phase 2: the chain up to the external root (PEM).
    :param acm_renewals: let ACM renew the private certificates it issues from this CA.
    :param tags: tags on the CA.
    :param remote_parent: a parent in another account or region, which signs this CA through a
        ``Custom::ParentSignature`` (cdk_pca.parent_signature). @default none
    :param path_len: CA levels below this one, counting those in other stacks. @default the
        children added to this construct
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        ca_type: CaType,
        subject: CaSubject,
        validity_days: int,
        key_algorithm: str = "RSA_2048",
        signing_algorithm: str | None = None,
        usage_mode: UsageMode = "GENERAL_PURPOSE",
        key_storage_security_standard: str | None = None,
        crl: CrlOptions | None = None,
        crl_bucket: CrlBucket | None = None,
        ocsp: OcspOptions | None = None,
        parent: PrivateCertificateAuthority | None = None,
        external_parent: bool = False,
        external_certificate: str | None = None,
        external_chain: str | None = None,
        acm_renewals: bool = False,
        tags: Mapping[str, str] | None = None,
        remote_parent: RemoteParent | None = None,
        path_len: int | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.ca_type: CaType = ca_type
        self.subject = subject
        self.key_algorithm = key_algorithm
        self.signing_algorithm = signing_algorithm or (
            vocabulary.default_signing_algorithm(key_algorithm)
            if key_algorithm in vocabulary.KEY_ALGORITHMS
            else ""
        )
        self.validity_days = validity_days
        self.usage_mode: UsageMode = usage_mode
        self.crl = crl if crl is not None and crl.enabled else None
        self.crl_bucket = crl_bucket
        self.ocsp = ocsp if ocsp is not None and ocsp.enabled else None
        self.parent = parent
        self.external_parent = external_parent
        self.remote_parent = remote_parent
        self._children: list[PrivateCertificateAuthority] = []
        self._min_path_len = path_len or 0
        self.signature: ParentSignature | None = None

        problems = self._check_props(
            key_storage_security_standard=key_storage_security_standard,
            external_certificate=external_certificate,
            external_chain=external_chain,
            tags=tags or {},
        )
        if problems:
            raise ValueError(
                f"{self.node.path}: invalid certificate authority:\n  " + "\n  ".join(problems)
            )
        if parent is not None:
            parent._adopt(self)

        self._resource = acmpca.CfnCertificateAuthority(
            self,
            "Resource",
            type=ca_type,
            key_algorithm=key_algorithm,
            signing_algorithm=self.signing_algorithm,
            subject=subject.to_cfn(),
            usage_mode=usage_mode,
            key_storage_security_standard=key_storage_security_standard,
            revocation_configuration=self._revocation_configuration(),
        )
        self._resource.apply_removal_policy(RETAINED_UNLESS_CREATE_FAILS)
        if crl_bucket is not None and self.crl is not None:
            # PCA writes a test object to the bucket while it creates the CA.
            self._resource.node.add_dependency(crl_bucket.policy)
        for key, value in (tags or {}).items():
            Tags.of(self).add(key, value)

        self.certificate_authority_arn_unactivated: str = self._resource.attr_arn
        self.certificate_signing_request: str = self._resource.attr_certificate_signing_request
        self.ca_certificate_pem: str | None = None
        self.certificate_chain_pem: str | None = None
        self.activation: acmpca.CfnCertificateAuthorityActivation | None = None
        self._activate(external_certificate, external_chain)

        if acm_renewals:
            # ACM renews private certificates only when the CA grants it these three actions.
            # https://docs.aws.amazon.com/privateca/latest/userguide/assign-permissions.html
            permission = acmpca.CfnPermission(
                self,
                "AcmRenewalPermission",
                actions=["IssueCertificate", "GetCertificate", "ListPermissions"],
                certificate_authority_arn=self.certificate_authority_arn,
                principal="acm.amazonaws.com",
                source_account=Stack.of(self).account,
            )
            # Retained like the CA: without it ACM silently stops renewing what the CA issued.
            permission.apply_removal_policy(RETAINED_UNLESS_CREATE_FAILS)
        if external_parent and self.activation is None:
            CfnOutput(
                self,
                "CertificateSigningRequest",
                description=(
                    f"CSR of {subject.common_name}: have the external CA sign it, then deploy again "
                    "with certificate_file and chain_file"
                ),
                value=self.certificate_signing_request,
            )

    # ----------------------------------------------------------------------------- public API

    @property
    def certificate_authority_arn(self) -> str:
        """The CA's ARN, carrying a dependency on its activation (Ref of the activation is the
        CA's ARN: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-acmpca-certificateauthorityactivation.html).
        Before activation (external parent, phase 1) it is the bare ARN."""
        if self.activation is not None:
            return self.activation.ref
        if self.signature is not None:
            return self.signature.certificate_authority_arn
        return self.certificate_authority_arn_unactivated

    @property
    def certificate_authority_ref(self) -> acmpca_refs.CertificateAuthorityReference:
        return acmpca_refs.CertificateAuthorityReference(
            certificate_authority_arn=self.certificate_authority_arn
        )

    @property
    def is_activated(self) -> bool:
        """False only for an externally signed CA whose certificate has not been given yet."""
        return self.activation is not None or self.signature is not None

    @property
    def path_len(self) -> int:
        """How many CA levels are below this one (0 for an issuing CA)."""
        return max((child.path_len + 1 for child in self._children), default=self._min_path_len)

    @property
    def depth(self) -> int:
        """Level in the hierarchy: 1 for a root or an externally signed CA."""
        return 1 if self.parent is None else self.parent.depth + 1

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
        if self.crl_bucket is not None and self.crl is not None:
            self.crl_bucket.grant_crl_write(grantee)
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

    def metric(self, metric_name: str, **props: Any) -> cloudwatch.Metric:
        """Any AWS/ACMPrivateCA metric of this CA (dimension PrivateCAArn)."""
        return cloudwatch.Metric(
            namespace=PCA_NAMESPACE,
            metric_name=metric_name,
            dimensions_map={PRIVATE_CA_ARN_DIMENSION: self.certificate_authority_arn_unactivated},
            **props,
        )

    def metric_crl_generated(
        self,
        *,
        period: Duration | None = None,
        statistic: str | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        """CRLs this CA published (Sum; period, statistic and label may be overridden)."""
        return PcaMetricFactory.crl_generated(
            self.certificate_authority_arn_unactivated,
            period=period,
            statistic=statistic,
            label=label,
        )

    def metric_misconfigured_crl_bucket(
        self,
        *,
        period: Duration | None = None,
        statistic: str | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        """Failures to write the CRL to its bucket: any datapoint means clients get a stale CRL."""
        return PcaMetricFactory.misconfigured_crl_bucket(
            self.certificate_authority_arn_unactivated,
            period=period,
            statistic=statistic,
            label=label,
        )

    def metric_issue_certificate_success(
        self,
        *,
        period: Duration | None = None,
        statistic: str | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        """Successful IssueCertificate calls."""
        return PcaMetricFactory.issue_certificate_success(
            self.certificate_authority_arn_unactivated,
            period=period,
            statistic=statistic,
            label=label,
        )

    def metric_issue_certificate_failure(
        self,
        *,
        period: Duration | None = None,
        statistic: str | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        """Failed IssueCertificate calls."""
        return PcaMetricFactory.issue_certificate_failure(
            self.certificate_authority_arn_unactivated,
            period=period,
            statistic=statistic,
            label=label,
        )

    def metric_issue_certificate_time(
        self,
        *,
        period: Duration | None = None,
        statistic: str | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        """IssueCertificate latency."""
        return PcaMetricFactory.issue_certificate_time(
            self.certificate_authority_arn_unactivated,
            period=period,
            statistic=statistic,
            label=label,
        )

    # ---------------------------------------------------------------------------- internals

    def _check_props(
        self,
        *,
        key_storage_security_standard: str | None,
        external_certificate: str | None,
        external_chain: str | None,
        tags: Mapping[str, str],
    ) -> list[str]:
        """Every problem with the arguments, each naming the argument, its value and what is allowed."""
        problems: list[str] = []

        def allowed(name: str, value: object, options: tuple[str, ...]) -> None:
            if isinstance(value, str) and Token.is_unresolved(value):
                return
            if value not in options:
                problems.append(
                    f"{name}: {value!r} is not allowed; expected one of {', '.join(options)}"
                )

        allowed("ca_type", self.ca_type, vocabulary.CA_TYPES)
        allowed("key_algorithm", self.key_algorithm, vocabulary.KEY_ALGORITHMS)
        if self.key_algorithm in vocabulary.KEY_ALGORITHMS:
            allowed(
                "signing_algorithm",
                self.signing_algorithm,
                vocabulary.signing_algorithms_for(self.key_algorithm),
            )
        allowed("usage_mode", self.usage_mode, vocabulary.USAGE_MODES)
        if key_storage_security_standard is not None:
            allowed(
                "key_storage_security_standard",
                key_storage_security_standard,
                vocabulary.KEY_STORAGE_SECURITY_STANDARDS,
            )
        subject = self.subject
        if not subject.common_name or len(subject.common_name) > 64:
            problems.append(
                f"subject.common_name: {subject.common_name!r} must be 1 to 64 characters"
            )
        if subject.country is not None and not re.fullmatch(r"[A-Za-z]{2}", subject.country):
            problems.append(
                f"subject.country: {subject.country!r} must be a two-letter ISO 3166 code"
            )
        if not isinstance(self.validity_days, int) or self.validity_days < 1:
            problems.append(f"validity_days: {self.validity_days!r} must be a whole number >= 1")

        if self.ca_type == "ROOT" and (self.parent is not None or self.external_parent):
            problems.append("parent: a ROOT CA signs itself; it takes no parent or external_parent")
        signers = (
            (self.parent is not None) + self.external_parent + (self.remote_parent is not None)
        )
        if self.ca_type == "SUBORDINATE" and signers != 1:
            problems.append(
                "parent: a SUBORDINATE CA needs exactly one of parent (a CA in this app), "
                "remote_parent (in another account or region) or external_parent=True"
            )
        if (external_certificate is None) != (external_chain is None):
            problems.append(
                "external_certificate/external_chain: give both (phase 2) or neither (phase 1)"
            )
        if external_certificate is not None and not self.external_parent:
            problems.append("external_certificate: only for a CA with external_parent=True")
        parent = self.parent
        if parent is not None:
            if parent.usage_mode == "SHORT_LIVED_CERTIFICATE":
                problems.append(
                    f"parent: {parent.node.id} is a SHORT_LIVED_CERTIFICATE CA, whose certificates "
                    "last at most 7 days; it cannot sign CA certificates"
                )
            # Signed after its parent, so equal days would still end after the parent expires.
            if self.validity_days >= parent.validity_days:
                problems.append(
                    f"validity_days: {self.validity_days} must be less than the parent's "
                    f"{parent.validity_days}: a CA cannot outlive its issuer"
                )
            if parent.depth + 1 > vocabulary.MAX_HIERARCHY_DEPTH:
                problems.append(
                    f"parent: this CA would be level {parent.depth + 1}; AWS Private CA "
                    f"hierarchies have at most {vocabulary.MAX_HIERARCHY_DEPTH} levels"
                )

        crl = self.crl
        if crl is not None:
            if self.crl_bucket is None:
                problems.append("crl_bucket: required when CRLs are enabled")
            if not 1 <= crl.expiration_days <= 5000:
                problems.append(
                    f"crl.expiration_days: {crl.expiration_days!r} is out of range; allowed 1..5000"
                )
            if crl.custom_cname is not None:
                _check_host_name(problems, "crl.custom_cname", crl.custom_cname)
            if crl.omit_extension and crl.custom_cname is not None:
                # https://docs.aws.amazon.com/privateca/latest/APIReference/API_CrlDistributionPointExtensionConfiguration.html
                problems.append(
                    "crl.omit_extension: cannot be combined with crl.custom_cname; AWS Private CA "
                    "refuses OmitExtension when a custom CNAME is set"
                )
            if crl.custom_path is not None and not _CUSTOM_PATH.fullmatch(crl.custom_path):
                problems.append(
                    f"crl.custom_path: {crl.custom_path!r} is not a valid object path "
                    "(letters, digits and -;?:@&=+$,%_.!~*()' separated by /)"
                )
        if self.ocsp is not None and self.ocsp.custom_cname is not None:
            _check_host_name(problems, "ocsp.custom_cname", self.ocsp.custom_cname)
        for key, value in tags.items():
            if not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
                problems.append(f"tags: key {key!r} must be 1..128 characters, not starting aws:")
            if len(value) > 256:
                problems.append(f"tags.{key}: value is longer than 256 characters")
        return problems

    def _adopt(self, child: PrivateCertificateAuthority) -> None:
        self._children.append(child)
        ancestor: PrivateCertificateAuthority | None = self
        while ancestor is not None:
            if (
                ancestor.ca_type == "SUBORDINATE"
                and ancestor.path_len > vocabulary.MAX_SUBORDINATE_PATH_LEN
            ):
                raise ValueError(
                    f"{ancestor.node.path}: {ancestor.path_len} CA levels below it; "
                    f"AWS Private CA allows at most {vocabulary.MAX_SUBORDINATE_PATH_LEN}"
                )
            ancestor = ancestor.parent

    def _revocation_configuration(
        self,
    ) -> acmpca.CfnCertificateAuthority.RevocationConfigurationProperty | None:
        crl_configuration = None
        if self.crl is not None and self.crl_bucket is not None:
            crl_configuration = acmpca.CfnCertificateAuthority.CrlConfigurationProperty(
                enabled=True,
                expiration_in_days=self.crl.expiration_days,
                s3_bucket_name=self.crl_bucket.bucket_name,
                s3_object_acl=CRL_OBJECT_ACL,
                custom_cname=self.crl.custom_cname,
                crl_type="PARTITIONED" if self.crl.partitioned else "COMPLETE",
                custom_path=self.crl.custom_path,
                crl_distribution_point_extension_configuration=(
                    acmpca.CfnCertificateAuthority.CrlDistributionPointExtensionConfigurationProperty(
                        omit_extension=self.crl.omit_extension
                    )
                ),
            )
        ocsp_configuration = None
        if self.ocsp is not None:
            ocsp_configuration = acmpca.CfnCertificateAuthority.OcspConfigurationProperty(
                enabled=True, ocsp_custom_cname=self.ocsp.custom_cname
            )
        if crl_configuration is None and ocsp_configuration is None:
            return None
        return acmpca.CfnCertificateAuthority.RevocationConfigurationProperty(
            crl_configuration=crl_configuration, ocsp_configuration=ocsp_configuration
        )

    def _activate(self, external_certificate: str | None, external_chain: str | None) -> None:
        parent = self.parent
        if self.ca_type == "ROOT":
            certificate = self._issue_ca_certificate(
                issuer_arn=self._resource.attr_arn,
                signing_algorithm=self.signing_algorithm,
                template_arn=vocabulary.ROOT_CA_TEMPLATE,
            )
            self.ca_certificate_pem = certificate.attr_certificate
            chain = None
        elif self.remote_parent is not None:
            self._sign_by_parent(
                parent=self.remote_parent, signing_algorithm=self.remote_parent.signing_algorithm
            )
            return
        elif parent is not None:
            if parent.activation is None and parent.signature is not None:
                # Signed through a custom resource, the parent has no CloudFormation activation
                # whose chain this CA could be activated with: the same resource signs this one.
                self._sign_by_parent(
                    parent_arn=parent.certificate_authority_arn,
                    signing_algorithm=parent.signing_algorithm,
                )
                return
            if parent.activation is None:
                # The parent waits for an external signature; this CA is created now (its logical
                # ID is fixed from the start) and activated in the deploy that activates the parent.
                return
            # The parent signs, so the signature is of the parent's key family.
            certificate = self._issue_ca_certificate(
                issuer_arn=parent.certificate_authority_arn,
                signing_algorithm=parent.signing_algorithm,
                template_arn=Lazy.string(_SubordinateTemplateArn(self)),
            )
            self.ca_certificate_pem = certificate.attr_certificate
            chain = parent.activation.attr_complete_certificate_chain
        elif external_certificate is not None:
            self.ca_certificate_pem = external_certificate
            chain = external_chain
        else:
            return
        self.certificate_chain_pem = chain
        self.activation = acmpca.CfnCertificateAuthorityActivation(
            self,
            "Activation",
            certificate_authority_arn=self._resource.attr_arn,
            certificate=self.ca_certificate_pem,
            certificate_chain=chain,
            status="ACTIVE",
        )
        # Deleting an activation would disable the CA under every certificate it issued.
        self.activation.apply_removal_policy(RETAINED_UNLESS_CREATE_FAILS)

    def _sign_by_parent(
        self,
        *,
        signing_algorithm: str,
        parent: RemoteParent | None = None,
        parent_arn: str | None = None,
    ) -> None:
        from cdk_pca.parent_signature import ParentSignature

        self.signature = ParentSignature(
            self,
            "ParentSignature",
            certificate_authority_arn=self._resource.attr_arn,
            certificate_signing_request=self._resource.attr_certificate_signing_request,
            signing_algorithm=signing_algorithm,
            template_arn=Lazy.string(_SubordinateTemplateArn(self)),
            validity_days=self.validity_days,
            parent=parent,
            parent_arn=parent_arn,
        )

    def _issue_ca_certificate(
        self, *, issuer_arn: str, signing_algorithm: str, template_arn: str
    ) -> acmpca.CfnCertificate:
        certificate = acmpca.CfnCertificate(
            self,
            "CaCertificate",
            certificate_authority_arn=issuer_arn,
            certificate_signing_request=self._resource.attr_certificate_signing_request,
            signing_algorithm=signing_algorithm,
            template_arn=template_arn,
            validity=acmpca.CfnCertificate.ValidityProperty(type="DAYS", value=self.validity_days),
        )
        certificate.apply_removal_policy(RETAINED_UNLESS_CREATE_FAILS)
        return certificate


@jsii.implements(IStableStringProducer)
class _SubordinateTemplateArn:
    """Resolved at synth, once every child has been added, so the path length counts them all."""

    def __init__(self, ca: PrivateCertificateAuthority) -> None:
        self._ca = ca

    def produce(self) -> str:
        return vocabulary.subordinate_template_arn(self._ca.path_len)


def _check_host_name(problems: list[str], field: str, value: str) -> None:
    if Token.is_unresolved(value):
        return
    if not _HOST_NAME.match(value):
        problems.append(
            f"{field}: {value!r} must be a bare host name such as crl.example.com "
            "(no scheme, port or path)"
        )
