"""The validated PKI config: frozen pydantic models whose attribute names are the YAML keys.

The stack is built from these (`config.certificate_authorities[0].crl.expiration_days`).
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from cdk_pca import rules, vocabulary
from cdk_pca.config import certificates, organization
from cdk_pca.config.errors import ConfigError, ConfigProblem
from cdk_pca.config.fields import (
    MAX_CA_NAME_LENGTH,
    NON_EMPTY,
    AccountId,
    Country,
    Email,
    Flag,
    Region,
    ResourceTags,
    TagFilter,
    crl_path,
    host_name,
    one_of,
    pattern,
    subject_text,
    text_pattern,
    whole_number,
)
from cdk_pca.config.rules import check_rules

CaName = Annotated[
    str,
    pattern(
        r"[a-z0-9-]+",
        1,
        MAX_CA_NAME_LENGTH,
        f"lowercase letters, digits and '-' (at most {MAX_CA_NAME_LENGTH} characters)",
    ),
]
LookupName = Annotated[str, pattern(r"[a-z0-9-]+", 1, 64, "lowercase letters, digits and '-'")]
StackName = Annotated[str, text_pattern(rules.PKI_NAME)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SubjectConfig(_Model):
    """The CA's X.500 name (ACM PCA ASN1Subject): create-only, changing it replaces the CA."""

    common_name: Annotated[str, subject_text("common_name")]
    organization: Annotated[str, subject_text("organization")] | None = None
    organizational_unit: Annotated[str, subject_text("organizational_unit")] | None = None
    country: Country | None = None
    state: Annotated[str, subject_text("state")] | None = None
    locality: Annotated[str, subject_text("locality")] | None = None


class CrlConfig(_Model):
    """CRL publication. Off unless `enabled: true`, as in ACM PCA, where Enabled is required."""

    enabled: Flag = False
    expiration_days: Annotated[int, whole_number(rules.CRL_EXPIRATION_DAYS_RANGE)] = (
        rules.DEFAULT_CRL_EXPIRATION_DAYS
    )
    custom_cname: Annotated[str, host_name()] | None = None
    partitioned: Flag = False
    custom_path: Annotated[str, crl_path()] | None = None
    omit_extension: Flag = False


class OcspConfig(_Model):
    """AWS-managed OCSP responder; `custom_cname` puts your own name in issued certificates."""

    enabled: Flag = False
    custom_cname: Annotated[str, host_name()] | None = None


EnvironmentName = Annotated[
    str,
    pattern(r"[a-z0-9-]+", 1, 32, "lowercase letters, digits and '-' (at most 32 characters)"),
]
RamPermissionName = Annotated[str, one_of(tuple(organization.RAM_PERMISSIONS))]
SharePrincipal = Annotated[str, PlainValidator(organization.check_share_principal)]


# CloudFront takes certificates for alternate domain names only from ACM in us-east-1.
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html
CloudFrontCertificateArn = Annotated[
    str,
    pattern(
        r"arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate/[0-9a-f-]{36}",
        20,
        2048,
        "an ACM certificate ARN in us-east-1 (arn:aws:acm:us-east-1:ACCOUNT:certificate/ID): "
        "CloudFront takes certificates only from there",
    ),
]


class CrlDistributionConfig(_Model):
    """The CloudFront distribution that serves the CRLs. With `certificate_arn` (covering every
    CA's crl.custom_cname), those names become its alternate domain names; without it CloudFront
    answers 403 to them, and only the distribution's own domain serves the CRLs."""

    certificate_arn: CloudFrontCertificateArn | None = None


class OcspDistributionConfig(_Model):
    """The CloudFront distribution that proxies the CAs' custom OCSP names to AWS's responder (it
    exists when a CA has ocsp.custom_cname). With `certificate_arn` (covering every such name), the
    names become its alternate domain names; without it CloudFront answers 403 to them."""

    certificate_arn: CloudFrontCertificateArn | None = None


class EnvironmentConfig(_Model):
    """One deployment target under `environments:`: the stack `<name>-<environment>` goes here."""

    account: AccountId
    region: Annotated[Region, PlainValidator(organization.check_pca_region)]
    # This stack's CloudFront certificates (the top-level keys serve a single stack only): an
    # ACM certificate in us-east-1 of this environment's account (config.organization).
    crl_distribution: CrlDistributionConfig = CrlDistributionConfig()
    ocsp_distribution: OcspDistributionConfig = OcspDistributionConfig()


