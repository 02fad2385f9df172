"""Helpers for construct tests: an App with the project's feature flags, and a stack in it."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import aws_cdk as cdk

from tests.conftest import PROJECT_ROOT


@cache
def feature_flags() -> dict[str, Any]:
    """The context of cdk.json, so tests synthesize what `cdk synth` synthesizes."""
    context: dict[str, Any] = json.loads((PROJECT_ROOT / "cdk.json").read_text())["context"]
    return {key: value for key, value in context.items() if key != "config"}


def new_app() -> cdk.App:
    return cdk.App(context=feature_flags())


def new_stack(stack_id: str = "Test", region: str = "us-east-1") -> cdk.Stack:
    return cdk.Stack(new_app(), stack_id, env=cdk.Environment(region=region))
