"""cdk-pca: AWS CDK constructs for a private PKI on AWS Private CA, and the tools to run it.

Public names are imported lazily, so `import cdk_pca.revocation` or the CLI never pays for aws_cdk.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> module that defines it. Kept explicit so a reader finds each class by its file.
_EXPORTS: dict[str, str] = {
    "PrivateCertificateAuthority": "cdk_pca.certificate_authority",
    "CrlOptions": "cdk_pca.certificate_authority",
    "OcspOptions": "cdk_pca.certificate_authority",
    "CaSubject": "cdk_pca.certificate_authority",
    "CertificateAuthorityBase": "cdk_pca.certificate_authority_base",
    "ImportedCertificateAuthority": "cdk_pca.certificate_authority_base",
    "CrlBucket": "cdk_pca.crl_bucket",
    "CrlDistribution": "cdk_pca.crl_distribution",
    "OcspDistribution": "cdk_pca.ocsp_distribution",
    "PkiMonitoring": "cdk_pca.monitoring",
    "MonitoredCa": "cdk_pca.monitoring",
    "MonitoredCertificate": "cdk_pca.monitoring",
    "PcaMetricFactory": "cdk_pca.pca_metrics",
    "AcmMetricFactory": "cdk_pca.pca_metrics",
    "CaAlarmSettings": "cdk_pca.alarm_catalog",
    "build_alarm_catalog": "cdk_pca.alarm_catalog",
    "CertificateLookup": "cdk_pca.certificate_lookup",
    "CertificateAuthorityLookup": "cdk_pca.certificate_authority_lookup",
    "PkiStack": "cdk_pca.pki_stack",
    "load_config": "cdk_pca.config",
    "PkiConfig": "cdk_pca.config",
    "ConfigError": "cdk_pca.config",
    "check_status": "cdk_pca.revocation.status",
    "StatusReport": "cdk_pca.revocation.status",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:
    from cdk_pca.alarm_catalog import CaAlarmSettings, build_alarm_catalog
    from cdk_pca.certificate_authority import (
        CaSubject,
        CrlOptions,
        OcspOptions,
        PrivateCertificateAuthority,
    )
    from cdk_pca.certificate_authority_base import (
        CertificateAuthorityBase,
        ImportedCertificateAuthority,
    )
    from cdk_pca.certificate_authority_lookup import CertificateAuthorityLookup
    from cdk_pca.certificate_lookup import CertificateLookup
    from cdk_pca.config import ConfigError, PkiConfig, load_config
    from cdk_pca.crl_bucket import CrlBucket
    from cdk_pca.crl_distribution import CrlDistribution
    from cdk_pca.monitoring import MonitoredCa, MonitoredCertificate, PkiMonitoring
    from cdk_pca.ocsp_distribution import OcspDistribution
    from cdk_pca.pca_metrics import AcmMetricFactory, PcaMetricFactory
    from cdk_pca.pki_stack import PkiStack
    from cdk_pca.revocation.status import StatusReport, check_status


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cdk_pca' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
