"""Where each CA was deployed: the placement record beside the config, and the check against moves.

A CA lives in one stack, in one account and region. Moving it elsewhere (another environment, an
environment's account or region changed, the config's `name` changed, environments added or
removed) cannot move the resource: CloudFormation creates a new CA in the new stack, with a new
private key, and the old CA is left behind with every certificate it issued. Nothing in one config
shows that a CA was elsewhere before, so the app records each CA's placement after every
successful synth, in `<config stem>.placements.json` beside the config (`pki.yaml` ->
`pki.placements.json`), a file to commit like cdk.context.json. The next load compares the config
with the record and refuses a move unless the CA says it is intended: `moved_from:` naming the
environment the record holds for it.

Why a file of our own and not cdk.context.json: the record belongs to one config file, and one
project may hold several configs (examples/, tests); cdk.context.json is one per app folder.
The record is written only for configs with environments, or when a record already exists (a
config leaving environments behind is checked, and keeps its record). A single-stack config that
never had environments writes nothing: its CAs cannot move between environments, and `cdk-pca
guard` (logical IDs and create-only properties) covers what can change in one stack.

Plain data (no aws_cdk): the loader checks raw config mappings with it, the app writes records.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cdk_pca.config.errors import ConfigProblem
from cdk_pca.files import FileInputError, read_regular_file
from cdk_pca.rules import show

if TYPE_CHECKING:
    from cdk_pca.config.models import PkiConfig

RECORD_SUFFIX = ".placements.json"
RECORD_FORMAT = 1
MAX_RECORD_BYTES = 4 * 1024 * 1024
_COMMENT = (
    "Written by cdk-pca after each successful synth: the stack, account and region of every CA "
    "of this config. Commit it. A CA whose placement changes is replaced (a new CA, a new "
    "private key); the config refuses that unless the CA says moved_from: <its environment here>."
)


@dataclass(frozen=True)
class Placement:
    """Where one CA is deployed. `account` / `region` are None when the config leaves them to the
    CLI's defaults (a single-stack config without account or region)."""

    environment: str | None
    stack: str
    account: str | None
    region: str | None

    def describe(self) -> str:
        where = f"stack {self.stack}"
        if self.environment:
            where = f"environment {self.environment!r} ({where}"
        else:
            where = f"the single stack ({where}"
        return f"{where}, account {self.account or 'default'}, region {self.region or 'default'})"


class PlacementRecordError(ValueError):
    """A record that exists but cannot be read: one line naming the file and what to do."""


def record_path(config_path: str | Path) -> Path:
    """`pki.yaml` -> `pki.placements.json`, in the config's folder."""
    path = Path(config_path)
    return path.with_name(path.stem + RECORD_SUFFIX)


def read_record(path: Path) -> dict[str, Placement] | None:
    """The placements recorded in `path` by CA name; None when there is no record."""
    if not path.exists():
        return None
    try:
        data = json.loads(read_regular_file(path, max_bytes=MAX_RECORD_BYTES).decode("utf-8"))
        if data.get("format") != RECORD_FORMAT:
            raise ValueError(f"format {show(data.get('format'))} is not {RECORD_FORMAT}")
        return {
            str(name): Placement(
                environment=_optional_text(entry, "environment"),
                stack=str(entry["stack"]),
                account=_optional_text(entry, "account"),
                region=_optional_text(entry, "region"),
            )
            for name, entry in data["certificate_authorities"].items()
        }
    except FileInputError as exc:
        raise PlacementRecordError(f"placement record {path} {exc.reason}") from None
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise PlacementRecordError(
            f"placement record {path} is not readable ({type(exc).__name__}: {exc}); restore it "
            "from version control (deleting it turns the check against moved CAs off until the "
            "next synth writes it again)"
        ) from None


def _optional_text(entry: Mapping[str, Any], key: str) -> str | None:
    value = entry.get(key)
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{key} is {show(value)}, not a string")
    return value


# --- the check, on raw config data (every problem at once, beside the schema's) ----------------


