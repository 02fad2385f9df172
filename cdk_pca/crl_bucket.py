"""The S3 bucket AWS Private CA publishes CRLs to: private, encrypted, TLS-only, versioned, retained.

Its bucket policy admits acm-pca.amazonaws.com for exactly the four actions PCA needs.
"""

from __future__ import annotations

from typing import Literal

from aws_cdk import Acknowledgment, Aws, Duration, Fn, RemovalPolicy, Stack, Token, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk_pca.checkov import skip_checkov_checks
from cdk_pca.retention import RETAINED_UNLESS_CREATE_FAILS
from cdk_pca.vocabulary import generated_bucket_stack_name_max

CrlBucketEncryption = Literal["SSE_S3", "SSE_KMS"]

PCA_SERVICE_PRINCIPAL = "acm-pca.amazonaws.com"

# What PCA needs to publish a CRL, and nothing more. Creating a CA with CRL enabled makes PCA
# write a test object at once, so this policy must exist before the CA or the create fails with
# "Permission error with your S3 bucket".
# https://docs.aws.amazon.com/privateca/latest/userguide/crl-planning.html#s3-policies
PCA_BUCKET_ACTIONS = (
    "s3:PutObject",
    "s3:PutObjectAcl",
    "s3:GetBucketAcl",
    "s3:GetBucketLocation",
)

# With S3 Block Public Access on, PCA must write with this ACL (its default, PUBLIC_READ, fails).
# https://docs.aws.amazon.com/privateca/latest/userguide/crl-planning.html#s3-bpa
CRL_OBJECT_ACL = "BUCKET_OWNER_FULL_CONTROL"

# Every PCA CRL version is a new S3 object version; old ones serve no client after they expire.
NONCURRENT_CRL_RETENTION = Duration.days(90)
ACCESS_LOG_RETENTION = Duration.days(365)

# How CloudFormation names a bucket, and so how long a stack name SSE_KMS takes: see
# cdk_pca.vocabulary.generated_bucket_stack_name_max.


