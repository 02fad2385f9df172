"""How long what a PKI stack creates outlives the stack: the one removal policy of CAs, buckets and keys.

Kept on delete and on replacement; gone with the rollback of the stack operation that created it.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy

# DeletionPolicy RetainExceptOnCreate (with UpdateReplacePolicy Retain): "behaves like Retain for
# stack operations, except for the stack operation that initially created the resource. If the
# stack operation that created the resource is rolled back, CloudFormation deletes the resource."
# A CA is billed from its creation, so a failed first deploy must not leave one behind; once a
# deploy has succeeded, deleting the stack or replacing a resource keeps it (a CA's key, the CRLs
# clients still fetch). https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
# S3 deletes only empty buckets, so a rolled-back bucket that PCA already wrote to stays behind
# (DELETE_FAILED in the rollback); the same page says so for the Delete policy.
RETAINED_UNLESS_CREATE_FAILS = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
