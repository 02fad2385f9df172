"""The stacks of one config: one PkiStack, or one per environment in the order they deploy.

Each environment's stack is a PkiStack with that environment's account and region; a stack
depends on the stacks whose CAs sign its CAs, so `cdk deploy --all` deploys parents first.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from cdk_pca.certificate_authority import PrivateCertificateAuthority
from cdk_pca.config import PkiConfig
from cdk_pca.pki_stack import PkiStack


def build_pki_stacks(
    scope: Construct,
    config: PkiConfig,
    *,
    env: cdk.Environment | None = None,
    stack_class: type[PkiStack] = PkiStack,
    **kwargs: Any,
) -> dict[str, PkiStack]:
    """The config's stacks by stack name. Without environments: one stack named `name` with `env`;
    with them: `<name>-<environment>` each, with the environment's account and region.
    ``stack_class``: a PkiStack subclass to build instead."""
    if not config.environments:
        return {config.name: stack_class(scope, config.name, config=config, env=env, **kwargs)}
    stacks: dict[str, PkiStack] = {}
    by_environment: dict[str, PkiStack] = {}
    cas: dict[str, PrivateCertificateAuthority] = {}
    for environment in config.environments_in_deploy_order():
        target = config.environments[environment]
        stack = stack_class(
            scope,
            config.stack_name(environment),
            config=config,
            environment=environment,
            cas_of_other_stacks=cas,
            env=cdk.Environment(account=target.account, region=target.region),
            **kwargs,
        )
        for ca in config.cas_in(environment):
            parent = config.parent_of(ca)
            if parent is not None and parent.environment != environment:
                stack.add_stack_dependency(
                    by_environment[str(parent.environment)],
                    f"{parent.name} signs {ca.name}",
                )
        by_environment[environment] = stack
        stacks[stack.stack_name] = stack
        cas.update(stack.certificate_authorities)
    return stacks