def placements_of(data: Mapping[str, Any]) -> dict[str, tuple[int, Placement, Any]]:
    """Each CA's placement under this config, with its index and its `moved_from`; CAs whose
    placement cannot be known yet (no name, an unknown environment) are left out."""
    name = data.get("name")
    if not isinstance(name, str):
        return {}
    environments = data.get("environments")
    environments = environments if isinstance(environments, Mapping) else {}
    cas = data.get("certificate_authorities")
    found: dict[str, tuple[int, Placement, Any]] = {}
    for index, ca in enumerate(cas if isinstance(cas, list | tuple) else []):
        if not isinstance(ca, Mapping) or not isinstance(ca.get("name"), str):
            continue
        environment = ca.get("environment")
        if environments:
            target = environments.get(environment) if isinstance(environment, str) else None
            if not isinstance(target, Mapping):
                continue  # the organization checks report it
            placement = Placement(
                environment, f"{name}-{environment}", target.get("account"), target.get("region")
            )
        else:
            placement = Placement(None, name, data.get("account"), data.get("region"))
        found.setdefault(ca["name"], (index, placement, ca.get("moved_from")))
    return found


def check_placements(
    data: Mapping[str, Any], record: Mapping[str, Placement] | None, *, record_name: str = ""
) -> list[ConfigProblem]:
    """A problem for each CA the config would move away from its recorded placement without
    `moved_from` naming the recorded environment, and for each `moved_from` that names another."""
    if record is None:
        return []
    problems: list[ConfigProblem] = []
    for ca_name, (index, now, moved_from) in placements_of(data).items():
        before = record.get(ca_name)
        if before is None or not _moves(before, now):
            continue
        expected = before.environment or "none"
        loc = ("certificate_authorities", index, "moved_from")
        if moved_from is None:
            problems.append(
                ConfigProblem.at(
                    ("certificate_authorities", index, "environment"),
                    f"{show(now.environment)} moves CA {ca_name!r} from {before.describe()} to "
                    f"{now.describe()} (recorded in {record_name or 'the placement record'}): "
                    "CloudFormation would create a new CA there with a new private key and "
                    "leave the old one, and every certificate it issued, behind; put it back, or "
                    f"if the replacement is intended add moved_from: {expected} to the CA",
                )
            )
        elif moved_from != expected:
            problems.append(
                ConfigProblem.at(
                    loc,
                    f"{show(moved_from)} does not name where CA {ca_name!r} was: the record says "
                    f"{before.describe()}; expected moved_from: {expected}",
                )
            )
    return problems


def _moves(before: Placement, now: Placement) -> bool:
    """A changed stack always moves the CA; account and region only when both sides know them (a
    config leaving them to the CLI's defaults cannot tell)."""
    if before.stack != now.stack:
        return True
    return any(
        old is not None and new is not None and old != new
        for old, new in ((before.account, now.account), (before.region, now.region))
    )


def accepted_moves(
    config: PkiConfig, record: Mapping[str, Placement] | None
) -> list[tuple[str, Placement, Placement]]:
    """(CA name, recorded placement, new placement) of each move the config declares intended."""
    if record is None:
        return []
    data = config.model_dump(mode="json", exclude_none=True)
    moves = []
    for ca_name, (_, now, moved_from) in placements_of(data).items():
        before = record.get(ca_name)
        if before is not None and moved_from is not None and _moves(before, now):
            moves.append((ca_name, before, now))
    return moves


# --- writing the record, after a successful synth ---------------------------------------------


def write_record(config_path: str | Path, config: PkiConfig) -> Path | None:
    """Record where each CA of `config` now is; return the record's path, or None when this config
    keeps no record (no environments, and none recorded before). Writes only when the content
    changes, atomically (a temporary file renamed over the record)."""
    path = record_path(config_path)
    if not config.environments and not path.exists():
        return None
    data = config.model_dump(mode="json", exclude_none=True)
    placements = {
        ca_name: {key: value for key, value in asdict(placement).items() if value is not None}
        for ca_name, (_, placement, _) in sorted(placements_of(data).items())
    }
    text = (
        json.dumps(
            {
                "comment": _COMMENT,
                "format": RECORD_FORMAT,
                "name": config.name,
                "certificate_authorities": placements,
            },
            indent=2,
        )
        + "\n"
    )
    if path.exists() and path.read_text(encoding="utf-8", errors="replace") == text:
        return path
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
