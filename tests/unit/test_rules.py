"""The rule table (cdk_pca.rules) and the one answer each rule gives through every adapter."""

from __future__ import annotations

from typing import Any

import pytest

from cdk_pca import rules
from cdk_pca.config import ConfigError, parse_config
from cdk_pca.lookup import InvalidLookupArgumentsError, validate_lookup_arguments
from tests.unit.config_helpers import edit, example, load, only_problem, problems_of

CA1 = "certificate_authorities[1]"

# (rule, value, the problem's words or None when the value is allowed)
RULE_TABLE: list[tuple[Any, Any, str | None]] = [
    (lambda v: rules.whole_number_problem(v, (1, 5)), 5, None),
    (lambda v: rules.whole_number_problem(v, (1, 5)), 6, "6 is out of range; allowed 1..5"),
    (lambda v: rules.whole_number_problem(v, (1, 5)), True, "true is not a whole number"),
    (lambda v: rules.whole_number_problem(v, (1, 5)), 2.0, "2.0 is not a whole number"),
    (rules.host_name_problem, "crl.example.com", None),
    (rules.host_name_problem, "crl.example.com.", None),
    (rules.host_name_problem, "xn--bcher-kva.example", None),
    (rules.host_name_problem, "bücher.example", None),
    (rules.host_name_problem, "localhost", "at least two labels"),
    (rules.host_name_problem, "10.0.0.1", "looks like an IP address"),
    (rules.host_name_problem, "[::1]", "looks like an IP address, not a DNS name"),
    (rules.host_name_problem, "http://a.example", "must be a bare host name: drop the scheme"),
    (rules.host_name_problem, "*.example.com", "is a wildcard"),
    (lambda v: rules.host_name_problem(v, wildcard=True), "*.example.com", None),
    (lambda v: rules.host_name_problem(v, wildcard=True), "*.", "bare wildcard"),
    (rules.crl_custom_path_problem, "pki/crl", None),
    (rules.crl_custom_path_problem, "pki_crl.v1~x", None),
    (rules.crl_custom_path_problem, "pki/*", "'pki/*' is not allowed"),
    (rules.crl_custom_path_problem, "pki?x", "is not allowed"),
    (rules.crl_custom_path_problem, "pki%20crl", "is not allowed"),
    (rules.crl_custom_path_problem, "pki crl", "is not allowed"),
    (rules.crl_custom_path_problem, "pki/../crl", "without '.' or '..' segments"),
    (rules.crl_custom_path_problem, "/pki", "without a leading or trailing '/'"),
    (rules.template_text_problem, "Example Corp", None),
    (rules.template_text_problem, "{{resolve:ssm:/pki/cn}}", "CloudFormation dynamic reference"),
    (rules.template_text_problem, "x${Token[TOKEN.1]}", "CDK token placeholder"),
    (lambda v: rules.subject_text_problem("common_name", v), "C" * 64, None),
    (lambda v: rules.subject_text_problem("common_name", v), "C" * 65, "65 characters long"),
    (lambda v: rules.subject_text_problem("common_name", v), "é" * 33, "66 bytes long in UTF-8"),
    (lambda v: rules.subject_text_problem("common_name", v), "Root CA", None),
    (
        lambda v: rules.subject_text_problem("common_name", v),
        "Evil \u202egnp.CA",
        "holds bidirectional formatting characters (U+202E)",
    ),
    (lambda v: rules.subject_text_problem("locality", v), "é" * 64, None),
    (rules.country_problem, "US", None),
    (rules.country_problem, "USA", "two letters"),
    (rules.tag_key_problem, "team", None),
    (rules.tag_key_problem, "aws:team", "'aws:' prefix is reserved"),
    (rules.tag_key_problem, "team|x", "_.:/=+-@"),
    (rules.email_problem, "pki-oncall@example.com", None),
    (rules.email_problem, "oncall", "is not an e-mail address; expected name@domain"),
]


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    RULE_TABLE,
    ids=[f"{i}:{str(case[1])[:24]}" for i, case in enumerate(RULE_TABLE)],
)
def test_rule_table(rule: Any, value: Any, expected: str | None) -> None:
    problem = rule(value)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and expected in problem


