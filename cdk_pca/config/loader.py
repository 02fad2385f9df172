"""Reading `pki.yaml` (YAML or JSON) into a PkiConfig, or one ConfigError listing every problem.

Pydantic's messages are rewritten to name the path, the bad value and what is allowed.
"""

from __future__ import annotations

import difflib
import json
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from cdk_pca.config import placements
from cdk_pca.config.errors import ConfigError, ConfigProblem, Loc
from cdk_pca.config.models import PkiConfig
from cdk_pca.config.placements import Placement
from cdk_pca.config.rules import check_rules
from cdk_pca.files import FileInputError, read_regular_file
from cdk_pca.rules import field_path, show

# A PKI description is a few KiB; refuse to parse something that is obviously not one.
MAX_CONFIG_BYTES = 4 * 1024 * 1024
_HINT = "expected a mapping with name and certificate_authorities (see the default pki.yaml)"


def load_config(path: str | Path) -> PkiConfig:
    """Read and validate a config file; raise ConfigError listing every problem in it."""
    path = Path(path)
    source = str(path)
    try:
        # Regular files only, checked on the open descriptor: a FIFO with no writer would block
        # forever and a device (/dev/zero) never ends.
        raw = read_regular_file(path, max_bytes=MAX_CONFIG_BYTES)
    except FileInputError as exc:
        raise _file_error(source, f"config file {source!r} {exc.reason}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _file_error(
            source, f"config file {source!r} is not UTF-8 text (byte {exc.start})"
        ) from exc
    record_file = placements.record_path(path)
    try:
        record = placements.read_record(record_file)
    except placements.PlacementRecordError as exc:
        raise _file_error(source, str(exc)) from None
    return parse_config(
        text, base_dir=path.parent, source=source, placements=record, record_name=str(record_file)
    )


def parse_config(
    text: str,
    *,
    base_dir: str | Path = ".",
    source: str = "<config>",
    placements: Mapping[str, Placement] | None = None,
    record_name: str = "",
) -> PkiConfig:
    """Validate config text; relative certificate_file / chain_file paths start at `base_dir`.

    `placements` is the config's placement record (``cdk_pca.config.placements``; load_config
    reads it beside the file): a CA it places elsewhere is refused unless `moved_from` says so.
    """
    try:
        return _parse_and_validate(text, Path(base_dir), source, placements, record_name)
    except RecursionError:
        # The parsers, pydantic and the checks here all recurse: nesting thousands of levels
        # deep exhausts the stack long before it could be a PKI description.
        raise _file_error(
            source, f"config file {source!r} is nested too deeply to be a PKI config; {_HINT}"
        ) from None


def _parse_and_validate(
    text: str,
    base_dir: Path,
    source: str,
    record: Mapping[str, Placement] | None,
    record_name: str,
) -> PkiConfig:
    data, root, problems = _parse(text, source)
    if data is None:
        raise _file_error(source, f"config file {source!r} is empty; {_HINT}")
    if not isinstance(data, Mapping):
        kind = "a list" if isinstance(data, list) else f"the value {show(data)}"
        raise _file_error(source, f"config file {source!r} holds {kind}; {_HINT}")
    unencodable = _unencodable_text(data)
    if unencodable:
        # Before any other check: every later message, the plan and the template would carry the
        # text, and UTF-8 (stdout, JSON for CloudFormation, jsii) cannot encode it.
        raise ConfigError(_in_file_order(unencodable, root), source=source)
    config: PkiConfig | None = None
    try:
        config = PkiConfig.model_validate(data, context={"base_dir": base_dir})
    except ValidationError as exc:
        problems += [_translate(error) for error in exc.errors(include_url=False)]
        problems += check_rules(data)
    except ConfigError as exc:
        problems += exc.problems
    # Against the record on the raw data, so a move is reported beside every other problem.
    problems += placements.check_placements(data, record, record_name=record_name)
    if config is not None and not problems:
        return config
    raise ConfigError(_in_file_order(problems, root), source=source)


def _file_error(source: str, message: str) -> ConfigError:
    return ConfigError([ConfigProblem(path="", message=message)], source=source)


def _unencodable_text(data: Any) -> list[ConfigProblem]:
    """Keys and strings holding a lone UTF-16 surrogate ("\\ud800" in JSON or a double-quoted YAML
    string): not Unicode text, UTF-8 cannot encode it. Walked iteratively: aliases are bounded."""
    problems: list[ConfigProblem] = []
    pending: list[tuple[Loc, Any]] = [((), data)]
    while pending:
        loc, value = pending.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                child = (*loc, key)
                if isinstance(key, str) and (reason := _surrogate(key)) is not None:
                    problems.append(_problem_at(child, f"key {reason}"))
                else:
                    pending.append((child, item))
        elif isinstance(value, list):
            pending.extend(((*loc, index), item) for index, item in enumerate(value))
        elif isinstance(value, str) and (reason := _surrogate(value)) is not None:
            problems.append(_problem_at(loc, reason))
    return problems


