"""`cdk-pca status|revoke|audit-report` on bad input: one line on stderr, exit 2, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cdk_pca.cli import main
from tests.conftest import PROJECT_ROOT

CA_ARN = (
    "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/"
    "11111111-2222-3333-4444-555555555555"
)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(err: str, *fragments: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def test_status_of_a_missing_file_names_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "nope.pem"

    code, out, err = run_cli(capsys, "status", "--cert", str(missing), "--json")

    assert code == 2
    assert_one_line_error(err, "--cert", str(missing), "does not exist")
    # DESIGN.md: `status --json` prints one JSON object, bad input included.
    report = json.loads(out)
    assert report["status"] == "unknown"
    assert report["ocsp"]["status"] == report["crl"]["status"] == "unknown"
    assert "does not exist" in report["error"]
    assert "does not exist" in report["crl"]["error"]
    assert {"serial", "subject", "issuer", "notAfter", "notes"} <= report.keys()
    assert {"reason", "url", "thisUpdate", "nextUpdate"} <= report["ocsp"].keys()


def test_status_of_a_file_that_is_not_a_certificate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_bytes(b"hello, I am not a certificate\n")

    code, _, err = run_cli(capsys, "status", "--cert", str(junk))

    assert code == 2
    assert_one_line_error(err, "not a certificate")


def test_status_of_a_pem_key_instead_of_a_certificate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    key = tmp_path / "key.pem"
    key.write_text(
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n"
    )

    code, _, err = run_cli(capsys, "status", "--cert", str(key))

    assert code == 2
    assert_one_line_error(err, "without a CERTIFICATE block")


def test_status_with_a_bad_issuer_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_cli(
        capsys, "status", "--cert", str(tmp_path), "--issuer", str(tmp_path / "x")
    )

    assert code == 2
    assert_one_line_error(err, "is a directory")


def test_status_refuses_a_device_instead_of_reading_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run_cli(capsys, "status", "--cert", "/dev/zero")

    assert code == 2
    assert_one_line_error(err, "'/dev/zero' is a device, not a regular file")


def test_status_with_an_empty_file_name_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "status", "--cert", "")

    assert code == 2
    assert_one_line_error(err, "--cert file name is empty")


def test_status_reads_a_pem_certificate_after_leading_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from tests.integration.openssl_pki import MemoryCa, pem

    ca = MemoryCa.create()
    leaf = tmp_path / "leaf.pem"
    # What `openssl x509 -text` and `openssl pkcs12 -nokeys` write before the PEM block.
    leaf.write_text(
        "Bag Attributes\n    friendlyName: leaf\nCertificate:\n" + pem(ca.issue("t.example"))
    )
    (tmp_path / "ca.pem").write_text(ca.pem)

    code, out, err = run_cli(
        capsys, "status", "--cert", str(leaf), "--issuer", str(tmp_path / "ca.pem"), "--json"
    )

    assert err == ""
    assert json.loads(out)["subject"] == "CN=t.example"
    assert code == 2  # no OCSP or CRL pointers: unknown


def test_status_table_prints_a_subject_with_rich_markup_as_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.integration.openssl_pki import MemoryCa, pem

    monkeypatch.setenv("COLUMNS", "200")  # the subject on one line, whatever the worker's width

    ca = MemoryCa.create()
    (tmp_path / "leaf.pem").write_text(pem(ca.issue("x[/] [bold]y")))
    (tmp_path / "ca.pem").write_text(ca.pem)

    code, out, err = run_cli(
        capsys, "status", "--cert", str(tmp_path / "leaf.pem"), "--issuer", str(tmp_path / "ca.pem")
    )

    # Not `err == ""`: a server thread left by another test in this worker may log there.
    assert "cdk-pca status: error" not in err
    assert "MarkupError" not in err
    assert "CN=x[/] [bold]y" in out
    assert code == 2


@pytest.mark.parametrize("timeout", ["nan", "inf", "-inf"])
def test_revoke_refuses_a_timeout_that_is_not_a_finite_number(
    capsys: pytest.CaptureFixture[str], timeout: str
) -> None:
    code, _, err = run_cli(
        capsys, "revoke", "--ca-arn", CA_ARN, "--serial", "01", "--reason", "KEY_COMPROMISE",
        "--wait", "--timeout", timeout,
    )  # fmt: skip

    assert code == 2
    assert_one_line_error(err, "--timeout")


def test_status_without_cert_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "status", "--json")

    assert code == 2
    assert_one_line_error(err, "--cert")


def test_console_script_reports_bad_input_without_traceback(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "cdk_pca", "status", "--cert", str(tmp_path / "missing.der")],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60, check=False,
    )  # fmt: skip

    assert completed.returncode == 2
    assert_one_line_error(completed.stderr, "does not exist")


def test_status_json_imports_neither_aws_cdk_nor_boto3_nor_rich(tmp_path: Path) -> None:
    from tests.integration.openssl_pki import MemoryCa, pem

    ca = MemoryCa.create()
    (tmp_path / "leaf.pem").write_text(pem(ca.issue("bare.example")))
    (tmp_path / "ca.pem").write_text(ca.pem)
    script = (
        "import sys\n"
        "from cdk_pca.cli import main\n"
        f"code = main(['status', '--cert', {str(tmp_path / 'leaf.pem')!r},"
        f" '--issuer', {str(tmp_path / 'ca.pem')!r}, '--json'])\n"
        "heavy = sorted(m for m in ('aws_cdk', 'boto3', 'botocore', 'rich') if m in sys.modules)\n"
        "print('HEAVY', heavy, 'EXIT', code, file=sys.stderr)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60, check=False,
    )  # fmt: skip

    assert "HEAVY [] EXIT 2" in completed.stderr, completed.stderr


def test_aws_clients_are_built_in_the_arn_region_with_retries() -> None:
    from cdk_pca.revocation.aws import boto3_client

    client = boto3_client("acm-pca", "ap-northeast-3")

    assert client.meta.region_name == "ap-northeast-3"
    assert client.meta.config.retries["mode"] == "adaptive"
    assert client.meta.config.retries["total_max_attempts"] == 9  # 8 retries + the call


def test_missing_region_error_names_the_variables_boto3_reads() -> None:
    from botocore.exceptions import NoRegionError

    from cdk_pca.cli.errors import describe_exception

    message, code = describe_exception(NoRegionError())

    assert code == 2
    assert "AWS_DEFAULT_REGION" in message
    assert "boto3 does not read AWS_REGION" in message


def test_status_finds_the_issuer_in_a_cert_bundle_without_issuer_option(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from tests.integration.openssl_pki import MemoryCa, pem

    ca = MemoryCa.create("Bundled Issuing CA")
    fullchain = tmp_path / "fullchain.pem"
    fullchain.write_text(pem(ca.issue("leaf.example")) + ca.pem)

    code, out, _ = run_cli(capsys, "status", "--cert", str(fullchain), "--json")

    report = json.loads(out)
    assert report["subject"] == "CN=leaf.example"
    assert report["issuer"] == {
        "subject": "CN=Bundled Issuing CA",
        "source": "--cert bundle",
        "error": None,
    }
    assert code == 2  # the leaf names no OCSP responder or CRL: unknown
