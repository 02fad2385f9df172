"""CertificateAuthorityLookup: an existing AWS Private CA, found by tags, common name, status and
owner (this account, or shared with it through AWS RAM), for a stack to issue from.

The certificate lookup's twin: mode `synth` takes an answer found before synthesis; mode `deploy`
looks up at deploy time through a Custom::CertificateAuthorityLookup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_pca.certificate_authority_base import ImportedCertificateAuthority
from cdk_pca.certificate_lookup import (
    _LAMBDA_FILES as LOOKUP_LAMBDA_FILES,
)
from cdk_pca.certificate_lookup import (
    LAMBDA_TIMEOUT,
    LookupMode,
    LookupProviderBase,
    _checked,
    lookup_resource,
    package_function,
    provider_role,
    synth_answer,
)
from cdk_pca.lookup import (
    CertificateAuthorityFilters,
    CertificateAuthorityMatch,
    validate_ca_lookup_arguments,
)
from cdk_pca.parent_signature import _acknowledged

RESOURCE_TYPE = "Custom::CertificateAuthorityLookup"
PROVIDER_ID = "CertificateAuthorityLookupProvider"
HANDLER = "cdk_pca.runtime.ca_lookup_handler.handler"
# The certificate lookup's files (the selection rules, and the handler that answers CloudFormation),
# plus this lookup's handler: one copy of the rules for the CLI and both Lambdas.
_LAMBDA_FILES = (*LOOKUP_LAMBDA_FILES, "runtime/ca_lookup_handler.py")


class CertificateAuthorityLookup(Construct):
    """A private CA found by ``cdk_pca.lookup.find_certificate_authority``'s rules, as values.

    The filters (``tags``, ``common_name``, ``statuses`` default ACTIVE, ``owner`` SELF,
    OTHER_ACCOUNTS or None for both) are validated here, at synth time, by the rule the CLI's
    ``lookup-ca`` uses. Zero or several matching CAs fail: the synth in mode synth, the deploy in
    mode deploy, naming the candidates.

    - ``mode="synth"``: ``match`` is the answer, found before synthesis (the app caches it in
      cdk.context.json, see ``cdk_pca.lookup_cache.resolve_certificate_authority_lookup``); the
      template holds plain strings.
    - ``mode="deploy"``: a ``Custom::CertificateAuthorityLookup`` runs the lookup when the stack is
      deployed and the filters (or ``refresh_token``) changed; the values are ``Fn::GetAtt``
      tokens. All CA lookups of a stack share one Lambda function.

    Values: ``certificate_authority_arn``, ``common_name`` ('' when the subject has none),
    ``status``, ``type``, ``owner_account``, ``not_after`` (ISO 8601, '' when unknown), and
    ``certificate_authority``, an ``ICertificateAuthority`` (with this library's grants and
    metrics) to issue from.

    The CA certificate and chain (PEM) are not offered. CloudFormation refuses a custom resource
    response larger than 4,096 bytes
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html), and
    one RSA-4096 CA certificate is about 1,950 bytes of PEM (measured): an issuing CA's certificate
    with its chain does not fit, and an answer that fits for one CA and not for the next (a deeper
    hierarchy, a renewal) would fail a deploy without warning. Synth mode keeps the same values, so
    that the two modes are interchangeable; ``cdk-pca lookup-ca --json`` prints the PEM bodies.

    :param match: the answer (``CertificateAuthorityMatch`` or its ``to_dict()``); mode synth only.
    :param refresh_token: deploy mode: any string; change it to run the lookup again on the next
        deploy (CloudFormation calls a custom resource only when its properties change).
        @default none: the lookup runs when it is created and when its filters change.
    :param log_retention: deploy mode: retention of the shared Lambda's logs. @default 3 months.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tags: Mapping[str, str] | None = None,
        common_name: str | None = None,
        statuses: Iterable[str] | None = None,
        owner: str | None = None,
        mode: LookupMode = "deploy",
        match: CertificateAuthorityMatch | Mapping[str, Any] | None = None,
        refresh_token: str | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.THREE_MONTHS,
    ) -> None:
        super().__init__(scope, construct_id)
        self.filters: CertificateAuthorityFilters = _checked(
            self,
            lambda: validate_ca_lookup_arguments(
                tags=tags, common_name=common_name, statuses=statuses, owner=owner
            ),
        )
        self.mode: LookupMode = mode
        self.match: CertificateAuthorityMatch | None = synth_answer(
            self,
            mode=mode,
            match=match,
            refresh_token=refresh_token,
            match_type=CertificateAuthorityMatch,
            resolver="resolve_certificate_authority_lookup",
            what="CA",
        )

        if self.match is not None:
            self.certificate_authority_arn: str = self.match.arn
            self.common_name: str = self.match.common_name or ""
            self.status: str = self.match.status
            self.type: str = self.match.type
            self.owner_account: str = self.match.owner_account
            self.not_after: str = self.match.not_after.isoformat() if self.match.not_after else ""
        else:
            provider = _CaLookupProvider.of(self, log_retention)
            provider.allow(self.filters)
            self.resource = lookup_resource(
                self,
                function=provider.function,
                resource_type=RESOURCE_TYPE,
                filters=self.filters.to_dict(),
                refresh_token=refresh_token,
            )
            self.certificate_authority_arn = self.resource.get_att_string("Arn")
            self.common_name = self.resource.get_att_string("CommonName")
            self.status = self.resource.get_att_string("Status")
            self.type = self.resource.get_att_string("Type")
            self.owner_account = self.resource.get_att_string("OwnerAccount")
            self.not_after = self.resource.get_att_string("NotAfter")

        self.certificate_authority = ImportedCertificateAuthority(
            self, "CertificateAuthority", certificate_authority_arn=self.certificate_authority_arn
        )


