"""ParentSignature: a subordinate CA signed by a parent in another account or region, and activated.

The parent lives in another stack that CloudFormation cannot reference from this one; a
Custom::ParentSignature finds it by tags, has it sign this CA's CSR and imports the certificate.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from aws_cdk import (
    Acknowledgment,
    CustomResource,
    Duration,
    RemovalPolicy,
    Stack,
    Validations,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_pca.certificate_lookup import _LAMBDA_FILES as LOOKUP_LAMBDA_FILES
from cdk_pca.certificate_lookup import _as_nag_renders
from cdk_pca.runtime.signing_handler import PARENT_ACTIONS

RESOURCE_TYPE = "Custom::ParentSignature"
PROVIDER_ID = "ParentSignatureProvider"
HANDLER = "cdk_pca.runtime.signing_handler.handler"
# The lookup's files (the signing handler finds parents with find_certificate_authority and
# answers CloudFormation with the lookup handler's response code), plus its own handler.
_LAMBDA_FILES = (*LOOKUP_LAMBDA_FILES, "runtime/signing_handler.py")
# Issuing takes seconds; the handler waits at most 2 minutes for it (2 s x 60 GetCertificate).
LAMBDA_TIMEOUT = Duration.minutes(5)
# Without an answer CloudFormation would wait an hour; this covers a run and Lambda's retries.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-customresource.html
SERVICE_TIMEOUT = Duration.minutes(20)


@dataclass(frozen=True)
class RemoteParent:
    """A parent CA that another stack deploys, in another account (shared with this stack's
    account through AWS RAM) or in another region of this account. Found at deploy time by
    ``tags`` among the CAs of ``account`` in ``region``: its ARN holds an ID that PCA draws
    at creation, so no stack can know it at synth."""

    name: str
    account: str
    region: str
    signing_algorithm: str
    tags: Mapping[str, str] = field(default_factory=dict)


class ParentSignature(Construct):
    """Signs ``certificate_signing_request`` by the parent and imports the certificate into the CA.

    :param certificate_authority_arn: the CA to activate (its bare ARN).
    :param certificate_signing_request: the CA's CSR (``attr_certificate_signing_request``).
    :param signing_algorithm: of the parent's key family: the parent signs.
    :param template_arn: SubordinateCACertificate_PathLenN/V1.
    :param validity_days: lifetime of the CA certificate.
    :param parent: a parent in another stack, found by tags; or
    :param parent_arn: the ARN of a parent in this stack (itself signed through this resource).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        certificate_authority_arn: str,
        certificate_signing_request: str,
        signing_algorithm: str,
        template_arn: str,
        validity_days: int,
        parent: RemoteParent | None = None,
        parent_arn: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if (parent is None) == (parent_arn is None):
            raise ValueError(f"{self.node.path}: give exactly one of parent or parent_arn")
        stack = Stack.of(self)
        here_account = stack.account
        properties: dict[str, object] = {
            "CertificateAuthorityArn": certificate_authority_arn,
            "Csr": certificate_signing_request,
            "SigningAlgorithm": signing_algorithm,
            "TemplateArn": template_arn,
            "ValidityDays": validity_days,
        }
        if parent is not None:
            properties.update(
                ParentRegion=parent.region,
                ParentAccount=parent.account,
                ParentTags=json.dumps(dict(parent.tags), sort_keys=True),
                # CAs of another account appear only with ResourceOwner OTHER_ACCOUNTS (shared
                # through RAM): https://docs.aws.amazon.com/privateca/latest/APIReference/API_ListCertificateAuthorities.html
                ParentOwner="OTHER_ACCOUNTS" if parent.account != here_account else "SELF",
            )
        else:
            properties.update(ParentRegion=stack.region, ParentArn=parent_arn)
        provider = _SignatureProvider.of(self)
        if parent is not None:
            provider.allow_parent(parent)
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=provider.function.function_arn,
            resource_type=RESOURCE_TYPE,
            properties=properties,
            service_timeout=SERVICE_TIMEOUT,
            # Deleting it changes nothing (the CA keeps its certificate): retained like the CA.
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.certificate_arn: str = self.resource.get_att_string("CertificateArn")
        # The CA's ARN, carrying the dependency on the import: what issues from it waits.
        self.certificate_authority_arn: str = self.resource.get_att_string(
            "CertificateAuthorityArn"
        )


