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
    resource = construct.node.default_child
    if not isinstance(resource, CfnResource):
        raise TypeError(f"{construct.node.path}: has no CloudFormation resource to annotate")
    existing = resource.get_metadata("checkov") or {}
    skips = list(existing.get("skip", []))
    for check_id, reason in checks:
        if not reason.strip():
            raise ValueError(f"{construct.node.path}: checkov skip {check_id} needs a reason")
        skips.append({"id": check_id, "comment": reason})
    resource.add_metadata("checkov", {**existing, "skip": skips})