def _surrogate(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (
            f"'{_escaped(text[:40])}' holds a lone UTF-16 surrogate ({_escaped(text[exc.start])}"
            f" at character {exc.start + 1}), which is not text: write the character itself"
        )
    return None


def _escaped(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _problem_at(loc: Loc, message: str) -> ConfigProblem:
    """A problem whose path is printable even when a key in it is not text."""
    shown = tuple(_escaped(part) if isinstance(part, str) else part for part in loc)
    return ConfigProblem(path=field_path(shown), message=message, loc=loc)


# --- parsing --------------------------------------------------------------------------------------


def _parse(text: str, source: str) -> tuple[Any, yaml.Node | None, list[ConfigProblem]]:
    """(data, YAML node tree for line numbers, duplicate-key problems)."""
    if source.endswith(".json") or _is_json(text):
        return _parse_json(text, source)
    return _parse_yaml(text, source)


def _is_json(text: str) -> bool:
    """JSON under another name (pki.yaml): JSON allows the tab indentation PyYAML refuses.
    Text starting with `{` that is not JSON is a YAML flow mapping, with YAML's messages."""
    if not text.lstrip().startswith("{"):
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _parse_json(text: str, source: str) -> tuple[Any, yaml.Node | None, list[ConfigProblem]]:
    try:
        data = json.loads(text, object_pairs_hook=_JsonObject.from_pairs) if text.strip() else None
    except json.JSONDecodeError as exc:
        raise _file_error(
            source, f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    except ValueError as exc:  # a number of more than 4300 digits, for one
        reason = str(exc).split(";")[0]
        raise _file_error(source, f"malformed JSON: {reason}") from exc
    try:
        root = yaml.compose(text, Loader=_SafeLoader)
    except yaml.YAMLError:
        root = None  # tab-indented JSON: no line numbers, the problems still have their paths
    return data, root, _json_duplicate_keys(data)


class _JsonObject(dict[str, Any]):
    """A JSON object that remembers the keys it held twice (json keeps the last one silently)."""

    duplicates: tuple[str, ...] = ()

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, Any]]) -> _JsonObject:
        value = cls(pairs)
        if len(value) != len(pairs):
            seen: set[str] = set()
            repeated = []
            for key, _ in pairs:
                if key in seen and key not in repeated:
                    repeated.append(key)
                seen.add(key)
            value.duplicates = tuple(repeated)
        return value


def _json_duplicate_keys(data: Any) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    pending: list[tuple[Loc, Any]] = [((), data)]
    while pending:
        loc, value = pending.pop()
        if isinstance(value, dict):
            for key in getattr(value, "duplicates", ()):
                problems.append(
                    ConfigProblem.at(
                        (*loc, key),
                        f"duplicate key {show(key)}; JSON would silently keep only the last one",
                    )
                )
            pending.extend(((*loc, key), item) for key, item in value.items())
        elif isinstance(value, list):
            pending.extend(((*loc, index), item) for index, item in enumerate(value))
    return problems


def _parse_yaml(text: str, source: str) -> tuple[Any, yaml.Node | None, list[ConfigProblem]]:
    try:
        return _load_yaml(text, _SafeLoader)
    except _AliasError as exc:
        raise _file_error(source, _describe_yaml_error(exc)) from exc
    except yaml.YAMLError as fast_error:
        # libyaml's messages are terse ("found character that cannot start any token"); the
        # pure-Python parser, run only on a file that failed, says what PyYAML users know.
        error: yaml.YAMLError = fast_error
        if _SafeLoader is not _PySafeLoader:
            try:
                _load_yaml(text, _PySafeLoader)
            except yaml.YAMLError as slow_error:
                error = slow_error
        if isinstance(error, yaml.MarkedYAMLError):
            raise _file_error(source, _describe_yaml_error(error)) from error
        raise _file_error(source, f"malformed YAML: {' '.join(str(error).split())}") from error


def _load_yaml(text: str, loader_class: Any) -> tuple[Any, yaml.Node | None, list[ConfigProblem]]:
    loader = loader_class(text)
    try:
        root = loader.get_single_node()
        if root is not None:
            _check_aliases(root, text)
        # Before constructing: construction folds merge keys (<<: *anchor) into the node.
        duplicates = _duplicate_keys(root, ())
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return data, root, duplicates


# Aliases (*name) may repeat values, but not multiply them: a "billion laughs" file of a few
# hundred bytes expands to gigabytes in every check that walks the data.
MAX_ALIAS_EXPANSION = 10_000


