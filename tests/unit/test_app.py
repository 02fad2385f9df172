"""app.py, the entry point `cdk synth` runs: failures are one message and no template, never a traceback."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import PROJECT_ROOT


def _load_app() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pki_app", PROJECT_ROOT / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ValueError("Pki/RootCa: invalid certificate authority"), "invalid certificate authority"),
        (
            RuntimeError("ValidationError: bad thing\n    at Object.<anonymous> (x.js:1:1)"),
            "ValidationError: bad thing",
        ),
        # Any other failure too: a crash is no reason to leave a template behind.
        (KeyError("certificate_authorities"), "KeyError: 'certificate_authorities'"),
        (TypeError("unsupported operand\nmore"), "TypeError: unsupported operand"),
        (
            UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"),
            "'utf-8' codec can't encode character '\\ud800'",
        ),
        (RecursionError("maximum recursion depth exceeded"), "maximum recursion depth"),
        # A problem list (AlarmCatalogError) keeps its problems, not only its heading.
        (
            ValueError("invalid monitoring settings:\n  pki_name: too long\n  emails[0]: bad"),
            "invalid monitoring settings:\n  pki_name: too long\n  emails[0]: bad",
        ),
        (Exception(""), "Exception: Exception('')"),
    ],
)
def test_construct_errors_are_reported_without_traceback_and_templates_removed(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    error: Exception,
    expected: str,
) -> None:
    app = _load_app()
    stale = tmp_path / "example-pki.template.json"
    stale.write_text("{}")
    monkeypatch.setenv("CDK_OUTDIR", str(tmp_path))
    monkeypatch.setenv("CDK_CONTEXT_JSON", '{"config": "%s"}' % (PROJECT_ROOT / "pki.yaml"))

    def failing_stack(*args: Any, **kwargs: Any) -> None:
        raise error

    monkeypatch.setattr(app, "PkiStack", failing_stack)
    with pytest.raises(SystemExit) as exited:
        app.main()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert expected in err
    assert "at Object" not in err and "Traceback" not in err
    assert not stale.exists()
