"""A generated organization config for scale checks: 3 environments, N CAs (default 60).

One root in the security account's us-east-1; the other CAs split evenly over the three
environments (same stack, across regions, across accounts), each with CRL, OCSP and alarms.
"""

from __future__ import annotations

from typing import Any

ENVIRONMENTS = {
    "security": {"account": "111111111111", "region": "us-east-1"},
    "security-eu": {"account": "111111111111", "region": "eu-west-1"},
    "workloads": {"account": "222222222222", "region": "us-east-1"},
}


def scale_config(cas: int = 60) -> dict[str, Any]:
    names = list(ENVIRONMENTS)
    authorities: list[dict[str, Any]] = [
        {
            "name": "root",
            "environment": "security",
            "type": "ROOT",
            "subject": {"common_name": "Scale Root CA", "organization": "Example Corp"},
            "key_algorithm": "RSA_4096",
            "validity_days": 3650,
            "crl": {"enabled": True, "expiration_days": 7},
        }
    ]
    for index in range(1, cas):
        authorities.append(
            {
                "name": f"issuing-{index}",
                "environment": names[index % len(names)],
                "type": "SUBORDINATE",
                "parent": "root",
                "subject": {"common_name": f"Scale Issuing CA {index}"},
                "key_algorithm": "EC_prime256v1",
                "validity_days": 1825,
                "crl": {"enabled": True, "expiration_days": 7},
                "ocsp": {"enabled": True},
            }
        )
    return {
        "name": "scale-pki",
        "environments": ENVIRONMENTS,
        "notifications": {"emails": ["pki-oncall@example.com"]},
        "certificate_authorities": authorities,
    }
