"""CertificateLookup: an existing ACM certificate, found by domain, host name or tags, for a stack.

Two modes: `synth` takes an answer found before synthesis; `deploy` looks up at deploy time.
"""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol, Self, TypeVar, cast

from aws_cdk import (
    Acknowledgment,
    CustomResource,
    Duration,
    RemovalPolicy,
    Stack,
    Validations,
)
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_pca.checkov import LAMBDA_SKIPS, LOG_GROUP_SKIPS, skip_checkov_checks
from cdk_pca.lookup import CertificateMatch, LookupFilters, validate_lookup_arguments

LookupMode = Literal["deploy", "synth"]
LOOKUP_MODES: tuple[LookupMode, ...] = ("deploy", "synth")

RESOURCE_TYPE = "Custom::CertificateLookup"
PROVIDER_ID = "CertificateLookupProvider"
HANDLER = "cdk_pca.runtime.lookup_handler.handler"
# The Lambda answers within its 2-minute timeout; if it never answers (it fails to start, or its
# answer is lost), CloudFormation would wait the default hour before failing the deploy. Ten
# minutes covers one run plus Lambda's asynchronous retries (after about 1 and 2 minutes).
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-customresource.html
LAMBDA_TIMEOUT = Duration.minutes(2)
SERVICE_TIMEOUT = Duration.minutes(10)

# The package files the Lambda imports: the handler and the selection rules it shares with the CLI
# (lookup.py checks names with rules.py, which reads aws_names.py). The asset test imports the
# handler from the asset alone (`python -I -S`), so a missing file fails a test, not a deploy.
_LAMBDA_FILES = (
    "lookup.py",
    "rules.py",
    "aws_names.py",
    "vocabulary.py",
    "runtime/__init__.py",
    "runtime/lookup_handler.py",
)


class CertificateLookup(Construct):
    """An ACM certificate found like Terraform's ``aws_acm_certificate`` data source, as values.

    The filters are ``cdk_pca.lookup.find_certificate``'s (validated here, at synth time).

    - ``mode="synth"``: ``match`` is the answer, found before synthesis (the app caches it in
      cdk.context.json, see ``cdk_pca.lookup_cache``); the template holds plain strings.
    - ``mode="deploy"``: a ``Custom::CertificateLookup`` resource runs the lookup when the stack is
      deployed and the filters (or ``refresh_token``) changed; the values are ``Fn::GetAtt``
      tokens. All lookups of a stack share one Lambda function.

    :param match: the answer (``CertificateMatch`` or its ``to_dict()``); only with mode synth.
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
        domain: str | None = None,
        hostname: str | None = None,
        tags: Mapping[str, str] | None = None,
        statuses: Iterable[str] | None = None,
        types: Iterable[str] | None = None,
        key_types: Iterable[str] | None = None,
        most_recent: bool = False,
        mode: LookupMode = "deploy",
        match: CertificateMatch | Mapping[str, Any] | None = None,
        refresh_token: str | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.THREE_MONTHS,
    ) -> None:
        super().__init__(scope, construct_id)
        self.filters: LookupFilters = _checked(
            self,
            lambda: validate_lookup_arguments(
                domain=domain,
                hostname=hostname,
                tags=tags,
                statuses=statuses,
                types=types,
                key_types=key_types,
                most_recent=most_recent,
            ),
        )
        self.mode: LookupMode = mode
        self.match: CertificateMatch | None = synth_answer(
            self,
            mode=mode,
            match=match,
            refresh_token=refresh_token,
            match_type=CertificateMatch,
            resolver="resolve_certificate_lookup",
            what="certificate",
        )

        if self.match is not None:
            self.certificate_arn: str = self.match.arn
            self.domain_name: str = self.match.domain
            self.status: str = self.match.status
            self.key_algorithm: str = self.match.key_algorithm
            self.not_after: str = self.match.not_after.isoformat() if self.match.not_after else ""
        else:
            provider = _LookupProvider.of(self, log_retention)
            self.resource = lookup_resource(
                self,
                function=provider.function,
                resource_type=RESOURCE_TYPE,
                filters=self.filters.to_dict(),
                refresh_token=refresh_token,
            )
            self.certificate_arn = self.resource.get_att_string("Arn")
            self.domain_name = self.resource.get_att_string("DomainName")
            self.status = self.resource.get_att_string("Status")
            self.key_algorithm = self.resource.get_att_string("KeyAlgorithm")
            self.not_after = self.resource.get_att_string("NotAfter")

        self.certificate: acm.ICertificate = acm.Certificate.from_certificate_arn(
            self, "Certificate", self.certificate_arn
        )


class _Answer(Protocol):
    """A lookup's match: CertificateMatch, CertificateAuthorityMatch."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self: ...


