"""The config's `alarms:` section as the alarm catalog reads it: the adapter between the two.

The catalog (cdk_pca.alarm_catalog) takes plain settings and knows no config; this module maps a
validated PkiConfig onto them, for PkiStack and `cdk-pca plan` alike.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdk_pca.alarm_catalog import AlarmCatalog, CaAlarmSettings, build_alarm_catalog
from cdk_pca.config.models import PkiConfig


def ca_alarm_settings_for_config(config: PkiConfig) -> list[CaAlarmSettings]:
    """Each CA's alarm settings from a validated config (per-CA overrides over the defaults)."""
    from cdk_pca.ca_lifecycle import rotation_threshold_days

    alarms = config.alarms
    settings: list[CaAlarmSettings] = []
    for ca in config.certificate_authorities:
        issuance = alarms.issuance_failures_for(ca.name) or alarms.issuance_failures
        settings.append(
            CaAlarmSettings(
                name=ca.name,
                crl_enabled=ca.crl.enabled,
                crl_expiration_days=ca.crl.expiration_days,
                issuance_failure_threshold=issuance.threshold,
                issuance_failure_period_minutes=issuance.period_minutes,
                enabled=alarms.enabled_for(ca.name),
                ocsp_enabled=ca.ocsp.enabled,
                rotation_threshold_days=rotation_threshold_days(config, ca),
            )
        )
    return settings


def catalog_for_config(
    config: PkiConfig,
    certificate_names: Sequence[str] | None = None,
    *,
    environment: str | None = None,
) -> AlarmCatalog:
    """The catalog a `PkiStack` builds for `config`: its CAs and, by default, its lookups; with
    `environment`, that environment's stack: its CAs and lookups only."""
    if certificate_names is None:
        certificate_names = [lookup.name for lookup in config.lookups_in(environment)]
    here = {
        ca.name
        for ca in config.certificate_authorities
        if environment is None or ca.environment == environment
    }
    return build_alarm_catalog(
        # A stack's named alarms, rules, topic and dashboard carry its name: two stacks in one
        # account must not share a dashboard (dashboards are global to an account:
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudwatch-dashboard.html).
        pki_name=config.stack_name(environment),
        certificate_authorities=[s for s in ca_alarm_settings_for_config(config) if s.name in here],
        certificate_names=certificate_names,
        days_to_expiry=config.alarms.days_to_expiry,
        canary_schedule_minutes=canary_schedule_for_config(config),
    )


def canary_schedule_for_config(config: PkiConfig) -> int | None:
    """Minutes between canary runs, or None when the config turns the canary off."""
    return config.canary.schedule_minutes if config.canary.enabled else None
