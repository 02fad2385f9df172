"""Argument types the commands share: an AWS region, checked before any boto3 client exists.

botocore refuses a malformed region with InvalidRegionError, or builds an endpoint host from it.
"""

from __future__ import annotations

import argparse

from cdk_pca.aws_names import region_problem
from cdk_pca.cli.errors import CliError


def aws_region(text: str) -> str:
    """argparse `type` of --region: a region name, never a path or an empty string."""
    problem = region_problem(text.strip())
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return text.strip()


def default_region() -> str | None:
    """boto3's region (AWS_DEFAULT_REGION, the profile), refused as --region would be when it
    is malformed: the environment is input too."""
    import boto3

    region = boto3.session.Session().region_name
    if not region:
        return None
    problem = region_problem(str(region))
    if problem is not None:
        raise CliError(f"the default AWS region (AWS_DEFAULT_REGION or the profile) {problem}")
    return str(region)
