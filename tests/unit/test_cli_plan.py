"""`cdk-pca plan`: the hierarchy tree, CRL and OCSP URLs, alarms and cost; bad configs exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cdk_pca.cli import main
from tests.unit.config_helpers import edit, example

ROOT = Path(__file__).resolve().parents[2]


def _plan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["plan", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_plan_of_the_default_config_shows_tree_urls_renewals_and_cost(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = _plan(capsys)
    assert (code, err) == (0, "")
    assert "└── root  ROOT · RSA_4096 / SHA512WITHRSA · 3650 days · GENERAL_PURPOSE" in out
    assert (
        "    └── issuing  SUBORDINATE · EC_prime256v1 / SHA256WITHECDSA · 1825 days · "
        "GENERAL_PURPOSE" in out
    )
    assert "signed by: root (SubordinateCACertificate_PathLen0/V1)" in out
    assert "CRL: http://<cloudfront-domain>/crl/<root-ca-id>.crl (valid 7 days)" in out
    assert "CRL: http://<cloudfront-domain>/crl/<issuing-ca-id>.crl (valid 7 days)" in out
    assert "OCSP: http://ocsp.acm-pca.us-east-1.amazonaws.com" in out
    assert "ACM renewals: allowed" in out
    assert "Estimated monthly cost: 800 USD" in out


def test_plan_shows_the_alarm_thresholds_of_the_config(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = example()
    data["alarms"] = {
        "days_to_expiry": 21,
        "certificate_authorities": {
            "issuing": {"issuance_failures": {"threshold": 3, "period_minutes": 15}},
            "root": {"enabled": False},
        },
    }
    path = tmp_path / "pki.yaml"
    path.write_text(yaml.safe_dump(data))
    code, out, _ = _plan(capsys, "--config", str(path))
    assert code == 0
    assert ">= 3 failures in 15 min" in out
    assert "disabled" in out
    assert "<= 21 days to expiry" in out
    assert "certificates the stack knows (web)" in out
    assert "web" in out and "domain=www.example.com" in out


def test_plan_uses_custom_names_and_paths_in_urls(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = edit(
        example(),
        "certificate_authorities[1].crl",
        {"enabled": True, "custom_cname": "crl.example.com", "custom_path": "pki/crl"},
    )
    edit(data, "certificate_authorities[1].ocsp.custom_cname", "ocsp.example.com")
    path = tmp_path / "pki.yaml"
    path.write_text(yaml.safe_dump(data))
    code, out, _ = _plan(capsys, "--config", str(path), "--json")
    assert code == 0
    issuing = json.loads(out)["certificate_authorities"][1]
    assert issuing["crl"]["url"] == "http://crl.example.com/pki/crl/<issuing-ca-id>.crl"
    assert issuing["ocsp"]["url"] == "http://ocsp.example.com"
    assert json.loads(out)["ocsp_distribution"] == {
        "domain_names": ["ocsp.example.com"],
        "origin": "acm-pca-ocsp.us-east-1.api.aws",
        "certificate_arn": None,
        "dns": "CNAME each name to the OcspDomainName output",
    }


def test_plan_lists_the_ocsp_distribution_of_the_example_with_custom_ocsp_names(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _plan(capsys, "--config", str(ROOT / "examples/three-tier-external-root.yaml"))
    assert code == 0
    assert (
        "OCSP distribution (CloudFront): ocsp.pki.example.com -> acm-pca-ocsp.eu-west-1.api.aws"
        in out
    )
    assert "alternate domain names with the certificate" in out
    code, out, _ = _plan(capsys, "--config", str(ROOT / "pki.yaml"), "--json")
    assert json.loads(out)["ocsp_distribution"] is None


def test_plan_of_the_external_root_example_shows_the_phase(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _plan(capsys, "--config", str(ROOT / "examples/three-tier-external-root.yaml"))
    assert code == 0
    assert "external parent (outside AWS)" in out
    assert "phase 1: deploys the CA and outputs its CSR" in out
    assert "http://<cloudfront-domain>/pki/clients/<crl-partition-id>.crl" in out
    code, out, _ = _plan(
        capsys, "--config", str(ROOT / "examples/three-tier-external-root-phase2.yaml")
    )
    assert "phase 2: imports intermediate.pem with chain external-root-chain.pem" in out


def test_plan_json_is_one_object_with_hierarchy_alarms_and_cost(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _plan(
        capsys, "--config", str(ROOT / "examples/short-lived-issuing.yaml"), "--json"
    )
    assert code == 0
    plan = json.loads(out)
    assert [ca["name"] for ca in plan["certificate_authorities"]] == ["root", "issuing"]
    issuing = plan["certificate_authorities"][1]
    assert issuing["usage_mode"] == "SHORT_LIVED_CERTIFICATE"
    assert issuing["crl"] == {"enabled": False}
    assert issuing["path_len"] == 0
    assert plan["monthly_cost_usd"] == {"total": 450, "per_ca": {"root": 400, "issuing": 50}}
    assert {"alarm": "all alarms", "scope": "root", "condition": "disabled"} in plan["alarms"]


def test_plan_of_a_bad_config_prints_every_problem_and_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = edit(example(), "certificate_authorities[0].key_algorithm", "RSA_1024")
    edit(data, "certificate_authorities[1].parent", "nope")
    path = tmp_path / "pki.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    code, out, err = _plan(capsys, "--config", str(path))
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert lines[0] == f"cdk-pca plan: error: {path}: invalid PKI config (2 problems):"
    assert lines[1].startswith("certificate_authorities[0].key_algorithm: 'RSA_1024'")
    assert lines[2].startswith("certificate_authorities[1].parent: 'nope' is not a CA")
    assert len(lines) == 3


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "does not exist"),
        ("", "is empty"),
        ("name: [unclosed\n", "malformed YAML at line 2"),
        ("- a list\n", "holds a list"),
    ],
)
def test_plan_of_an_unusable_file_exits_2_without_traceback(
    tmp_path: Path, content: str | None, expected: str
) -> None:
    path = tmp_path / "pki.yaml"
    if content is not None:
        path.write_text(content)
    result = subprocess.run(
        [sys.executable, "-m", "cdk_pca", "plan", "--config", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert expected in result.stderr
    assert result.stdout == ""


def test_plan_refuses_first_what_synth_would_refuse(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Each of these used to pass `plan` and fail only in `cdk synth` (or at deploy).
    data = edit(example(), "certificate_authorities[1].tags", {f"k{i}": "v" for i in range(50)})
    edit(data, "certificate_authorities[0].crl.custom_path", "crl/*")
    edit(data, "certificate_authorities[0].subject.organization", "{{resolve:ssm:/org}}")
    path = tmp_path / "pki.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    code, out, err = _plan(capsys, "--config", str(path))
    assert (code, out) == (2, "")
    lines = err.splitlines()[1:]
    assert [line.split(":")[0] for line in lines] == [
        "certificate_authorities[0].subject.organization",
        "certificate_authorities[0].crl.custom_path",
        "certificate_authorities[1].tags",
    ]
