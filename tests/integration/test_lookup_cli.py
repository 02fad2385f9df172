"""`cdk-pca lookup` end to end against moto's ACM: table, JSON, exit codes, one-line errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from cdk_pca.cli import main
from tests.lookup_certs import fake_aws_env, import_certificate, mocked_acm


@pytest.fixture
def acm(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    fake_aws_env(monkeypatch)
    with mocked_acm() as client:
        yield client


def test_prints_the_certificate_as_a_table(acm: Any, capsys: pytest.CaptureFixture[str]) -> None:
    arn = import_certificate(acm, "www.example.com", sans=["example.com"], tags={"env": "prod"})
    assert main(["lookup", "--domain", "www.example.com"]) == 0
    out = capsys.readouterr().out
    for text in (arn, "www.example.com, example.com", "env=prod", "IMPORTED", "ISSUED"):
        assert text in out


def test_json_output_is_the_whole_match(acm: Any, capsys: pytest.CaptureFixture[str]) -> None:
    arn = import_certificate(acm, "api.example.com", key_type="EC_prime256v1", tags={"a": "b"})
    code = main(
        [
            "lookup",
            "--tag",
            "a=b",
            "--status",
            "ISSUED",
            "--status",
            "EXPIRED",
            "--type",
            "IMPORTED",
            "--type",
            "PRIVATE",
            "--key-type",
            "EC_prime256v1",
            "--key-type",
            "RSA_2048",
            "--most-recent",
            "--json",
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["arn"] == arn
    assert data["tags"] == {"a": "b"}
    assert data["certificate"].startswith("-----BEGIN CERTIFICATE-----")
    assert set(data) == {
        "arn",
        "domain",
        "status",
        "type",
        "key_algorithm",
        "not_before",
        "not_after",
        "subject_alternative_names",
        "tags",
        "certificate",
        "certificate_chain",
    }


def test_hostname_finds_a_wildcard_certificate(
    acm: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    arn = import_certificate(acm, "*.example.com")
    assert main(["lookup", "--hostname", "shop.example.com", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["arn"] == arn


def test_no_match_exits_1_with_the_filters(acm: Any, capsys: pytest.CaptureFixture[str]) -> None:
    import_certificate(acm, "www.example.com")
    assert main(["lookup", "--domain", "api.example.com"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "cdk-pca lookup: error: no ACM certificate in us-east-1 matches domain" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "give --domain, --hostname or --tag"),
        (["--domain", "a.example.com", "--hostname", "a.example.com"], "--hostname: give either"),
        (["--domain", "bad domain"], "--domain: 'bad domain' contains white space"),
        (["--tag", "novalue"], "--tag 'novalue' is not KEY=VALUE"),
        (["--tag", "a=1", "--tag", "a=2"], "given twice"),
        (["--domain", "a.example.com", "--status", "NOPE"], "--status: 'NOPE' is not allowed"),
        (["--domain", "a.example.com", "--type", "PUBLIC"], "--type: 'PUBLIC' is not allowed"),
        (["--domain", "a.example.com", "--key-type", "RSA_8192"], "--key-type: 'RSA_8192'"),
        (["--domain", "a.example.com", "--bogus"], "unrecognized arguments: --bogus"),
        (["--hostname", "*.example.com"], "--hostname: '*.example.com' is a wildcard"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_traceback(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(["lookup", *argv])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    assert code == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err
