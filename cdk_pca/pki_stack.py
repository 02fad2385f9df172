"""`PkiStack`: everything one `pki.yaml` describes, in one stack.

Its CAs, CRL bucket, CloudFront distribution, lookups and monitoring live together, so nothing
couples through exports. Construct IDs here fix logical IDs: renaming one replaces a CA.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from aws_cdk import CfnOutput, Stack, Tags
from constructs import Construct

from cdk_pca import rules
from cdk_pca.certificate_authority import (
    CaSubject,
    CrlOptions,
    OcspOptions,
    PrivateCertificateAuthority,
)
from cdk_pca.config import PkiConfig
from cdk_pca.config.alarms import ca_alarm_settings_for_config, canary_schedule_for_config
from cdk_pca.config.organization import RAM_PERMISSIONS, SUBORDINATE_RAM_PERMISSION
from cdk_pca.crl_bucket import CrlBucket, CrlBucketEncryption
from cdk_pca.crl_distribution import CrlDistribution
from cdk_pca.monitoring import MonitoredCa, MonitoredCertificate, PkiMonitoring
from cdk_pca.ocsp_distribution import OcspDistribution
from cdk_pca.revocation_canary import RevocationCanary
from cdk_pca.vocabulary import ca_construct_id, ca_output_key, construct_id_stem

if TYPE_CHECKING:
    from aws_cdk import aws_certificatemanager as acm

    from cdk_pca.certificate_lookup import CertificateLookup


def ca_lookup_tags(pki_name: str, ca_name: str) -> dict[str, str]:
    """The tags by which a stack of another account or region finds a CA of this PKI."""
    return {rules.STACK_TAG_KEY: pki_name, CA_NAME_TAG: ca_name}


CA_NAME_TAG = rules.CA_NAME_TAG


class PkiStack(Stack):
    """The PKI of one config: CAs (parents first), CRL bucket and distribution, outputs.

    ``certificate_authorities`` maps each CA's name in the config to its construct.
    ``ocsp_distribution`` is the OCSP proxy when a CA has a custom OCSP name, else None.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PkiConfig,
        environment: str | None = None,
        cas_of_other_stacks: Mapping[str, PrivateCertificateAuthority] | None = None,
        **kwargs: Any,
    ) -> None:
        """``environment``: build only that environment's CAs (config ``environments``);
        ``cas_of_other_stacks``: parents deployed by the stacks of other environments, by name."""
        if config.environments and environment is None:
            raise ValueError(
                f"PKI {config.name!r} has environments ({', '.join(config.environments)}): build "
                "one PkiStack per environment with cdk_pca.organization_stacks.build_pki_stacks "
                "(or pass environment=), not one stack for all of them"
            )
        kwargs.setdefault(
            "description",
            f"Private PKI {config.name} on AWS Private CA (cdk-pca)"
            + (f", environment {environment}" if environment else ""),
        )
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.pki_environment = environment
        self._cas_of_other_stacks = dict(cas_of_other_stacks or {})
        # File order: the CRL paths and names below keep the order of the single-stack template.
        cas_here = tuple(
            ca
            for ca in config.certificate_authorities
            if environment is None or ca.environment == environment
        )
        Tags.of(self).add(rules.STACK_TAG_KEY, config.name)

        self.crl_bucket: CrlBucket | None = None
        self.crl_distribution: CrlDistribution | None = None
        if any(ca.crl.enabled for ca in cas_here):
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
                        for ca in cas_here
                        if ca.crl.enabled and ca.crl.custom_path
                    ),
                ],
                domain_names=sorted(
                    {
                        ca.crl.custom_cname
                        for ca in cas_here
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

        self.ocsp_distribution: OcspDistribution | None = self._add_ocsp_distribution()

        self.certificate_authorities: dict[str, PrivateCertificateAuthority] = {}
        for ca_config in config.cas_in_issuing_order():
            if environment is None or ca_config.environment == environment:
                self.certificate_authorities[ca_config.name] = self._add_certificate_authority(
                    ca_config
                )
        self.resource_shares = self._add_resource_shares()

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
            pki_name=config.stack_name(
                self.pki_environment
            ),  # see config.alarms.catalog_for_config
            certificate_authorities=[
                MonitoredCa.from_settings(settings, self.certificate_authorities[settings.name])
                for settings in ca_alarm_settings_for_config(config)
                if settings.name in self.certificate_authorities
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

    def _add_ocsp_distribution(self) -> OcspDistribution | None:
        """The proxy that makes the CAs' custom OCSP names answer; None when no CA has one (then
        certificates carry AWS's responder URL, which answers without a proxy)."""
        names = self.config.ocsp_custom_cnames(self.pki_environment)
        if not names:
            return None
        distribution = OcspDistribution(
            self,
            "OcspDistribution",
            domain_names=names,
            certificate=self._cloudfront_certificate(
                "OcspCertificate", self.config.ocsp_certificate_arn(self.pki_environment)
            ),
            log_bucket=self.crl_bucket.access_logs_bucket if self.crl_bucket else None,
        )
        CfnOutput(
            self,
            "OcspDomainName",
            description="CloudFront domain that proxies OCSP to AWS Private CA: point the CAs' "
            f"custom OCSP names ({', '.join(names)}) at it with a DNS CNAME",
            value=distribution.domain_name,
        )
        return distribution

    def _crl_certificate(self) -> acm.ICertificate | None:
        """The us-east-1 certificate for the CRL CNAMEs, if the config names one (for this
        environment's stack: `environments.<environment>.crl_distribution`)."""
        return self._cloudfront_certificate(
            "CrlCertificate", self.config.crl_certificate_arn(self.pki_environment)
        )

    def _cloudfront_certificate(
        self, construct_id: str, arn: str | None
    ) -> acm.ICertificate | None:
        """An imported ACM certificate (the config checked it is in us-east-1), or None."""
        if arn is None:
            return None
        # Imported only here: most configs need no certificate, and every module costs synth time.
        from aws_cdk import aws_certificatemanager

        return aws_certificatemanager.Certificate.from_certificate_arn(self, construct_id, arn)

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
            external_parent=ca_config.external_parent,
            external_certificate=ca_config.certificate_pem,
            external_chain=ca_config.chain_pem,
            acm_renewals=ca_config.acm_renewals,
            tags={
                **(ca_config.tags or {}),
                **({CA_NAME_TAG: ca_config.name} if self.config.environments else {}),
            },
            **self._signer_of(ca_config),
        )
        CfnOutput(
            self,
            ca_output_key(ca_config.name),
            description=f"ARN of the {ca_config.name} CA ({subject.common_name})",
            value=ca.certificate_authority_arn,
        )
        return ca

    # --- organization scale (config `environments:` and `sharing:`) ----------------------------

    def _signer_of(self, ca_config: Any) -> dict[str, Any]:
        """The parent arguments of one CA: an in-stack parent, one of another stack of the same
        account and region (a CloudFormation export), or a remote parent signing through a
        Custom::ParentSignature (another account through RAM, or another region)."""
        config = self.config
        if not ca_config.parent:
            return {}
        if not config.environments:
            return {"parent": self.certificate_authorities[ca_config.parent]}
        # Children may live in other stacks: the template's path length counts them all.
        signer: dict[str, Any] = {"path_len": config.path_len(ca_config)}
        route = config.signing_route(ca_config)
        if route == "local":
            signer["parent"] = self.certificate_authorities[ca_config.parent]
        elif route == "stack":
            signer["parent"] = self._cas_of_other_stacks[ca_config.parent]
        else:
            from cdk_pca.parent_signature import RemoteParent

            parent = config.ca_by_name(ca_config.parent)
            target = config.environments[str(parent.environment)]
            signer["remote_parent"] = RemoteParent(
                name=parent.name,
                account=target.account,
                region=target.region,
                signing_algorithm=parent.effective_signing_algorithm,
                tags=ca_lookup_tags(config.name, parent.name),
            )
        return signer

    def _add_resource_shares(self) -> dict[str, list[Any]]:
        """AWS RAM shares of this stack's CAs: the config's `sharing:`, and a PathLen0 share with
        every account whose CA this CA signs across accounts. One share per permission: RAM
        associates one managed permission per resource type with a share, and the PCA guide has
        two shares of one CA for revocation (https://docs.aws.amazon.com/privateca/latest/userguide/PcaRevokeCert.html)."""
        config = self.config
        shares: dict[str, list[Any]] = {}
        for name, ca in self.certificate_authorities.items():
            ca_config = config.ca_by_name(name)
            wanted: dict[str, list[str]] = {}
            external = False
            if ca_config.sharing is not None:
                external = ca_config.sharing.allow_external_principals
                for permission in ca_config.sharing.permissions:
                    wanted[permission] = list(ca_config.sharing.principals)
            for child in config.children_of(ca_config):
                if config.signing_route(child) == "account":
                    accounts = wanted.setdefault(SUBORDINATE_RAM_PERMISSION, [])
                    account = config.environments[str(child.environment)].account
                    if account not in accounts:
                        accounts.append(account)
            if wanted:
                shares[name] = [
                    self._add_resource_share(name, ca, permission, principals, external)
                    for permission, principals in wanted.items()
                ]
        return shares

    def _add_resource_share(
        self,
        name: str,
        ca: PrivateCertificateAuthority,
        permission: str,
        principals: list[str],
        allow_external_principals: bool,
    ) -> Any:
        from aws_cdk import aws_ram as ram

        label = RAM_PERMISSIONS[permission].label
        return ram.CfnResourceShare(
            self,
            f"{ca_construct_id(name)}Share{label}",
            name=f"{self.stack_name}-{name}-{label}",
            resource_arns=[ca.certificate_authority_arn],
            principals=principals,
            # Managed permission ARNs: arn:<partition>:ram::aws:permission/<name>
            # https://docs.aws.amazon.com/ram/latest/userguide/working-with-sharing-view-permissions.html
            permission_arns=[f"arn:{self.partition}:ram::aws:permission/{permission}"],
            allow_external_principals=allow_external_principals,
        )

    # --- certificate lookups (config `lookups:`) ----------------------------------------------

    def _add_lookups(self) -> dict[str, CertificateLookup]:
        """One CertificateLookup per `lookups:` entry of this stack (with environments: those
        naming its environment), by name.

        Mode synth: the answer comes from cdk.context.json, or is looked up now with the
        caller's credentials and saved there (cdk_pca.lookup_cache). Mode deploy: a custom
        resource looks it up at deploy time, again whenever `-c cdk-pca:lookup-refresh=...`
        changes. Lookup problems surface as ValueError naming the entry, like config errors.
        """
        lookups: dict[str, CertificateLookup] = {}
        here = self.config.lookups_in(self.pki_environment)
        if not here:
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
            if entry not in here:
                continue
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
            construct_id = construct_id_stem(entry.name) + "Lookup"
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