class _SignatureProvider(Construct):
    """The Lambda function behind every Custom::ParentSignature of a stack (one per stack)."""

    @classmethod
    def of(cls, scope: Construct) -> _SignatureProvider:
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(PROVIDER_ID)
        if isinstance(existing, _SignatureProvider):
            return existing
        return cls(stack, PROVIDER_ID)

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        # Imported here: the certificate lookup module pulls in the Lambda constructs.
        from cdk_pca.certificate_lookup import package_function, provider_role

        stack = Stack.of(self)
        self._parents: set[tuple[str, str]] = set()
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=logs.RetentionDays.ONE_YEAR,
            removal_policy=RemovalPolicy.DESTROY,
        )
        own_cas = stack.format_arn(
            service="acm-pca", resource="certificate-authority", resource_name="*"
        )
        self.role, self.policy = provider_role(
            self,
            description="Has parent CAs sign subordinate CAs for Custom::ParentSignature (cdk-pca)",
            policy_name="SignCertificateAuthorities",
            log_group=self.log_group,
            statements=[
                # ListCertificateAuthorities takes no resource-level permission: only "*".
                # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsprivatecertificateauthority.html
                iam.PolicyStatement(
                    actions=["acm-pca:ListCertificateAuthorities"], resources=["*"]
                ),
                iam.PolicyStatement(
                    actions=[
                        "acm-pca:IssueCertificate",
                        "acm-pca:GetCertificate",
                        "acm-pca:ImportCertificateAuthorityCertificate",
                    ],
                    resources=[own_cas],
                ),
            ],
        )
        Validations.of(self.role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="acm-pca:ListCertificateAuthorities supports no resource-level permission.",
            ),
            *_acknowledged(
                stack,
                own_cas,
                "The CAs of this stack get their ARNs at deploy time; the function signs "
                "and imports only the CA certificates its custom resources name.",
            ),
        )
        self.function = package_function(
            self,
            description="Has a parent CA in another account or region sign a CA (cdk-pca)",
            handler=HANDLER,
            files=_LAMBDA_FILES,
            role=self.role,
            timeout=LAMBDA_TIMEOUT,
            log_group=self.log_group,
        )

    def allow_parent(self, parent: RemoteParent) -> None:
        """Let the function find, and be signed by, the CAs of the parent's account and region."""
        key = (parent.account, parent.region)
        if key in self._parents:
            return
        self._parents.add(key)
        stack = Stack.of(self)
        parent_cas = stack.format_arn(
            service="acm-pca",
            resource="certificate-authority",
            resource_name="*",
            account=parent.account,
            region=parent.region,
        )
        # Identity side of a cross-account call: the caller's own policy must allow it too, on
        # top of the parent's RAM share. Each action takes the certificate-authority resource
        # type (Service Authorization Reference; PCA guide, "API operations and permissions"):
        # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsprivatecertificateauthority.html
        # https://docs.aws.amazon.com/privateca/latest/userguide/api-permissions.html
        self.policy.add_statements(
            iam.PolicyStatement(actions=list(PARENT_ACTIONS), resources=[parent_cas])
        )
        Validations.of(self.role).acknowledge(
            *_acknowledged(
                stack,
                parent_cas,
                "The parent CA's ARN is drawn by PCA in another stack; the function finds "
                "it by tags and checks its owner account before asking it to sign.",
            )
        )


def _acknowledged(stack: Stack, resource: str, reason: str) -> list[Acknowledgment]:
    """cdk-nag's IAM5 finding for `resource`, as it spells it: pseudo parameters as `<AWS::X>`,
    the partition as `aws` once the stack's account and region are known."""
    rendered = _as_nag_renders(stack, resource)
    spellings = {rendered, rendered.replace("<AWS::Partition>", "aws")}
    return [
        Acknowledgment(id=f"AwsSolutions-IAM5[Resource::{spelling}]", reason=reason)
        for spelling in sorted(spellings)
    ]
