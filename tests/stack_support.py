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
from stacks import PkiStack
from tests.cdk_support import feature_flags
from tests.conftest import PROJECT_ROOT

CONFIGS = (
    "pki.yaml",
    *sorted(str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "examples").glob("*.yaml")),
)

# Asset hashes change with every edit of bundled code; they are not what a snapshot guards.
_ASSET_HASH = re.compile(r"[0-9a-f]{64}(\.zip|\.json)?")


@dataclass(frozen=True)
class Synthesized:
    config: str
    stack: PkiStack
    template: dict[str, Any]
    template_path: Path
    nag_error: str | None


def _build(config_path: Path, *, nag: bool) -> tuple[cdk.App, PkiStack]:
    from cdk_nag import AwsSolutionsChecks

    app = cdk.App(context=feature_flags())
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    config = load_config(config_path)
    stack = PkiStack(
        app, config.name, config=config, env=cdk.Environment(region=config.region or "us-east-1")
    )
    return app, stack


@cache
def synthesize(config: str) -> Synthesized:
    """Synthesize with cdk-nag; when its findings stop the synth, keep them and synth without."""
    app, stack = _build(PROJECT_ROOT / config, nag=True)
    nag_error = None
    try:
        assembly = app.synth()
    except RuntimeError as error:
        nag_error = str(error)
        app, stack = _build(PROJECT_ROOT / config, nag=False)
        assembly = app.synth()
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