def test_host_names_are_normalised_to_their_a_label_without_the_root_dot() -> None:
    assert rules.host_name("bücher.example.") == ("xn--bcher-kva.example", None)
    assert rules.host_name("Crl.Example.com.") == ("Crl.Example.com", None)


def test_the_stacks_own_tag_counts_toward_the_limit() -> None:
    fifty = {f"k{i}": "v" for i in range(50)}
    assert rules.tag_problems(fifty) == []
    (problem,) = rules.tag_problems(fifty, added=("pki",))
    assert problem == (
        "50 tags given, and the stack adds 'pki': 51 in all; AWS allows at most 50 per resource"
    )
    # A resource that sets the tag itself overrides the stack's: no extra tag.
    assert rules.tag_problems({**dict(list(fifty.items())[:49]), "pki": "x"}, added=("pki",)) == []


def test_acm_renewals_rules() -> None:
    short_lived = rules.CaFacts(usage_mode="SHORT_LIVED_CERTIFICATE", acm_renewals=True)
    (problem,) = rules.ca_problems(short_lived)
    assert problem.field == ("acm_renewals",)
    assert "SHORT_LIVED_CERTIFICATE" in problem.message
    (problem,) = rules.ca_problems(rules.CaFacts(validity_days=100, acm_renewals=True))
    assert "is useless with validity_days 100" in problem.message
    # Unknown validity (a deploy-time value) is not judged.
    assert rules.ca_problems(rules.CaFacts(validity_days=None, acm_renewals=True)) == []


def test_region_rules_skip_an_unknown_region() -> None:
    sm2 = {"key_algorithm": "SM2", "signing_algorithm": "SM3WITHSM2", "key_storage": rules.CCPC}
    assert rules.ca_problems(rules.CaFacts(**sm2)) == []
    assert rules.ca_problems(rules.CaFacts(**sm2, region="cn-north-1")) == []
    (problem,) = rules.ca_problems(rules.CaFacts(**sm2, region="eu-west-1"))[:1]
    assert problem.field == ("key_algorithm",)
    assert "not in eu-west-1" in problem.message


def test_hierarchy_rules_count_an_external_parent_as_a_level() -> None:
    top = rules.CaNode(key="top", name="top", external_parent=True, validity_days=100)
    nodes = [top]
    for level in range(2, 6):
        nodes.append(
            rules.CaNode(key=level, name=f"l{level}", validity_days=100 - level, parent=nodes[-1])
        )
    (found,) = rules.hierarchy_problems(nodes)
    assert found.node.key == 5
    assert "level 6 (counting its external parent)" in found.problem.message


def test_hierarchy_rules_skip_unknown_lifetimes() -> None:
    root = rules.CaNode(key="root", name="root", validity_days=None)
    child = rules.CaNode(key="child", name="child", validity_days=400, parent=root)
    assert rules.hierarchy_problems([root, child]) == []


# --- one answer through every adapter ----------------------------------------------------------

HOST_NAMES = [
    ("crl.example.com", True),
    ("crl.example.com.", True),
    ("bücher.example", True),
    ("CRL.Example.COM", True),
    ("localhost", False),
    ("10.0.0.1", False),
    ("192.0.2.7", False),
    ("crl_example.com", False),
    ("https://crl.example.com", False),
    ("crl.example.com:80", False),
    ("-crl.example.com", False),
]


@pytest.mark.parametrize(("name", "allowed"), HOST_NAMES)
def test_a_host_name_gets_one_answer_from_config_and_lookup(name: str, allowed: bool) -> None:
    data = edit(example(), f"{CA1}.ocsp.custom_cname", name)
    try:
        load(data)
        config_problems = []
    except ConfigError:
        config_problems = [p for p in problems_of(data) if p.path == f"{CA1}.ocsp.custom_cname"]
    try:
        validate_lookup_arguments(hostname=name)
        lookup_ok = True
    except InvalidLookupArgumentsError:
        lookup_ok = False
    assert (not config_problems, lookup_ok, rules.host_name_problem(name) is None) == (
        allowed,
        allowed,
        allowed,
    )


