"""`PkiStack`: everything one `pki.yaml` describes, in one stack.

Its CAs, CRL bucket, CloudFront distribution, lookups and monitoring live together, so nothing
couples through exports. Construct IDs here fix logical IDs: renaming one replaces a CA.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from aws_cdk import CfnOutput, Stack, Tags
from constructs import Construct

from cdk_pca.alarm_catalog import ca_alarm_settings_for_config, canary_schedule_for_config
from cdk_pca.certificate_authority import (
    CaSubject,
    CrlOptions,
    OcspOptions,
    PrivateCertificateAuthority,
)
from cdk_pca.config import PkiConfig
from cdk_pca.crl_bucket import CrlBucket, CrlBucketEncryption
from cdk_pca.crl_distribution import CrlDistribution
from cdk_pca.monitoring import MonitoredCa, MonitoredCertificate, PkiMonitoring
from cdk_pca.revocation_canary import RevocationCanary

if TYPE_CHECKING:
    from aws_cdk import aws_certificatemanager as acm

    from cdk_pca.certificate_lookup import CertificateLookup


def ca_construct_id(ca_name: str) -> str:
    """`issuing-2` -> `Issuing2Ca`. Part of every CA's logical ID: never change this mapping."""
    return "".join(part.capitalize() for part in ca_name.split("-")) + "Ca"


