"""The `cdk-pca` command line: plan, lookup, revoke, status, audit-report.

Each command lives in its own module and is imported only when it runs, so `status` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from typing import Any

from cdk_pca.cli.errors import CliError, describe_exception, one_line

# Modules that register sub-commands; each has `register(subparsers)`.
_COMMAND_MODULES = (
    "cdk_pca.cli.plan",
    "cdk_pca.cli.lookup",
    "cdk_pca.cli.revocation",
    "cdk_pca.cli.guard",
    "cdk_pca.cli.doctor",
)

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """A command line argparse refuses (unknown flag, missing option, bad value)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr and exit 2, not a usage dump: main()
    reports it like any other error (and, under --json, with its one JSON object)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cdk-pca",
        description="Plan, look up, revoke and check certificates of a private PKI on AWS Private CA.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for module_name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = [str(word) for word in (sys.argv[1:] if argv is None else argv)]
    parser = build_parser()
    command = _command_in(parser, words)
    try:
        args = parser.parse_args(words)
    except UsageError as exc:
        return _report(command, words, CliError(str(exc)))
    command = args.command
    try:
        return int(args.handler(args))
    except CliError as exc:
        return _report(command, words, exc)
    except KeyboardInterrupt:
        return _report(command, words, CliError("interrupted", EXIT_INTERRUPTED))
    except Exception as exc:  # the contract is one line, never a traceback
        message, exit_code = describe_exception(exc)
        return _report(command, words, CliError(message, exit_code))


def _report(command: str | None, words: list[str], error: CliError) -> int:
    """The one-line error on stderr and, when --json was asked for, one JSON object on stdout."""
    prog = f"cdk-pca {command}" if command else "cdk-pca"
    sys.stderr.write(one_line(f"{prog}: error: {error}") + "\n")
    if _wants_json(words):
        sys.stdout.write(json.dumps(error_json(command, error), indent=2) + "\n")
    return error.exit_code


def _wants_json(words: list[str]) -> bool:
    # argparse accepts any unambiguous prefix of a long option (--js for --json); after `--`
    # every word is a positional argument.
    options = words[: words.index("--")] if "--" in words else words
    return any(len(word) > 3 and "--json".startswith(word) for word in options)


def _command_in(parser: argparse.ArgumentParser, words: list[str]) -> str | None:
    """The sub-command a command line names, known before argparse has accepted it."""
    choices: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            choices = set(action.choices)
    return next((word for word in words if word in choices), None)


def error_json(command: str | None, error: CliError) -> dict[str, Any]:
    """Each command's JSON object for a run that failed: its own keys where DESIGN.md fixes them
    (status, doctor, guard), `error` always, and any details the error carries."""
    message = one_line(str(error))
    document: dict[str, Any]
    if command == "status":
        from cdk_pca.cli.revocation import unknown_status_json

        document = unknown_status_json(message)
    elif command == "doctor":
        document = {"healthy": False, "checks": [], "error": message}
    elif command == "guard":
        document = {"replaced": None, "findings": [], "error": message}
    else:
        document = {"command": command, "error": message, "exitCode": error.exit_code}
    document.update(error.details)
    return document
