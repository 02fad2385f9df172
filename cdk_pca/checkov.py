"""Checkov suppressions, written into a resource's template metadata with the reason beside each.

The cdk-nag acknowledgments live in the construct tree; checkov reads only the template.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import CfnResource
from constructs import IConstruct


def skip_checkov_checks(construct: IConstruct, checks: Sequence[tuple[str, str]]) -> None:
    """Skip checkov `checks` ((id, reason) pairs) on the construct's CloudFormation resource.

    Checkov's documented CloudFormation form, `Metadata: {checkov: {skip: [{id, comment}]}}`
    (https://www.checkov.io/2.Basics/Suppressing%20and%20Skipping%20Policies.html; read by
    checkov/cloudformation/context_parser.py, collect_skip_comments). A skip with no reason is a
    finding hidden, so every one carries its comment.
    """
    resource = construct if isinstance(construct, CfnResource) else construct.node.default_child
    if not isinstance(resource, CfnResource):
        raise TypeError(f"{construct.node.path}: has no CloudFormation resource to annotate")
    existing = resource.get_metadata("checkov") or {}
    skips = list(existing.get("skip", []))
    for check_id, reason in checks:
        if not reason.strip():
            raise ValueError(f"{construct.node.path}: checkov skip {check_id} needs a reason")
        skips.append({"id": check_id, "comment": reason})
    resource.add_metadata("checkov", {**existing, "skip": skips})


# What checkov asks of every Lambda function and its log group, and why ours differ. One list for
# the custom resource providers and the canary, so each reason is written once.
LAMBDA_SKIPS: tuple[tuple[str, str], ...] = (
    (
        "CKV_AWS_115",
        "No reserved concurrency: reserving any would count against the account's unreserved "
        "pool, which Lambda keeps at 10 or more, and fails the deploy in accounts at the default "
        "quota; the function runs rarely (a deploy, or a schedule of 5 minutes or more).",
    ),
    (
        "CKV_AWS_116",
        "No dead-letter queue: a failed run is reported where it matters (a custom resource "
        "fails its deploy; a canary run that publishes nothing breaches canary-not-reporting).",
    ),
    (
        "CKV_AWS_117",
        "Not in a VPC: it calls public AWS endpoints and, for the canary, fetches CRLs and OCSP "
        "from outside, as relying parties do.",
    ),
)
LOG_GROUP_SKIPS: tuple[tuple[str, str], ...] = (
    (
        "CKV_AWS_158",
        "Encrypted by CloudWatch Logs' own key; the logs hold CA ARNs and error reasons, no "
        "secrets, so a customer key per stack would add cost and nothing to protect.",
    ),
)
