"""The stacks of pki.yaml and of every example: snapshots, cfn-lint, cdk-nag AwsSolutions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from tests.stack_support import CONFIGS, normalized, synthesize

CFN_LINT = Path(sys.executable).parent / "cfn-lint"


@pytest.mark.parametrize("config", CONFIGS)
def test_template_matches_snapshot(config: str, snapshot: SnapshotAssertion) -> None:
    assert normalized(synthesize(config).template) == snapshot


@pytest.mark.parametrize("config", CONFIGS)
def test_cfn_lint_finds_nothing(config: str) -> None:
    result = subprocess.run(
        [str(CFN_LINT), "--format", "parseable", str(synthesize(config).template_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("config", CONFIGS)
def test_cdk_nag_aws_solutions_finds_nothing_unsuppressed(config: str) -> None:
    assert synthesize(config).nag_error is None, synthesize(config).nag_error
