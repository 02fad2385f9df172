"""Loading config files: files that cannot be read, malformed YAML, all problems at once, line
numbers, phase-2 certificate files, the default pki.yaml and the examples."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from cdk_pca.config import ConfigError, ConfigProblem, PkiConfig, load_config, parse_config
from tests.unit.config_helpers import edit, example, load, only_problem, problems_of

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def _write(tmp_path: Path, text: str, name: str = "pki.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _file_problem(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert len(caught.value.problems) == 1
    return str(caught.value)


# --- files that hold no config ------------------------------------------------------------------


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    message = _file_problem(tmp_path / "nope.yaml")
    assert "does not exist" in message
    assert "nope.yaml" in message


def test_directory_is_a_clear_error(tmp_path: Path) -> None:
    assert "is a directory, not a regular file" in _file_problem(tmp_path)


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n", "---\n"])
def test_empty_file_is_a_clear_error(tmp_path: Path, text: str) -> None:
    assert "is empty" in _file_problem(_write(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "kind"), [("- a\n- b\n", "a list"), ("just text\n", "the value 'just text'")]
)
def test_top_level_that_is_not_a_mapping_is_a_clear_error(
    tmp_path: Path, text: str, kind: str
) -> None:
    message = _file_problem(_write(tmp_path, text))
    assert f"holds {kind}" in message
    assert "expected a mapping with name and certificate_authorities" in message


def test_file_that_is_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "pki.yaml"
    path.write_bytes(b"name: \xff\xfe\n")
    assert "is not UTF-8 text" in _file_problem(path)


def test_malformed_yaml_names_the_line_and_column(tmp_path: Path) -> None:
    text = "name: example-pki\ncertificate_authorities:\n  - name: root\n   type: ROOT\n"
    message = _file_problem(_write(tmp_path, text))
    assert message.startswith("malformed YAML at line 4, column")


def test_unclosed_flow_sequence_names_the_line(tmp_path: Path) -> None:
    message = _file_problem(_write(tmp_path, "name: x\ncertificate_authorities: [\n"))
    assert "malformed YAML at line 3" in message


def test_several_yaml_documents_are_rejected(tmp_path: Path) -> None:
    message = _file_problem(_write(tmp_path, "name: a\n---\nname: b\n"))
    assert "malformed YAML at line 2" in message
    assert "single document" in message


def test_json_config_is_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path, json.dumps(example(), indent="\t"), name="pki.json")
    assert load_config(path).certificate_authorities[1].name == "issuing"


def test_tab_indented_json_is_accepted_under_a_yaml_name(tmp_path: Path) -> None:
    path = _write(tmp_path, json.dumps(example(), indent="\t"), name="pki.yaml")
    assert load_config(path).certificate_authorities[0].name == "root"


def test_yaml_flow_mapping_is_still_read_as_yaml() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config("{name: x, certificate_authorities: [], a: 1}\n", source="pki.yaml")
    assert [problem.path for problem in caught.value.problems] == ["a", "certificate_authorities"]


def test_tab_indentation_in_yaml_says_to_use_spaces(tmp_path: Path) -> None:
    message = _file_problem(_write(tmp_path, "name: x\ncertificate_authorities:\n\t- name: r\n"))
    assert message.startswith("malformed YAML at line 3, column 1:")
    assert "YAML indents with spaces only, replace the tabs" in message


def test_malformed_json_names_the_line(tmp_path: Path) -> None:
    message = _file_problem(_write(tmp_path, '{\n  "name": "x",\n  oops\n}\n', name="pki.json"))
    assert message.startswith("malformed JSON at line 3")


def test_duplicate_yaml_key_is_reported_with_both_lines(tmp_path: Path) -> None:
    text = yaml.safe_dump(example(), sort_keys=False) + "name: other-pki\n"
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    (problem,) = caught.value.problems
    assert problem.path == "name"
    assert "duplicate key 'name' (first at line 1)" in problem.message
    assert problem.line == len(text.splitlines())


def _alias_bomb(levels: int) -> str:
    """A "billion laughs": each level lists the one before nine times (9**levels values)."""
    anchors = ['  - &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    anchors += [f"  - &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return (
        "unused:\n" + "\n".join(anchors) + "\nname: x\ncertificate_authorities:\n"
        "  - {name: r, type: ROOT, key_algorithm: RSA_2048, validity_days: 9,\n"
        f"     subject: {{common_name: R, organization: *a{levels}}}}}\n"
    )


def _problems(text: str) -> list[ConfigProblem]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    return caught.value.problems


def test_yaml_alias_bomb_is_refused_at_the_alias_line_without_expanding_it() -> None:
    started = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        parse_config(_alias_bomb(9))
    assert time.monotonic() - started < 1
    (problem,) = caught.value.problems
    # a4 is the first anchor that repeats more than 10,000 values (9**5 > 10,000).
    assert problem.message == (
        "YAML alias at line 6, column 10: alias *a3 makes the aliases of this file repeat more "
        "than 10,000 values in total (an alias bomb?); write the values out instead"
    )


def test_a_few_small_aliases_are_still_allowed() -> None:
    text = _alias_bomb(1)
    problems = [p.message for p in _problems(text)]
    assert not any("alias" in message for message in problems)
    assert any("is not text" in message for message in problems)


def test_json_duplicate_keys_are_refused_like_yaml_ones(tmp_path: Path) -> None:
    text = json.dumps(example())[:-1] + ', "name": "other"}'
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, text, "pki.json"))
    (problem,) = caught.value.problems
    assert problem.path == "name"
    assert problem.message == "duplicate key 'name'; JSON would silently keep only the last one"


def test_duplicate_keys_in_tab_indented_json_are_refused_too() -> None:
    text = '{\n\t"name": "x",\n\t"certificate_authorities": [{"name": "a", "name": "b"}]\n}'
    paths = [p.path for p in _problems(text) if "duplicate key" in p.message]
    assert paths == ["certificate_authorities[0].name"]


def test_yaml_merge_keys_are_not_mistaken_for_duplicate_keys() -> None:
    text = (
        "name: x\n"
        "certificate_authorities:\n"
        "  - &root {name: root, type: ROOT, subject: {common_name: R}, key_algorithm: RSA_2048,"
        " validity_days: 3650}\n"
        "  - <<: *root\n"
        "    name: issuing\n"
        "    subject: {common_name: I}\n"
        "    type: SUBORDINATE\n"
        "    parent: root\n"
        "    validity_days: 365\n"
    )
    issuing = parse_config(text).certificate_authorities[1]
    assert (issuing.name, issuing.key_algorithm, issuing.validity_days) == (
        "issuing",
        "RSA_2048",
        365,
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("name: &x [*x]\n", "YAML alias at line 1, column 11: alias *x is inside the value"),
        ("name: \x00\n", "malformed YAML: unacceptable character #x0000"),
        ("1: x\nname: x\n", "key 1 is not allowed"),
    ],
)
def test_odd_yaml_is_a_config_error_not_a_crash(text: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("name: " + "[" * 5000 + "]" * 5000 + "\n", "pki.yaml"),
        ("[" * 5000 + "]" * 5000, "pki.json"),
    ],
)
def test_absurdly_nested_file_is_a_config_error_not_a_recursion_error(
    tmp_path: Path, text: str, name: str
) -> None:
    assert "is nested too deeply to be a PKI config" in _file_problem(_write(tmp_path, text, name))


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("2020-13-45", "cannot read '2020-13-45' as timestamp (month must be in 1..12)"),
        ("!!bool maybe", "cannot read 'maybe' as bool"),
        ("9" * 5000, "as int (Exceeds the limit (4300 digits)"),
    ],
)
def test_scalar_yaml_cannot_convert_is_a_config_error_at_its_line(
    value: str, fragment: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(f"name: x\ncertificate_authorities:\n  - name: {value}\n")
    message = str(caught.value)
    assert message.startswith("malformed YAML at line 3, column 11:")
    assert fragment in message
    assert "quote it if it is text" in message


def test_json_number_too_long_to_read_is_a_config_error(tmp_path: Path) -> None:
    text = '{"name": "x", "certificate_authorities": [], "a": ' + "9" * 5000 + "}"
    assert "malformed JSON: Exceeds the limit" in _file_problem(_write(tmp_path, text, "p.json"))


def test_endless_device_is_refused_before_it_is_read() -> None:
    assert "'/dev/zero' is a device, not a regular file" in _file_problem(Path("/dev/zero"))


def test_fifo_without_a_writer_is_refused_instead_of_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pki.yaml"
    os.mkfifo(fifo)
    assert "is a named pipe (FIFO), not a regular file" in _file_problem(fifo)


def test_file_over_4_mib_is_refused(tmp_path: Path) -> None:
    big = _write(tmp_path, "#" * (4 * 1024 * 1024 + 1))
    assert "is larger than 4 MiB" in _file_problem(big)


@pytest.mark.parametrize(
    ("key", "shown"), [("on", "key true"), ("no", "key false"), ("~", "key null")]
)
def test_key_that_yaml_reads_as_a_boolean_or_null_is_shown_as_written(key: str, shown: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(f"{key}: x\nname: x\n")
    assert f"{shown} is not allowed: keys are names" in str(caught.value)


def test_load_config_takes_a_str_or_a_path(tmp_path: Path) -> None:
    path = _write(tmp_path, yaml.safe_dump(example()))
    assert load_config(str(path)) == load_config(path)


# --- every problem at once, in file order, with lines ------------------------------------------


def test_every_problem_of_a_file_is_reported_at_once() -> None:
    data = example()
    edit(data, "region", "Virginia")
    edit(data, "certificate_authorities[0].key_algorithm", "RSA_1024")
    edit(data, "certificate_authorities[1].crl.expiration_days", 0)
    edit(data, "certificate_authorities[1].parent", "nope")
    edit(data, "certificate_authorities[1].subject.colour", "red")
    edit(data, "lookups[0].hostname", "www.example.com")
    edit(data, "alarms.days_to_expiry", 400)
    problems = problems_of(data)
    assert [p.path for p in problems] == [
        "region",
        "certificate_authorities[0].key_algorithm",
        "certificate_authorities[1].parent",
        "certificate_authorities[1].subject.colour",
        "certificate_authorities[1].crl.expiration_days",
        "lookups[0].hostname",
        "alarms.days_to_expiry",
    ]


def test_str_of_config_error_is_one_line_per_problem_with_its_line_number() -> None:
    data = edit(example(), "certificate_authorities[1].crl.expiration_days", 0)
    edit(data, "certificate_authorities[0].key_algorithm", "RSA_1024")
    text = yaml.safe_dump(data, sort_keys=False)
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    lines = str(caught.value).splitlines()
    assert len(lines) == 2
    key_line = next(i for i, row in enumerate(text.splitlines(), 1) if "RSA_1024" in row)
    assert lines[0] == (
        "certificate_authorities[0].key_algorithm: 'RSA_1024' is not allowed; expected one of "
        "RSA_2048, RSA_3072, RSA_4096, EC_prime256v1, EC_secp384r1, EC_secp521r1, ML_DSA_44, "
        f"ML_DSA_65, ML_DSA_87, SM2 (did you mean RSA_3072?) (line {key_line})"
    )
    assert lines[1].startswith("certificate_authorities[1].crl.expiration_days: 0 is out of range")


def test_field_problems_and_hierarchy_problems_are_reported_together() -> None:
    data = edit(example(), "certificate_authorities[0].subject.country", "XX")
    edit(data, "certificate_authorities[1].validity_days", 9999)
    assert [p.path for p in problems_of(data)] == [
        "certificate_authorities[0].subject.country",
        "certificate_authorities[1].validity_days",
    ]


def test_pki_config_built_directly_checks_the_hierarchy_too() -> None:
    data = edit(example(), "certificate_authorities[1].parent", "nope")
    with pytest.raises(ConfigError, match=r"certificate_authorities\[1\]\.parent: 'nope'"):
        PkiConfig.model_validate(data)


# --- phase 2: certificate files of a CA under an external parent -------------------------------


def _certificate(
    subject: str, key: Any, issuer: tuple[str, Any] | None, *, ca: bool = True, days: int = 3650
) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    issuer_name, issuer_key = issuer or (subject, key)
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=2))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def pem_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cryptography.hazmat.primitives.asymmetric import ec

    folder = tmp_path_factory.mktemp("certs")
    root_key, ca_key, other_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root = ("Offline Root", root_key)
    files = {
        "chain.pem": _certificate("Offline Root", root_key, None),
        "ca.pem": _certificate("Intermediate", ca_key, root),
        "p384.pem": _certificate("Intermediate", ec.generate_private_key(ec.SECP384R1()), root),
        "leaf.pem": _certificate("Leaf", ca_key, root, ca=False),
        "expired.pem": _certificate("Intermediate", ca_key, root, days=-1),
        "other-chain.pem": _certificate("Other Root", other_key, None),
        "notes.txt": b"not a certificate\n",
    }
    files["two.pem"] = files["ca.pem"] + files["chain.pem"]
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder


def _phase2(certificate_file: str | None, chain_file: str | None) -> dict[str, Any]:
    data = example()
    intermediate = data["certificate_authorities"][1]
    del intermediate["parent"]
    intermediate["external_parent"] = True
    if certificate_file:
        intermediate["certificate_file"] = certificate_file
    if chain_file:
        intermediate["chain_file"] = chain_file
    data["certificate_authorities"] = [intermediate]
    del data["lookups"]
    return data


def test_phase2_certificate_files_are_read_relative_to_the_config(pem_dir: Path) -> None:
    config = load(_phase2("ca.pem", "chain.pem"), base_dir=pem_dir)
    ca = config.certificate_authorities[0]
    assert ca.certificate_file == pem_dir / "ca.pem"
    assert ca.certificate_pem is not None
    assert ca.certificate_pem.startswith("-----BEGIN CERTIFICATE-----")
    assert ca.chain_pem == (pem_dir / "chain.pem").read_text()


def test_phase1_without_certificate_files_is_accepted() -> None:
    ca = load(_phase2(None, None)).certificate_authorities[0]
    assert ca.external_parent is True
    assert ca.certificate_pem is None


@pytest.mark.parametrize(
    ("certificate_file", "chain_file", "path", "fragment"),
    [
        ("missing.pem", "chain.pem", "certificate_file", "'missing.pem' does not exist"),
        (".", "chain.pem", "certificate_file", "is a directory"),
        (
            "/dev/zero",
            "chain.pem",
            "certificate_file",
            "'/dev/zero' is a device, not a regular file",
        ),
        ("notes.txt", "chain.pem", "certificate_file", "is not a PEM certificate"),
        ("leaf.pem", "chain.pem", "certificate_file", "is not a CA certificate"),
        ("expired.pem", "chain.pem", "certificate_file", "expired on"),
        (
            "p384.pem",
            "chain.pem",
            "certificate_file",
            "EC secp384r1, but key_algorithm is EC_prime256v1",
        ),
        ("two.pem", "chain.pem", "certificate_file", "holds 2 certificates"),
        ("ca.pem", "other-chain.pem", "chain_file", "does not start with the issuer"),
        ("ca.pem", "leaf.pem", "chain_file", "is not a CA certificate"),
        ("ca.pem", None, "chain_file", "is required with certificate_file"),
        (None, "chain.pem", "certificate_file", "is required with chain_file"),
    ],
)
def test_bad_phase2_certificate_file_is_rejected(
    pem_dir: Path, certificate_file: str | None, chain_file: str | None, path: str, fragment: str
) -> None:
    problem = only_problem(_phase2(certificate_file, chain_file), base_dir=pem_dir)
    assert problem.path == f"certificate_authorities[0].{path}"
    assert fragment in problem.message


def test_ca_below_an_imported_certificate_must_end_before_it(pem_dir: Path) -> None:
    data = _phase2("ca.pem", "chain.pem")  # ca.pem ends about 3650 days from now
    data["certificate_authorities"][0]["validity_days"] = 36500
    child = {
        "name": "leaf-ca",
        "type": "SUBORDINATE",
        "parent": "issuing",
        "subject": {"common_name": "Leaf CA"},
        "key_algorithm": "EC_prime256v1",
        "validity_days": 3660,
    }
    data["certificate_authorities"].append(child)
    problem = only_problem(data, base_dir=pem_dir)
    assert problem.path == "certificate_authorities[1].validity_days"
    assert "would outlive the imported certificate of its parent 'issuing'" in problem.message
    child["validity_days"] = 3000
    assert load(data, base_dir=pem_dir).ca_by_name("leaf-ca").validity_days == 3000


def test_certificate_file_without_external_parent_is_rejected(pem_dir: Path) -> None:
    data = edit(example(), "certificate_authorities[1].certificate_file", "ca.pem")
    edit(data, "certificate_authorities[1].chain_file", "chain.pem")
    problems = problems_of(data, base_dir=pem_dir)
    assert [p.path for p in problems] == [
        "certificate_authorities[1].certificate_file",
        "certificate_authorities[1].chain_file",
    ]
    assert all(
        "only for a SUBORDINATE CA with external_parent: true" in p.message for p in problems
    )


# --- the shipped configs --------------------------------------------------------------------------


def test_default_pki_yaml_is_the_design_hierarchy() -> None:
    config = load_config(ROOT / "pki.yaml")
    assert config.name == "example-pki"
    assert config.account is None
    assert config.notifications.emails == ("pki-oncall@example.com",)
    root, issuing = config.certificate_authorities
    assert (root.name, root.type, root.key_algorithm, root.effective_signing_algorithm) == (
        "root",
        "ROOT",
        "RSA_4096",
        "SHA512WITHRSA",
    )
    assert (root.validity_days, root.usage_mode) == (3650, "GENERAL_PURPOSE")
    assert (root.crl.enabled, root.crl.expiration_days, root.ocsp.enabled) == (True, 7, False)
    assert root.subject.model_dump(exclude_none=True) == {
        "common_name": "Example Root CA",
        "organization": "Example Corp",
        "country": "US",
    }
    assert (issuing.type, issuing.parent, issuing.key_algorithm) == (
        "SUBORDINATE",
        "root",
        "EC_prime256v1",
    )
    assert issuing.subject.common_name == "Example Issuing CA 1"
    assert (issuing.validity_days, issuing.crl.enabled, issuing.crl.expiration_days) == (
        1825,
        True,
        7,
    )
    assert (issuing.ocsp.enabled, issuing.acm_renewals) == (True, True)
    assert config.lookups == ()
    assert config.alarms.days_to_expiry == 30


def test_default_pki_yaml_has_the_lookups_section_commented_out() -> None:
    text = (ROOT / "pki.yaml").read_text()
    assert "\n# lookups:\n" in text
    assert "\nlookups:" not in text
    assert "\naccount:" not in text


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_example_loads(path: Path) -> None:
    config = load_config(path)
    assert len(config.certificate_authorities) >= 2


def test_examples_are_the_promised_ones() -> None:
    three_tier = load_config(ROOT / "examples/three-tier-external-root.yaml")
    intermediate = three_tier.ca_by_name("intermediate")
    assert intermediate.external_parent and intermediate.certificate_file is None
    assert three_tier.path_len(intermediate) == 1
    phase2 = load_config(ROOT / "examples/three-tier-external-root-phase2.yaml")
    assert phase2.ca_by_name("intermediate").certificate_pem is not None
    short_lived = load_config(ROOT / "examples/short-lived-issuing.yaml")
    assert short_lived.ca_by_name("issuing").usage_mode == "SHORT_LIVED_CERTIFICATE"
    assert short_lived.monthly_cost_usd == 450


# --- what the stack uses ----------------------------------------------------------------------------


def test_hierarchy_helpers() -> None:
    data = example()
    data["certificate_authorities"].append(
        {
            "name": "issuing-2",
            "type": "SUBORDINATE",
            "parent": "root",
            "subject": {"common_name": "Issuing 2"},
            "key_algorithm": "RSA_2048",
            "validity_days": 700,
        }
    )
    config = load(data)
    root = config.ca_by_name("root")
    assert [ca.name for ca in config.children_of(root)] == ["issuing", "issuing-2"]
    assert config.children_of("issuing") == ()
    assert (config.path_len(root), config.path_len("issuing")) == (1, 0)
    assert config.level(config.ca_by_name("issuing-2")) == 2
    assert config.parent_of(config.ca_by_name("issuing")) is root
    assert config.top_level_cas() == (root,)
    assert config.monthly_cost_usd == 1200
    with pytest.raises(KeyError, match="no certificate authority named 'nope'"):
        config.ca_by_name("nope")


def test_issuance_failure_settings_per_ca_merge_overrides_over_defaults() -> None:
    data = example()
    data["alarms"] = {
        "issuance_failures": {"threshold": 2, "period_minutes": 10},
        "certificate_authorities": {
            "issuing": {"issuance_failures": {"threshold": 5}},
            "root": {"enabled": False},
        },
    }
    alarms = load(data).alarms
    issuing = alarms.issuance_failures_for("issuing")
    assert issuing is not None
    assert (issuing.threshold, issuing.period_minutes) == (5, 10)
    assert alarms.issuance_failures_for("root") is None
    assert alarms.enabled_for("root") is False
    assert alarms.enabled_for("issuing") is True


def test_config_is_frozen() -> None:
    from pydantic import ValidationError

    config = load(example())
    with pytest.raises(ValidationError):
        config.certificate_authorities[0].validity_days = 1


def test_config_modules_import_neither_aws_cdk_nor_boto3() -> None:
    code = (
        "import sys, cdk_pca.config, cdk_pca.cli.plan; "
        "loaded = [m for m in ('aws_cdk', 'boto3', 'botocore') if m in sys.modules]; "
        "print(loaded)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]"
