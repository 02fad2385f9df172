"""When each CA's certificate expires and the last day it can still sign what the config asks of it.

Plain Python (no aws_cdk), duck-typed on a validated PkiConfig: `cdk-pca plan` and the alarm catalog.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from cdk_pca import vocabulary


@dataclass(frozen=True)
class CaLifecycle:
    """One CA's certificate lifetime and the day by which it must be rotated."""

    name: str
    expires: datetime.date
    expires_from: str
    """`certificate` (the imported certificate's notAfter) or `config` (validity_days from today)."""
    longest_signed_days: int
    """The longest validity of what this CA signs: its child CAs, or end-entity certificates."""
    signs: str
    """What that longest validity belongs to, in words (`child CA issuing`)."""
    rotate_by: datetime.date
    """The last day on which this CA can sign that without the result outliving the CA."""
    rotation_threshold_days: int
    """Days to expiry below which the canary's CA-certificate alarm fires: longest_signed_days
    plus the config's rotation warning window."""
    warning: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "expires": self.expires.isoformat(),
            "expires_from": self.expires_from,
            "longest_signed_days": self.longest_signed_days,
            "signs": self.signs,
            "rotate_by": self.rotate_by.isoformat(),
            "rotation_threshold_days": self.rotation_threshold_days,
            "warning": self.warning,
        }


def longest_signed_days(config: Any, ca: Any) -> tuple[int, str]:
    """The longest validity `ca` must fit inside its own, and what it is."""
    children = config.children_of(ca)
    if children:
        longest = max(children, key=lambda child: child.validity_days)
        return int(longest.validity_days), f"child CA {longest.name}"
    days = int(config.alarms.end_entity_validity_days)
    if ca.usage_mode == "SHORT_LIVED_CERTIFICATE":
        short = vocabulary.SHORT_LIVED_CERTIFICATE_MAX_DAYS
        return min(days, short), f"end-entity certificates (short-lived mode, at most {short} days)"
    return days, "end-entity certificates (alarms.end_entity_validity_days)"


def rotation_threshold_days(config: Any, ca: Any) -> int:
    return longest_signed_days(config, ca)[0] + int(config.alarms.ca_rotation_warning_days)


def lifecycle_for_config(config: Any, today: datetime.date | None = None) -> list[CaLifecycle]:
    """Every CA's lifecycle, parents first. A CA not yet deployed counts from `today`.

    Errors (a child CA that cannot fit inside its parent's remaining life) are config errors,
    raised by the loader (cdk_pca.config.rules and PkiConfig); what remains here are warnings: a
    rotate-by date inside the warning window, or end-entity certificates that no longer fit.
    """
    today = today or datetime.datetime.now(datetime.UTC).date()
    window = int(config.alarms.ca_rotation_warning_days)
    result: list[CaLifecycle] = []
    for ca in config.cas_in_issuing_order():
        if ca.certificate_pem is not None:
            from cdk_pca.config import certificates

            expires = certificates.not_after(ca.certificate_pem).date()
            expires_from = "certificate"
        else:
            expires = today + datetime.timedelta(days=int(ca.validity_days))
            expires_from = "config"
        longest, signs = longest_signed_days(config, ca)
        rotate_by = expires - datetime.timedelta(days=longest)
        days_left = (rotate_by - today).days
        warning = None
        if days_left < 0:
            warning = (
                f"CA {ca.name} can no longer sign {signs} of {longest} days: its certificate "
                f"expires on {expires.isoformat()}; rotate it now"
            )
        elif days_left <= window:
            warning = (
                f"CA {ca.name} must be rotated by {rotate_by.isoformat()} ({days_left} days from "
                f"now, within alarms.ca_rotation_warning_days {window}): after that it cannot "
                f"sign {signs} of {longest} days that end before its certificate "
                f"({expires.isoformat()})"
            )
        result.append(
            CaLifecycle(
                name=ca.name,
                expires=expires,
                expires_from=expires_from,
                longest_signed_days=longest,
                signs=signs,
                rotate_by=rotate_by,
                rotation_threshold_days=longest + window,
                warning=warning,
            )
        )
    return result
