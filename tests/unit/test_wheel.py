"""The package as another team installs it: the built wheel in a fresh venv synthesizes an app.

The venv sees the project's dependencies through a .pth line, but not its editable cdk_pca finder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

from tests.conftest import PROJECT_ROOT

_APP = textwrap.dedent(
    """
    import json, sys
    import aws_cdk as cdk
    import cdk_pca
    from cdk_pca import CaSubject, PkiStack, PrivateCertificateAuthority
    from cdk_pca.config import load_config

    try:
        import stacks  # noqa: F401
        sys.exit("a top-level `stacks` package is importable")
    except ModuleNotFoundError:
        pass
    app = cdk.App()
    pki = PkiStack(app, "Pki", config=load_config("pki.yaml"))
    own = cdk.Stack(app, "Own")
    PrivateCertificateAuthority(
        own, "TeamRootCa", ca_type="ROOT", subject=CaSubject(common_name="Team Root CA"),
        validity_days=3650,
    )
    assembly = app.synth()
    print(json.dumps({
        "cdk_pca": cdk_pca.__file__,
        "issuing": pki.certificate_authorities["issuing"].node.path,
        "stacks": sorted(s.stack_name for s in assembly.stacks),
    }))
    """
)


def _run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_wheel_installs_cdk_pca_without_stacks_and_synthesizes_an_app(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT_ROOT / name, source / name)
    shutil.copytree(
        PROJECT_ROOT / "cdk_pca", source / "cdk_pca", ignore=shutil.ignore_patterns("__pycache__")
    )
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-q",
        "-w",
        tmp_path / "dist",
        source,
    )
    (wheel,) = (tmp_path / "dist").glob("cdk_pca-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "cdk_pca/pki_stack.py" in names
    assert "cdk_pca/runtime/lookup_handler.py" in names
    assert not [n for n in names if n.startswith("stacks/")]

    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel)
    # The project's dependencies (aws-cdk-lib, ...) without its editable cdk_pca: a plain path
    # line in a .pth file adds the folder but does not run the .pth files inside it.
    site_packages = Path(
        _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    )
    (site_packages / "project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    app_dir = tmp_path / "app"
    app_dir.mkdir()
    shutil.copy(PROJECT_ROOT / "pki.yaml", app_dir / "pki.yaml")
    (app_dir / "app.py").write_text(_APP)
    env = {**os.environ, "CDK_OUTDIR": str(app_dir / "cdk.out")}
    node = PROJECT_ROOT / "node_modules" / ".bin" / "node"
    if node.exists():
        env["JSII_NODE"] = str(node)
    env.pop("PYTHONPATH", None)
    out = _run(python, "app.py", cwd=app_dir, env=env)
    report = json.loads(out.strip().splitlines()[-1])
    assert report["cdk_pca"].startswith(str(site_packages))
    assert report["issuing"] == "Pki/IssuingCa"
    assert report["stacks"] == ["Own", "Pki"]
    assert (app_dir / "cdk.out" / "Pki.template.json").exists()