M = TypeVar("M", bound=_Answer)


def synth_answer(
    scope: Construct,
    *,
    mode: LookupMode,
    match: M | Mapping[str, Any] | None,
    refresh_token: str | None,
    match_type: type[M],
    resolver: str,
    what: str,
) -> M | None:
    """In mode synth the answer (`match`, or a `match_type` read from its `to_dict()`); in mode
    deploy None. `match` and `refresh_token` each belong to one mode: elsewhere they are errors."""
    if mode not in LOOKUP_MODES:
        raise ValueError(f"{scope.node.path}: mode {mode!r} is not one of {LOOKUP_MODES}")
    if mode == "deploy":
        if match is not None:
            raise ValueError(
                f"{scope.node.path}: match is only for mode 'synth'; mode 'deploy' looks the "
                f"{what} up when the stack is deployed"
            )
        return None
    if match is None:
        raise ValueError(
            f"{scope.node.path}: mode 'synth' needs the match found before synthesis "
            f"(cdk_pca.lookup_cache.{resolver} finds and caches it)"
        )
    if refresh_token is not None:
        raise ValueError(
            f"{scope.node.path}: refresh_token only applies to mode 'deploy'; in mode "
            "'synth' reset the cached answer (`cdk context --reset KEY`) instead"
        )
    if isinstance(match, match_type):
        return match
    mapping = cast(Mapping[str, Any], match)
    answer: M = _checked(scope, lambda: match_type.from_dict(mapping))
    return answer


def lookup_resource(
    scope: Construct,
    *,
    function: lambda_.IFunction,
    resource_type: str,
    filters: Mapping[str, Any],
    refresh_token: str | None,
) -> CustomResource:
    """A deploy-mode lookup: the custom resource whose properties are its filters, as sorted JSON
    (equal filters, equal template), and the refresh token when one is given."""
    properties: dict[str, Any] = {"Filters": json.dumps(filters, sort_keys=True)}
    if refresh_token is not None:
        properties["RefreshToken"] = refresh_token
    return CustomResource(
        scope,
        "Resource",
        service_token=function.function_arn,
        resource_type=resource_type,
        properties=properties,
        service_timeout=SERVICE_TIMEOUT,
    )


def _checked(scope: Construct, build: Any) -> Any:
    """Run `build`, prefixing a ValueError with the construct path so it points at the tree."""
    try:
        return build()
    except ValueError as exc:
        raise ValueError(f"{scope.node.path}: {exc}") from exc


class LookupProviderBase(Construct):
    """The Lambda function behind every lookup resource of one type in a stack (one per stack,
    the stack's child `provider_id`), and its log group; subclasses add the role and function."""

    provider_id: ClassVar[str]

    @classmethod
    def of(cls, scope: Construct, log_retention: logs.RetentionDays) -> Self:
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(cls.provider_id)
        if isinstance(existing, cls):
            return existing
        return cls(stack, cls.provider_id, log_retention=log_retention)

    def __init__(
        self, scope: Construct, construct_id: str, *, log_retention: logs.RetentionDays
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )


class _LookupProvider(LookupProviderBase):
    """The Lambda function behind every Custom::CertificateLookup of a stack (one per stack)."""

    provider_id = PROVIDER_ID

    def __init__(
        self, scope: Construct, construct_id: str, *, log_retention: logs.RetentionDays
    ) -> None:
        super().__init__(scope, construct_id, log_retention=log_retention)
        stack = Stack.of(self)
        certificate_arns = stack.format_arn(
            service="acm", resource="certificate", resource_name="*"
        )
        self.role, _ = provider_role(
            self,
            description="Reads ACM certificates for Custom::CertificateLookup (cdk-pca)",
            policy_name="ReadCertificates",
            log_group=self.log_group,
            statements=[
                # ListCertificates has no resource-level permissions: it only accepts "*".
                # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscertificatemanager.html
                iam.PolicyStatement(actions=["acm:ListCertificates"], resources=["*"]),
                iam.PolicyStatement(
                    actions=[
                        "acm:DescribeCertificate",
                        "acm:GetCertificate",
                        "acm:ListTagsForCertificate",
                    ],
                    resources=[certificate_arns],
                ),
            ],
        )
        Validations.of(self.role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="acm:ListCertificates supports no resource-level permission; only '*'.",
            ),
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::{_as_nag_renders(stack, certificate_arns)}]",
                reason="The lookup may find any certificate of the account in this region; "
                "read-only actions (Describe, Get, ListTags).",
            ),
        )
        self.function = package_function(
            self,
            description="Finds an ACM certificate for Custom::CertificateLookup (cdk-pca)",
            handler=HANDLER,
            files=_LAMBDA_FILES,
            role=self.role,
            timeout=LAMBDA_TIMEOUT,
            log_group=self.log_group,
        )


def provider_role(
    scope: Construct,
    *,
    description: str,
    policy_name: str,
    statements: list[iam.PolicyStatement],
    log_group: logs.ILogGroup,
) -> tuple[iam.Role, iam.PolicyDocument]:
    """The role of a custom resource provider's function: `statements`, then writes to its own
    log group, as one inline policy (not AWSLambdaBasicExecutionRole) so the role can write to
    this log group only, and so the policy exists before the function first runs."""
    policy = iam.PolicyDocument(
        statements=[
            *statements,
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group.log_group_arn],
            ),
        ]
    )
    role = iam.Role(
        scope,
        "Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=description,
        inline_policies={policy_name: policy},
    )
    return role, policy


def package_function(
    scope: Construct,
    *,
    description: str,
    handler: str,
    files: tuple[str, ...],
    role: iam.IRole,
    timeout: Duration,
    log_group: logs.ILogGroup,
) -> lambda_.Function:
    """The `Function` of a custom resource provider: Python on arm64, running `files` of this
    package (lambda_asset_directory) with boto3 from the runtime."""
    function = lambda_.Function(
        scope,
        "Function",
        description=description,
        runtime=lambda_.Runtime.PYTHON_3_14,
        architecture=lambda_.Architecture.ARM_64,
        handler=handler,
        code=lambda_.Code.from_asset(lambda_asset_directory(files)),
        role=role,
        timeout=timeout,
        memory_size=256,
        log_group=log_group,
    )
    # CDK makes a function depend on its role so that attached policies exist first; this role's
    # policy is inline and `Role: Fn::GetAtt` already orders them (cfn-lint W3005).
    cast(lambda_.CfnFunction, function.node.default_child).add_deletion_override("DependsOn")
    skip_checkov_checks(function, LAMBDA_SKIPS)
    skip_checkov_checks(log_group, LOG_GROUP_SKIPS)
    return function


def _as_nag_renders(stack: Stack, value: str) -> str:
    """A resource string as cdk-nag names it in a finding: pseudo parameters as `<AWS::Region>`."""
    resolved = stack.resolve(value)
    if isinstance(resolved, str):
        return resolved
    _, parts = resolved["Fn::Join"]
    return "".join(p if isinstance(p, str) else f"<{p['Ref']}>" for p in parts)


@functools.cache
def lambda_asset_directory(files: tuple[str, ...] = _LAMBDA_FILES) -> str:
    """A directory holding just the package files the Lambda needs, staged once per process.

    The asset is built from the package's own files, so the Lambda and the CLI share one copy of
    the selection rules; a stub `cdk_pca/__init__.py` keeps the asset's hash independent of the
    library's exports. Lambda's Python runtime includes boto3, so nothing is bundled.
    """
    root = Path(tempfile.mkdtemp(prefix="cdk-pca-lookup-asset-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    package = root / "cdk_pca"
    (package / "runtime").mkdir(parents=True)
    (package / "__init__.py").write_text(
        '"""cdk_pca, as much of it as the certificate lookup Lambda needs."""\n'
    )
    source = Path(__file__).resolve().parent
    for relative in files:
        shutil.copyfile(source / relative, package / relative)
    return str(root)
