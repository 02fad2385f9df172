"""The revocation canary Lambda's code: cdk_pca's canary modules plus cryptography built for Lambda.

Plain Python (no aws_cdk). `make setup` runs `python -m cdk_pca.canary_bundle` once, so synth is offline.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Final

# The canary runs on Lambda's python3.14 runtime, arm64, as the lookup Lambda does. That runtime is
# Amazon Linux 2023 (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html), whose C
# library is glibc 2.34 (https://docs.aws.amazon.com/linux/al2023/ug/core-glibc.html): wheels
# tagged manylinux up to 2_34 run there.
LAMBDA_PYTHON_VERSION: Final = "3.14"
LAMBDA_PLATFORMS: Final = (
    "manylinux_2_34_aarch64",
    "manylinux_2_28_aarch64",
    "manylinux_2_17_aarch64",
    "manylinux2014_aarch64",
)
# Lambda's Python runtime brings the interpreter and the AWS SDK (boto3) only: "If you need any
# library ... you need to include it in the deployment package" (re:Post answer, and the packaging
# guide https://docs.aws.amazon.com/lambda/latest/dg/python-package.html). cryptography has native
# code (Rust, and cffi's C module), so it is installed as wheels built for the function's platform.
# The pins are those of requirements.txt (a test holds them equal).
LAMBDA_REQUIREMENTS: Final = ("cryptography==50.0.2", "cffi==2.1.1", "pycparser==3.12")

# The package files the canary imports: the handler, check_certificate_authority and the CRL and
# OCSP verification it shares with `cdk-pca status`. No aws_cdk, no boto3 at import.
PACKAGE_FILES: Final = (
    "canary.py",
    "files.py",
    "runtime/__init__.py",
    "runtime/canary_handler.py",
    "revocation/__init__.py",
    "revocation/certificates.py",
    "revocation/crl.py",
    "revocation/fetch.py",
    "revocation/names.py",
    "revocation/ocsp.py",
    "revocation/result.py",
    "revocation/signatures.py",
)
DEFAULT_BUILD_ROOT: Final = Path("build") / "canary-lambda"
_PIP_TIMEOUT_SECONDS: Final = 30


class CanaryBundleError(RuntimeError):
    """The canary's dependencies could not be found or built; the message says what to do."""


def dependencies_key() -> str:
    """A folder name that changes with the runtime, the platforms or any pin."""
    digest = hashlib.sha256("\n".join((*LAMBDA_PLATFORMS, *LAMBDA_REQUIREMENTS)).encode())
    # No dots: CDK names a staged asset after its source's "extension".
    return f"cp{LAMBDA_PYTHON_VERSION.replace('.', '')}-arm64-{digest.hexdigest()[:12]}"


def default_dependencies_directory(build_root: Path | None = None) -> Path:
    """Where the dependencies are looked for, and built when absent: `build_root`/<key>, else
    build/canary-lambda/<key> of the source checkout this package runs from (what `make setup`
    fills) when it is complete there, else the same under the working folder (the CDK CLI runs
    the app there, so a library user's first synth builds them in its own project)."""
    if build_root is not None:
        return build_root / dependencies_key()
    checkout = Path(__file__).resolve().parent.parent / DEFAULT_BUILD_ROOT / dependencies_key()
    if _is_complete(checkout):
        return checkout
    return Path.cwd() / DEFAULT_BUILD_ROOT / dependencies_key()


def pip_command(target: Path) -> list[str]:
    """pip installing the pinned wheels for Lambda arm64 into `target`, whatever the host is."""
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    for platform in LAMBDA_PLATFORMS:
        command += ["--platform", platform]
    command += [
        "--python-version",
        LAMBDA_PYTHON_VERSION,
        "--implementation",
        "cp",
        "--only-binary=:all:",
        "--no-compile",
        "--timeout",
        str(_PIP_TIMEOUT_SECONDS),
        "--retries",
        "1",
        "--target",
        str(target),
        *LAMBDA_REQUIREMENTS,
    ]
    return command


