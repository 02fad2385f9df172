"""Field types of the config schema, each with a message that names the bad value and what is allowed.

Pydantic's own messages ("Input should be ...") are replaced: every check here raises ValueError
with the text the user reads, and the loader prefixes it with the field's path.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, PlainValidator

from cdk_pca import rules
from cdk_pca.aws_names import region_problem
from cdk_pca.config.countries import COMMON_MISTAKES, ISO_3166_ALPHA2
from cdk_pca.rules import show

# CA names feed CloudFormation logical IDs, resource names and alarm names: keep them short.
MAX_CA_NAME_LENGTH = 40


def _one_of(allowed: Sequence[str]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        problem = rules.choice_problem(value, allowed)
        if problem:
            raise ValueError(problem)
        return str(value)

    return check


def one_of(allowed: Sequence[str]) -> PlainValidator:
    """For Annotated[str, ...]: one of `allowed`, spelled exactly (AWS enums are case-sensitive)."""
    return PlainValidator(_one_of(tuple(allowed)))


def whole_number(bounds: tuple[int, int]) -> PlainValidator:
    """For Annotated[int, ...]: within `bounds` (a range of cdk_pca.rules), as rules checks it."""

    def check(value: Any) -> int:
        problem = rules.whole_number_problem(value, bounds)
        if problem:
            raise ValueError(problem)
        return int(value)

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
        problem = _plain_text_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    return PlainValidator(check)


def _plain_text_problem(value: str) -> str | None:
    """Text a person can read and AWS can store: no control characters, not only white space."""
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in value):
        return f"{show(value)} contains control characters (tab, newline, ...) or lone surrogates"
    if not value.strip():
        return f"{show(value)} is blank; expected text"
    return None


def pattern(regex: str, low: int, high: int, allowed: str) -> PlainValidator:
    """For Annotated[str, ...]: low..high characters matching `regex` (`allowed` in words)."""
    return text_pattern(rules.TextPattern(regex, low, high, allowed))


def text_pattern(shape: rules.TextPattern) -> PlainValidator:
    """For Annotated[str, ...]: text of the shape cdk_pca.rules describes."""

    def check(raw: Any) -> str:
        value = _require_text(raw)
        problem = shape.problem(value)
        if problem:
            raise ValueError(problem)
        return value

    return PlainValidator(check)


# --- host names -------------------------------------------------------------------------------


def host_name(*, wildcard: bool = False) -> PlainValidator:
    """For Annotated[str, ...]: a DNS name as cdk_pca.rules.host_name decides (its A-label, no
    trailing dot), without scheme, path or port (`*.` first if `wildcard`)."""

    def check(raw: Any) -> str:
        name, problem = rules.host_name(_require_text(raw), wildcard=wildcard)
        if problem or name is None:
            raise ValueError(problem)
        return name

    return PlainValidator(check)


def subject_text(attribute: str) -> PlainValidator:
    """For Annotated[str, ...]: a subject attribute of text, within its ASN1Subject length."""

    def check(raw: Any) -> str:
        value = _require_text(raw)
        problem = rules.subject_text_problem(attribute, value) or _plain_text_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    return PlainValidator(check)


def crl_path() -> PlainValidator:
    """For Annotated[str, ...]: crl.custom_path as cdk_pca.rules.crl_custom_path_problem allows."""

    def check(raw: Any) -> str:
        value = _require_text(raw)
        problem = rules.crl_custom_path_problem(value)
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


def tags(*, added: tuple[str, ...] = ()) -> PlainValidator:
    """For Annotated[dict[str, str], ...]: tags as cdk_pca.rules.tag_problems checks them;
    `added` names the tags the stack puts on the resource as well."""

    def check(value: Any) -> dict[str, str]:
        if not isinstance(value, Mapping):
            raise ValueError(f"{show(value)} is not a mapping of tag keys to values")
        problems = rules.tag_problems(value, added=added)
        if problems:
            raise ValueError("; ".join(problems))
        return dict(value)

    return PlainValidator(check)


# Tags on a CA: PkiStack tags everything it makes with `pki`, which counts toward the limit.
ResourceTags = Annotated[dict[str, str], tags(added=(rules.STACK_TAG_KEY,))]
# Tags a lookup filters on: the certificate's own tags, within the same rules.
TagFilter = Annotated[dict[str, str], tags()]


def _email(value: Any) -> str:
    problem = rules.email_problem(value)
    if problem:
        raise ValueError(problem)
    return str(value)


Email = Annotated[str, PlainValidator(_email)]
