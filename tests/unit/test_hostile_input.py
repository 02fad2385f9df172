"""Hostile input, one test per class: text that is not text, tags PyYAML cannot construct, regions,
IP addresses, reserved bucket names, unknown partitions, and one JSON object on every error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from cdk_pca.cli import main
from cdk_pca.config import ConfigError, parse_config
from tests.unit.config_helpers import example

CA_ARN = "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/12345678-1234-1234-1234-123456789012"


@pytest.fixture
def no_aws_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every AWS request a command makes, recorded and refused: bad flags must fail before one."""
    from botocore.client import BaseClient

    calls: list[str] = []

    def refuse(self: Any, operation: str, params: Any) -> Any:
        calls.append(operation)
        raise AssertionError(f"AWS call {operation} made")

    monkeypatch.setattr(BaseClient, "_make_api_call", refuse)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return calls


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # --help
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def default_config() -> dict[str, Any]:
    return example()


# --- text that is not text ------------------------------------------------------------------------


def test_lone_surrogate_in_a_json_string_is_one_problem_naming_the_field() -> None:
    data = default_config()
    data["certificate_authorities"][0]["subject"]["common_name"] = "Root \ud800 CA"
    with pytest.raises(ConfigError) as caught:
        parse_config(json.dumps(data), source="pki.json")
    [problem] = caught.value.problems
    assert problem.path == "certificate_authorities[0].subject.common_name"
    assert "lone UTF-16 surrogate (\\ud800 at character 6)" in problem.message
    str(caught.value).encode("utf-8")  # the error itself is printable


def test_lone_surrogate_in_a_key_is_shown_escaped(tmp_path: Path) -> None:
    data = default_config()
    data["certificate_authorities"][0]["tags"] = {"team\udcff": "pki"}
    config = tmp_path / "pki.json"
    config.write_text(json.dumps(data))  # json escapes it: the file is plain ASCII
    with pytest.raises(ConfigError) as caught:
        parse_config(config.read_text(), source=str(config))
    [problem] = caught.value.problems
    assert problem.path == "certificate_authorities[0].tags.team\\udcff"
    assert problem.message.startswith("key 'team\\udcff' holds a lone UTF-16 surrogate")


