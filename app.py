#!/usr/bin/env python3
"""Entry point of `cdk synth|deploy`: load the PKI config named by the context key `config`
(default pki.yaml) and build its PkiStack, or one per environment. A bad config stops here, before any template is written.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# isort: off
# `stacks` first: importing it points jsii at the project's Node 22 (Node 20 prints an end-of-life
# banner, even when a global `cdk` on Node 20 started this app) before aws_cdk starts Node.
from stacks import PkiStack
import aws_cdk as cdk
# isort: on

from cdk_pca.config import ConfigError, PkiConfig, load_config
from cdk_pca.config.placements import write_record
from cdk_pca.organization_stacks import build_pki_stacks

DEFAULT_CONFIG = "pki.yaml"
_MAX_MESSAGE_LINES = 20


def _remove_stale_templates(outdir: str | None) -> None:
    """A failed synth must leave nothing deployable behind in the output folder: neither what this
    run wrote before it failed, nor a template an earlier run left there."""
    if not outdir:
        return
    for stale in Path(outdir).glob("*.template.json"):
        stale.unlink(missing_ok=True)


def _fail(outdir: str | None, message: str) -> None:
    _remove_stale_templates(outdir)
    sys.stderr.write(message.rstrip() + "\n")
    raise SystemExit(1)


def _first_line(exc: BaseException) -> str:
    """An error raised inside CDK's JavaScript (a validation of aws-cdk-lib) reaches Python as a
    RuntimeError carrying the JavaScript stack: the message is the lines before the stack. Ours
    may list several problems, one per line ("invalid monitoring settings:" then each): kept, up
    to a bound."""
    lines = []
    for line in str(exc).strip().splitlines():
        if line.lstrip().startswith("at ") or len(lines) == _MAX_MESSAGE_LINES:
            break
        if line.strip():
            lines.append(line.rstrip())
    text = "\n".join(lines) if lines else repr(exc)
    if isinstance(exc, ValueError | RuntimeError):
        return text
    return f"{type(exc).__name__}: {text}"


def main() -> None:
    app = cdk.App()
    # The CDK CLI names its output folder (-o, default cdk.out) in CDK_OUTDIR; without the CLI
    # the app writes to a folder of its own.
    outdir = os.environ.get("CDK_OUTDIR") or app.outdir
    config_path = str(app.node.try_get_context("config") or DEFAULT_CONFIG)
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        _fail(outdir, f"{config_path}: invalid PKI config, nothing was synthesized:\n{exc}")
        return
    env = cdk.Environment(
        account=config.account or os.environ.get("CDK_DEFAULT_ACCOUNT"),
        region=config.region or os.environ.get("CDK_DEFAULT_REGION"),
    )
    try:
        build_pki_stacks(app, config, env=env, stack_class=PkiStack)
        app.synth()
    except Exception as exc:  # whatever failed, one line and no template: never a traceback
        _fail(outdir, f"{config_path}: {_first_line(exc)}")
    except BaseException:  # interrupted: nothing half-written either, then stop as asked
        _remove_stale_templates(outdir)
        raise
    _record_placements(config_path, config)
    _exit_without_waiting_for_node()


def _record_placements(config_path: str, config: PkiConfig) -> None:
    """After a good synth, where each CA now is (cdk_pca.config.placements): the next load refuses
    a CA moved away from it. A folder we cannot write to costs the check, not the synth."""
    try:
        write_record(config_path, config)
    except OSError as exc:
        sys.stderr.write(
            f"{config_path}: warning: the placement record was not written ({exc}); a CA moved "
            "to another stack later will not be refused\n"
        )


def _exit_without_waiting_for_node() -> None:
    """The cloud assembly is complete once synth() returns. jsii's graceful shutdown then waits for
    its Node process to tear down, which takes ~0.7 s once IAM policy documents exist (0.07 s for an
    empty app): a quarter of the synth. Node exits on its own when its stdin closes."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