def build_dependencies(directory: Path) -> Path:
    """Install the pinned wheels into `directory` (once: an existing complete folder is kept).

    pip writes into a sibling temporary folder that is renamed when complete, so a failed or
    interrupted build leaves nothing half-written behind.
    """
    if _is_complete(directory):
        return directory
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        completed = subprocess.run(
            pip_command(staging), capture_output=True, text=True, check=False
        )
        if completed.returncode != 0:
            detail = (completed.stderr or completed.stdout).strip().splitlines()
            raise CanaryBundleError(
                "the revocation canary needs cryptography built for Lambda (linux arm64, "
                f"python{LAMBDA_PYTHON_VERSION}) and pip could not install it into {directory}: "
                f"{detail[-1] if detail else f'pip exited {completed.returncode}'}. Run "
                "`python -m cdk_pca.canary_bundle` once with access to PyPI (make setup does), "
                "or pass dependencies_directory to RevocationCanary"
            )
        shutil.rmtree(staging / "bin", ignore_errors=True)  # console scripts: not for Lambda
        try:
            staging.rename(directory)
        except OSError:
            if not _is_complete(directory):  # another process finished first: keep its copy
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return directory


def _is_complete(directory: Path) -> bool:
    return all(
        any(directory.glob(f"{pin.replace('==', '-')}.dist-info")) for pin in LAMBDA_REQUIREMENTS
    )


@functools.cache
def stage_asset(dependencies_directory: str) -> str:
    """A directory holding the canary's package files and its dependencies, made once per content.

    It sits beside the dependencies, named by a hash of the package files, so later synths reuse
    it without copying; it is written under a temporary name and renamed when complete. A stub
    `cdk_pca/__init__.py` keeps the asset free of the library's exports (and of aws_cdk). The
    dependencies are hard-linked where the file system allows it (copied otherwise).
    """
    dependencies = Path(dependencies_directory)
    if not _is_complete(dependencies):
        raise CanaryBundleError(
            f"{dependencies} does not hold {', '.join(LAMBDA_REQUIREMENTS)}; build it with "
            f"`python -m cdk_pca.canary_bundle --directory {dependencies}`"
        )
    source = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for relative in PACKAGE_FILES:
        digest.update(relative.encode() + b"\0" + (source / relative).read_bytes() + b"\0")
    prefix = f"{dependencies.name}-asset-"
    asset = dependencies.parent / f"{prefix}{digest.hexdigest()[:12]}"
    if (asset / "cdk_pca" / "__init__.py").is_file():
        return str(asset)
    staging = Path(tempfile.mkdtemp(prefix=f".{asset.name}-", dir=dependencies.parent))
    try:
        shutil.copytree(
            dependencies,
            staging,
            dirs_exist_ok=True,
            copy_function=_link_or_copy,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        package = staging / "cdk_pca"
        for folder in ("runtime", "revocation"):
            (package / folder).mkdir(parents=True, exist_ok=True)
        for relative in PACKAGE_FILES:
            shutil.copyfile(source / relative, package / relative)
        (package / "__init__.py").write_text(
            '"""cdk_pca, as much of it as the revocation canary Lambda needs."""\n'
        )
        try:
            staging.rename(asset)
        except OSError:
            if not (asset / "cdk_pca" / "__init__.py").is_file():  # not a concurrent twin
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for stale in dependencies.parent.glob(f"{prefix}*"):  # assets of earlier package files
        if stale != asset:
            shutil.rmtree(stale, ignore_errors=True)
    return str(asset)


def _link_or_copy(source: str, destination: str) -> object:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)
    return destination


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cdk_pca.canary_bundle",
        description="Install the revocation canary's dependencies (cryptography for Lambda "
        "linux arm64) so that synthesizing needs no network.",
    )
    parser.add_argument(
        "--directory",
        type=Path,
        help=f"target folder (default: {DEFAULT_BUILD_ROOT}/{dependencies_key()})",
    )
    options = parser.parse_args(argv)
    try:
        built = build_dependencies(options.directory or default_dependencies_directory())
    except CanaryBundleError as exc:
        sys.stderr.write(f"cdk-pca canary bundle: error: {exc}\n")
        return 2
    sys.stdout.write(f"canary Lambda dependencies in {built}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
