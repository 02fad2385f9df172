"""The `cdk-pca` command line: plan, lookup, revoke, status, audit-report.

Each command lives in its own module and is imported only when it runs, so `status` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from cdk_pca.cli.errors import CliError, describe_exception

# Modules that register sub-commands; each has `register(subparsers)`.
_COMMAND_MODULES = (
    "cdk_pca.cli.plan",
    "cdk_pca.cli.lookup",
    "cdk_pca.cli.lookup_ca",
    "cdk_pca.cli.revocation",
    "cdk_pca.cli.guard",
    "cdk_pca.cli.doctor",
)

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr and exit 2, not a usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message} (see '{self.prog} --help')\n")
        raise SystemExit(EXIT_BAD_INPUT)


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
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except CliError as exc:
        sys.stderr.write(f"cdk-pca {args.command}: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write(f"cdk-pca {args.command}: interrupted\n")
        return 130
    except Exception as exc:  # the contract is one line, never a traceback
        message, exit_code = describe_exception(exc)
        sys.stderr.write(f"cdk-pca {args.command}: error: {message}\n")
        return exit_code