def test_config_keeps_the_a_label_of_a_cname() -> None:
    config = load(edit(example(), f"{CA1}.ocsp.custom_cname", "ocsp.bücher.example."))
    assert config.certificate_authorities[1].ocsp.custom_cname == "ocsp.xn--bcher-kva.example"


# --- the config's rendering: at its place in the file, with the line ---------------------------


def test_config_renders_a_rule_at_its_path_and_line() -> None:
    text = (
        "name: p\n"
        "certificate_authorities:\n"
        "  - name: root\n"
        "    type: ROOT\n"
        "    subject: {common_name: '{{resolve:ssm:/pki/cn}}'}\n"
        "    key_algorithm: RSA_2048\n"
        "    validity_days: 3650\n"
        "    crl: {enabled: true, custom_path: 'pki/*'}\n"
    )
    with pytest.raises(ConfigError) as raised:
        parse_config(text)
    lines = str(raised.value).splitlines()
    assert lines == [
        "certificate_authorities[0].subject.common_name: '{{resolve:ssm:/pki/cn}}' contains "
        "'{{resolve:': a CloudFormation dynamic reference, resolved at deploy time; write the "
        "value itself (plain text) (line 5)",
        "certificate_authorities[0].crl.custom_path: "
        + str(rules.crl_custom_path_problem("pki/*"))
        + " (line 8)",
    ]


def test_every_string_of_the_config_is_checked_for_template_instructions() -> None:
    data = edit(example(), f"{CA1}.subject.organization", "${Token[TOKEN.9]}")
    problem = only_problem(data)
    assert problem.path == f"{CA1}.subject.organization"
    assert "CDK token placeholder" in problem.message


def test_fifty_tags_on_a_ca_plus_the_stacks_pki_tag_are_refused() -> None:
    problem = only_problem(edit(example(), f"{CA1}.tags", {f"k{i}": "v" for i in range(50)}))
    assert problem.path == f"{CA1}.tags"
    assert "the stack adds 'pki': 51 in all" in problem.message


def test_a_subject_longer_in_utf8_bytes_than_pca_allows_is_refused() -> None:
    problem = only_problem(edit(example(), f"{CA1}.subject.common_name", "Ü" * 40))
    assert problem.path == f"{CA1}.subject.common_name"
    assert "80 bytes long in UTF-8; allowed at most 64" in problem.message


def test_a_crl_certificate_without_any_crl_cname_is_refused() -> None:
    data = example()
    for ca in data["certificate_authorities"]:
        ca.get("crl", {}).pop("custom_cname", None)
    data["crl_distribution"] = {
        "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/"
        "12345678-1234-1234-1234-123456789012"
    }
    problem = only_problem(data)
    assert problem.path == "crl_distribution.certificate_arn"
    assert "given without domain_names" in problem.message


def test_parentage_rules_name_the_field_of_each_problem() -> None:
    def fields(**facts: Any) -> list[tuple[str | int, ...]]:
        return [p.field for p in rules.parentage_problems(parent_choices="root", **facts)]

    assert fields(ca_type="ROOT", parent_given=True, external_parent=True) == [
        ("parent",),
        ("external_parent",),
    ]
    assert fields(ca_type="SUBORDINATE", parent_given=True, external_parent=True) == [
        ("external_parent",)
    ]
    assert fields(ca_type="SUBORDINATE", parent_given=False, external_parent=False) == [("parent",)]
    assert fields(ca_type="SUBORDINATE", parent_given=True, external_parent=False) == []


def test_external_certificate_rules_speak_the_callers_names() -> None:
    def problems(external_parent: bool, **given: bool) -> list[str]:
        found = rules.external_certificate_problems(external_parent=external_parent, given=given)
        return [f"{rules.field_path(p.field)}: {p.message.split(':')[0]}" for p in found]

    assert problems(True, external_certificate=True, external_chain=False) == [
        "external_chain: is required with external_certificate"
    ]
    assert problems(False, certificate_file=True, chain_file=True) == [
        "certificate_file: is only for a SUBORDINATE CA with external_parent",
        "chain_file: is only for a SUBORDINATE CA with external_parent",
    ]
    assert problems(True, certificate_file=True, chain_file=True) == []
