"""`PrivateCertificateAuthority`: one AWS Private CA, its CA certificate and its activation.

A root signs itself; a subordinate is signed by its parent in the same deploy, or by an external CA
in two phases. Its ARN carries the dependency on the activation, so nothing issues from a pending CA.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import jsii
from aws_cdk import (
    CfnOutput,
    IStableStringProducer,
    Lazy,
    Stack,
    Tags,
    Token,
)
from aws_cdk import aws_acmpca as acmpca
from aws_cdk import aws_iam as iam
from constructs import Construct, IValidation

from cdk_pca import rules, vocabulary
from cdk_pca.certificate_authority_base import (
    CertificateAuthorityBase,
    ImportedCertificateAuthority,
)
from cdk_pca.crl_bucket import CRL_OBJECT_ACL, CrlBucket
from cdk_pca.pca_metrics import PcaMetricFactory
from cdk_pca.retention import RETAINED_UNLESS_CREATE_FAILS

if TYPE_CHECKING:
    # Imported when used: the signing Lambda's constructs cost synth time most PKIs never need.
    from cdk_pca.parent_signature import ParentSignature, RemoteParent

CaType = Literal["ROOT", "SUBORDINATE"]
UsageMode = Literal["GENERAL_PURPOSE", "SHORT_LIVED_CERTIFICATE"]


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
class PrivateCertificateAuthority(CertificateAuthorityBase):
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
        self._given_crl, self._given_ocsp = crl, ocsp
        self.crl = crl if crl is not None and crl.enabled else None
        self.crl_bucket = crl_bucket
        self.ocsp = ocsp if ocsp is not None and ocsp.enabled else None
        self.parent = parent
        self.external_parent = external_parent
        self.remote_parent = remote_parent
        self._children: list[PrivateCertificateAuthority] = []
        self._min_path_len = path_len or 0
        self.signature: ParentSignature | None = None

        self.acm_renewals = acm_renewals
        self.key_storage_security_standard = key_storage_security_standard
        problems = self._check_props(
            external_certificate=external_certificate,
            external_chain=external_chain,
            tags=tags or {},
        )
        if problems:
            raise ValueError(
                f"{self.node.path}: invalid certificate authority:\n  " + "\n  ".join(problems)
            )
        # Tags set above the CA (Tags.of(stack), PkiStack's `pki`) count toward its limit too;
        # aspects have applied them by the time validations run.
        self.node.add_validation(_TagLimitValidation(self, dict(tags or {})))
        if parent is not None:
            parent._children.append(self)
        else:
            # The hierarchy rules run once per tree, at synth, when every child has been added.
            self.node.add_validation(_HierarchyValidation(self))

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

    @property
    def metrics(self) -> PcaMetricFactory:
        """The AWS/ACMPrivateCA metrics of this CA, on its bare ARN: metrics need no activation."""
        return PcaMetricFactory(self.certificate_authority_arn_unactivated)

    def _grant_crl_write(self, grantee: iam.IGrantable) -> None:
        if self.crl_bucket is not None and self.crl is not None:
            self.crl_bucket.grant_crl_write(grantee)

    @classmethod
    def from_certificate_authority_arn(
        cls,
        scope: Construct,
        construct_id: str,
        certificate_authority_arn: str,
        *,
        crl_bucket: CrlBucket | None = None,
    ) -> ImportedCertificateAuthority:
        """A CA made elsewhere (e.g. shared from another account), with the same grants, metrics
        and alarms (PkiMonitoring takes it as any ICertificateAuthority)."""
        return ImportedCertificateAuthority(
            scope,
            construct_id,
            certificate_authority_arn=certificate_authority_arn,
            crl_bucket=crl_bucket,
        )

    # ---------------------------------------------------------------------------- internals

    def _check_props(
        self,
        *,
        external_certificate: str | None,
        external_chain: str | None,
        tags: Mapping[str, str],
    ) -> list[str]:
        """Every problem with the arguments (cdk_pca.rules, as the config checks them), each as
        `argument: message`. Values only known at deploy time (tokens) are not checked."""
        problems: list[rules.Problem] = []

        def check(name: str, value: Any, problem: Any) -> None:
            if value is not None and not _unresolved(value):
                message = problem(value)
                if message:
                    problems.append(rules.Problem(tuple(name.split(".")), message))

        def allowed(options: tuple[str, ...]) -> Any:
            return lambda value: rules.choice_problem(value, options)

        check("ca_type", self.ca_type, allowed(vocabulary.CA_TYPES))
        check("key_algorithm", self.key_algorithm, allowed(vocabulary.KEY_ALGORITHMS))
        # Which algorithms fit the key is rules.ca_problems' (below); here only the vocabulary.
        if self.signing_algorithm:  # none is derived for an unknown key_algorithm
            check(
                "signing_algorithm", self.signing_algorithm, allowed(vocabulary.SIGNING_ALGORITHMS)
            )
        check("usage_mode", self.usage_mode, allowed(vocabulary.USAGE_MODES))
        check(
            "key_storage_security_standard",
            self.key_storage_security_standard,
            allowed(vocabulary.KEY_STORAGE_SECURITY_STANDARDS),
        )
        subject = self.subject
        for attribute in rules.SUBJECT_MAX_LENGTHS:
            value = getattr(subject, attribute)
            if attribute == "common_name" and value is None:
                value = ""
            check(f"subject.{attribute}", value, _subject_problem(attribute))
        check("subject.country", subject.country, rules.country_problem)
        check(
            "validity_days",
            self.validity_days,
            lambda days: rules.whole_number_problem(days, rules.VALIDITY_DAYS_RANGE),
        )
        if self.parent is not None and self.remote_parent is not None:
            problems.append(
                rules.Problem(
                    ("remote_parent",),
                    "parent and remote_parent are exclusive: a CA has one issuer, in this app "
                    "(parent) or in another account or region (remote_parent)",
                )
            )
        problems += rules.parentage_problems(
            ca_type=self.ca_type,
            parent_given=self.parent is not None or self.remote_parent is not None,
            external_parent=self.external_parent,
            parent_choices="a CA in this app, or remote_parent in another account or region",
        )
        problems += rules.external_certificate_problems(
            external_parent=self.external_parent,
            given={
                "external_certificate": external_certificate is not None,
                "external_chain": external_chain is not None,
            },
        )
        crl = self.crl
        if crl is not None:
            if self.crl_bucket is None:
                problems.append(rules.Problem(("crl_bucket",), "required when CRLs are enabled"))
            check(
                "crl.expiration_days",
                crl.expiration_days,
                lambda days: rules.whole_number_problem(days, rules.CRL_EXPIRATION_DAYS_RANGE),
            )
            check("crl.custom_cname", crl.custom_cname, rules.host_name_problem)
            check("crl.custom_path", crl.custom_path, rules.crl_custom_path_problem)
        if self.ocsp is not None:
            check("ocsp.custom_cname", self.ocsp.custom_cname, rules.host_name_problem)
        for message in rules.tag_problems(tags, unresolved=_unresolved):
            problems.append(rules.Problem(("tags",), message))
        for text_field, text in self._template_texts(tags):
            check(text_field, text, rules.template_text_problem)
        problems += rules.disabled_revocation_problems(
            crl_enabled=self._given_crl is None or self._given_crl.enabled,
            crl_settings=_changed(self._given_crl, CrlOptions(enabled=False)),
            ocsp_enabled=self._given_ocsp is None or self._given_ocsp.enabled,
            ocsp_settings=_changed(self._given_ocsp, OcspOptions(enabled=False)),
        )
        problems += rules.ca_problems(self._facts())
        return [f"{rules.field_path(p.field)}: {p.message}" for p in problems]

    def _template_texts(self, tags: Mapping[str, str]) -> list[tuple[str, Any]]:
        """The strings this CA copies into the template: each must be plain text."""
        subject = [(f"subject.{k}", v) for k, v in vars(self.subject).items()]
        return subject + [(f"tags.{key}", value) for key, value in tags.items()]

    def _facts(self) -> rules.CaFacts:
        """This CA's arguments as the rules read them: a token is unknown (None)."""

        def known(value: Any) -> Any:
            return None if value is None or _unresolved(value) else value

        region = Stack.of(self).region
        return rules.CaFacts(
            usage_mode=known(self.usage_mode),
            key_algorithm=known(self.key_algorithm),
            signing_algorithm=known(self.signing_algorithm) or None,
            key_storage=known(self.key_storage_security_standard),
            key_storage_given=self.key_storage_security_standard is not None,
            region=known(region),
            validity_days=known(self.validity_days),
            acm_renewals=self.acm_renewals,
            crl_enabled=self.crl is not None,
            crl_custom_cname_given=self.crl is not None and self.crl.custom_cname is not None,
            crl_omit_extension=self.crl is not None and self.crl.omit_extension,
        )

    def _hierarchy_node(self, parent: rules.CaNode | None = None) -> list[rules.CaNode]:
        """This CA and every CA below it as hierarchy-rule nodes, parents first."""
        validity = self.validity_days
        node = rules.CaNode(
            key=self,
            name=self.node.id,
            validity_days=None if _unresolved(validity) else validity,
            usage_mode=self.usage_mode,
            external_parent=self.external_parent,
            subject=_known_subject(self.subject),
            parent=parent,
        )
        nodes = [node]
        for child in self._children:
            nodes += child._hierarchy_node(node)
        return nodes

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
                custom_cname=_as_dns_name(self.crl.custom_cname),
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
                enabled=True, ocsp_custom_cname=_as_dns_name(self.ocsp.custom_cname)
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
        # Tokens are resolved before validation runs (CDK looks for cross-stack references): a
        # hierarchy too deep fails in _HierarchyValidation, with its path, not here.
        return vocabulary.subordinate_template_arn(
            min(self._ca.path_len, vocabulary.MAX_SUBORDINATE_PATH_LEN)
        )