def test_plan_prints_a_surrogate_config_error_on_stdout_and_stderr_in_utf8(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = default_config()
    data["name"] = "pki\udc80"
    config = tmp_path / "pki.json"
    config.write_text(json.dumps(data))
    code, out, err = run(capsys, "plan", "--config", str(config), "--json")
    assert code == 2
    document = json.loads(out)
    assert document["problems"][0]["path"] == "name"
    assert "surrogate" in err
    (out + err).encode("utf-8")


@pytest.mark.parametrize("scalar", ["!!timestamp foo", "!!timestamp 2020-13-45", "!!int x"])
def test_a_tagged_scalar_pyyaml_cannot_construct_is_a_yaml_error_at_its_line(scalar: str) -> None:
    text = yaml.safe_dump(example()).replace("\nname: example-pki", f"\nname: {scalar}", 1)
    assert scalar in text
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    [problem] = caught.value.problems
    assert problem.message.startswith("malformed YAML at line")
    assert "groupdict" not in problem.message
    assert "quote it if it is text" in problem.message


# --- regions, IP addresses, buckets, partitions: refused before any AWS call -----------------------


@pytest.mark.parametrize(
    "region", ["../../x", "", " ", "us-east-1/../x", "US-EAST-1", "us-east-1a"]
)
def test_lookup_refuses_a_malformed_region_before_any_call(
    no_aws_calls: list[str], capsys: pytest.CaptureFixture[str], region: str
) -> None:
    code, out, err = run(capsys, "lookup", "--domain", "www.example.com", "--region", region)
    assert (code, out, no_aws_calls) == (2, "", [])
    assert err.startswith("cdk-pca lookup: error: argument --region: ")
    assert "expected a region name like us-east-1" in err or "is not an AWS region" in err
    assert len(err.splitlines()) == 1


def test_doctor_refuses_a_malformed_region_before_any_call(
    no_aws_calls: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "doctor", "--ca-arn", CA_ARN, "--region", "../../x")
    assert (code, no_aws_calls) == (2, [])
    assert "argument --region: '../../x' is not an AWS region" in err


def test_a_malformed_default_region_is_refused_like_the_flag(
    no_aws_calls: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "../../x")
    code, _, err = run(capsys, "lookup", "--domain", "www.example.com")
    assert (code, no_aws_calls) == (2, [])
    assert "the default AWS region (AWS_DEFAULT_REGION or the profile) '../../x'" in err


@pytest.mark.parametrize("flag", ["--domain", "--hostname"])
@pytest.mark.parametrize(
    "address", ["10.0.0.1", "192.168.1.1.", "host.123", "::1", "[2001:db8::1]"]
)
def test_lookup_refuses_an_ip_address_as_a_name(
    no_aws_calls: list[str], capsys: pytest.CaptureFixture[str], flag: str, address: str
) -> None:
    code, _, err = run(capsys, "lookup", flag, address)
    assert (code, no_aws_calls) == (2, [])
    assert "looks like an IP address" in err or "is not a valid DNS name" in err
    if "." in address and ":" not in address:
        assert "looks like an IP address (its last label is a number), not a DNS name" in err


@pytest.mark.parametrize(
    ("bucket", "reason"),
    [
        ("xn--pki-audit", "reserves the prefix 'xn--'"),
        ("sthree-pki-audit", "reserves the prefix 'sthree-'"),
        ("sthree-configurator-pki", "reserves the prefix 'sthree-'"),
        ("amzn-s3-demo-bucket", "reserves the prefix 'amzn-s3-demo-'"),
        ("pki-audit-s3alias", "reserves the suffix '-s3alias'"),
        ("pki-audit--ol-s3", "reserves the suffix '--ol-s3'"),
        ("pki-audit.mrap", "reserves the suffix '.mrap'"),
        ("pki-audit--use1-az4--x-s3", "reserves the suffix '--x-s3'"),
        ("pki-audit--table-s3", "reserves the suffix '--table-s3'"),
        ("10.0.0.1", "formatted as an IP address"),
    ],
)
def test_audit_report_refuses_bucket_names_s3_reserves(
    no_aws_calls: list[str], capsys: pytest.CaptureFixture[str], bucket: str, reason: str
) -> None:
    code, _, err = run(capsys, "audit-report", "--ca-arn", CA_ARN, "--bucket", bucket)
    assert (code, no_aws_calls) == (2, [])
    assert f"--bucket {bucket!r} is not an S3 bucket name" in err
    assert reason in err


@pytest.mark.parametrize(
    ("arn", "reason"),
    [
        (CA_ARN.replace("arn:aws:", "arn:aws-moon:"), "partition 'aws-moon' does not exist"),
        (CA_ARN.replace("arn:aws:", "arn:awsx:"), "partition 'awsx' does not exist"),
        (
            CA_ARN.replace("arn:aws:", "arn:aws-cn:"),
            "region 'us-east-1' is not in partition 'aws-cn' (it is in partition aws)",
        ),
        (
            CA_ARN.replace("us-east-1", "us-gov-west-1"),
            "region 'us-gov-west-1' is not in partition 'aws' (it is in partition aws-us-gov)",
        ),
    ],
)
@pytest.mark.parametrize("command", ["audit-report", "revoke"])
def test_a_ca_arn_outside_every_partition_is_refused(
    no_aws_calls: list[str], capsys: pytest.CaptureFixture[str], arn: str, reason: str, command: str
) -> None:
    extra = ["--bucket", "pki-audit"] if command == "audit-report" else ["--serial", "0a"]
    extra += ["--reason", "KEY_COMPROMISE"] if command == "revoke" else []
    code, _, err = run(capsys, command, "--ca-arn", arn, *extra)
    assert (code, no_aws_calls) == (2, [])
    assert reason in err


def test_ca_arns_of_real_partitions_are_accepted() -> None:
    from cdk_pca.revocation.aws import parse_ca_arn

    for arn in (
        CA_ARN,
        CA_ARN.replace("arn:aws:", "arn:aws-cn:").replace("us-east-1", "cn-north-1"),
        CA_ARN.replace("arn:aws:", "arn:aws-us-gov:").replace("us-east-1", "us-gov-west-1"),
    ):
        assert parse_ca_arn(arn).arn == arn


# --- JSON mode: exactly one object on any error --------------------------------------------------

_JSON_COMMAND_LINES = [
    ["status", "--json", "--bogus"],
    ["status", "--json"],
    ["status", "--js", "--cert", "/nonexistent.pem"],
    ["revoke", "--json", "--ca-arn", "x", "--serial", "0a", "--reason", "KEY_COMPROMISE"],
    ["revoke", "--json", "--ca-arn", CA_ARN, "--serial", "0a", "--reason", "NOPE"],
    ["audit-report", "--json", "--ca-arn", CA_ARN, "--bucket", "sthree-x"],
    ["audit-report", "--json", "--bogus"],
    ["lookup", "--json", "--region", "../../x", "--domain", "a.example.com"],
    ["lookup", "--json", "--domain", "10.0.0.1"],
    ["lookup", "--json"],
    ["doctor", "--json", "--ca-arn", "nope"],
    ["doctor", "--json", "--config", "/nonexistent.yaml"],
    ["guard", "--json", "/nonexistent-a.json", "/nonexistent-b.json"],
    ["guard", "--json"],
    ["plan", "--json", "--config", "/nonexistent.yaml"],
    ["plan", "--json", "--bogus"],
    ["--json", "bogus-command"],
    ["--json"],
]


@pytest.mark.parametrize("argv", _JSON_COMMAND_LINES, ids=" ".join)
def test_json_mode_prints_exactly_one_object_on_any_error(
    no_aws_calls: list[str], capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert no_aws_calls == []
    document = json.loads(out)  # one object, nothing around it
    assert isinstance(document, dict)
    assert document["error"]
    assert err.count("\n") in (1, 2) if argv[:1] == ["plan"] else err.count("\n") == 1
    if argv[0] == "status":
        assert document["status"] == "unknown"
    if argv[0] == "doctor":
        assert document["healthy"] is False


def test_without_json_a_usage_error_prints_nothing_on_stdout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "status", "--bogus")
    assert (code, out) == (2, "")
    assert err.startswith("cdk-pca status: error: the following arguments are required: --cert")


def test_an_interrupted_command_under_json_still_prints_its_one_object(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cdk_pca.cli import guard as cli_guard

    def interrupted(args: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_guard, "run", interrupted)
    code, out, err = run(capsys, "guard", "a.json", "b.json", "--json")
    assert code == 130
    assert json.loads(out) == {"replaced": None, "findings": [], "error": "interrupted"}
    assert err == "cdk-pca guard: error: interrupted\n"
