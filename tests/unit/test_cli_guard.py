"""`cdk-pca guard`: the shipped configs' templates, changed the ways that replace a CA, and bad input.

Templates come from the real synth of pki.yaml and examples/*.yaml; edits are made on their JSON.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from cdk_pca.cli import main
from cdk_pca.guard import compare_templates, normalise
from tests.conftest import PROJECT_ROOT
from tests.stack_support import CONFIGS, _build, synthesize


def _guard(capsys: pytest.CaptureFixture[str], *args: Any) -> tuple[int, str, str]:
    code = main(["guard", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _write(path: Path, template: dict[str, Any]) -> Path:
    path.write_text(json.dumps(template))
    return path


def _template(config: str) -> dict[str, Any]:
    return copy.deepcopy(synthesize(config).template)


def _first(template: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    return next((k, r) for k, r in template["Resources"].items() if r["Type"] == kind)


@pytest.mark.parametrize("config", CONFIGS)
def test_identical_templates_pass(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = _template(config)
    code, out, err = _guard(
        capsys, _write(tmp_path / "a.json", template), _write(tmp_path / "b.json", template)
    )
    assert (code, err) == (0, "")
    assert "no CA, CA certificate, bucket or KMS key is replaced or removed" in out


@pytest.mark.parametrize("config", CONFIGS)
def test_a_changed_subject_replaces_the_ca(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = _template(config)
    candidate = copy.deepcopy(baseline)
    logical_id, ca = _first(candidate, "AWS::ACMPCA::CertificateAuthority")
    ca["Properties"]["Subject"]["CommonName"] += " G2"
    code, out, _ = _guard(
        capsys, _write(tmp_path / "a.json", baseline), _write(tmp_path / "b.json", candidate)
    )
    assert code == 1
    assert f"{logical_id} (AWS::ACMPCA::CertificateAuthority) Subject: create-only" in out
    assert "new private key" in out


@pytest.mark.parametrize("config", CONFIGS)
def test_a_changed_key_algorithm_replaces_the_ca(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = _template(config)
    candidate = copy.deepcopy(baseline)
    logical_id, ca = _first(candidate, "AWS::ACMPCA::CertificateAuthority")
    old = ca["Properties"]["KeyAlgorithm"]
    ca["Properties"]["KeyAlgorithm"] = "RSA_2048" if old != "RSA_2048" else "RSA_4096"
    code, out, _ = _guard(
        capsys,
        "--json",
        _write(tmp_path / "a.json", baseline),
        _write(tmp_path / "b.json", candidate),
    )
    assert code == 1
    findings = json.loads(out)["findings"]
    assert {(f["logical_id"], f["property"]) for f in findings} == {(logical_id, "KeyAlgorithm")}
    assert f'"{old}"' in findings[0]["reason"]


def test_renaming_a_ca_in_the_config_removes_it_and_reissues_what_it_signed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = yaml.safe_load((PROJECT_ROOT / "pki.yaml").read_text())
    config["certificate_authorities"][0]["name"] = "corp-root"
    for ca in config["certificate_authorities"][1:]:
        if ca.get("parent") == "root":
            ca["parent"] = "corp-root"
    (tmp_path / "renamed.yaml").write_text(yaml.safe_dump(config))
    app, _ = _build(tmp_path / "renamed.yaml", nag=False)
    candidate = app.synth().directory
    baseline = synthesize("pki.yaml").template_path.parent
    code, out, err = _guard(capsys, "--json", baseline, candidate)
    assert (code, err) == (1, "")
    findings = {(f["logical_id"], f["property"]) for f in json.loads(out)["findings"]}
    assert ("RootCaFB58DBCA", "removed") in findings
    assert ("RootCaCaCertificateA02072E1", "removed") in findings
    # The issuing CA stays, but its certificate is signed by another CA now: re-issued.
    assert ("IssuingCaCaCertificateC9499F38", "CertificateAuthorityArn") in findings
    assert not any(logical_id.startswith("IssuingCaD") for logical_id, _ in findings)


def test_a_removed_bucket_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    baseline = _template("pki.yaml")
    candidate = copy.deepcopy(baseline)
    logical_id, _ = _first(candidate, "AWS::S3::Bucket")
    del candidate["Resources"][logical_id]
    code, out, _ = _guard(
        capsys, _write(tmp_path / "a.json", baseline), _write(tmp_path / "b.json", candidate)
    )
    assert code == 1
    assert f"{logical_id} (AWS::S3::Bucket) removed: the logical ID is gone" in out


def test_a_changed_kms_key_spec_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    baseline = _template("pki.yaml")
    candidate = copy.deepcopy(baseline)
    logical_id, key = _first(candidate, "AWS::KMS::Key")
    key["Properties"]["KeySpec"] = "RSA_2048"
    code, out, _ = _guard(
        capsys, _write(tmp_path / "a.json", baseline), _write(tmp_path / "b.json", candidate)
    )
    assert code == 1
    assert (
        f"{logical_id} (AWS::KMS::Key) KeySpec: create-only property changed from (absent)" in out
    )


def test_in_place_updates_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    baseline = _template("pki.yaml")
    candidate = copy.deepcopy(baseline)
    _, ca = _first(candidate, "AWS::ACMPCA::CertificateAuthority")
    ca["Properties"]["RevocationConfiguration"]["CrlConfiguration"]["ExpirationInDays"] = 3
    ca["Properties"]["Tags"].append({"Key": "team", "Value": "pki"})
    _, bucket = _first(candidate, "AWS::S3::Bucket")
    bucket["Properties"].pop("LifecycleConfiguration")
    code, _, _ = _guard(
        capsys, _write(tmp_path / "a.json", baseline), _write(tmp_path / "b.json", candidate)
    )
    assert code == 0


def test_an_end_entity_certificate_is_not_guarded() -> None:
    template = {
        "Resources": {
            "Leaf": {
                "Type": "AWS::ACMPCA::Certificate",
                "Properties": {"TemplateArn": "arn:aws:acm-pca:::template/EndEntityCertificate/V1"},
            }
        }
    }
    assert compare_templates(template, {"Resources": {}}) == []


def test_equivalent_intrinsics_are_equal() -> None:
    assert normalise({"Fn::GetAtt": "RootCa.Arn"}) == normalise({"Fn::GetAtt": ["RootCa", "Arn"]})
    assert normalise({"Fn::Join": ["", ["Example ", "Root"]]}) == "Example Root"
    assert normalise({"Fn::Sub": "Example Root"}) == "Example Root"
    assert normalise({"A": 1, "B": {"Ref": "AWS::NoValue"}}) == {"A": 1}
    assert normalise({"Ref": "RootCa"}) != normalise({"Ref": "OtherCa"})


def test_cloud_assemblies_are_matched_by_stack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    synthesized = synthesize("pki.yaml")
    baseline = shutil.copytree(synthesized.template_path.parent, tmp_path / "main")
    candidate = shutil.copytree(synthesized.template_path.parent, tmp_path / "branch")
    code, _, _ = _guard(capsys, baseline, candidate)
    assert code == 0
    template_file = candidate / synthesized.template_path.name
    template = json.loads(template_file.read_text())
    _, ca = _first(template, "AWS::ACMPCA::CertificateAuthority")
    ca["Properties"]["UsageMode"] = "SHORT_LIVED_CERTIFICATE"
    template_file.write_text(json.dumps(template))
    code, out, _ = _guard(capsys, baseline, candidate)
    assert code == 1
    assert out.startswith("example-pki: ")
    assert "UsageMode" in out


@pytest.mark.parametrize(
    ("make_inputs", "message"),
    [
        (lambda d: (d / "missing.json", d / "b.json"), "no such template file"),
        (lambda d: (_text(d / "a.json", "{not json"), d / "b.json"), "not a JSON template (line 1"),
        (lambda d: (_text(d / "a.json", '{"A": 1}'), d / "b.json"), "no Resources object"),
        (lambda d: (d, d / "b.json"), "two template files or two cloud assembly folders"),
        (lambda d: (d, d), "not a cloud assembly folder (no manifest.json)"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    make_inputs: Any, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path / "b.json", {"Resources": {}})
    code, out, err = _guard(capsys, *make_inputs(tmp_path))
    assert (code, out) == (2, "")
    assert err.startswith("cdk-pca guard: error: ")
    assert message in err
    assert err.count("\n") == 1


def _text(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_the_console_script_exits_1_on_a_finding(tmp_path: Path) -> None:
    baseline = _template("pki.yaml")
    candidate = copy.deepcopy(baseline)
    logical_id, _ = _first(candidate, "AWS::ACMPCA::CertificateAuthority")
    del candidate["Resources"][logical_id]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cdk_pca",
            "guard",
            _write(tmp_path / "a.json", baseline),
            _write(tmp_path / "b.json", candidate),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert f"{logical_id} (AWS::ACMPCA::CertificateAuthority) removed" in result.stdout


def test_a_ca_moved_to_another_stack_is_named_as_moved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # What the organization example becomes when `workloads` is put in environment `security`:
    # its CA leaves org-pki-workloads and is new in org-pki-security.
    synthesized = synthesize("examples/organization.yaml:org-pki-workloads")
    baseline = shutil.copytree(synthesized.template_path.parent, tmp_path / "main")
    candidate = shutil.copytree(synthesized.template_path.parent, tmp_path / "branch")
    source = candidate / "org-pki-workloads.template.json"
    target = candidate / "org-pki-security.template.json"
    moving, into = json.loads(source.read_text()), json.loads(target.read_text())
    logical_id, ca = _first(moving, "AWS::ACMPCA::CertificateAuthority")
    del moving["Resources"][logical_id]
    into["Resources"]["Moved" + logical_id] = ca
    source.write_text(json.dumps(moving))
    target.write_text(json.dumps(into))

    code, out, _ = _guard(capsys, baseline, candidate)
    assert code == 1
    (line,) = [
        line
        for line in out.splitlines()
        if line.startswith(f"org-pki-workloads: {logical_id} (AWS::ACMPCA::CertificateAuthority)")
    ]
    assert " removed: the CA moves to stack org-pki-security (as Moved" in line
    assert "new private key" in line
