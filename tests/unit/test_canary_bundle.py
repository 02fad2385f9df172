"""The canary Lambda's asset: its package files, cryptography wheels for linux arm64, no aws_cdk.

Host Python cannot load aarch64 binaries, so the wheels are checked by their tags and ELF header,
and the asset's own cdk_pca package is imported with the host's cryptography.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cdk_pca import canary_bundle
from tests.conftest import PROJECT_ROOT


@pytest.fixture(scope="module")
def asset() -> Path:
    return Path(canary_bundle.stage_asset(str(canary_bundle.default_dependencies_directory())))


def test_make_setup_prebuilt_the_dependencies_in_the_checkout() -> None:
    found = canary_bundle.default_dependencies_directory()
    assert found == PROJECT_ROOT / "build" / "canary-lambda" / canary_bundle.dependencies_key()
    assert (found / "cryptography").is_dir()


def test_asset_holds_the_canary_modules_and_no_aws_cdk(asset: Path) -> None:
    for relative in canary_bundle.PACKAGE_FILES:
        assert (asset / "cdk_pca" / relative).read_bytes() == (
            PROJECT_ROOT / "cdk_pca" / relative
        ).read_bytes(), relative
    assert "import" not in (asset / "cdk_pca" / "__init__.py").read_text()
    top = {path.name for path in asset.iterdir()}
    assert not {"aws_cdk", "boto3", "botocore", "constructs", "jsii", "bin", "__pycache__"} & top


def test_asset_wheels_are_the_pins_built_for_lambda_linux_arm64(asset: Path) -> None:
    wheels = {path.parent.name: path.read_text() for path in asset.glob("*.dist-info/WHEEL")}
    assert set(wheels) == {
        "cryptography-50.0.2.dist-info",
        "cffi-2.1.1.dist-info",
        "pycparser-3.12.dist-info",
    }
    # At most manylinux 2_34: the glibc of Amazon Linux 2023, which python3.14 runs on.
    assert "Tag: cp311-abi3-manylinux_2_34_aarch64" in wheels["cryptography-50.0.2.dist-info"]
    assert "Tag: cp314-cp314-manylinux2014_aarch64" in wheels["cffi-2.1.1.dist-info"]
    assert "Tag: py3-none-any" in wheels["pycparser-3.12.dist-info"]
    for binary in (
        asset / "cryptography" / "hazmat" / "bindings" / "_rust.abi3.so",
        asset / "_cffi_backend.cpython-314-aarch64-linux-gnu.so",
    ):
        header = binary.read_bytes()[:20]
        assert header[:4] == b"\x7fELF", binary
        assert int.from_bytes(header[18:20], "little") == 183, binary  # EM_AARCH64


def test_asset_package_imports_without_aws_cdk_or_boto3(asset: Path, tmp_path: Path) -> None:
    # The asset's cdk_pca alone (its wheels are aarch64), with the host's pinned cryptography.
    shutil.copytree(asset / "cdk_pca", tmp_path / "cdk_pca")
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import cdk_pca.runtime.canary_handler, cdk_pca.canary, cdk_pca;"
        "assert cdk_pca.__file__.startswith(sys.argv[1]), cdk_pca.__file__;"
        "loaded = {name.split('.')[0] for name in sys.modules};"
        "assert not loaded & {'aws_cdk', 'boto3', 'botocore', 'jsii'}, loaded"
    )
    completed = subprocess.run(
        [sys.executable, "-I", "-c", probe, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr


def test_lambda_pins_are_the_pins_of_requirements() -> None:
    pinned = {
        line.split("==")[0].lower(): line.strip()
        for line in (PROJECT_ROOT / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    for requirement in canary_bundle.LAMBDA_REQUIREMENTS:
        assert pinned[requirement.split("==")[0]] == requirement


def test_pip_installs_only_binary_wheels_for_the_lambda_platform(tmp_path: Path) -> None:
    command = canary_bundle.pip_command(tmp_path)
    assert command[:4] == [sys.executable, "-m", "pip", "install"]
    assert "--only-binary=:all:" in command
    assert command[command.index("--python-version") + 1] == "3.14"
    assert command[command.index("--target") + 1] == str(tmp_path)
    platforms = [command[i + 1] for i, arg in enumerate(command) if arg == "--platform"]
    assert platforms[0] == "manylinux_2_34_aarch64"
    assert all(platform.endswith("_aarch64") for platform in platforms)


def test_a_failed_build_is_one_clear_error_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing = [sys.executable, "-c", "import sys; sys.exit('ERROR: No matching distribution')"]
    monkeypatch.setattr(canary_bundle, "pip_command", lambda target: failing)
    target = tmp_path / "deps"
    with pytest.raises(canary_bundle.CanaryBundleError) as caught:
        canary_bundle.build_dependencies(target)
    message = str(caught.value)
    assert "pip could not install it into" in message
    assert "ERROR: No matching distribution" in message
    assert "python -m cdk_pca.canary_bundle" in message
    assert list(tmp_path.iterdir()) == []  # neither the target nor pip's staging folder


def test_an_incomplete_dependencies_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(canary_bundle.CanaryBundleError, match="does not hold cryptography"):
        canary_bundle.stage_asset(str(tmp_path))


def test_cli_reports_a_failed_build_on_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        canary_bundle, "pip_command", lambda target: [sys.executable, "-c", "raise SystemExit(3)"]
    )
    assert canary_bundle.main(["--directory", str(tmp_path / "deps")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cdk-pca canary bundle: error: ")
    assert err.count("\n") == 1
