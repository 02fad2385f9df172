"""RevocationCanary: one scheduled Lambda per stack that checks every CA's CRL and OCSP as clients do.

It runs `cdk_pca.runtime.canary_handler` and publishes to CloudWatch namespace `cdk-pca`
(dimension PrivateCAArn); the alarms on those metrics come from `cdk_pca.alarm_catalog`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from aws_cdk import (
    Acknowledgment,
    AssetStaging,
    CfnDeletionPolicy,
    CfnResource,
    FileAssetPackaging,
    Fn,
    Stack,
    Validations,
)
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_pca import canary_bundle
from cdk_pca.checkov import LAMBDA_SKIPS, LOG_GROUP_SKIPS, skip_checkov_checks
from cdk_pca.pca_metrics import CANARY_NAMESPACE
from cdk_pca.vocabulary import CANARY_SCHEDULE_MINUTES_RANGE, DEFAULT_CANARY_SCHEDULE_MINUTES

HANDLER: Final = "cdk_pca.runtime.canary_handler.handler"
RUNTIME: Final = f"python{canary_bundle.LAMBDA_PYTHON_VERSION}"
ARCHITECTURE: Final = "arm64"
# The handler's environment variable (cdk_pca.runtime.canary_handler.CA_ARNS_ENV; a test holds
# them equal, and this module does not import the Lambda code).
CA_ARNS_ENV: Final = "CA_ARNS"
# The handler stops its checks 5 s before Lambda's deadline (context.get_remaining_time_in_millis)
# and then makes its one PutMetricData; each CRL or OCSP request is cut off after at most 10 s.
# A minute covers ten CAs checked concurrently with room to spare (bench.canary: 1.0 s wall for
# 10 CAs of 200,000-entry CRLs, peak RSS 192 MiB; 512 MB gives that 2.5 times over).
TIMEOUT_SECONDS: Final = 60
MEMORY_MB: Final = 512
DEFAULT_LOG_RETENTION_DAYS: Final = 90


def schedule_expression(minutes: int) -> str:
    """EventBridge rate expression: singular unit for 1, plural above ("rate(1 hours)" and
    "rate(5 hour)" are invalid): https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rate-expressions.html"""
    return f"rate({minutes} minute{'' if minutes == 1 else 's'})"


def check_schedule_minutes(minutes: Any) -> str | None:
    """Why `minutes` is not a valid canary schedule, or None."""
    low, high = CANARY_SCHEDULE_MINUTES_RANGE
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not low <= minutes <= high:
        return (
            f"{minutes!r} is not allowed; expected a whole number of minutes {low}..{high} "
            f"(runs take up to {TIMEOUT_SECONDS} s and must not overlap)"
        )
    return None


class RevocationCanary(Construct):
    """A Lambda function, its schedule and its least-privilege role, checking the given CAs.

    Every ``schedule_minutes`` the function reads each CA's certificate and revocation
    configuration (acm-pca DescribeCertificateAuthority, GetCertificateAuthorityCertificate: the
    only PCA calls it makes, on exactly these CAs), fetches the CRL from the URL in issued
    certificates, asks the OCSP responder, and publishes the metrics of DESIGN.md with one
    PutMetricData (allowed only into namespace ``cdk-pca``).

    The function needs ``cryptography`` built for Lambda (linux arm64): the asset holds the
    wheels from ``dependencies_directory``, by default ``build/canary-lambda/<key>`` under the
    working folder, which ``make setup`` fills (``python -m cdk_pca.canary_bundle``); when that
    folder is missing it is built once with pip, which needs access to PyPI.

    :param certificate_authority_arns: the CAs to check (tokens are fine); one function for all.
    :param schedule_minutes: minutes between runs, 5..60. @default 15
    :param log_retention_days: retention of the function's log group. @default 90
    :param dependencies_directory: a folder prepared by ``cdk_pca.canary_bundle``.
        @default ``build/canary-lambda/<key>`` under the working folder, built when absent.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        certificate_authority_arns: Sequence[str],
        schedule_minutes: int = DEFAULT_CANARY_SCHEDULE_MINUTES,
        log_retention_days: int = DEFAULT_LOG_RETENTION_DAYS,
        dependencies_directory: str | None = None,
    ) -> None:
        problems = []
        if problem := check_schedule_minutes(schedule_minutes):
            problems.append(f"schedule_minutes: {problem}")
        if not certificate_authority_arns:
            problems.append("certificate_authority_arns: is empty; expected at least one CA")
        if problems:
            raise ValueError(f"{scope.node.path}/{construct_id}: " + "; ".join(problems))
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.schedule_minutes = schedule_minutes
        arns = list(certificate_authority_arns)

        self.log_group = CfnResource(
            self,
            "Logs",
            type="AWS::Logs::LogGroup",
            properties={"RetentionInDays": log_retention_days},
        )
        self.log_group.cfn_options.deletion_policy = CfnDeletionPolicy.DELETE
        self.log_group.cfn_options.update_replace_policy = CfnDeletionPolicy.DELETE
        log_group_arn = self.log_group.get_att("Arn").to_string()

        self.role = CfnResource(
            self,
            "Role",
            type="AWS::IAM::Role",
            properties={
                "Description": "Revocation canary: reads these CAs, publishes cdk-pca metrics",
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                # Inline (not AWSLambdaBasicExecutionRole): the role writes to its own log group
                # only, and the policy exists before the function first runs.
                "Policies": [
                    {
                        "PolicyName": "RevocationCanary",
                        "PolicyDocument": _policy_document(stack, arns, log_group_arn),
                    }
                ],
            },
        )
        Validations.of(self.role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="cloudwatch:PutMetricData has no resource-level permission; the statement "
                "is limited by the condition cloudwatch:namespace = cdk-pca.",
            ),
        )

        code = self._code(stack, dependencies_directory)
        self.function = CfnResource(
            self,
            "Function",
            type="AWS::Lambda::Function",
            properties={
                "Description": "Checks every CA's CRL and OCSP as clients see them (cdk-pca)",
                "Code": code,
                "Handler": HANDLER,
                "Runtime": RUNTIME,
                "Architectures": [ARCHITECTURE],
                "Role": self.role.get_att("Arn"),
                "Timeout": TIMEOUT_SECONDS,
                "MemorySize": MEMORY_MB,
                "Environment": {"Variables": {CA_ARNS_ENV: Fn.join(",", arns)}},
                "LoggingConfig": {"LogGroup": self.log_group.ref},
            },
        )
        self.function_arn = self.function.get_att("Arn").to_string()
        skip_checkov_checks(
            self.function,
            [
                *LAMBDA_SKIPS,
                (
                    "CKV_AWS_173",
                    "Its one environment variable lists the CA ARNs it checks: no secret, and "
                    "Lambda encrypts it at rest with its own key.",
                ),
            ],
        )
        skip_checkov_checks(self.log_group, LOG_GROUP_SKIPS)

        self.rule = events.CfnRule(
            self,
            "Schedule",
            description="Runs the cdk-pca revocation canary",
            schedule_expression=schedule_expression(schedule_minutes),
            state="ENABLED",
            targets=[events.CfnRule.TargetProperty(id="Canary", arn=self.function_arn)],
        )
        # EventBridge invokes a Lambda target through the function's resource-based policy, not a
        # target role: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html
        CfnResource(
            self,
            "SchedulePermission",
            type="AWS::Lambda::Permission",
            properties={
                "Action": "lambda:InvokeFunction",
                "FunctionName": self.function_arn,
                "Principal": "events.amazonaws.com",
                "SourceArn": self.rule.attr_arn,
            },
        )

    def _code(self, stack: Stack, dependencies_directory: str | None) -> dict[str, Any]:
        directory = dependencies_directory or str(
            canary_bundle.build_dependencies(canary_bundle.default_dependencies_directory())
        )
        # A file asset, as aws_s3_assets.Asset makes one, without loading aws_lambda and
        # aws_s3_assets: the default PKI's synth budget (DESIGN.md) has no room for them.
        staging = AssetStaging(self, "Code", source_path=canary_bundle.stage_asset(str(directory)))
        location = stack.synthesizer.add_file_asset(
            source_hash=staging.asset_hash,
            file_name=staging.relative_staged_path(stack),
            packaging=FileAssetPackaging.ZIP_DIRECTORY,
        )
        return {"S3Bucket": location.bucket_name, "S3Key": location.object_key}


def _policy_document(stack: Stack, ca_arns: list[str], log_group_arn: str) -> dict[str, Any]:
    # Both PCA reads take the certificate-authority resource type, so they are granted on exactly
    # these CAs:
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsprivatecertificateauthority.html
    # PutMetricData takes no resource; the condition key cloudwatch:namespace limits it to ours:
    # https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html
    statements = [
        iam.PolicyStatement(
            actions=[
                "acm-pca:DescribeCertificateAuthority",
                "acm-pca:GetCertificateAuthorityCertificate",
            ],
            resources=ca_arns,
        ),
        iam.PolicyStatement(
            actions=["cloudwatch:PutMetricData"],
            resources=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": CANARY_NAMESPACE}},
        ),
        iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[log_group_arn],
        ),
    ]
    return {
        "Version": "2012-10-17",
        "Statement": [statement.to_statement_json() for statement in statements],
    }
