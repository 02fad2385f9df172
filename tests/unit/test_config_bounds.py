"""Oversized and hostile configs: linear work, a bounded report, files that are not regular files.

A file of thousands of bad CAs or keys is reported in its first problems and a count, quickly.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from cdk_pca.cli import main
from cdk_pca.config import ConfigError, load_config, parse_config
from cdk_pca.config.errors import MAX_LINE_LENGTH, MAX_PROBLEMS_SHOWN
from tests.unit.config_helpers import example

ROOT_CA = {
    "name": "root",
    "type": "ROOT",
    "subject": {"common_name": "R"},
    "key_algorithm": "RSA_2048",
    "validity_days": 3650,
}


def _many_unknown_parents(count: int) -> str:
    cas = [ROOT_CA] + [
        {
            "name": f"ca-{i}",
            "type": "SUBORDINATE",
            "parent": f"nope-{i}",
            "subject": {"common_name": f"C{i}"},
            "key_algorithm": "RSA_2048",
            "validity_days": 365,
        }
        for i in range(count)
    ]
    return json.dumps({"name": "x", "certificate_authorities": cas}, indent=1)


def _many_unknown_keys(count: int) -> str:
    data: dict[str, object] = {"name": "x", "certificate_authorities": [ROOT_CA]}
    data.update({f"unknown{i}": i for i in range(count)})
    return json.dumps(data, indent=1)


@pytest.mark.parametrize("text", [_many_unknown_parents(3000), _many_unknown_keys(3000)])
def test_thousands_of_problems_are_found_in_linear_time_and_reported_briefly(text: str) -> None:
    started = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    assert time.monotonic() - started < 5  # was 8.5 s (parents) and 3.7 s (keys) for 3,000
    assert len(caught.value.problems) == 3000  # every problem is still in the exception
    lines = str(caught.value).splitlines()
    assert len(lines) == MAX_PROBLEMS_SHOWN + 1
    assert lines[-1] == f"... and {3000 - MAX_PROBLEMS_SHOWN} more problems"
    assert max(len(line) for line in lines) <= MAX_LINE_LENGTH


def test_unknown_parent_lists_a_few_names_and_counts_the_rest() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(_many_unknown_parents(30))
    first = caught.value.problems[0]
    assert first.path == "certificate_authorities[1].parent"
    assert first.message == (
        "'nope-0' is not a CA in this file; expected one of: root, ca-1, ca-2, ca-3, ca-4, "
        "ca-5, ca-6, ca-7, ca-8, ca-9 and 20 more"
    )


def test_a_huge_unknown_key_is_shown_shortened() -> None:
    text = json.dumps({"name": "x", "certificate_authorities": [ROOT_CA], "k" * 100_000: 1})
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    (problem,) = caught.value.problems
    assert len(str(problem)) < MAX_LINE_LENGTH


def test_plan_prints_the_first_problems_and_a_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "pki.json"
    config.write_text(_many_unknown_keys(500))
    assert main(["plan", "--config", str(config)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert lines[0].endswith("invalid PKI config (500 problems):")
    assert len(lines) == 1 + MAX_PROBLEMS_SHOWN + 1
    assert lines[-1] == "... and 450 more problems"


# --- regular files only ----------------------------------------------------------------------


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.pem"
    os.mkfifo(path)
    return path


def test_certificate_file_that_is_a_fifo_is_refused_without_blocking(
    tmp_path: Path, fifo: Path
) -> None:
    data = example()
    ca = data["certificate_authorities"][1]
    ca.pop("parent", None)
    ca.update(external_parent=True, certificate_file=str(fifo), chain_file=str(fifo))
    config = tmp_path / "pki.json"
    config.write_text(json.dumps(data))
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    messages = [str(p) for p in caught.value.problems]
    assert any("is a named pipe (FIFO), not a regular file" in m for m in messages), messages


@pytest.mark.parametrize(
    "argv",
    [
        ["plan", "--config", "{fifo}"],
        ["status", "--cert", "{fifo}"],
        ["revoke", "--ca-arn", "{ca}", "--cert", "{fifo}", "--reason", "KEY_COMPROMISE"],
    ],
)
def test_commands_refuse_a_fifo_instead_of_blocking(
    argv: list[str], fifo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ca = "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/" + "0" * 8 + "-0000" * 3
    ca += "-" + "0" * 12
    code = main([arg.format(fifo=fifo, ca=ca) for arg in argv])
    err = capsys.readouterr().err
    assert code == 2
    assert "is a named pipe (FIFO), not a regular file" in err
    assert len(err.strip().splitlines()) <= 2  # plan: its header and the one problem
