"""CA certificate lifecycle: expiry and rotate-by dates in `cdk-pca plan`, warnings, errors."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from cdk_pca.alarm_catalog import crl_next_update_margin_seconds
from cdk_pca.ca_lifecycle import lifecycle_for_config
from cdk_pca.cli import main
from cdk_pca.cli.plan import build_plan
from cdk_pca.config import certificates, load_config
from cdk_pca.config.alarms import catalog_for_config
from tests.unit.config_helpers import edit, example, load, only_problem

ROOT = Path(__file__).resolve().parents[2]
TODAY = datetime.date(2027, 1, 1)


def _by_name(config: object) -> dict[str, object]:
    return {entry.name: entry for entry in lifecycle_for_config(config, TODAY)}


def test_not_yet_deployed_cas_expire_validity_days_from_today() -> None:
    lifecycle = _by_name(load(example()))
    root, issuing = lifecycle["root"], lifecycle["issuing"]
    assert (root.expires, root.expires_from) == (TODAY + datetime.timedelta(3650), "config")
    # The root signs the 1825-day issuing CA: the last day it can is 1825 days before it ends.
    assert root.rotate_by == root.expires - datetime.timedelta(1825)
    assert root.signs == "child CA issuing"
    # The issuing CA signs end-entity certificates of alarms.end_entity_validity_days (395).
    assert issuing.rotate_by == issuing.expires - datetime.timedelta(395)
    assert (root.warning, issuing.warning) == (None, None)


def test_short_lived_mode_ca_signs_at_most_seven_days() -> None:
    data = edit(example(), "certificate_authorities[1].usage_mode", "SHORT_LIVED_CERTIFICATE")
    data = edit(data, "certificate_authorities[1].acm_renewals", False)
    issuing = _by_name(load(data))["issuing"]
    assert issuing.longest_signed_days == 7
    assert issuing.rotate_by == issuing.expires - datetime.timedelta(7)


def test_a_rotate_by_date_inside_the_window_is_a_warning() -> None:
    data = edit(example(), "certificate_authorities[0].validity_days", 1900)  # 75 days of room
    root = _by_name(load(data))["root"]
    assert root.rotate_by == TODAY + datetime.timedelta(75)
    assert root.warning is not None
    assert "CA root must be rotated by 2027-03-17 (75 days from now" in root.warning
    assert "alarms.ca_rotation_warning_days 90" in root.warning


def test_the_warning_window_is_configurable() -> None:
    data = edit(example(), "certificate_authorities[0].validity_days", 1900)
    data = edit(data, "alarms.ca_rotation_warning_days", 30)
    assert _by_name(load(data))["root"].warning is None


def test_end_entity_certificates_that_no_longer_fit_are_a_warning() -> None:
    data = edit(example(), "alarms.end_entity_validity_days", 2000)
    issuing = _by_name(load(data))["issuing"]
    assert issuing.warning is not None
    assert issuing.warning.startswith("CA issuing can no longer sign end-entity certificates")


def test_a_child_that_cannot_fit_inside_its_parent_is_a_config_error() -> None:
    data = edit(example(), "certificate_authorities[1].validity_days", 3650)
    problem = only_problem(data)
    assert problem.path == "certificate_authorities[1].validity_days"
    assert "must be less than the 3650 validity_days of its parent 'root'" in problem.message


def test_an_imported_certificate_counts_from_its_own_expiry() -> None:
    config = load_config(ROOT / "examples" / "three-tier-external-root-phase2.yaml")
    intermediate = config.ca_by_name("intermediate")
    assert intermediate.certificate_pem is not None
    lifecycle = _by_name(config)["intermediate"]
    assert lifecycle.expires_from == "certificate"
    assert lifecycle.expires == certificates.not_after(intermediate.certificate_pem).date()
    longest = max(child.validity_days for child in config.children_of(intermediate))
    assert lifecycle.rotate_by == lifecycle.expires - datetime.timedelta(longest)


def test_the_ca_expiry_alarm_threshold_is_the_rotation_threshold() -> None:
    catalog = catalog_for_config(load_config(ROOT / "pki.yaml"))
    thresholds = {
        alarm.subject: alarm.threshold
        for alarm in catalog.alarms
        if alarm.kind == "ca-certificate-expiring"
    }
    assert thresholds == {"root": 1825 + 90, "issuing": 395 + 90}


@pytest.mark.parametrize(("days", "margin_hours"), [(1, 6), (4, 24), (7, 24), (5000, 24)])
def test_crl_margin_is_a_quarter_of_the_lifetime_at_most_a_day(
    days: int, margin_hours: int
) -> None:
    assert crl_next_update_margin_seconds(days) == margin_hours * 3600
    # Never below four of Private CA's 15-minute retries.
    assert crl_next_update_margin_seconds(days) >= 4 * 15 * 60


def test_plan_json_has_each_cas_lifecycle_and_the_warnings() -> None:
    data = edit(example(), "certificate_authorities[0].validity_days", 1900)
    plan = build_plan(load(data), today=TODAY)
    root = plan["certificate_authorities"][0]
    assert root["name"] == "root"
    assert root["lifecycle"]["expires"] == "2032-03-15"
    assert root["lifecycle"]["rotate_by"] == "2027-03-17"
    assert root["lifecycle"]["rotation_threshold_days"] == 1915
    assert plan["canary"] == {"enabled": True, "schedule_minutes": 15}
    assert len(plan["warnings"]) == 1 and "CA root must be rotated by" in plan["warnings"][0]
    json.dumps(plan)


def test_plan_text_shows_expiry_rotate_by_and_warnings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import yaml

    config = tmp_path / "pki.yaml"
    data = edit(example(), "certificate_authorities[0].validity_days", 1900)
    config.write_text(yaml.safe_dump(data))
    assert main(["plan", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "certificate expires " in out and "(if deployed today); rotate by " in out
    assert "Revocation canary: every 15 minutes" in out
    assert "warning: CA root must be rotated by" in out
    assert "example-pki-issuing-ocsp-not-answering" in out
