"""The alarm catalog: names, thresholds and windows a PKI's monitoring gets, without aws_cdk."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cdk_pca.alarm_catalog import (
    MAX_ALARM_DESCRIPTION_LENGTH,
    MAX_ALARM_NAME_LENGTH,
    MAX_RULE_NAME_LENGTH,
    AlarmCatalogError,
    CaAlarmSettings,
    build_alarm_catalog,
    crl_generation_window_hours,
    validate_monitoring_settings,
)

DEFAULT_CAS = (
    CaAlarmSettings(name="root", crl_enabled=True, crl_expiration_days=7),
    CaAlarmSettings(name="issuing", crl_enabled=True, crl_expiration_days=7),
)


def test_default_pki_alarm_and_rule_names_are_stable() -> None:
    catalog = build_alarm_catalog(
        pki_name="example-pki", certificate_authorities=DEFAULT_CAS, certificate_names=["web"]
    )

    assert [alarm.name for alarm in catalog.alarms] == [
        "example-pki-root-crl-bucket-misconfigured",
        "example-pki-root-crl-not-generated",
        "example-pki-root-issuance-failures",
        "example-pki-issuing-crl-bucket-misconfigured",
        "example-pki-issuing-crl-not-generated",
        "example-pki-issuing-issuance-failures",
        "example-pki-web-certificate-expiring",
    ]
    assert [rule.name for rule in catalog.event_rules] == [
        "example-pki-cas-crl-generation-failed",
        "example-pki-cas-issuance-failed",
        "example-pki-certificates-expiring",
    ]


def test_one_rule_per_event_kind_matches_every_ca_that_needs_it() -> None:
    cas = [
        CaAlarmSettings(name="root", crl_enabled=True),
        CaAlarmSettings(name="ocsp-only"),
        CaAlarmSettings(name="issuing", crl_enabled=True),
        CaAlarmSettings(name="lab", crl_enabled=True, enabled=False),
    ]
    catalog = build_alarm_catalog(pki_name="p", certificate_authorities=cas)

    by_kind = {rule.kind: rule for rule in catalog.event_rules}
    assert set(by_kind) == {"crl-generation-failed", "issuance-failed", "expiring"}
    assert by_kind["crl-generation-failed"].certificate_authorities == ("root", "issuing")
    assert by_kind["issuance-failed"].certificate_authorities == ("root", "ocsp-only", "issuing")
    assert by_kind["expiring"].certificate_authorities == ()
    assert by_kind["issuance-failed"].detail_type == "ACM Private CA Certificate Issuance"
    assert by_kind["crl-generation-failed"].detail_filter == {"result": ["failure"]}


def test_a_rule_over_several_cas_names_each_ca_by_its_id() -> None:
    catalog = build_alarm_catalog(pki_name="p", certificate_authorities=DEFAULT_CAS)
    rule = next(r for r in catalog.event_rules if r.kind == "crl-generation-failed")

    assert rule.input_paths["ca"] == "$.resources[0]"
    text = rule.notification_text({"root": "1111", "issuing": "2222"})
    assert text.startswith("PKI p, CA <ca> (its name: the list at the end): ")
    assert "<reason>" in text and "First check the CRL bucket policy" in text
    assert text.endswith(" The CAs of this rule by ID: root 1111; issuing 2222.")


def test_a_rule_over_one_ca_names_it_in_the_text_as_before() -> None:
    catalog = build_alarm_catalog(pki_name="p", certificate_authorities=DEFAULT_CAS[:1])
    rule = next(r for r in catalog.event_rules if r.kind == "issuance-failed")

    assert rule.name == "p-cas-issuance-failed"
    text = rule.notification_text({"root": "1111"})
    assert text == rule.message
    assert text.startswith("PKI p, CA root (<ca>): AWS Private CA failed to issue certificate ")


def test_cas_whose_notification_would_outgrow_eventbridges_template_limit_are_refused() -> None:
    # 80 CAs of 64-character names: the ID list alone is over 8,000 characters.
    cas = [CaAlarmSettings(name=f"{index:02d}" + "c" * 62) for index in range(80)]
    with pytest.raises(AlarmCatalogError) as raised:
        build_alarm_catalog(pki_name="p", certificate_authorities=cas)

    (problem,) = raised.value.problems
    assert problem.startswith(
        "certificate_authorities: 80 CAs make the notification of event rule p-cas-issuance-failed "
    )
    assert "over EventBridge's 8192" in problem
    fits = build_alarm_catalog(pki_name="p", certificate_authorities=cas[:60])
    assert len(fits.event_rules) == 2


@pytest.mark.parametrize(
    ("expiration_days", "window_hours"),
    [(1, 18), (2, 36), (3, 54), (4, 72), (7, 144), (8, 168), (30, 168), (5000, 168)],
)
def test_crl_window_leaves_a_margin_before_expiry_within_seven_days(
    expiration_days: int, window_hours: int
) -> None:
    assert crl_generation_window_hours(expiration_days) == window_hours


def test_crl_not_generated_alarm_breaches_when_no_crl_appears_for_the_whole_window() -> None:
    catalog = build_alarm_catalog(pki_name="p", certificate_authorities=DEFAULT_CAS[:1])
    (alarm,) = [a for a in catalog.alarms if a.kind == "crl-not-generated"]

    assert (alarm.namespace, alarm.metric_name, alarm.statistic) == (
        "AWS/ACMPrivateCA",
        "CRLGenerated",
        "Sum",
    )
    assert alarm.period_seconds == 3600
    assert alarm.evaluation_periods == alarm.datapoints_to_alarm == 144
    assert (alarm.comparison, alarm.threshold) == ("LessThanThreshold", 1)
    assert alarm.treat_missing_data == "breaching"
    assert alarm.window_seconds <= 7 * 86400
    assert "within 24 hours" in alarm.description


def test_crl_window_override_replaces_the_derived_window() -> None:
    ca = CaAlarmSettings(
        name="root", crl_enabled=True, crl_expiration_days=30, crl_generation_window_hours=100
    )
    catalog = build_alarm_catalog(pki_name="p", certificate_authorities=[ca])

    (alarm,) = [a for a in catalog.alarms if a.kind == "crl-not-generated"]
    assert alarm.evaluation_periods == 100


def test_ca_without_crl_gets_only_issuance_alarm_and_rule() -> None:
    catalog = build_alarm_catalog(
        pki_name="p", certificate_authorities=[CaAlarmSettings(name="ocsp-only")]
    )

    assert [a.kind for a in catalog.alarms_for("ocsp-only")] == ["issuance-failures"]
    assert [(r.kind, r.certificate_authorities) for r in catalog.event_rules][:1] == [
        ("issuance-failed", ("ocsp-only",))
    ]


def test_disabled_ca_gets_no_alarms_and_no_rules() -> None:
    catalog = build_alarm_catalog(
        pki_name="p",
        certificate_authorities=[CaAlarmSettings(name="lab", crl_enabled=True, enabled=False)],
    )

    assert catalog.alarms_for("lab") == ()
    # No CA left to match: the CA rules are not created at all.
    assert [r.subject for r in catalog.event_rules] == ["certificates"]


def test_issuance_threshold_and_period_come_from_the_settings() -> None:
    ca = CaAlarmSettings(
        name="issuing", issuance_failure_threshold=5, issuance_failure_period_minutes=15
    )
    (alarm,) = build_alarm_catalog(pki_name="p", certificate_authorities=[ca]).alarms

    assert (alarm.metric_name, alarm.statistic, alarm.period_seconds) == ("Failure", "Sum", 900)
    assert (alarm.comparison, alarm.threshold) == ("GreaterThanOrEqualToThreshold", 5)
    assert alarm.treat_missing_data == "notBreaching"
    assert alarm.condition == ">= 5 failures in 15 min"


def test_expiry_alarm_fires_at_the_configured_days_and_when_the_metric_stops() -> None:
    catalog = build_alarm_catalog(
        pki_name="p", certificate_authorities=[], certificate_names=["web"], days_to_expiry=45
    )
    (alarm,) = catalog.alarms

    assert (alarm.namespace, alarm.metric_name) == ("AWS/CertificateManager", "DaysToExpiry")
    assert (alarm.statistic, alarm.period_seconds) == ("Minimum", 86400)
    assert (alarm.comparison, alarm.threshold) == ("LessThanOrEqualToThreshold", 45)
    assert alarm.treat_missing_data == "breaching"


def test_long_names_are_shortened_stably_within_cloudwatch_and_eventbridge_limits() -> None:
    long_ca = "c" * 300
    cas = [CaAlarmSettings(name=long_ca, crl_enabled=True), CaAlarmSettings(name=long_ca + "x")]
    first = build_alarm_catalog(pki_name="p" * 64, certificate_authorities=cas)
    second = build_alarm_catalog(pki_name="p" * 64, certificate_authorities=cas)

    names = [a.name for a in first.alarms]
    rule_names = [r.name for r in first.event_rules]
    assert all(len(name) <= MAX_ALARM_NAME_LENGTH for name in names)
    assert all(len(name) <= MAX_RULE_NAME_LENGTH for name in rule_names)
    assert len(set(names)) == len(names) and len(set(rule_names)) == len(rule_names)
    assert names == [a.name for a in second.alarms]
    assert all(name.startswith("p" * 64 + "-") for name in names)


def test_every_description_says_what_happened_and_what_to_check_first() -> None:
    catalog = build_alarm_catalog(
        pki_name="p" * 64,
        certificate_authorities=[CaAlarmSettings(name="c" * 60, crl_enabled=True)],
        certificate_names=["w" * 60],
    )

    for alarm in catalog.alarms:
        assert len(alarm.description) <= MAX_ALARM_DESCRIPTION_LENGTH
        assert "First check" in alarm.description
        assert alarm.subject in alarm.description


def test_every_bad_setting_is_reported_at_once_with_field_and_allowed_values() -> None:
    cas = [
        CaAlarmSettings(name="root", crl_expiration_days=0, issuance_failure_period_minutes=0),
        CaAlarmSettings(name="root", issuance_failure_threshold=-1),
        CaAlarmSettings(name="bad name", crl_generation_window_hours=200),
    ]
    with pytest.raises(AlarmCatalogError) as raised:
        build_alarm_catalog(pki_name="1pki", certificate_authorities=cas, days_to_expiry=-3)

    problems = raised.value.problems
    assert problems == (
        "pki_name: '1pki' is not allowed; expected a letter, then letters, digits and '-' "
        "(at most 128 characters: a CloudFormation stack name)",
        "days_to_expiry: -3 is out of range; allowed 1..45",
        "certificate_authorities: name 'root' appears more than once; names must be unique",
        "certificate_authorities: name 'bad name' is not allowed; expected letters, digits, '.', "
        "'_' or '-', starting with a letter or digit",
        "certificate_authorities[root].crl_expiration_days: 0 is out of range; allowed 1..5000",
        "certificate_authorities[root].issuance_failure_period_minutes: 0 is out of range; "
        "allowed 1..1440",
        "certificate_authorities[root].issuance_failure_threshold: -1 is out of range; "
        "allowed 1..100000",
        "certificate_authorities[bad name].crl_generation_window_hours: 200 is out of range; "
        "allowed 1..168",
    )


def test_malformed_emails_are_rejected_and_deploy_time_tokens_are_not() -> None:
    problems = validate_monitoring_settings(
        pki_name="p",
        certificate_authorities=[],
        emails=["ok@example.com", "not-an-address", "${Token[TOKEN.12]}"],
    )

    assert problems == [
        "emails[1]: 'not-an-address' is not an e-mail address; expected name@domain"
    ]


def test_catalog_imports_no_aws_cdk() -> None:
    code = (
        "import sys, cdk_pca.alarm_catalog; "
        "sys.exit(any(m.split('.')[0] in ('aws_cdk', 'jsii') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_config_alarm_section_maps_to_catalog_settings() -> None:
    import yaml

    from cdk_pca.config import parse_config
    from cdk_pca.config.alarms import catalog_for_config
    from tests.unit.config_helpers import example

    data = example()
    data["alarms"] = {
        "days_to_expiry": 21,
        "issuance_failures": {"threshold": 2},
        "certificate_authorities": {
            "issuing": {"issuance_failures": {"period_minutes": 15}},
            "root": {"enabled": False},
        },
    }
    catalog = catalog_for_config(parse_config(yaml.safe_dump(data)))

    assert catalog.alarms_for("root") == ()
    issuance = next(a for a in catalog.alarms_for("issuing") if a.kind == "issuance-failures")
    assert (issuance.threshold, issuance.period_seconds) == (2, 900)
    (expiry,) = catalog.alarms_for("web")
    assert (expiry.name, expiry.threshold) == ("example-pki-web-certificate-expiring", 21)


def test_plan_lists_exactly_the_catalogs_alarms_and_rules(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json
    from pathlib import Path

    from cdk_pca.cli import main
    from cdk_pca.config import load_config
    from cdk_pca.config.alarms import catalog_for_config

    config_path = Path(__file__).resolve().parents[2] / "pki.yaml"
    assert main(["plan", "--config", str(config_path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["alarms"]

    catalog = catalog_for_config(load_config(config_path))
    expected = [a.name for a in catalog.alarms] + [r.name for r in catalog.event_rules]
    assert [row["alarm"] for row in rows] == expected
    assert rows[1] == {
        "alarm": "example-pki-root-issuance-failures",
        "scope": "CA root",
        "condition": ">= 1 failure in 5 min",
    }
    assert {
        "alarm": "example-pki-cas-crl-generation-failed",
        "scope": "CA root, issuing",
        "condition": "event: CRL Generation failure",
    } in rows


def test_days_to_expiry_beyond_acms_45_day_event_window_is_rejected() -> None:
    # ACM's DaysBeforeExpiry is at most 45: a 46-day threshold would never see an event.
    with pytest.raises(AlarmCatalogError) as raised:
        build_alarm_catalog(pki_name="p", certificate_authorities=[], days_to_expiry=46)
    assert raised.value.problems == ("days_to_expiry: 46 is out of range; allowed 1..45",)


def test_crl_not_generated_alarm_only_where_the_refresh_schedule_is_certain_enough() -> None:
    # PCA does not document when it refreshes a long-lived CRL: no alarm that would fire each cycle.
    cas = [
        CaAlarmSettings(name="weekly", crl_enabled=True, crl_expiration_days=7),
        CaAlarmSettings(name="monthly", crl_enabled=True, crl_expiration_days=30),
        CaAlarmSettings(
            name="tuned", crl_enabled=True, crl_expiration_days=30, crl_generation_window_hours=168
        ),
    ]
    catalog = build_alarm_catalog(pki_name="p", certificate_authorities=cas)
    with_alarm = {a.subject for a in catalog.alarms if a.kind == "crl-not-generated"}
    assert with_alarm == {"weekly", "tuned"}
    assert {a.subject for a in catalog.alarms if a.kind == "crl-bucket-misconfigured"} == {
        "weekly",
        "monthly",
        "tuned",
    }


def test_canary_schedule_out_of_range_is_refused_with_the_others() -> None:
    from cdk_pca.alarm_catalog import AlarmCatalogError, CaAlarmSettings, build_alarm_catalog

    with pytest.raises(AlarmCatalogError) as caught:
        build_alarm_catalog(
            pki_name="pki",
            certificate_authorities=[CaAlarmSettings(name="root", rotation_threshold_days=0)],
            canary_schedule_minutes=61,
        )
    assert caught.value.problems == (
        "canary_schedule_minutes: 61 is out of range; allowed 5..60",
        "certificate_authorities[root].rotation_threshold_days: 0 is out of range; allowed "
        "1..73000",
    )


def test_canary_alarms_follow_what_the_ca_publishes() -> None:
    from cdk_pca.alarm_catalog import CaAlarmSettings, build_alarm_catalog

    catalog = build_alarm_catalog(
        pki_name="pki",
        certificate_authorities=[
            CaAlarmSettings(name="bare"),
            CaAlarmSettings(
                name="full", crl_enabled=True, ocsp_enabled=True, rotation_threshold_days=30
            ),
        ],
        canary_schedule_minutes=10,
    )
    kinds = {ca: {a.kind for a in catalog.alarms_for(ca)} for ca in ("bare", "full")}
    assert kinds["bare"] == {"issuance-failures", "canary-not-reporting"}
    assert {
        "crl-unusable",
        "crl-expiring",
        "ocsp-not-answering",
        "ca-certificate-expiring",
    } <= kinds["full"]
    assert {a.period_seconds for a in catalog.alarms if a.namespace == "cdk-pca"} == {600}


@pytest.mark.parametrize(
    ("canary_schedule_minutes", "expected"),
    [
        # The canary measures the CRL clients fetch: crl-expiring and crl-unusable, no guessing.
        (15, {"crl-bucket-misconfigured", "crl-unusable", "crl-expiring"}),
        # Without it the CRLGenerated-silence alarm stays (a 7-day CRL is within its bound).
        (None, {"crl-bucket-misconfigured", "crl-not-generated"}),
    ],
)
def test_crl_not_generated_alarm_only_where_no_canary_measures_crl_freshness(
    canary_schedule_minutes: int | None, expected: set[str]
) -> None:
    catalog = build_alarm_catalog(
        pki_name="p",
        certificate_authorities=DEFAULT_CAS[:1],
        canary_schedule_minutes=canary_schedule_minutes,
    )
    crl_kinds = {a.kind for a in catalog.alarms_for("root") if a.kind.startswith("crl")}
    assert crl_kinds == expected


def test_canary_drops_the_crl_not_generated_alarm_even_with_a_window_override() -> None:
    ca = CaAlarmSettings(
        name="root", crl_enabled=True, crl_expiration_days=30, crl_generation_window_hours=100
    )
    with_canary = build_alarm_catalog(
        pki_name="p", certificate_authorities=[ca], canary_schedule_minutes=15
    )
    without = build_alarm_catalog(pki_name="p", certificate_authorities=[ca])

    assert "crl-not-generated" not in {a.kind for a in with_canary.alarms}
    assert "crl-not-generated" in {a.kind for a in without.alarms}
