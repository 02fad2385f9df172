#!/usr/bin/env python3
"""Entry point of `cdk synth|deploy`: load the PKI config named by the context key `config`
(default pki.yaml) and build its PkiStack. A bad config stops here, before any template is written.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import aws_cdk as cdk

from cdk_pca.config import ConfigError, load_config
from stacks import PkiStack

DEFAULT_CONFIG = "pki.yaml"


def _remove_stale_templates() -> None:
    """A failed synth must leave nothing deployable behind in the CLI's output folder."""
    outdir = os.environ.get("CDK_OUTDIR")
    if not outdir:
        return
    for stale in Path(outdir).glob("*.template.json"):
        stale.unlink(missing_ok=True)


def _fail(message: str) -> None:
    _remove_stale_templates()
    sys.stderr.write(message.rstrip() + "\n")
    raise SystemExit(1)


def main() -> None:
    app = cdk.App()
    config_path = str(app.node.try_get_context("config") or DEFAULT_CONFIG)
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        _fail(f"{config_path}: invalid PKI config, nothing was synthesized:\n{exc}")
        return
    env = cdk.Environment(
        account=config.account or os.environ.get("CDK_DEFAULT_ACCOUNT"),
        region=config.region or os.environ.get("CDK_DEFAULT_REGION"),
    )
    try:
        PkiStack(app, config.name, config=config, env=env)
        app.synth()
    except ValueError as exc:
        _fail(f"{config_path}: {exc}")


if __name__ == "__main__":
    main()