class SharingConfig(_Model):
    """An AWS RAM share of one CA: one AWS::RAM::ResourceShare per managed permission."""

    principals: Annotated[tuple[SharePrincipal, ...], NON_EMPTY]
    permissions: Annotated[tuple[RamPermissionName, ...], NON_EMPTY] = (
        organization.DEFAULT_RAM_PERMISSION,
    )
    allow_external_principals: Flag = False


class CertificateAuthorityConfig(_Model):
    """One CA of the hierarchy, as written under `certificate_authorities:`."""

    name: CaName
    type: Annotated[str, one_of(vocabulary.CA_TYPES)]
    parent: CaName | None = None
    external_parent: Flag = False
    subject: SubjectConfig
    key_algorithm: Annotated[str, one_of(vocabulary.KEY_ALGORITHMS)]
    signing_algorithm: Annotated[str, one_of(vocabulary.SIGNING_ALGORITHMS)] | None = None
    # After key_algorithm: the file checks compare the certificate's key with it.
    certificate_file: Path | None = None
    chain_file: Path | None = None
    validity_days: Annotated[int, whole_number(rules.VALIDITY_DAYS_RANGE)]
    usage_mode: Annotated[str, one_of(vocabulary.USAGE_MODES)] = "GENERAL_PURPOSE"
    key_storage_security_standard: (
        Annotated[str, one_of(vocabulary.KEY_STORAGE_SECURITY_STANDARDS)] | None
    ) = None
    tags: ResourceTags = Field(default_factory=dict)
    crl: CrlConfig = CrlConfig()
    ocsp: OcspConfig = OcspConfig()
    acm_renewals: Flag = False
    # Organization scale (cdk_pca.config.organization): where the CA lives, and who may use it.
    environment: EnvironmentName | None = None
    sharing: SharingConfig | None = None
    # Where the placement record (cdk_pca.config.placements) says the CA was: declares a move,
    # and the replacement it means, intended.
    moved_from: EnvironmentName | None = None

    _certificate_pem: str | None = PrivateAttr(default=None)
    _chain_pem: str | None = PrivateAttr(default=None)

    @field_validator("certificate_file", "chain_file", mode="plain")
    @classmethod
    def _check_pem_file(cls, value: Any, info: ValidationInfo) -> Path | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise ValueError(f"{value!r} is not a file name; expected a path to a PEM file")
        base_dir = Path((info.context or {}).get("base_dir", "."))
        path = (base_dir / value).resolve()
        found = certificates.read_pem_certificates(path, label=f"{info.field_name} {value!r}")
        if info.field_name == "certificate_file":
            if len(found) != 1:
                raise ValueError(
                    f"certificate_file {value!r} holds {len(found)} certificates; expected "
                    "exactly this CA's certificate (put the issuers in chain_file)"
                )
            key_algorithm = info.data.get("key_algorithm")
            mismatch = certificates.key_matches(found[0], key_algorithm) if key_algorithm else None
            if mismatch:
                raise ValueError(f"certificate_file {value!r}: {mismatch}")
        signed = info.data.get("certificate_file")
        if info.field_name == "chain_file" and isinstance(signed, Path):
            certificate = certificates.read_pem_certificates(signed, label="certificate_file")[0]
            if not certificates.issued_by(certificate, found[0]):
                raise ValueError(
                    f"chain_file {value!r} does not start with the issuer of certificate_file: "
                    "its first certificate must be the one that signed this CA"
                )
        return path

    @model_validator(mode="after")
    def _read_pem_files(self) -> CertificateAuthorityConfig:
        if self.certificate_file is not None:
            self._certificate_pem = certificates.pem_text(self.certificate_file)
        if self.chain_file is not None:
            self._chain_pem = certificates.pem_text(self.chain_file)
        return self

    @property
    def effective_signing_algorithm(self) -> str:
        """`signing_algorithm`, or the default for the key (vocabulary) when it is absent."""
        return self.signing_algorithm or vocabulary.default_signing_algorithm(self.key_algorithm)

    @property
    def certificate_pem(self) -> str | None:
        """The signed CA certificate of phase 2 (external parent), as PEM text."""
        return self._certificate_pem

    @property
    def chain_pem(self) -> str | None:
        """The external issuers' chain of phase 2, as PEM text."""
        return self._chain_pem

    @property
    def is_root(self) -> bool:
        return self.type == "ROOT"

    @property
    def monthly_cost_usd(self) -> int:
        """Rough list price of this CA per month (vocabulary.MONTHLY_COST_USD)."""
        return vocabulary.MONTHLY_COST_USD[self.usage_mode]


