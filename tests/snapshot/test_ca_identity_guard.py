"""Guard: no change may rename a CA or bucket, or alter a CA's create-only properties.

Either would make CloudFormation replace it. The baseline is ca_identity.json, which snapshot
updates do not touch; rewrite it only on purpose (see ca_identity.py).
"""

from __future__ import annotations

import json

import pytest

from tests.snapshot.ca_identity import BASELINE, identity
from tests.stack_support import CONFIGS, synthesize

_BASELINE = json.loads(BASELINE.read_text())


@pytest.mark.parametrize("config", CONFIGS)
def test_every_config_has_a_baseline(config: str) -> None:
    assert config in _BASELINE, (
        f"no identity baseline for {config}: run python -m tests.snapshot.ca_identity --accept"
    )


@pytest.mark.parametrize("config", sorted(_BASELINE))
def test_no_ca_is_replaced_or_renamed(config: str) -> None:
    expected = _BASELINE[config]["certificate_authorities"]
    current = identity(synthesize(config).template)["certificate_authorities"]
    for logical_id, properties in expected.items():
        assert logical_id in current, (
            f"{config}: CA {logical_id} disappeared (renamed?): CloudFormation would create a new CA "
            "with a new key and orphan every certificate the old one issued"
        )
        changed = {
            k: (v, current[logical_id][k])
            for k, v in properties.items()
            if current[logical_id][k] != v
        }
        assert not changed, (
            f"{config}: create-only properties of {logical_id} changed {changed}: this replaces the CA"
        )


@pytest.mark.parametrize("config", sorted(_BASELINE))
def test_no_retained_resource_is_renamed(config: str) -> None:
    expected = _BASELINE[config]["retained_resources"]
    current = identity(synthesize(config).template)["retained_resources"]
    missing = sorted(set(expected) - set(current))
    assert not missing, f"{config}: {missing} renamed or removed: CloudFormation would replace them"


def test_guard_notices_a_changed_key_algorithm() -> None:
    config = CONFIGS[0]
    template = json.loads(json.dumps(synthesize(config).template))
    ca = next(
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::ACMPCA::CertificateAuthority"
    )
    ca["Properties"]["KeyAlgorithm"] = (
        "RSA_2048" if ca["Properties"]["KeyAlgorithm"] != "RSA_2048" else "RSA_4096"
    )
    assert identity(template) != _BASELINE[config]