class _CaLookupProvider(LookupProviderBase):
    """The Lambda function behind every Custom::CertificateAuthorityLookup of a stack."""

    provider_id = PROVIDER_ID

    def __init__(
        self, scope: Construct, construct_id: str, *, log_retention: logs.RetentionDays
    ) -> None:
        super().__init__(scope, construct_id, log_retention=log_retention)
        self._tag_readers: set[str] = set()
        self.role, self.policy = provider_role(
            self,
            description="Finds private CAs for Custom::CertificateAuthorityLookup (cdk-pca)",
            policy_name="FindCertificateAuthorities",
            log_group=self.log_group,
            statements=[
                # ListCertificateAuthorities supports no resource-level permission: "*" only
                # (its Resource types column is empty). ListCertificateAuthorities answers every
                # attribute of the match, so neither DescribeCertificateAuthority nor
                # GetCertificateAuthorityCertificate (no PEM is returned) is granted.
                # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsprivatecertificateauthority.html
                # https://docs.aws.amazon.com/privateca/latest/userguide/api-permissions.html
                iam.PolicyStatement(
                    actions=["acm-pca:ListCertificateAuthorities"], resources=["*"]
                ),
            ],
        )
        Validations.of(self.role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="acm-pca:ListCertificateAuthorities supports no resource-level permission.",
            )
        )
        self.function = package_function(
            self,
            description="Finds a private CA for Custom::CertificateAuthorityLookup (cdk-pca)",
            handler=HANDLER,
            files=_LAMBDA_FILES,
            role=self.role,
            timeout=LAMBDA_TIMEOUT,
            log_group=self.log_group,
        )

    def allow(self, filters: CertificateAuthorityFilters) -> None:
        """Grant what a lookup with `filters` calls beyond the listing: ListTags, only when it
        filters by tags, on the CAs of this account, and of any account when shared CAs count."""
        if not filters.tags:
            return
        stack = Stack.of(self)
        owners = ("SELF", "OTHER_ACCOUNTS") if filters.owner is None else (filters.owner,)
        for owner in owners:
            if owner in self._tag_readers:
                continue
            self._tag_readers.add(owner)
            # A shared CA's ARN names the owner's account, which the lookup does not know before
            # it finds the CA; the owner's RAM share must allow acm-pca:ListTags as well.
            # https://docs.aws.amazon.com/privateca/latest/userguide/pca-cmp.html
            cas = stack.format_arn(
                service="acm-pca",
                resource="certificate-authority",
                resource_name="*",
                account="*" if owner == "OTHER_ACCOUNTS" else None,
            )
            self.policy.add_statements(
                iam.PolicyStatement(actions=["acm-pca:ListTags"], resources=[cas])
            )
            Validations.of(self.role).acknowledge(
                *_acknowledged(
                    stack,
                    cas,
                    "The lookup reads the tags of every CA it may find, whose ARN PCA drew at "
                    "creation; ListTags is read-only.",
                )
            )