class NotificationsConfig(_Model):
    """Who the alarm topic e-mails (the topic exists either way). No DNS lookups are made."""

    emails: tuple[Email, ...] = ()


class CrlBucketConfig(_Model):
    """The shared CRL bucket. SSE_KMS makes a customer-managed key (aws/s3 is refused by PCA)."""

    encryption: Annotated[str, one_of(("SSE_S3", "SSE_KMS"))] = "SSE_S3"


AcmStatuses = Annotated[
    tuple[Annotated[str, one_of(vocabulary.ACM_CERTIFICATE_STATUSES)], ...], NON_EMPTY
]
AcmTypes = Annotated[
    tuple[Annotated[str, one_of(vocabulary.ACM_CERTIFICATE_TYPES)], ...], NON_EMPTY
]
AcmKeyTypes = Annotated[tuple[Annotated[str, one_of(vocabulary.ACM_KEY_TYPES)], ...], NON_EMPTY]


class LookupConfig(_Model):
    """An ACM certificate to find, with cdk_pca.lookup.find_certificate's filters."""

    name: LookupName
    domain: Annotated[str, host_name(wildcard=True)] | None = None
    hostname: Annotated[str, host_name()] | None = None
    tags: TagFilter = Field(default_factory=dict)
    statuses: AcmStatuses | None = None  # None: find_certificate's default, ISSUED
    types: AcmTypes | None = None
    key_types: AcmKeyTypes | None = None  # None: every key type
    most_recent: Flag = False
    mode: Annotated[str, one_of(("deploy", "synth"))] = "deploy"
    # With `environments`: the stack the lookup is built in (its account and region).
    environment: EnvironmentName | None = None


class IssuanceFailureAlarmConfig(_Model):
    """Alarm on IssueCertificate Failure: `threshold` failures within `period_minutes`."""

    threshold: Annotated[int, whole_number(rules.ISSUANCE_FAILURE_THRESHOLD_RANGE)] = 1
    period_minutes: Annotated[int, whole_number(rules.ISSUANCE_FAILURE_PERIOD_MINUTES_RANGE)] = 5


class CaAlarmsConfig(_Model):
    """Per-CA alarm overrides under `alarms.certificate_authorities.<ca name>`."""

    enabled: Flag = True
    issuance_failures: IssuanceFailureAlarmConfig | None = None


class AlarmsConfig(_Model):
    """Alarm thresholds; the monitoring construct reads them."""

    days_to_expiry: Annotated[int, whole_number(rules.DAYS_TO_EXPIRY_RANGE)] = 30
    issuance_failures: IssuanceFailureAlarmConfig = IssuanceFailureAlarmConfig()
    certificate_authorities: dict[CaName, CaAlarmsConfig] = Field(default_factory=dict)
    # CA certificate lifecycle (cdk_pca.ca_lifecycle): `cdk-pca plan` warns, and the canary's
    # ca-certificate-expiring alarm fires, this many days before a CA's rotate-by date.
    ca_rotation_warning_days: Annotated[int, whole_number(rules.VALIDITY_DAYS_RANGE)] = (
        vocabulary.DEFAULT_ROTATION_WARNING_DAYS
    )
    # The longest end-entity certificate an issuing CA must still be able to sign.
    end_entity_validity_days: Annotated[int, whole_number(rules.VALIDITY_DAYS_RANGE)] = (
        vocabulary.DEFAULT_END_ENTITY_VALIDITY_DAYS
    )

    def enabled_for(self, ca_name: str) -> bool:
        """False when `alarms.certificate_authorities.<ca_name>.enabled` is false."""
        override = self.certificate_authorities.get(ca_name)
        return override is None or override.enabled

    def issuance_failures_for(self, ca_name: str) -> IssuanceFailureAlarmConfig | None:
        """The CA's issuance failure alarm settings (override over defaults), None if disabled."""
        override = self.certificate_authorities.get(ca_name)
        if override is None:
            return self.issuance_failures
        if not override.enabled:
            return None
        if override.issuance_failures is None:
            return self.issuance_failures
        given = override.issuance_failures.model_dump(exclude_unset=True)
        return self.issuance_failures.model_copy(update=given)


