"""The placement record: a CA moved to another stack (environment, account, region, name) is refused
unless `moved_from` names where the record says it was; the record is written after a good synth."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import aws_cdk
import pytest
import yaml

from cdk_pca.config import ConfigError, load_config
from cdk_pca.config.placements import (
    accepted_moves,
    read_record,
    record_path,
    write_record,
)
from tests.unit.test_app import _load_app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "organization.yaml"


@pytest.fixture
def org(tmp_path: Path) -> Path:
    """The organization example in a folder of its own, with its record written."""
    path = tmp_path / "org.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    assert write_record(path, load_config(path)) == tmp_path / "org.placements.json"
    return path


def edit(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def ca(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(entry for entry in data["certificate_authorities"] if entry["name"] == name)


def problems(path: Path) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return {problem.path: problem.message for problem in caught.value.problems}


def test_the_record_holds_each_cas_stack_account_and_region(org: Path) -> None:
    record = read_record(record_path(org))
    assert record is not None
    assert record["workloads"].stack == "org-pki-workloads"
    assert (record["workloads"].account, record["workloads"].region) == (
        "222222222222",
        "us-east-1",
    )
    assert record["issuing-eu"].environment == "security-eu"
    # The example's own record, committed beside it, is what a synth of it writes.
    assert record_path(org).read_text() == record_path(EXAMPLE).read_text()


def test_an_unchanged_config_rewrites_nothing(org: Path) -> None:
    record = record_path(org)
    os.utime(record, (1_000_000_000, 1_000_000_000))
    write_record(org, load_config(org))
    assert record.stat().st_mtime == 1_000_000_000


def test_moving_a_ca_to_another_environment_is_refused(org: Path) -> None:
    def move(data: dict[str, Any]) -> None:
        ca(data, "issuing-us")["environment"] = "security-eu"

    edit(org, move)
    found = problems(org)
    message = found["certificate_authorities[1].environment"]
    assert "'security-eu' moves CA 'issuing-us'" in message
    assert "org-pki-security," in message and "org-pki-security-eu" in message
    assert "new private key" in message
    assert "moved_from: security" in message
    assert str(record_path(org)) in message


def test_moved_from_naming_the_recorded_environment_accepts_the_move(org: Path) -> None:
    def move(data: dict[str, Any]) -> None:
        ca(data, "issuing-us")["environment"] = "security-eu"
        ca(data, "issuing-us")["moved_from"] = "security"

    edit(org, move)
    config = load_config(org)
    ((name, before, after),) = accepted_moves(config, read_record(record_path(org)))
    assert (name, before.stack, after.stack) == (
        "issuing-us",
        "org-pki-security",
        "org-pki-security-eu",
    )
    # After the synth the record holds the new place; the move is no longer pending.
    write_record(org, config)
    record = read_record(record_path(org))
    assert record is not None and record["issuing-us"].stack == "org-pki-security-eu"
    assert accepted_moves(load_config(org), record) == []


def test_moved_from_naming_another_environment_is_refused(org: Path) -> None:
    def move(data: dict[str, Any]) -> None:
        ca(data, "issuing-us")["environment"] = "security-eu"
        ca(data, "issuing-us")["moved_from"] = "workloads"

    edit(org, move)
    message = problems(org)["certificate_authorities[1].moved_from"]
    assert "'workloads' does not name where CA 'issuing-us' was" in message
    assert "expected moved_from: security" in message


def test_an_environments_new_account_or_region_moves_its_cas(org: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["environments"]["workloads"]["account"] = "333333333333"
        data["environments"]["security-eu"]["region"] = "eu-central-1"

    edit(org, change)
    found = problems(org)
    assert "account 333333333333" in found["certificate_authorities[3].environment"]
    assert "region eu-central-1" in found["certificate_authorities[2].environment"]


def test_renaming_the_config_moves_every_ca(org: Path) -> None:
    edit(org, lambda data: data.update(name="acme-pki"))
    assert len(problems(org)) == 4


def test_leaving_environments_behind_moves_the_cas_into_the_single_stack(tmp_path: Path) -> None:
    path = tmp_path / "pki.yaml"
    data = yaml.safe_load((ROOT / "pki.yaml").read_text(encoding="utf-8"))
    single = yaml.safe_dump(data, sort_keys=False)
    data.pop("region", None)
    for entry in data["certificate_authorities"]:
        entry["environment"] = "main"
    data["environments"] = {"main": {"account": "111111111111", "region": "us-east-1"}}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    write_record(path, load_config(path))
    path.write_text(single, encoding="utf-8")
    found = problems(path)
    assert "the single stack (stack example-pki" in found["certificate_authorities[0].environment"]
    assert "moved_from: main" in found["certificate_authorities[0].environment"]


def test_a_single_stack_config_without_a_record_writes_none(tmp_path: Path) -> None:
    path = tmp_path / "pki.yaml"
    path.write_text((ROOT / "pki.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert write_record(path, load_config(path)) is None
    assert sorted(item.name for item in tmp_path.iterdir()) == ["pki.yaml"]


def test_a_move_is_reported_with_every_other_problem(org: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        ca(data, "issuing-us")["environment"] = "security-eu"
        ca(data, "root")["validity_days"] = 0

    edit(org, change)
    found = problems(org)
    assert "certificate_authorities[0].validity_days" in found
    assert "certificate_authorities[1].environment" in found


@pytest.mark.parametrize(
    "text",
    [
        "{",
        "[]",
        json.dumps({"format": 2, "certificate_authorities": {}}),
        json.dumps({"format": 1, "certificate_authorities": {"root": {"region": "x"}}}),
        json.dumps(
            {"format": 1, "certificate_authorities": {"root": {"stack": "s", "account": 1}}}
        ),
    ],
)
def test_an_unreadable_record_is_one_clear_error(org: Path, text: str) -> None:
    record_path(org).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(org)
    (problem,) = caught.value.problems
    assert f"placement record {record_path(org)} is not readable" in problem.message
    assert "restore it from version control" in problem.message


def test_the_app_records_after_a_synth_and_refuses_the_move_next_time(
    org: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # app.py's own wiring; the stacks themselves are the organization tests' (built elsewhere).
    app = _load_app()
    record_path(org).unlink()
    # jsii's Node process reads CDK_CONTEXT_JSON once, when it starts: hand the app its context.
    context, real_app = {"config": str(org)}, aws_cdk.App
    monkeypatch.setattr(
        app.cdk, "App", lambda: real_app(context=context, outdir=str(tmp_path / "out"))
    )
    built: list[str] = []
    monkeypatch.setattr(
        app, "build_pki_stacks", lambda _app, config, **_: built.append(config.name)
    )
    monkeypatch.setattr(app, "_exit_without_waiting_for_node", lambda: None)

    app.main()
    assert built == ["org-pki"]
    assert record_path(org).read_text() == record_path(EXAMPLE).read_text()

    edit(org, lambda data: ca(data, "workloads").update(environment="security"))
    with pytest.raises(SystemExit) as exited:
        app.main()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "certificate_authorities[3].environment: 'security' moves CA 'workloads'" in err
    assert "Traceback" not in err
    assert built == ["org-pki"]  # refused before any stack was built
    # The refused synth left the record as it was.
    assert record_path(org).read_text() == record_path(EXAMPLE).read_text()


def test_a_folder_the_app_cannot_write_warns_and_keeps_the_synth(
    org: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app = _load_app()

    def refuse(*_: Any) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(app, "write_record", refuse)
    app._record_placements(str(org), load_config(org))
    assert "warning: the placement record was not written" in capsys.readouterr().err


def test_plan_shows_an_intended_move_and_refuses_an_unintended_one(
    org: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cdk_pca.cli import main

    edit(org, lambda data: ca(data, "issuing-us").update(environment="security-eu"))
    assert main(["plan", "--config", str(org)]) == 2
    assert (
        "certificate_authorities[1].environment: 'security-eu' moves CA" in capsys.readouterr().err
    )

    edit(org, lambda data: ca(data, "issuing-us").update(moved_from="security"))
    assert main(["plan", "--config", str(org), "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["moves"] == [
        {"ca": "issuing-us", "from": "org-pki-security", "to": "org-pki-security-eu"}
    ]
    assert any("moves from stack org-pki-security to" in warning for warning in plan["warnings"])
    # plan reads the record, never writes it.
    assert read_record(record_path(org))["issuing-us"].stack == "org-pki-security"  # type: ignore[index]