class _AliasError(yaml.composer.ComposerError):  # type: ignore[misc]  # PyYAML ships no types
    """An alias refused: recursive, or expanding the file past MAX_ALIAS_EXPANSION values."""


class _ScalarErrors:
    """A scalar PyYAML cannot convert is a YAML error at its line.

    Its resolvers pick int, float, bool or timestamp from how a plain scalar looks, and the
    conversion then raises plain Python errors: `2020-13-45` (ValueError: month must be in
    1..12), a 5,000-digit number, `!!bool maybe` (KeyError), `!!timestamp x` (AttributeError:
    PyYAML calls groupdict() on the failed match).
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)  # type: ignore[misc]  # a mixin
        except (ValueError, KeyError, TypeError, OverflowError, AttributeError) as exc:
            value = show(node.value) if isinstance(node, yaml.ScalarNode) else "this value"
            reason = str(exc).split(";")[0]  # not Python's advice on sys.set_int_max_str_digits
            if isinstance(exc, AttributeError):
                reason = "not written in the form of that type"
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"cannot read {value} as {node.tag.rsplit(':', 1)[-1]} ({reason}); "
                "quote it if it is text",
                node.start_mark,
            ) from exc


class _PySafeLoader(_ScalarErrors, yaml.SafeLoader):  # type: ignore[misc]  # PyYAML has no types
    """PyYAML's pure-Python SafeLoader, with scalar errors at their line."""


# libyaml's parser where PyYAML has it (the wheels do): ten times faster than the pure-Python one,
# which spends about 4 s per MiB of text before any check runs. Both construct in Python.
_SafeLoader: Any = (
    type("_SafeLoader", (_ScalarErrors, yaml.CSafeLoader), {})
    if getattr(yaml, "__with_libyaml__", False)
    else _PySafeLoader
)