class CanaryConfig(_Model):
    """The revocation canary: a scheduled Lambda that checks every CA's CRL and OCSP as clients do."""

    enabled: Flag = True
    schedule_minutes: Annotated[int, whole_number(vocabulary.CANARY_SCHEDULE_MINUTES_RANGE)] = (
        vocabulary.DEFAULT_CANARY_SCHEDULE_MINUTES
    )


# Sections a user may leave empty (`lookups:` with its entries commented out) mean "none".
_EMPTY_MEANS_DEFAULT = (
    "notifications",
    "lookups",
    "alarms",
    "crl_bucket",
    "crl_distribution",
    "ocsp_distribution",
    "environments",
    "canary",
)


class PkiConfig(_Model):
    """A whole `pki.yaml`: one PkiStack."""

    name: StackName
    account: AccountId | None = None
    region: Region | None = None
    notifications: NotificationsConfig = NotificationsConfig()
    certificate_authorities: Annotated[tuple[CertificateAuthorityConfig, ...], NON_EMPTY]
    lookups: tuple[LookupConfig, ...] = ()
    alarms: AlarmsConfig = AlarmsConfig()
    crl_bucket: CrlBucketConfig = CrlBucketConfig()
    crl_distribution: CrlDistributionConfig = CrlDistributionConfig()
    ocsp_distribution: OcspDistributionConfig = OcspDistributionConfig()
    # Without environments: one stack named `name`; with them, one stack per environment.
    environments: dict[EnvironmentName, EnvironmentConfig] = Field(default_factory=dict)
    canary: CanaryConfig = CanaryConfig()

    @field_validator(*_EMPTY_MEANS_DEFAULT, mode="before")
    @classmethod
    def _empty_section(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name is not None:
            field = cls.model_fields[info.field_name]
            return field.get_default(call_default_factory=True)
        return value

    @model_validator(mode="after")
    def _check_rules(self) -> PkiConfig:
        problems = check_rules(self.model_dump(exclude_unset=True))
        problems += self._children_outliving_imported_certificates()
        if problems:
            raise ConfigError(problems)
        return self

    def _children_outliving_imported_certificates(self) -> list[ConfigProblem]:
        """Phase 2: CAs below an imported certificate are signed now and must end before it."""
        problems: list[ConfigProblem] = []
        for ca in self.certificate_authorities:
            if ca.certificate_pem is None:
                continue
            expires = certificates.not_after(ca.certificate_pem)
            days_left = (expires - datetime.datetime.now(datetime.UTC)).days
            for index, child in enumerate(self.certificate_authorities):
                if child.parent == ca.name and child.validity_days >= days_left:
                    problems.append(
                        ConfigProblem.at(
                            ("certificate_authorities", index, "validity_days"),
                            f"{child.validity_days} days would outlive the imported certificate "
                            f"of its parent {ca.name!r}, which expires on {expires:%Y-%m-%d} "
                            f"({days_left} days from now); AWS Private CA rejects it at deploy",
                        )
                    )
        return problems

    # --- the hierarchy, for the stack and the plan -------------------------------------------

    def ca_by_name(self, name: str) -> CertificateAuthorityConfig:
        for ca in self.certificate_authorities:
            if ca.name == name:
                return ca
        known = ", ".join(ca.name for ca in self.certificate_authorities)
        raise KeyError(f"no certificate authority named {name!r}; known: {known}")

    def parent_of(self, ca: CertificateAuthorityConfig) -> CertificateAuthorityConfig | None:
        """The in-file parent (None for a root or a CA under an external parent)."""
        return self.ca_by_name(ca.parent) if ca.parent else None

    def children_of(
        self, ca: CertificateAuthorityConfig | str
    ) -> tuple[CertificateAuthorityConfig, ...]:
        name = ca if isinstance(ca, str) else ca.name
        return tuple(child for child in self.certificate_authorities if child.parent == name)

    def top_level_cas(self) -> tuple[CertificateAuthorityConfig, ...]:
        """Roots and CAs under an external parent: the tops of the trees in this file."""
        return tuple(ca for ca in self.certificate_authorities if ca.parent is None)

    def path_len(self, ca: CertificateAuthorityConfig | str) -> int:
        """How many CA levels are below this CA (0 for an issuing CA): its pathLenConstraint."""
        children = self.children_of(ca)
        return 1 + max(self.path_len(child) for child in children) if children else 0

    def level(self, ca: CertificateAuthorityConfig) -> int:
        """1 for a top-level CA, 2 for its children, and so on."""
        parent = self.parent_of(ca)
        return 1 if parent is None else 1 + self.level(parent)

    def cas_in_issuing_order(self) -> tuple[CertificateAuthorityConfig, ...]:
        """Level by level, file order within a level: every CA comes after its parent."""
        return tuple(sorted(self.certificate_authorities, key=self.level))

    def ocsp_custom_cnames(self, environment: str | None = None) -> tuple[str, ...]:
        """The custom OCSP names of the CAs with OCSP on (of `environment`'s stack, when given),
        sorted: what that stack's OCSP distribution serves."""
        return tuple(
            sorted(
                {
                    ca.ocsp.custom_cname
                    for ca in self.certificate_authorities
                    if ca.ocsp.enabled
                    and ca.ocsp.custom_cname
                    and (environment is None or ca.environment == environment)
                }
            )
        )

    @property
    def monthly_cost_usd(self) -> int:
        return sum(ca.monthly_cost_usd for ca in self.certificate_authorities)

    # --- organization scale: environments ------------------------------------------------------

    def lookups_in(self, environment: str | None) -> tuple[LookupConfig, ...]:
        """The lookups of one environment's stack; every lookup for None (the single stack)."""
        return tuple(
            lookup
            for lookup in self.lookups
            if environment is None or lookup.environment == environment
        )

    def crl_certificate_arn(self, environment: str | None = None) -> str | None:
        """The CRL distribution's certificate of the single stack, or of `environment`'s."""
        section = (
            self.environments[environment].crl_distribution
            if environment
            else self.crl_distribution
        )
        return section.certificate_arn

    def ocsp_certificate_arn(self, environment: str | None = None) -> str | None:
        """The OCSP distribution's certificate of the single stack, or of `environment`'s."""
        section = (
            self.environments[environment].ocsp_distribution
            if environment
            else self.ocsp_distribution
        )
        return section.certificate_arn

    def stack_name(self, environment: str | None = None) -> str:
        """`name` without environments; `<name>-<environment>` for one of them."""
        return f"{self.name}-{environment}" if environment else self.name

    def cas_in(self, environment: str) -> tuple[CertificateAuthorityConfig, ...]:
        """The CAs of one environment, in issuing order."""
        return tuple(ca for ca in self.cas_in_issuing_order() if ca.environment == environment)

    def environments_in_deploy_order(self) -> tuple[str, ...]:
        """Environments ordered so that each comes after every environment holding a parent of
        one of its CAs (the order `cdk deploy --all` follows through stack dependencies): a
        topological order, ties broken by the level of the environment's first CA, then name.
        The config refuses environments that wait for each other, so the order exists."""
        first_level: dict[str, int] = {}
        waits_for: dict[str, set[str]] = {name: set() for name in self.environments}
        for ca in self.cas_in_issuing_order():
            if ca.environment is None:
                continue
            first_level.setdefault(ca.environment, self.level(ca))
            parent = self.parent_of(ca)
            if parent is not None and parent.environment not in (None, ca.environment):
                waits_for[ca.environment].add(str(parent.environment))
        order: list[str] = []
        remaining = sorted(self.environments, key=lambda name: (first_level.get(name, 0), name))
        while remaining:
            ready = next(
                (name for name in remaining if waits_for[name] <= set(order)), remaining[0]
            )
            order.append(ready)
            remaining.remove(ready)
        return tuple(order)

    def signing_route(self, ca: CertificateAuthorityConfig) -> str:
        """How this CA's parent signs it: `local` (same stack), `stack` (another stack of the
        same account and region), `account` (another account, same region, through RAM) or
        `region` (same account, another region)."""
        parent = self.parent_of(ca)
        if parent is None or parent.environment == ca.environment or not self.environments:
            return "local"
        here = self.environments[str(ca.environment)]
        there = self.environments[str(parent.environment)]
        if here.account != there.account:
            return "account"
        if here.region != there.region:
            return "region"
        return "stack"
