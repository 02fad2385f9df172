"""The PKI config (`pki.yaml`): schema, validation with every problem at once, and the loader.

Plain pydantic and PyYAML (cryptography only for phase-2 certificate files): no aws_cdk here.
"""

from __future__ import annotations

from cdk_pca.config.errors import ConfigError, ConfigProblem
from cdk_pca.config.loader import load_config, parse_config
from cdk_pca.config.models import (
    AlarmsConfig,
    CaAlarmsConfig,
    CertificateAuthorityConfig,
    CrlBucketConfig,
    CrlConfig,
    CrlDistributionConfig,
    EnvironmentConfig,
    IssuanceFailureAlarmConfig,
    LookupConfig,
    NotificationsConfig,
    OcspConfig,
    OcspDistributionConfig,
    PkiConfig,
    SharingConfig,
    SubjectConfig,
)

__all__ = [
    "AlarmsConfig",
    "CaAlarmsConfig",
    "CertificateAuthorityConfig",
    "ConfigError",
    "ConfigProblem",
    "CrlBucketConfig",
    "CrlConfig",
    "CrlDistributionConfig",
    "EnvironmentConfig",
    "IssuanceFailureAlarmConfig",
    "LookupConfig",
    "NotificationsConfig",
    "OcspConfig",
    "OcspDistributionConfig",
    "PkiConfig",
    "SharingConfig",
    "SubjectConfig",
    "load_config",
    "parse_config",
]