class CrlBucket(Construct):
    """A private bucket for the CRLs of one or more CAs, with the policy PCA needs to write them.

    Block Public Access is fully on, so clients fetch the CRLs through CloudFront
    (see `CrlDistribution`); CAs that write here must use `CRL_OBJECT_ACL` and depend on
    `policy` (`PrivateCertificateAuthority` does both).

    :param encryption: ``SSE_S3`` (default) or ``SSE_KMS`` with a customer-managed key whose policy
        admits acm-pca. The AWS-managed ``aws/s3`` key is refused by PCA, so it is not offered.
    :param encryption_key: the key for ``SSE_KMS``. @default a new key with rotation.
    :param server_access_logs_bucket: where S3 access logs go. @default a new private bucket.
    :param removal_policy: @default ``RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE``: CRLs must outlive
        the stack while any certificate that points at them is in use, but a failed first deploy
        takes the buckets and the key with it (``cdk_pca.retention``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        encryption: CrlBucketEncryption = "SSE_S3",
        encryption_key: kms.IKey | None = None,
        server_access_logs_bucket: s3.IBucket | None = None,
        removal_policy: RemovalPolicy = RETAINED_UNLESS_CREATE_FAILS,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = []
        if encryption not in ("SSE_S3", "SSE_KMS"):
            problems.append(
                f"encryption: {encryption!r} is not allowed; expected SSE_S3 or SSE_KMS"
            )
        if encryption_key is not None and encryption != "SSE_KMS":
            problems.append("encryption_key: only allowed with encryption='SSE_KMS'")
        if problems:
            raise ValueError(f"{self.node.path}: " + "; ".join(problems))

        account = Stack.of(self).account
        self.encryption_key: kms.IKey | None = None
        if encryption == "SSE_KMS":
            self.encryption_key = encryption_key or kms.Key(
                self,
                "Key",
                description="Encrypts the CRLs that AWS Private CA publishes",
                enable_key_rotation=True,
                removal_policy=removal_policy,
            )

        if server_access_logs_bucket is None:
            server_access_logs_bucket = self._new_access_logs_bucket(removal_policy)
        self.access_logs_bucket = server_access_logs_bucket

        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=(
                s3.BucketEncryption.KMS if self.encryption_key else s3.BucketEncryption.S3_MANAGED
            ),
            encryption_key=self.encryption_key,
            bucket_key_enabled=True if self.encryption_key else None,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            # TLS-only is written below (`_deny_insecure_transport`): CDK's enforce_ssl statement
            # cannot let the CRL distribution's plain-HTTP reads through.
            versioned=True,
            server_access_logs_bucket=server_access_logs_bucket,
            server_access_logs_prefix="crl-bucket/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireSupersededCrls",
                    noncurrent_version_expiration=NONCURRENT_CRL_RETENTION,
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            removal_policy=removal_policy,
        )
        self._plain_http_readers: list[str] = []
        self._insecure_transport_denial = self._deny_insecure_transport()
        if self.encryption_key is not None:
            self._admit_pca_to_key(self.encryption_key)
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowPrivateCaToPublishCrls",
                principals=[iam.ServicePrincipal(PCA_SERVICE_PRINCIPAL)],
                actions=list(PCA_BUCKET_ACTIONS),
                resources=[self.bucket.bucket_arn, self.bucket.arn_for_objects("*")],
                # aws:SourceArn names this account's CAs by pattern: naming each CA's ARN would
                # make the policy depend on the CAs, which must themselves wait for the policy.
                conditions={
                    "StringEquals": {"aws:SourceAccount": account},
                    "ArnLike": {
                        "aws:SourceArn": Stack.of(self).format_arn(
                            service="acm-pca",
                            resource="certificate-authority",
                            resource_name="*",
                        )
                    },
                },
            )
        )
        assert self.bucket.policy is not None  # add_to_resource_policy created it
        self.policy: s3.BucketPolicy = self.bucket.policy

    @property
    def bucket_name(self) -> str:
        return self.bucket.bucket_name

    def allow_plain_http_reads(self, source_arn: str) -> None:
        """Exempt the requests of one CloudFront distribution (its ARN) from the TLS-only denial.

        CloudFront forwards a viewer's request to an S3 origin with the protocol the viewer used,
        and CRL clients use http:// (RFC 5280), so every cache miss of a CRL reaches the bucket over
        plain HTTP. Origin access control signs those requests as cloudfront.amazonaws.com with
        aws:SourceArn = the distribution; the denial now applies only when aws:SourceArn is none of
        the exempted distributions, and a request without aws:SourceArn (anyone else) is still
        denied: a negated operator is true for an absent key.
        https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/HTTPandHTTPSRequests.html
        https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html
        https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
        """
        self._plain_http_readers.append(source_arn)
        # Several values of a negated operator combine with AND: denied unless one of them.
        self._insecure_transport_denial.add_condition(
            "StringNotEquals", {"AWS:SourceArn": list(self._plain_http_readers)}
        )

    def grant_crl_write(self, grantee: iam.IGrantable) -> iam.Grant:
        """What a principal calling RevokeCertificate needs besides acm-pca:RevokeCertificate.

        PCA checks the caller's own access to the CRL bucket when a revocation is requested.
        https://docs.aws.amazon.com/privateca/latest/userguide/PcaRevokeCert.html
        """
        grant = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=list(PCA_BUCKET_ACTIONS),
            resource_arns=[self.bucket.bucket_arn, self.bucket.arn_for_objects("*")],
        )
        if self.encryption_key is not None:
            self.encryption_key.grant(grantee, "kms:GenerateDataKey", "kms:Decrypt")
        return grant

    def _deny_insecure_transport(self) -> iam.PolicyStatement:
        """Deny plain HTTP and TLS below 1.2, as CDK's enforce_ssl and minimum_tls_version would.

        Returns the plain-HTTP denial, which `allow_plain_http_reads` narrows. Over plain HTTP a
        request has no s3:TlsVersion, so the TLS-version denial (NumericLessThan, false for an
        absent key) never refuses the distribution's reads and needs no exemption.
        https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
        """
        resources = [self.bucket.bucket_arn, self.bucket.arn_for_objects("*")]
        insecure_transport = iam.PolicyStatement(
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["s3:*"],
            resources=resources,
            conditions={"Bool": {"aws:SecureTransport": "false"}},
        )
        self.bucket.add_to_resource_policy(insecure_transport)
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["s3:*"],
                resources=resources,
                conditions={"NumericLessThan": {"s3:TlsVersion": 1.2}},
            )
        )
        return insecure_transport

    def _admit_pca_to_key(self, key: kms.IKey) -> None:
        """The key statement of the PCA guide ("Encrypting your CRLs"; the same for audit reports),
        for a bucket with the S3 Bucket Key on: acm-pca may GenerateDataKey and Decrypt where the
        encryption context aws:s3:arn is the bucket's ARN. S3 calls KMS for PCA here, so the
        request carries no aws:SourceAccount to condition on.
        https://docs.aws.amazon.com/privateca/latest/userguide/crl-planning.html#crl-encryption
        https://docs.aws.amazon.com/privateca/latest/userguide/PcaAuditReport.html#audit-report-encryption

        The bucket refers to the key (its default encryption), so the key policy cannot refer to
        the bucket's ARN without a dependency cycle, and naming the bucket would replace every
        SSE_KMS bucket deployed so far (BucketName is create-only). The ARN is spelled instead as
        the pattern of the name CloudFormation generates (see cdk_pca.vocabulary): the stack name
        and the bucket's logical ID, then any suffix.
        """
        stack = Stack.of(self)
        logical_id = stack.get_logical_id(self.bucket.node.default_child)  # type: ignore[arg-type]
        stack_name = stack.stack_name
        if Token.is_unresolved(stack_name):
            raise ValueError(
                f"{self.node.path}: encryption: SSE_KMS needs a stack name known at synth, to "
                "spell the bucket ARN in the key policy"
            )
        allowed = generated_bucket_stack_name_max(logical_id)
        if len(stack_name) > allowed:
            raise ValueError(
                f"{self.node.path}: encryption: SSE_KMS needs a stack name of at most {allowed} "
                f"characters, got {len(stack_name)} ({stack_name!r}): CloudFormation shortens "
                "longer generated bucket names in a way it does not document, and the key policy "
                "must spell the bucket's name; use SSE_S3 or a shorter name"
            )
        bucket_name_prefix = f"{stack_name}-{logical_id}-".lower()
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowPrivateCaToEncryptCrls",
                principals=[iam.ServicePrincipal(PCA_SERVICE_PRINCIPAL)],
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=["*"],
                conditions={
                    "StringLike": {
                        "kms:EncryptionContext:aws:s3:arn": Fn.join(
                            "", ["arn:", Aws.PARTITION, f":s3:::{bucket_name_prefix}*"]
                        )
                    }
                },
            )
        )

    def _new_access_logs_bucket(self, removal_policy: RemovalPolicy) -> s3.Bucket:
        # S3 server access logs cannot be delivered to an SSE-KMS bucket, and CloudFront standard
        # logs need bucket ACLs, so this bucket uses SSE-S3 and BUCKET_OWNER_PREFERRED.
        # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html
        logs = s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireAccessLogs",
                    expiration=ACCESS_LOG_RETENTION,
                    noncurrent_version_expiration=Duration.days(30),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            removal_policy=removal_policy,
        )
        # S3: "Your target bucket should not have server access logging enabled."
        # https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
        reason = "This is the access-log bucket itself; logging it into itself loops."
        Validations.of(logs).acknowledge(Acknowledgment(id="AwsSolutions-S1", reason=reason))
        skip_checkov_checks(logs, [("CKV_AWS_18", reason)])
        return logs
