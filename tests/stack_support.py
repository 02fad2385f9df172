"""Synthesize the app's stacks the way `cdk synth` does, once per config per test process.

With cdk-nag's AwsSolutions pack registered as a policy-validation plugin (the 3.x API).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from cdk_pca.config import load_config
from cdk_pca.organization_stacks import build_pki_stacks
from stacks import PkiStack
from tests.cdk_support import feature_flags
from tests.conftest import PROJECT_ROOT

CONFIG_FILES = (
    "pki.yaml",
    *sorted(str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "examples").glob("*.yaml")),
)


def _stack_cases(config: str) -> list[str]:
    """`config` for a single-stack config; `config:<stack name>` per stack of one with environments."""
    loaded = load_config(PROJECT_ROOT / config)
    if not loaded.environments:
        return [config]
    return [f"{config}:{loaded.stack_name(e)}" for e in loaded.environments_in_deploy_order()]


# Every stack the project's configs make: each one is snapshot-tested, linted, nagged and guarded.
CONFIGS = tuple(case for config in CONFIG_FILES for case in _stack_cases(config))

# Asset hashes change with every edit of bundled code; they are not what a snapshot guards.
_ASSET_HASH = re.compile(r"[0-9a-f]{64}(\.zip|\.json)?")


@dataclass(frozen=True)
class Synthesized:
    config: str
    stack: PkiStack
    template: dict[str, Any]
    template_path: Path
    nag_error: str | None


def _build_all(config_path: Path, *, nag: bool) -> tuple[cdk.App, dict[str, PkiStack]]:
    from cdk_nag import AwsSolutionsChecks

    app = cdk.App(context=feature_flags())
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    config = load_config(config_path)
    stacks = build_pki_stacks(app, config, env=cdk.Environment(region=config.region or "us-east-1"))
    return app, stacks


def _build(config_path: Path, *, nag: bool) -> tuple[cdk.App, PkiStack]:
    app, stacks = _build_all(config_path, nag=nag)
    return app, next(iter(stacks.values()))


@cache
def _synthesize_file(config: str) -> tuple[Any, dict[str, PkiStack], str | None]:
    """Synthesize with cdk-nag; when its findings stop the synth, keep them and synth without."""
    app, stacks = _build_all(PROJECT_ROOT / config, nag=True)
    nag_error = None
    try:
        assembly = app.synth()
    except RuntimeError as error:
        nag_error = str(error)
        app, stacks = _build_all(PROJECT_ROOT / config, nag=False)
        assembly = app.synth()
    return assembly, stacks, nag_error


@cache
def synthesize(config: str) -> Synthesized:
    """One stack of a case of CONFIGS (`file` or `file:stack-name`)."""
    file, _, stack_name = config.partition(":")
    assembly, stacks, nag_error = _synthesize_file(file)
    stack = stacks[stack_name] if stack_name else next(iter(stacks.values()))
    if nag_error is not None and stack_name and stack_name not in nag_error:
        nag_error = None  # the findings name the stacks they were found in
    artifact = assembly.get_stack_by_name(stack.stack_name)
    return Synthesized(
        config=config,
        stack=stack,
        template=artifact.template,
        template_path=Path(assembly.directory) / artifact.template_file,
        nag_error=nag_error,
    )


def normalized(template: dict[str, Any]) -> Any:
    """The template with asset hashes masked, for snapshots."""

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, str):
            return _ASSET_HASH.sub(lambda m: "<asset-hash>" + (m.group(1) or ""), value)
        return value

    return walk(template)
