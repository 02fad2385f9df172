"""Shared test set-up: run jsii on the project's pinned Node 22, as `make` and `npx cdk` do."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_NODE_BIN = PROJECT_ROOT / "node_modules" / ".bin"
if (_NODE_BIN / "node").exists() and not os.environ.get("PATH", "").startswith(str(_NODE_BIN)):
    os.environ["PATH"] = f"{_NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"


@pytest.fixture(autouse=True)
def _fresh_boto3_default_session() -> Iterator[None]:
    """boto3's default session caches the credentials it first found; a test that runs after a
    moto test in the same worker must resolve its own environment's credentials, not those."""
    boto3 = sys.modules.get("boto3")
    if boto3 is not None:
        boto3.DEFAULT_SESSION = None
    yield
    boto3 = sys.modules.get("boto3")
    if boto3 is not None:
        boto3.DEFAULT_SESSION = None


def run_in_project(
    argv: Sequence[str], *, env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """A command run in the project root with its output captured as text (never raises on exit)."""
    return subprocess.run(
        list(argv),
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
