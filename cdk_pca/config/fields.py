"""Field types of the config schema, each with a message that names the bad value and what is allowed.

Pydantic's own messages ("Input should be ...") are replaced: every check here raises ValueError
with the text the user reads, and the loader prefixes it with the field's path.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, PlainValidator

from cdk_pca.aws_names import looks_like_an_ip_address, region_problem
from cdk_pca.config.countries import COMMON_MISTAKES, ISO_3166_ALPHA2
from cdk_pca.config.errors import show

# A CA certificate validity above 100 years is a typo, not a plan (and outlives every parent).
MAX_VALIDITY_DAYS = 36500
# CA names feed CloudFormation logical IDs, resource names and alarm names: keep them short.
MAX_CA_NAME_LENGTH = 40


def _one_of(allowed: Sequence[str]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if isinstance(value, str) and value in allowed:
            return value
        hint = ""
        if isinstance(value, str):
            by_case = [choice for choice in allowed if choice.lower() == value.lower()]
            close = by_case or difflib.get_close_matches(value, allowed, n=1, cutoff=0.75)
            hint = f" (did you mean {close[0]}?)" if close else ""
        raise ValueError(
            f"{show(value)} is not allowed; expected one of {', '.join(allowed)}{hint}"
        )

    return check


def one_of(allowed: Sequence[str]) -> PlainValidator:
    """For Annotated[str, ...]: one of `allowed`, spelled exactly (AWS enums are case-sensitive)."""
    return PlainValidator(_one_of(tuple(allowed)))


def whole_number(low: int, high: int) -> PlainValidator:
    """For Annotated[int, ...]: low..high; YAML floats, booleans and quoted numbers are refused."""

    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{show(value)} is not a whole number; allowed {low}..{high}")
        if not low <= value <= high:
            raise ValueError(f"{value} is out of range; allowed {low}..{high}")
        return value

    return PlainValidator(check)


def _non_empty(value: tuple[Any, ...]) -> tuple[Any, ...]:
    if not value:
        raise ValueError("is empty; list at least one entry")
    return value


# For Annotated[tuple[...], ...]: at least one entry (checked after the entries themselves).
NON_EMPTY = AfterValidator(_non_empty)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{show(value)} is not a boolean; expected true or false")
    return value


# true or false, nothing that merely looks like one ("yes" in quotes, 1).
Flag = Annotated[bool, PlainValidator(_flag)]


def _require_text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{show(value)} is not text; quote it in YAML")
    return value


def text(low: int, high: int) -> PlainValidator:
    """For Annotated[str, ...]: low..high characters, without control characters."""

    def check(raw: Any) -> str:
        value = _require_text(raw)
        if not low <= len(value) <= high:
            raise ValueError(
                f"{show(value)} is {len(value)} characters long; allowed {low}..{high}"
            )
        if any(unicodedata.category(char) == "Cc" for char in value):
            raise ValueError(f"{show(value)} contains control characters (tab, newline, ...)")
        if not value.strip():
            raise ValueError(f"{show(value)} is blank; expected {low}..{high} characters of text")
        return value

    return PlainValidator(check)


def pattern(regex: str, low: int, high: int, allowed: str) -> PlainValidator:
    """For Annotated[str, ...]: low..high characters matching `regex` (`allowed` in words)."""
    compiled = re.compile(regex)

    def check(raw: Any) -> str:
        value = _require_text(raw)
        if not low <= len(value) <= high:
            raise ValueError(
                f"{show(value)} is {len(value)} characters long; allowed {low}..{high}"
            )
        if not compiled.fullmatch(value):
            raise ValueError(f"{show(value)} is not allowed; expected {allowed}")
        return value

    return PlainValidator(check)


# --- host names -------------------------------------------------------------------------------

_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def host_name_problem(value: str, *, wildcard: bool = False) -> str | None:
    """Why `value` is not a DNS host name (None when it is one). A CNAME field takes a name only."""
    if "://" in value:
        scheme = value.split("://", 1)[0]
        return f"{show(value)} must be a host name only: drop the scheme '{scheme}://'"
    if "/" in value:
        return f"{show(value)} must be a host name only, without a path ('/...')"
    if ":" in value:
        return f"{show(value)} must be a host name only, without a port (':...')"
    if len(value) > 253:
        return f"{show(value)} is {len(value)} characters long; a host name has at most 253"
    labels = value.split(".")
    if wildcard and labels[0] == "*":
        labels = labels[1:]
    if looks_like_an_ip_address(value):  # the rule `cdk-pca lookup` applies too
        return (
            f"{show(value)} looks like an IP address (its last label is a number); expected "
            "a DNS name such as crl.example.com"
        )
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        wild = ", optionally starting with '*.'" if wildcard else ""
        return (
            f"{show(value)} is not a valid DNS name; expected dot-separated labels of letters, "
            f"digits and inner hyphens (1..63 characters each, at least two labels){wild}, "
            "e.g. crl.example.com"
        )
    return None


def host_name(*, wildcard: bool = False) -> PlainValidator:
    """For Annotated[str, ...]: a DNS name without scheme, path or port (`*.` if `wildcard`)."""

    def check(raw: Any) -> str:
        value = _require_text(raw)
        problem = host_name_problem(value, wildcard=wildcard)
        if problem:
            raise ValueError(problem)
        return value

    return PlainValidator(check)


# --- values with their own rules ------------------------------------------------------------------


def _country(raw: Any) -> str:
    if isinstance(raw, bool):
        # YAML 1.1 reads NO (Norway), YES, ON, OFF as booleans.
        raise ValueError(
            f"{show(raw)} is a boolean, not a country code: YAML reads NO, YES, ON and OFF "
            'as booleans, so quote the code (country: "NO")'
        )
    value = _require_text(raw)
    code = value.upper()
    if len(value) == 2 and code in ISO_3166_ALPHA2:
        return code
    meant = COMMON_MISTAKES.get(code)
    hint = f" (did you mean {meant}?)" if meant else ""
    raise ValueError(
        f"{show(value)} is not an ISO 3166-1 alpha-2 country code; expected two letters "
        f"such as US, GB, DE, FR, JP{hint}"
    )


Country = Annotated[str, PlainValidator(_country)]


def _account(raw: Any) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raise ValueError(
            f"{raw} must be quoted: an AWS account ID is a string of 12 digits "
            '(account: "123456789012"), and YAML drops leading zeros from numbers'
        )
    value = _require_text(raw)
    if not re.fullmatch(r"[0-9]{12}", value):
        raise ValueError(f"{show(value)} is not an AWS account ID; expected exactly 12 digits")
    return value


AccountId = Annotated[str, PlainValidator(_account)]


def _region(raw: Any) -> str:
    value = _require_text(raw)
    problem = region_problem(value)  # the rule the commands' --region follows too
    if problem is not None:
        raise ValueError(problem)
    return value


Region = Annotated[str, PlainValidator(_region)]

# Tag rules of the AWS Resource Groups Tagging API, shared by ACM PCA:
# https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions
MAX_TAGS = 50
_TAG_PUNCTUATION = frozenset(" _.:/=+-@")


def _tag_text_ok(value: str) -> bool:
    return all(
        char.isalnum() or char in _TAG_PUNCTUATION or unicodedata.category(char).startswith("Z")
        for char in value
    )


def _tags(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{show(value)} is not a mapping of tag keys to values")
    if len(value) > MAX_TAGS:
        raise ValueError(f"{len(value)} tags given; AWS allows at most {MAX_TAGS} per resource")
    problems: list[str] = []
    for key, tag_value in value.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 128 or not _tag_text_ok(key):
            problems.append(
                f"key {show(key)} is not allowed; expected 1..128 letters, digits, "
                "spaces or _.:/=+-@"
            )
        elif key.lower().startswith("aws:"):
            problems.append(f"key {show(key)} is not allowed: the 'aws:' prefix is reserved")
        if not isinstance(tag_value, str):
            problems.append(
                f"value of {show(key)} is {show(tag_value)}, not text; quote it in YAML"
            )
        elif len(tag_value) > 256 or not _tag_text_ok(tag_value):
            problems.append(
                f"value of {show(key)} is not allowed; expected 0..256 letters, digits, "
                "spaces or _.:/=+-@"
            )
    if problems:
        raise ValueError("; ".join(problems))
    return dict(value)


Tags = Annotated[dict[str, str], PlainValidator(_tags)]
