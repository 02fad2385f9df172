"""Rules across fields and CAs: parents, cycles, lifetimes, depth, modes, exclusive options."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.config_helpers import edit, example, load, only_problem, problems_of

CA0 = "certificate_authorities[0]"
CA1 = "certificate_authorities[1]"


def _ca(name: str, parent: str | None, **fields: Any) -> dict[str, Any]:
    ca: dict[str, Any] = {
        "name": name,
        "type": "SUBORDINATE" if parent else "ROOT",
        "subject": {"common_name": f"{name} CA"},
        "key_algorithm": "EC_prime256v1",
        "validity_days": 1825 if parent else 3650,
    }
    if parent:
        ca["parent"] = parent
    ca.update(fields)
    return ca


def _with_cas(*cas: dict[str, Any]) -> dict[str, Any]:
    data = example()
    data["certificate_authorities"] = list(cas)
    del data["lookups"]
    return data


def test_duplicate_ca_names_are_rejected_on_the_second() -> None:
    data = _with_cas(
        _ca("root", None),
        _ca("issuing", "root"),
        _ca("issuing", "root", subject={"common_name": "Second Issuing CA"}),
    )
    problem = only_problem(data)
    assert problem.path == "certificate_authorities[2].name"
    assert "'issuing' is already the name of certificate_authorities[1]" in problem.message


def test_root_with_parent_is_rejected() -> None:
    problem = only_problem(edit(example(), f"{CA0}.parent", "issuing"))
    assert problem.path == f"{CA0}.parent"
    assert "a ROOT CA signs itself and has no parent" in problem.message


def test_root_with_external_parent_is_rejected() -> None:
    problem = only_problem(edit(example(), f"{CA0}.external_parent", True))
    assert problem.path == f"{CA0}.external_parent"
    assert "a ROOT CA cannot have an external parent" in problem.message


def test_subordinate_without_parent_is_rejected_naming_the_choices() -> None:
    problem = only_problem(edit(example(), f"{CA1}.parent", None))
    assert problem.path == f"{CA1}.parent"
    assert "is required for a SUBORDINATE CA" in problem.message
    assert "(root)" in problem.message
    assert "external_parent: true" in problem.message


def test_subordinate_with_parent_and_external_parent_is_rejected() -> None:
    problem = only_problem(edit(example(), f"{CA1}.external_parent", True))
    assert problem.path == f"{CA1}.external_parent"
    assert "parent and external_parent: true are exclusive" in problem.message


def test_unknown_parent_is_rejected_naming_the_cas_of_the_file() -> None:
    problem = only_problem(edit(example(), f"{CA1}.parent", "rooot"))
    assert problem.path == f"{CA1}.parent"
    assert "'rooot' is not a CA in this file; expected one of: root" in problem.message


def test_ca_cannot_be_its_own_parent() -> None:
    problem = only_problem(edit(example(), f"{CA1}.parent", "issuing"))
    assert problem.path == f"{CA1}.parent"
    assert "its own parent" in problem.message


def test_parent_cycle_is_reported_on_every_ca_of_the_cycle() -> None:
    data = _with_cas(_ca("root", None), _ca("a", "b"), _ca("b", "c"), _ca("c", "a"))
    problems = problems_of(data)
    assert [p.path for p in problems] == [
        "certificate_authorities[1].parent",
        "certificate_authorities[2].parent",
        "certificate_authorities[3].parent",
    ]
    assert "parent cycle a -> b -> c -> a" in problems[0].message
    assert all("must end at a ROOT CA" in p.message for p in problems)


def test_child_outliving_its_parent_is_rejected() -> None:
    problem = only_problem(edit(example(), f"{CA1}.validity_days", 3651))
    assert problem.path == f"{CA1}.validity_days"
    assert "3651 must be less than the 3650 validity_days of its parent 'root'" in problem.message


def test_child_with_the_lifetime_of_its_parent_is_rejected_as_it_is_signed_later() -> None:
    problem = only_problem(edit(example(), f"{CA1}.validity_days", 3650))
    assert problem.path == f"{CA1}.validity_days"
    assert "cannot outlive its issuer" in problem.message


def test_child_one_day_shorter_lived_than_its_parent_is_accepted() -> None:
    config = load(edit(example(), f"{CA1}.validity_days", 3649))
    assert config.certificate_authorities[1].validity_days == 3649


def test_five_levels_are_accepted_and_a_sixth_is_rejected() -> None:
    names = ["root", "l2", "l3", "l4", "l5", "l6"]
    cas = [
        _ca(name, names[i - 1] if i else None, validity_days=3650 - 10 * i)
        for i, name in enumerate(names)
    ]
    config = load(_with_cas(*cas[:5]))
    assert config.path_len("root") == 4
    assert config.path_len("l2") == 3
    problem = only_problem(_with_cas(*cas))
    assert problem.path == "certificate_authorities[5].parent"
    assert "level 6 below 'root'" in problem.message
    assert "at most 5 levels" in problem.message


def test_depth_counts_the_external_parent_of_a_top_ca_as_a_level() -> None:
    # AWS Private CA hierarchies have at most five levels, the root included; the root of a CA
    # under an external parent is outside AWS, so at most four levels fit in the file.
    names = ["top", "l2", "l3", "l4", "l5"]
    cas = [
        _ca(name, names[i - 1] if i else None, validity_days=3650 - 10 * i)
        for i, name in enumerate(names)
    ]
    cas[0].update(type="SUBORDINATE", external_parent=True)
    assert load(_with_cas(*cas[:4])).path_len("top") == 3
    problem = only_problem(_with_cas(*cas))
    assert problem.path == "certificate_authorities[4].parent"
    assert "level 6 (counting its external parent) below 'top'" in problem.message


def test_short_lived_ca_with_cas_below_it_is_rejected_once() -> None:
    data = _with_cas(
        _ca("root", None),
        _ca("mid", "root", usage_mode="SHORT_LIVED_CERTIFICATE"),
        _ca("leaf-a", "mid", validity_days=30),
        _ca("leaf-b", "mid", validity_days=30),
    )
    problem = only_problem(data)
    assert problem.path == "certificate_authorities[1].usage_mode"
    assert "cannot have CAs below it (leaf-a, leaf-b)" in problem.message


def test_short_lived_root_with_a_child_is_rejected() -> None:
    problem = only_problem(edit(example(), f"{CA0}.usage_mode", "SHORT_LIVED_CERTIFICATE"))
    assert problem.path == f"{CA0}.usage_mode"
    assert "(issuing)" in problem.message


def test_short_lived_issuing_ca_is_accepted() -> None:
    data = edit(example(), f"{CA1}.usage_mode", "SHORT_LIVED_CERTIFICATE")
    data["certificate_authorities"][1]["acm_renewals"] = False
    assert load(data).certificate_authorities[1].monthly_cost_usd == 50


def test_acm_renewals_on_a_short_lived_ca_is_rejected() -> None:
    problem = only_problem(edit(example(), f"{CA1}.usage_mode", "SHORT_LIVED_CERTIFICATE"))
    assert problem.path == f"{CA1}.acm_renewals"
    assert "ACM does not issue certificates from short-lived-mode CAs" in problem.message


def test_acm_renewals_on_a_ca_shorter_lived_than_acm_certificates_is_rejected() -> None:
    problem = only_problem(edit(example(), f"{CA1}.validity_days", 395))
    assert problem.path == f"{CA1}.acm_renewals"
    assert "raise validity_days above 395" in problem.message


def test_signing_algorithm_of_another_key_family_is_rejected() -> None:
    problem = only_problem(edit(example(), f"{CA1}.signing_algorithm", "SHA256WITHRSA"))
    assert problem.path == f"{CA1}.signing_algorithm"
    assert "'SHA256WITHRSA' does not match key_algorithm EC_prime256v1" in problem.message
    assert problem.message.endswith("expected one of SHA256WITHECDSA")


@pytest.mark.parametrize(
    ("key_algorithm", "signing_algorithm", "expected"),
    [
        ("EC_secp384r1", "SHA256WITHECDSA", "SHA384WITHECDSA"),
        ("EC_prime256v1", "SHA384WITHECDSA", "SHA256WITHECDSA"),
        ("EC_secp521r1", "SHA384WITHECDSA", "SHA512WITHECDSA"),
    ],
)
def test_ecdsa_hash_that_does_not_match_the_curve_is_rejected(
    key_algorithm: str, signing_algorithm: str, expected: str
) -> None:
    # CA/B Forum BR 7.1.3.2.2: P-256 signs with SHA-256, P-384 with SHA-384, P-521 with SHA-512.
    config = edit(example(), f"{CA1}.key_algorithm", key_algorithm)
    problem = only_problem(edit(config, f"{CA1}.signing_algorithm", signing_algorithm))
    assert problem.path == f"{CA1}.signing_algorithm"
    assert problem.message == (
        f"{signing_algorithm!r} does not match key_algorithm {key_algorithm}; "
        f"expected one of {expected}"
    )


def test_rsa_keys_keep_every_sha2_hash() -> None:
    config = edit(example(), f"{CA0}.signing_algorithm", "SHA256WITHRSA")
    assert load(config).certificate_authorities[0].signing_algorithm == "SHA256WITHRSA"


def test_effective_signing_algorithm_defaults_from_the_key() -> None:
    config = load(example())
    assert config.certificate_authorities[1].signing_algorithm is None
    assert config.certificate_authorities[1].effective_signing_algorithm == "SHA256WITHECDSA"
    assert config.certificate_authorities[0].effective_signing_algorithm == "SHA512WITHRSA"


@pytest.mark.parametrize(
    "setting", ["custom_cname", "expiration_days", "partitioned", "custom_path"]
)
def test_crl_setting_on_a_disabled_crl_is_rejected(setting: str) -> None:
    value: Any = {
        "custom_cname": "crl.example.com",
        "expiration_days": 30,
        "partitioned": True,
        "custom_path": "pki/crl",
    }[setting]
    data = edit(example(), f"{CA1}.crl", {"enabled": False, setting: value})
    problem = only_problem(data)
    assert problem.path == f"{CA1}.crl.{setting}"
    assert "is set but the CRL is disabled" in problem.message


def test_crl_section_without_enabled_counts_as_disabled() -> None:
    problem = only_problem(edit(example(), f"{CA1}.crl", {"custom_cname": "crl.example.com"}))
    assert problem.path == f"{CA1}.crl.custom_cname"


def test_absent_crl_and_ocsp_sections_mean_disabled() -> None:
    data = example()
    del data["certificate_authorities"][1]["crl"]
    del data["certificate_authorities"][1]["ocsp"]
    issuing = load(data).certificate_authorities[1]
    assert issuing.crl.enabled is False
    assert issuing.crl.expiration_days == 7
    assert issuing.ocsp.enabled is False


def test_omit_extension_with_custom_cname_is_rejected() -> None:
    crl = {"enabled": True, "custom_cname": "crl.example.com", "omit_extension": True}
    problem = only_problem(edit(example(), f"{CA1}.crl", crl))
    assert problem.path == f"{CA1}.crl.omit_extension"
    assert "custom CNAME" in problem.message


def test_ocsp_custom_cname_on_disabled_ocsp_is_rejected() -> None:
    data = edit(example(), f"{CA0}.ocsp", {"enabled": False, "custom_cname": "ocsp.example.com"})
    problem = only_problem(data)
    assert problem.path == f"{CA0}.ocsp.custom_cname"
    assert "OCSP is disabled" in problem.message


def test_sm2_key_outside_china_is_rejected() -> None:
    data = edit(example(), f"{CA1}.key_algorithm", "SM2")
    data["certificate_authorities"][1]["key_storage_security_standard"] = "CCPC_LEVEL_1_OR_HIGHER"
    problems = problems_of(data)
    assert [p.path for p in problems] == [
        f"{CA1}.key_algorithm",
        f"{CA1}.key_storage_security_standard",
    ]
    assert "SM2 keys exist only in the China regions" in problems[0].message
    assert "only offered in the China regions, not in us-east-1" in problems[1].message


def test_sm2_key_needs_ccpc_key_storage() -> None:
    data = edit(example(), "region", "cn-north-1")
    edit(data, f"{CA1}.key_algorithm", "SM2")
    edit(data, f"{CA1}.key_storage_security_standard", "FIPS_140_2_LEVEL_3_OR_HIGHER")
    del data["certificate_authorities"][1]["acm_renewals"]
    problems = problems_of(data)
    assert {p.path for p in problems} == {f"{CA1}.key_storage_security_standard"}
    assert any("expected CCPC_LEVEL_1_OR_HIGHER" in p.message for p in problems)


def test_sm2_ca_in_china_with_ccpc_is_accepted() -> None:
    data = edit(example(), "region", "cn-north-1")
    edit(data, f"{CA1}.key_algorithm", "SM2")
    edit(data, f"{CA1}.key_storage_security_standard", "CCPC_LEVEL_1_OR_HIGHER")
    issuing = load(data).certificate_authorities[1]
    assert issuing.effective_signing_algorithm == "SM3WITHSM2"


def test_parent_listed_after_its_child_is_accepted() -> None:
    data = example()
    data["certificate_authorities"].reverse()
    config = load(data)
    assert [ca.name for ca in config.certificate_authorities] == ["issuing", "root"]
    assert [ca.name for ca in config.cas_in_issuing_order()] == ["root", "issuing"]


def test_alarm_override_for_an_unknown_ca_is_rejected() -> None:
    data = edit(example(), "alarms.certificate_authorities", {"issueing": {"enabled": False}})
    problem = only_problem(data)
    assert problem.path == "alarms.certificate_authorities.issueing"
    assert "'issueing' is not a CA in this file; expected one of: root, issuing" in problem.message


def test_duplicate_lookup_names_are_rejected() -> None:
    data = example()
    data["lookups"].append({"name": "web", "hostname": "api.example.com"})
    problem = only_problem(data)
    assert problem.path == "lookups[1].name"
    assert "already the name of lookups[0]" in problem.message


def test_lookup_with_domain_and_hostname_is_rejected() -> None:
    problem = only_problem(edit(example(), "lookups[0].hostname", "www.example.com"))
    assert problem.path == "lookups[0].hostname"
    assert "domain and hostname are exclusive" in problem.message


def test_lookup_without_domain_hostname_or_tags_is_rejected() -> None:
    data = example()
    data["lookups"][0] = {"name": "web", "most_recent": True, "tags": {}}
    problem = only_problem(data)
    assert problem.path == "lookups[0]"
    assert "at least one of domain, hostname or tags" in problem.message


def test_lookup_by_tags_or_wildcard_domain_is_accepted() -> None:
    data = example()
    data["lookups"] = [
        {"name": "by-tags", "tags": {"env": "prod"}, "mode": "synth"},
        {"name": "wild", "domain": "*.example.com", "key_types": ["EC_prime256v1"]},
    ]
    lookups = load(data).lookups
    assert lookups[0].mode == "synth"
    assert lookups[1].key_types == ("EC_prime256v1",)


def test_wildcard_hostname_is_rejected() -> None:
    data = example()
    data["lookups"][0] = {"name": "web", "hostname": "*.example.com"}
    problem = only_problem(data)
    assert problem.path == "lookups[0].hostname"
    assert "not a valid DNS name" in problem.message


def test_two_cas_with_the_same_subject_are_rejected() -> None:
    data = edit(
        example(),
        f"{CA1}.subject",
        {"common_name": "Example Root CA", "country": "us", "organization": "Example Corp"},
    )
    problem = only_problem(data)
    assert problem.path == f"{CA1}.subject"
    assert "is the same as the subject of 'root'" in problem.message


def test_email_listed_twice_is_rejected() -> None:
    data = edit(example(), "notifications.emails", ["a@example.com", "A@example.com"])
    problem = only_problem(data)
    assert problem.path == "notifications.emails[1]"
    assert "listed twice" in problem.message


@pytest.mark.parametrize(
    ("first", "second"), [("a-b", "a--b"), ("issuing", "-issuing"), ("1-2", "12")]
)
def test_ca_names_that_would_share_logical_ids_are_rejected(first: str, second: str) -> None:
    problem = only_problem(_with_cas(_ca(first, None), _ca(second, None)))
    assert problem.path == f"{CA1}.name"
    assert f"{second!r} and {first!r} ({CA0}) would get the same CloudFormation logical IDs" in (
        problem.message
    )


def test_lookup_names_that_would_share_logical_ids_are_rejected() -> None:
    data = example()
    data["lookups"].append({"name": "web-", "hostname": "api.example.com"})
    problem = only_problem(data)
    assert problem.path == "lookups[1].name"
    assert "'web-' and 'web' (lookups[0]) would get the same CloudFormation logical IDs" in (
        problem.message
    )


def test_ca_leading_into_a_cycle_is_not_reported_itself() -> None:
    data = _with_cas(_ca("x", "a"), _ca("a", "b"), _ca("b", "a"), _ca("y", "x"))
    problems = problems_of(data)
    assert [p.path for p in problems] == [f"{CA1}.parent", "certificate_authorities[2].parent"]
    assert "parent cycle b -> a -> b" in problems[1].message


def test_thousands_of_cas_in_one_chain_are_checked_once_each() -> None:
    # Each CA's chain of parents used to be walked with a list lookup per step: cubic, seconds to
    # minutes for files of a few thousand CAs. Walked once each, this takes about a second.
    count = 1500
    cas = [_ca("top", None, validity_days=36500)]
    cas += [
        _ca(f"c{i}", f"c{i - 1}" if i else "top", validity_days=36499 - i) for i in range(count)
    ]
    problems = problems_of(_with_cas(*cas))
    assert [p.path for p in problems] == ["certificate_authorities[5].parent"]
    assert "puts 'c4' at level 6 below 'top'" in problems[0].message
