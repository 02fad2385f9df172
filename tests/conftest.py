"""Shared test set-up: run jsii on the project's pinned Node 22, as `make` and `npx cdk` do, and
start the slowest test files first so that the two `make test` workers finish together."""

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


# The files that each hold one long run of a real tool (seconds measured alone on 2 cores):
# integ-runner comparing both integ snapshots (30 s), the CDK CLI's synths (16 s), the wheel
# built, installed and synthesized (9 s). `make test` runs `--dist loadfile
# --no-loadscope-reorder`: xdist hands out whole files in collection order, so these go first
# and the hundreds of short tests fill the other worker meanwhile. By default xdist orders files
# by their number of tests, which left integ-runner (6 tests) alone at the end: a 30 s tail.
SLOW_FILES_FIRST = (
    "tests/integration/test_integ.py",
    "tests/integration/test_cdk_cli.py",
    "tests/unit/test_wheel.py",
)


def _file_of(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow files first, then the others by number of tests, most first (xdist's own
    reorder, which `--no-loadscope-reorder` turns off): each file's tests stay together and in
    their order, so module-scoped fixtures are still built once per file."""
    count: dict[str, int] = {}
    for item in items:
        count[_file_of(item)] = count.get(_file_of(item), 0) + 1

    def rank(item: pytest.Item) -> tuple[int, int]:
        path = _file_of(item)
        if path in SLOW_FILES_FIRST:
            return (SLOW_FILES_FIRST.index(path), 0)
        return (len(SLOW_FILES_FIRST), -count[path])

    items.sort(key=rank)  # stable: files stay contiguous in their collection order


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