def _unresolved(value: Any) -> bool:
    """A value only known at deploy time (a CfnParameter, an attribute): not checked at synth."""
    return bool(Token.is_unresolved(value))


def _known_subject(subject: CaSubject) -> dict[str, str] | None:
    """The subject's attributes, or None when one is only known at deploy time."""
    given = {k: v for k, v in vars(subject).items() if v is not None}
    return None if any(_unresolved(v) for v in given.values()) else given


def _changed(options: Any, defaults: Any) -> list[str]:
    """The settings of `options` that differ from `defaults` (none when `options` is None)."""
    if options is None:
        return []
    return [
        name
        for name, value in vars(options).items()
        if name != "enabled" and value != getattr(defaults, name)
    ]


def _as_dns_name(name: str | None) -> str | None:
    """The name as the rules normalise it (A-label, no root dot), as the config hands it over."""
    if name is None or _unresolved(name):
        return name
    return rules.host_name(name)[0] or name


def _subject_problem(attribute: str) -> Any:
    return lambda value: rules.subject_text_problem(attribute, value)


@jsii.implements(IValidation)
class _TagLimitValidation:
    """The CA's tags as CloudFormation gets them, its own and those set above it, within the
    limit (cdk_pca.rules.tag_problems)."""

    def __init__(self, ca: PrivateCertificateAuthority, own: dict[str, str]) -> None:
        self._ca = ca
        self._own = own

    def validate(self) -> list[str]:
        rendered = self._ca._resource.tags.tag_values()
        added = [key for key in rendered if key not in self._own]
        if len(self._own) + len(added) <= rules.MAX_TAGS:
            return []
        return [
            f"{self._ca.node.path}: tags: {message}"
            for message in rules.tag_problems(self._own, added=added, unresolved=_unresolved)
        ]


@jsii.implements(IValidation)
class _HierarchyValidation:
    """The hierarchy rules (cdk_pca.rules.hierarchy_problems) over one tree, at synth: every
    child is known then. Each problem names the CA's construct path and its argument."""

    def __init__(self, top: PrivateCertificateAuthority) -> None:
        self._top = top

    def validate(self) -> list[str]:
        found = rules.hierarchy_problems(self._top._hierarchy_node())
        return [
            f"{item.node.key.node.path}: {rules.field_path(item.problem.field)}: "
            f"{item.problem.message}"
            for item in found
        ]