def _check_aliases(root: yaml.Node, text: str) -> None:
    """Refuse a recursive alias, or aliases that repeat more than MAX_ALIAS_EXPANSION values.

    The composer shares one node between an anchor and its aliases, so the node tree is a graph:
    it is walked once in document order, and each edge back to a node already seen is one alias.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    expansion = 0
    aliases = 0

    def size(node: yaml.Node) -> int:
        nonlocal expansion, aliases
        if id(node) in on_path:
            raise _AliasFound(aliases, "is inside the value it names (a recursive alias)")
        known = sizes.get(id(node))
        if known is not None:  # an alias: it repeats everything its anchor holds
            expansion += known
            aliases += 1
            if expansion > MAX_ALIAS_EXPANSION:
                raise _AliasFound(
                    aliases - 1,
                    f"makes the aliases of this file repeat more than {MAX_ALIAS_EXPANSION:,} "
                    "values in total (an alias bomb?)",
                )
            return known
        on_path.add(id(node))
        total = 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                total += size(key) + size(value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                total += size(item)
        on_path.discard(id(node))
        sizes[id(node)] = total
        return total

    try:
        size(root)
    except _AliasFound as found:
        # Only now the events are read again, to find where that alias is written.
        events = (e for e in yaml.parse(text, Loader=_SafeLoader) if isinstance(e, yaml.AliasEvent))
        for _ in range(found.index):
            next(events)
        event = next(events)
        raise _AliasError(
            None,
            None,
            f"alias *{event.anchor} {found.reason}; write the values out instead",
            event.start_mark,
        ) from None


class _AliasFound(Exception):
    def __init__(self, index: int, reason: str) -> None:
        self.index = index  # how many aliases come before it in the file
        self.reason = reason


def _describe_yaml_error(exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    if isinstance(exc, _AliasError):
        return f"YAML alias{where}: {exc.problem}"
    what = exc.problem or "cannot parse"
    if "'\\t'" in what:
        what += "; YAML indents with spaces only, replace the tabs"
    if exc.context:
        what = f"{what} ({exc.context}"
        if exc.context_mark and exc.context_mark is not mark:
            what += f" at line {exc.context_mark.line + 1}"
        what += ")"
    return f"malformed YAML{where}: {what}"


def _duplicate_keys(
    node: yaml.Node | None, loc: Loc, seen: set[int] | None = None
) -> list[ConfigProblem]:
    """YAML keeps the last of two equal keys without a word: report them."""
    problems: list[ConfigProblem] = []
    seen = set() if seen is None else seen
    if id(node) in seen:  # an alias: checked where its anchor is (and it may be recursive)
        return problems
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first_line: dict[str, int] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            child_loc = (*loc, key.value)
            if key.value in first_line:
                problem = ConfigProblem.at(
                    child_loc,
                    f"duplicate key {key.value!r} (first at line {first_line[key.value]}); "
                    "YAML would silently keep only the last one",
                )
                problems.append(_with_line(problem, key.start_mark.line + 1))
            else:
                first_line[key.value] = key.start_mark.line + 1
            problems += _duplicate_keys(value, child_loc, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            problems += _duplicate_keys(item, (*loc, index), seen)
    return problems


# --- pydantic errors, in the user's words ---------------------------------------------------------


def _translate(error: ErrorDetails) -> ConfigProblem:
    loc: Loc = tuple(error["loc"])
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    prefix = ""
    if loc and loc[-1] == "[key]":
        loc = loc[:-1]
        prefix = "key "
    if kind == "value_error" and "error" in ctx:
        message = str(ctx["error"])
    elif kind == "value_error" and "reason" in ctx:
        message = f"{show(value)} is not a valid e-mail address: {ctx['reason']}"
    elif kind == "invalid_key":
        # pydantic puts the key in `loc` as text or as a number (a YAML `yes:` becomes 1);
        # `input` is the key as YAML read it.
        hint = ' (YAML reads unquoted yes, no, on and off as booleans: quote the key, e.g. "on":)'
        message = f"key {show(value)} is not allowed: keys are names (text)"
        message += hint if isinstance(value, bool) else ""
        loc = loc[:-1]
    elif kind == "missing":
        message = "is required"
    elif kind == "extra_forbidden":
        message = _unknown_key(loc)
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        keys = _allowed_keys(loc)
        expected = (
            f"; expected keys: {', '.join(keys)}"
            if keys
            else "; expected a mapping of names to their settings"
        )
        message = f"{show(value)} is not a mapping{expected}"
    elif kind in ("tuple_type", "list_type"):
        message = f"{show(value)} is not a list; write it as a YAML list (- item)"
    elif kind == "too_short":
        message = "is empty; list at least one entry"
    elif kind == "string_type":
        message = f"{show(value)} is not text; quote it in YAML"
    else:
        message = f"{show(value)} is not allowed: {error['msg']}"
    return ConfigProblem.at(loc, prefix + message)


def _unknown_key(loc: Loc) -> str:
    key = loc[-1]
    allowed = _allowed_keys(loc[:-1])
    close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]}?)" if close else ""
    # The path already shows the key; repeated here at most 40 characters long, so that the
    # allowed keys still fit on the problem's line (MAX_LINE_LENGTH) as the schema grows.
    name = str(key) if len(str(key)) <= 40 else str(key)[:37] + "..."
    return f"unknown key {show(name)}{hint}; allowed keys here: {', '.join(allowed)}"


def _allowed_keys(loc: Loc) -> list[str]:
    model = _model_at(loc)
    return list(model.model_fields) if model is not None else []


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The model class that validates the value at `loc`, following lists, dicts and Optional."""
    annotation: Any = PkiConfig
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return None
            annotation = field.annotation
        elif typing.get_origin(annotation) in (tuple, list) and isinstance(part, int):
            annotation = typing.get_args(annotation)[0]
        elif typing.get_origin(annotation) is dict:
            annotation = typing.get_args(annotation)[1]
        else:
            return None
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated[...] and `| None` until a model, container or plain type remains."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


# --- line numbers ---------------------------------------------------------------------------------


def _in_file_order(problems: list[ConfigProblem], root: yaml.Node | None) -> list[ConfigProblem]:
    located: list[ConfigProblem] = []
    seen: set[tuple[str, str]] = set()
    keys = _KeyIndex()
    for problem in problems:
        if (problem.path, problem.message) in seen:
            continue
        seen.add((problem.path, problem.message))
        if problem.line is None and root is not None:
            problem = _with_line(problem, _line_of(root, problem.loc, keys))
        located.append(problem)
    return sorted(located, key=lambda p: (p.line if p.line is not None else 0, p.path))


def _with_line(problem: ConfigProblem, line: int | None) -> ConfigProblem:
    return ConfigProblem(path=problem.path, message=problem.message, line=line, loc=problem.loc)


class _KeyIndex:
    """The last (key, value) of each key of a mapping node, built once per node: thousands of
    problems in one mapping must not scan it once each."""

    def __init__(self) -> None:
        self._by_node: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = {}

    def get(self, node: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
        index = self._by_node.get(id(node))
        if index is None:
            index = {str(k.value): (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}
            self._by_node[id(node)] = index
        return index.get(key)


def _line_of(root: yaml.Node, loc: Loc, keys: _KeyIndex) -> int | None:
    """1-based line of the deepest node of `loc` present in the file (a key's own line)."""
    node = root
    line: int = root.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = keys.get(node, str(part))
            if match is None:
                return line
            key, node = match
            line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


__all__ = ["load_config", "parse_config"]
