"""`make deploy` / `make diff` without AWS credentials: one line saying what to do, before CDK starts."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import run_in_project


def _make_without_credentials(target: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "CDK_")) and key not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    }
    # No credentials anywhere boto3 looks: no files, no variables, no instance metadata.
    env |= {
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        **extra,
    }
    return run_in_project(["make", "-s", target], env=env, timeout=60)


@pytest.mark.parametrize(
    ("target", "extra"),
    [("deploy", {}), ("diff", {}), ("diff", {"AWS_PROFILE": "no-such-profile"})],
)
def test_make_without_credentials_says_what_to_do_and_starts_no_cdk(
    target: str, extra: dict[str, str]
) -> None:
    result = _make_without_credentials(target, **extra)
    assert result.returncode == 2
    ours = [line for line in result.stderr.splitlines() if not line.startswith("make: ***")]
    assert len(ours) == 1, result.stderr
    [line] = ours
    assert line.startswith(f"make {target}: no AWS credentials: ")
    for advice in ("aws configure", "AWS_PROFILE", "cdk bootstrap"):
        assert advice in line
    # Neither CDK nor the plan ran: CDK's own message and the plan's output are absent.
    assert "Unable to resolve AWS account" not in result.stderr
    assert result.stdout == ""
