"""`cdk-pca plan` for a config with environments and shares: stacks, counts, templates, warnings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cdk_pca.cli import main

EXAMPLE = "examples/organization.yaml"


def _plan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["plan", "--config", EXAMPLE, *args])
    return code, capsys.readouterr().out


def test_plan_lists_each_environments_stack_resources_and_cost(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = _plan(capsys, "--json")
    assert code == 0
    assert json.loads(out)["stack_name"] is None  # no stack is named after the PKI alone
    rows = {row["stack_name"]: row for row in json.loads(out)["environments"]}
    assert list(rows) == ["org-pki-security", "org-pki-security-eu", "org-pki-workloads"]
    assert rows["org-pki-security"]["monthly_cost_usd"] == 800
    assert rows["org-pki-workloads"]["depends_on"] == ["org-pki-security"]
    assert all(row["within_limits"] and row["resources"] > 20 for row in rows.values())


def test_plan_shows_the_templates_each_share_allows(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = _plan(capsys, "--json")
    sharing = {row["ca"]: row for row in json.loads(out)["sharing"]}
    assert sharing["root"]["templates_allowed"] == [
        "arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen0/V1"
    ]
    assert sharing["root"]["shares"][0]["principals"] == ["222222222222"]
    assert sharing["issuing-us"]["templates_allowed"] == [
        "arn:aws:acm-pca:::template/BlankEndEntityCertificate_APICSRPassthrough/V1",
        "arn:aws:acm-pca:::template/EndEntityCertificate/V1",
    ]


def test_plan_warns_where_a_consumer_would_meet_access_denied(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out = _plan(capsys, "--json")
    warnings = json.loads(out)["sharing_warnings"]
    assert any("EndEntityServerAuthCertificate/V1" in w and "AccessDenied" in w for w in warnings)
    # The PathLen0 share of the root is for a child CA, not for consumers of leaf certificates.
    assert not any(w.startswith("root:") for w in warnings)


def test_plan_states_what_the_shares_need_of_the_accounts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out = _plan(capsys, "--json")
    needs = json.loads(out)["sharing_requirements"]
    # The root's PathLen0 share with the workloads account, allow_external_principals false.
    assert (
        "root: account 222222222222 gets the share only if it is in the organization of "
        "account 111111111111 (allow_external_principals is false)"
    ) in needs[0]
    assert any(
        n.startswith("issuing-us: sharing with an organization or OU needs RAM sharing")
        for n in needs
    )
    _, text = _plan(capsys)
    assert "note: root: account 222222222222" in text


def test_plan_text_names_stacks_and_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _plan(capsys)
    assert code == 0
    assert "org-pki-security-eu" in out and "AWS RAM shares" in out
    assert "warning:" in out and "/ 500" in out
    assert "stacks org-pki-security, org-pki-security-eu, org-pki-workloads" in out
    assert "stack org-pki," not in out


def test_a_default_permission_share_warns_about_csr_passthrough_consumers(
    capsys: pytest.CaptureFixture[str],
    tmp_path,
) -> None:
    config = tmp_path / "pki.yaml"
    config.write_text(
        Path("pki.yaml")
        .read_text()
        .replace(
            "    acm_renewals: true",
            '    acm_renewals: true\n    sharing: {principals: ["333333333333"]}',
            1,
        )
    )
    assert main(["plan", "--config", str(config), "--json"]) == 0
    warnings = json.loads(capsys.readouterr().out)["sharing_warnings"]
    assert any("BlankEndEntityCertificate_APICSRPassthrough/V1" in w for w in warnings)


def test_doctor_with_environments_and_no_credentials_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # doctor checks each environment's stack (tests/unit/test_organization_environments.py);
    # without credentials it can check none, and says so in one line.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    assert main(["doctor", "--config", EXAMPLE]) == 2
    err = capsys.readouterr().err
    assert "credentials" in err
    assert len(err.strip().splitlines()) == 1
