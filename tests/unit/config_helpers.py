"""Helpers for the config tests: DESIGN.md's example as data, edits by path, problems of a config."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from cdk_pca.config import ConfigError, ConfigProblem, PkiConfig, parse_config

# DESIGN.md's example config (with the lookup), the starting point every rule test edits.
DESIGN_EXAMPLE: dict[str, Any] = {
    "name": "example-pki",
    "account": "123456789012",
    "region": "us-east-1",
    "notifications": {"emails": ["pki-oncall@example.com"]},
    "certificate_authorities": [
        {
            "name": "root",
            "type": "ROOT",
            "subject": {
                "common_name": "Example Root CA",
                "organization": "Example Corp",
                "country": "US",
            },
            "key_algorithm": "RSA_4096",
            "signing_algorithm": "SHA512WITHRSA",
            "validity_days": 3650,
            "usage_mode": "GENERAL_PURPOSE",
            "crl": {"enabled": True, "expiration_days": 7},
            "ocsp": {"enabled": False},
        },
        {
            "name": "issuing",
            "type": "SUBORDINATE",
            "parent": "root",
            "subject": {
                "common_name": "Example Issuing CA 1",
                "organization": "Example Corp",
                "country": "US",
            },
            "key_algorithm": "EC_prime256v1",
            "validity_days": 1825,
            "crl": {"enabled": True, "expiration_days": 7},
            "ocsp": {"enabled": True},
            "acm_renewals": True,
        },
    ],
    "lookups": [
        {"name": "web", "domain": "www.example.com", "most_recent": True, "mode": "deploy"}
    ],
    "alarms": {"days_to_expiry": 30},
}

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def example() -> dict[str, Any]:
    return copy.deepcopy(DESIGN_EXAMPLE)


def _split(path: str) -> list[str | int]:
    return [name if name else int(index) for name, index in _PART.findall(path)]


def edit(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Set the value at a problem-style path (`certificate_authorities[1].crl.custom_cname`)."""
    *parents, last = _split(path)
    node: Any = data
    for part in parents:
        if isinstance(part, str) and part not in node:
            node[part] = {}
        node = node[part]
    node[last] = value
    return data


def remove(data: dict[str, Any], path: str) -> dict[str, Any]:
    *parents, last = _split(path)
    node: Any = data
    for part in parents:
        node = node[part]
    del node[last]
    return data


def load(data: Any, base_dir: Path | str = ".") -> PkiConfig:
    return parse_config(yaml.safe_dump(data, sort_keys=False), base_dir=base_dir)


def problems_of(data: Any, base_dir: Path | str = ".") -> list[ConfigProblem]:
    with pytest.raises(ConfigError) as caught:
        load(data, base_dir)
    return caught.value.problems


def only_problem(data: Any, base_dir: Path | str = ".") -> ConfigProblem:
    """The single problem of a config; fails listing them all when there are more."""
    problems = problems_of(data, base_dir)
    assert len(problems) == 1, "\n".join(str(problem) for problem in problems)
    return problems[0]