class PkiStack(Stack):
    """The PKI of one config: CAs (parents first), CRL bucket and distribution, outputs.

    ``certificate_authorities`` maps each CA's name in the config to its construct.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, config: PkiConfig, **kwargs: Any
    ) -> None:
        kwargs.setdefault("description", f"Private PKI {config.name} on AWS Private CA (cdk-pca)")
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        Tags.of(self).add("pki", config.name)

        self.crl_bucket: CrlBucket | None = None
        self.crl_distribution: CrlDistribution | None = None
        if any(ca.crl.enabled for ca in config.certificate_authorities):
            self.crl_bucket = CrlBucket(
                self,
                "CrlBucket",
                encryption=cast(CrlBucketEncryption, config.crl_bucket.encryption),
            )
            self.crl_distribution = CrlDistribution(
                self,
                "CrlDistribution",
                crl_bucket=self.crl_bucket,
                crl_paths=[
                    "crl",
                    *(
                        ca.crl.custom_path
                        for ca in config.certificate_authorities
                        if ca.crl.enabled and ca.crl.custom_path
                    ),
                ],
                domain_names=sorted(
                    {
                        ca.crl.custom_cname
                        for ca in config.certificate_authorities
                        if ca.crl.enabled and ca.crl.custom_cname and not ca.crl.omit_extension
                    }
                ),
                certificate=self._crl_certificate(),
            )
            CfnOutput(
                self,
                "CrlDomainName",
                description="CloudFront domain that serves the CRLs (http://<domain>/crl/<ca-id>.crl)",
                value=self.crl_distribution.domain_name,
            )

        self.certificate_authorities: dict[str, PrivateCertificateAuthority] = {}
        for ca_config in config.cas_in_issuing_order():
            self.certificate_authorities[ca_config.name] = self._add_certificate_authority(
                ca_config
            )

        self.certificate_lookups: dict[str, CertificateLookup] = self._add_lookups()

        self.revocation_canary = self._add_revocation_canary()
        self.monitoring = self._add_monitoring()

    # --- revocation canary (config `canary:`, cdk_pca.revocation_canary) ---------------------------
    def _add_revocation_canary(self) -> RevocationCanary | None:
        """One scheduled Lambda checking every CA of the stack as clients do; None when disabled.

        It reads each CA's CRL and OCSP configuration with DescribeCertificateAuthority at run
        time, so it follows the URLs issued certificates carry (custom CNAMEs included).
        """
        minutes = canary_schedule_for_config(self.config)
        if minutes is None:
            return None
        return RevocationCanary(
            self,
            "RevocationCanary",
            certificate_authority_arns=[
                ca.certificate_authority_arn for ca in self.certificate_authorities.values()
            ],
            schedule_minutes=minutes,
        )

    # --- monitoring (cdk_pca.monitoring) ---------------------------------------------------------
    def _add_monitoring(self) -> PkiMonitoring:
        """Alarms, event rules and dashboard for every CA and every certificate the stack knows."""
        config = self.config
        return PkiMonitoring(
            self,
            "Monitoring",
            pki_name=config.name,
            certificate_authorities=[
                MonitoredCa.from_settings(settings, self.certificate_authorities[settings.name])
                for settings in ca_alarm_settings_for_config(config)
            ],
            certificates=[
                MonitoredCertificate(name, lookup.certificate_arn)
                for name, lookup in self.certificate_lookups.items()
            ],
            emails=list(config.notifications.emails),
            days_to_expiry=config.alarms.days_to_expiry,
            canary_schedule_minutes=canary_schedule_for_config(config),
        )

    # --- end of monitoring -----------------------------------------------------------------------

    def _crl_certificate(self) -> acm.ICertificate | None:
        """The us-east-1 certificate for the CRL CNAMEs, if the config names one."""
        arn = self.config.crl_distribution.certificate_arn
        if arn is None:
            return None
        # Imported only here: most configs need no certificate, and every module costs synth time.
        from aws_cdk import aws_certificatemanager

        return aws_certificatemanager.Certificate.from_certificate_arn(self, "CrlCertificate", arn)

    def _add_certificate_authority(self, ca_config: Any) -> PrivateCertificateAuthority:
        crl_config = ca_config.crl
        crl = None
        if crl_config.enabled:
            assert self.crl_distribution is not None
            crl = CrlOptions(
                expiration_days=crl_config.expiration_days,
                # AWS refuses a CNAME with OmitExtension; without the CDP extension in issued
                # certificates no client reads it anyway.
                custom_cname=None
                if crl_config.omit_extension
                else crl_config.custom_cname or self.crl_distribution.domain_name,
                partitioned=crl_config.partitioned,
                custom_path=crl_config.custom_path,
                omit_extension=crl_config.omit_extension,
            )
        ocsp = (
            OcspOptions(custom_cname=ca_config.ocsp.custom_cname)
            if ca_config.ocsp.enabled
            else None
        )
        subject = ca_config.subject
        ca = PrivateCertificateAuthority(
            self,
            ca_construct_id(ca_config.name),
            ca_type=ca_config.type,
            subject=CaSubject(
                common_name=subject.common_name,
                organization=subject.organization,
                organizational_unit=subject.organizational_unit,
                country=subject.country,
                state=subject.state,
                locality=subject.locality,
            ),
            key_algorithm=ca_config.key_algorithm,
            signing_algorithm=ca_config.signing_algorithm,
            validity_days=ca_config.validity_days,
            usage_mode=ca_config.usage_mode,
            key_storage_security_standard=ca_config.key_storage_security_standard,
            crl=crl,
            crl_bucket=self.crl_bucket if crl else None,
            ocsp=ocsp,
            parent=self.certificate_authorities[ca_config.parent] if ca_config.parent else None,
            external_parent=ca_config.external_parent,
            external_certificate=ca_config.certificate_pem,
            external_chain=ca_config.chain_pem,
            acm_renewals=ca_config.acm_renewals,
            tags=dict(ca_config.tags or {}),
        )
        CfnOutput(
            self,
            f"{ca_construct_id(ca_config.name)}Arn",
            description=f"ARN of the {ca_config.name} CA ({subject.common_name})",
            value=ca.certificate_authority_arn,
        )
        return ca

    # --- certificate lookups (config `lookups:`) ----------------------------------------------

    def _add_lookups(self) -> dict[str, CertificateLookup]:
        """One CertificateLookup per `lookups:` entry, by name.

        Mode synth: the answer comes from cdk.context.json, or is looked up now with the
        caller's credentials and saved there (cdk_pca.lookup_cache). Mode deploy: a custom
        resource looks it up at deploy time, again whenever `-c cdk-pca:lookup-refresh=...`
        changes. Lookup problems surface as ValueError naming the entry, like config errors.
        """
        lookups: dict[str, CertificateLookup] = {}
        if not self.config.lookups:
            return lookups
        # Imported only when used: the Lambda-backed construct costs most of a second to import,
        # and the default pki.yaml has no lookups (DESIGN.md synth budget).
        from cdk_pca.certificate_lookup import CertificateLookup, LookupMode
        from cdk_pca.lookup import CertificateLookupError, validate_lookup_arguments
        from cdk_pca.lookup_cache import (
            REFRESH_CONTEXT_KEY,
            LookupCacheError,
            resolve_certificate_lookup,
        )

        refresh = self.node.try_get_context(REFRESH_CONTEXT_KEY)
        for index, entry in enumerate(self.config.lookups):
            label = f"lookups[{index}] ({entry.name})"
            filters: dict[str, Any] = {
                "domain": entry.domain,
                "hostname": entry.hostname,
                "tags": dict(entry.tags),
                "statuses": entry.statuses,
                "types": entry.types,
                "key_types": entry.key_types,
                "most_recent": entry.most_recent,
            }
            match = None
            try:
                if entry.mode == "synth":
                    match = resolve_certificate_lookup(
                        self,
                        filters=validate_lookup_arguments(**filters),
                        account=self.account,
                        region=self.region,
                        label=label,
                    )
            except LookupCacheError as exc:
                raise ValueError(str(exc)) from exc
            except CertificateLookupError as exc:
                raise ValueError(f"{label}: {exc}") from exc
            construct_id = "".join(part.capitalize() for part in entry.name.split("-")) + "Lookup"
            lookup = CertificateLookup(
                self,
                construct_id,
                **filters,
                mode=cast(LookupMode, entry.mode),
                match=match,
                refresh_token=str(refresh)
                if refresh is not None and entry.mode == "deploy"
                else None,
            )
            CfnOutput(
                self,
                f"{construct_id}CertificateArn",
                description=f"ARN of the certificate lookup {entry.name} found ({entry.mode} time)",
                value=lookup.certificate_arn,
            )
            lookups[entry.name] = lookup
        return lookups
