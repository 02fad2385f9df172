"""The real CDK CLI runs the app: a clean synth of pki.yaml, and a bad config that writes nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from cdk_pca.cli.plan_organization import estimate_resources
from cdk_pca.config import load_config
from tests.conftest import PROJECT_ROOT, run_in_project

CDK = PROJECT_ROOT / "node_modules" / ".bin" / "cdk"


def _cdk_synth(tmp_path: Path, config: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PATH"] = f"{PROJECT_ROOT / 'node_modules' / '.bin'}{os.pathsep}{env['PATH']}"
    env["CDK_DISABLE_VERSION_CHECK"] = "1"
    return run_in_project(
        [
            str(CDK),
            "synth",
            "--quiet",
            "--no-notices",
            "-o",
            str(tmp_path / "out"),
            "-c",
            f"config={config}",
        ],
        env=env,
        timeout=300,
    )


def test_cdk_synth_of_the_default_config_is_clean(tmp_path: Path) -> None:
    result = _cdk_synth(tmp_path, "pki.yaml")
    assert result.returncode == 0, result.stderr
    template = json.loads((tmp_path / "out" / "example-pki.template.json").read_text())
    # `plan`'s resource count is what the CLI writes, CDK's own metadata resource included.
    config = load_config(PROJECT_ROOT / "pki.yaml")
    assert "AWS::CDK::Metadata" in {resource["Type"] for resource in template["Resources"].values()}
    assert len(template["Resources"]) == estimate_resources(config, config.certificate_authorities)
    # No Node end-of-life banner, no warnings: the app runs on the pinned Node 22.
    assert "end-of-life" not in result.stderr
    assert "WARNING" not in result.stderr, result.stderr


def test_cdk_synth_of_a_bad_config_fails_and_leaves_no_template(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    shutil.copy(PROJECT_ROOT / "pki.yaml", bad)
    bad.write_text(
        bad.read_text()
        .replace("expiration_days: 7", "expiration_days: 0", 1)
        .replace("country: US", "country: XX", 1)
    )
    # A template an earlier, successful synth left in the output folder: after this failed synth
    # nothing deployable may remain there (DESIGN.md: nothing half-written).
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "example-pki.template.json").write_text("{}")
    result = _cdk_synth(tmp_path, str(bad))
    assert result.returncode != 0
    assert "certificate_authorities[0].crl.expiration_days" in result.stderr
    assert "certificate_authorities[0].subject.country" in result.stderr
    assert "Traceback" not in result.stderr
    assert not list((tmp_path / "out").glob("*.template.json"))
