"""Property-based tests: generated and mutated configs through the loader and `plan`, and hostile
command lines through every command, each example bounded in time and memory.

Whatever the input, a command returns an exit code and says why in one line (one JSON object under
--json); it never raises, hangs, exhausts memory or calls AWS for a flag it could have refused.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import signal
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdk_pca.cli import main
from cdk_pca.cli.errors import MAX_ERROR_LENGTH
from cdk_pca.config.errors import MAX_PROBLEMS_SHOWN
from tests.unit.config_helpers import example

# Per example: at most SECONDS of wall time and MEMORY more address space than before it. The
# budgets keep this module at a few seconds in `make test`.
SECONDS = 2.0
MEMORY = 1 << 30


# CDK_PCA_PROPERTY_EXAMPLES raises the number of examples for a longer hunt than `make test`'s.
def _settings(examples: int) -> Any:
    return settings(
        max_examples=int(os.environ.get("CDK_PCA_PROPERTY_EXAMPLES", examples)),
        deadline=None,  # the SIGALRM bound below also ends a hang, which a deadline cannot
        database=None,  # nothing written into the work tree
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


class ExampleTooSlow(Exception):
    pass


@contextlib.contextmanager
def bounded() -> Iterator[None]:
    """Fail the example after SECONDS (SIGALRM ends a hang in the middle of it) or when it asks
    for MEMORY more address space than the process had (MemoryError instead of a swapping box)."""

    def expire(signum: int, frame: Any) -> None:
        raise ExampleTooSlow(f"example took more than {SECONDS} s")

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    in_use = _address_space()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, SECONDS)
    if in_use is not None:
        resource.setrlimit(resource.RLIMIT_AS, (in_use + MEMORY, hard))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _address_space() -> int | None:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """main(argv) with stdout and stderr as a terminal-less run has them: UTF-8, stdout strict (a
    lone surrogate raises UnicodeEncodeError, as in a pipe), stderr backslashreplace (as Python
    sets it)."""
    out, err = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", errors="strict", write_through=True)
    stderr = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace", write_through=True)
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main(argv)
        except SystemExit as exc:  # --help: argparse's own exit
            code = int(exc.code or 0)
    stdout.flush()
    stderr.flush()
    return code, out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """AWS requests and socket connections, recorded and refused (as an unreachable endpoint)."""
    from botocore.client import BaseClient
    from botocore.exceptions import EndpointConnectionError

    attempts: list[str] = []

    def refuse_call(self: Any, operation: str, params: Any) -> Any:
        attempts.append(f"AWS {operation}")
        raise EndpointConnectionError(endpoint_url="https://blocked.invalid")

    def refuse_connect(self: Any, address: Any) -> None:
        attempts.append(f"connect {address!r}")
        raise OSError("network blocked in this test")

    monkeypatch.setattr(BaseClient, "_make_api_call", refuse_call)
    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return attempts


def check_outcome(argv: list[str], code: int, out: str, err: str, *, wants_json: bool) -> None:
    assert code in (0, 1, 2, 3), (argv, code, err)
    assert "Traceback" not in err, err
    if code not in (0, 1) or err:
        # One line of error (plan prints its header and the bounded problem lines).
        lines = err.splitlines()
        assert len(lines) <= MAX_PROBLEMS_SHOWN + 2, lines[:3]
        assert all(len(line) <= MAX_ERROR_LENGTH for line in lines), max(map(len, lines))
    if wants_json and code == 2 and "--help" not in argv:
        document = json.loads(out)  # exactly one object
        assert isinstance(document, dict)


# --- configs: generated values at every place, structure and sizes mutated -----------------------

# Written into the file as a bare number of 5,000 digits (more than Python converts by default).
_HUGE_INT = "<huge-int>"
_HOSTILE_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\ud800",
        "a\udcffb",
        "\x00",
        "\x1b[31m",
        "\u202e",
        "{{resolve:ssm:/x}}",
        "${Token[TOKEN.1]}",
        "[/]",
        "*",
        "../../x",
        "10.0.0.1",
        "x" * 70,
        "x" * 5000,
        "é" * 64,
        "😀" * 40,
        "yes",
        "null",
        _HUGE_INT,
    ]
)
_TEXT = st.text(st.characters(blacklist_categories=()), max_size=40) | _HOSTILE_TEXT
_NUMBERS = (
    st.integers(-(10**6), 10**6)
    | st.sampled_from([0, -1, 2**31, 2**63, 10**30, 10**4000])
    | st.floats(allow_nan=True, allow_infinity=True)
)
_SCALARS = st.none() | st.booleans() | _NUMBERS | _TEXT
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)


def _places(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _places(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _places(value, (*path, index))


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


@st.composite
def mutated_configs(draw: st.DrawFn) -> Any:
    data: Any = example()
    for _ in range(draw(st.integers(1, 3))):
        places = [path for path in _places(data) if path]
        if not places:
            break
        path = draw(st.sampled_from(places))
        parent = _parent(data, path)
        operation = draw(st.sampled_from(["replace", "delete", "unknown_key", "repeat"]))
        if operation == "replace":
            parent[path[-1]] = draw(_VALUES)
        elif operation == "delete":
            del parent[path[-1]]
        elif operation == "unknown_key" and isinstance(parent, dict):
            parent[draw(_TEXT)] = draw(_VALUES)
        elif operation == "repeat" and isinstance(parent, list):
            parent.extend([parent[path[-1]]] * draw(st.sampled_from([1, 60, 600])))
    if draw(st.integers(0, 9)) == 0:
        data = draw(_VALUES)  # not even a mapping
    return data


def _alias_bomb(depth: int, width: int) -> str:
    lines = ["bomb0: &a0 [lol, lol]"]
    for level in range(1, depth + 1):
        lines.append(f"bomb{level}: &a{level} [{', '.join([f'*a{level - 1}'] * width)}]")
    return "\n".join(lines)


@st.composite
def config_texts(draw: st.DrawFn) -> tuple[str, str]:
    """(file name, text): JSON or YAML of a mutated config, or YAML carrying aliases."""
    data = draw(mutated_configs())
    kind = draw(st.sampled_from(["json", "yaml", "aliases"]))
    if kind == "json":
        return "pki.json", json.dumps(data).replace(f'"{_HUGE_INT}"', "9" * 5000)
    try:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=draw(st.booleans()))
    except yaml.YAMLError:
        text = json.dumps(data)
    text = text.replace(f"'{_HUGE_INT}'", "9" * 5000)
    if kind == "aliases":
        bomb = _alias_bomb(draw(st.integers(1, 9)), draw(st.integers(1, 9)))
        where = draw(st.sampled_from(["top", "tags"]))
        if where == "top" or not isinstance(data, dict):
            text = bomb + "\n" + text
        else:
            text = bomb + "\nlookups: *a1\n" + text.replace("lookups:", "old_lookups:", 1)
    return "pki.yaml", text


@pytest.fixture(scope="module")
def config_folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="cdk-pca-properties-") as folder:
        yield Path(folder)


@_settings(examples=80)
@given(named_text=config_texts(), as_json=st.booleans())
def test_any_config_is_planned_or_refused_in_bounded_lines(
    config_folder: Path, named_text: tuple[str, str], as_json: bool
) -> None:
    name, text = named_text
    path = config_folder / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    argv = ["plan", "--config", str(path), *(["--json"] if as_json else [])]
    with bounded():
        code, out, err = run_cli(argv)
    check_outcome(argv, code, out, err, wants_json=as_json)
    assert code in (0, 2)
    if code == 0 and as_json:
        assert json.loads(out)["certificate_authorities"]
    if code == 2:
        assert err.startswith("cdk-pca plan: error: ")


# --- command lines: every command's flags with good and hostile values ---------------------------

CA_ARN = "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/12345678-1234-1234-1234-123456789012"


@pytest.fixture(scope="module")
def files() -> Iterator[dict[str, str]]:
    """Paths a flag may name: a config, templates, and what is not a usable file."""
    with tempfile.TemporaryDirectory(prefix="cdk-pca-flags-") as folder:
        root = Path(folder)
        (root / "pki.yaml").write_text(yaml.safe_dump(example(), sort_keys=False))
        (root / "template.json").write_text(json.dumps({"Resources": {}}))
        (root / "not-a-cert.pem").write_text("-----BEGIN CERTIFICATE-----\nnope\n")
        (root / "empty").write_bytes(b"")
        os.mkfifo(root / "fifo")  # no writer: opening it for reading would block forever
        yield {
            "config": str(root / "pki.yaml"),
            "template": str(root / "template.json"),
            "not-a-cert": str(root / "not-a-cert.pem"),
            "empty": str(root / "empty"),
            "fifo": str(root / "fifo"),
            "folder": folder,
            "missing": str(root / "missing"),
            "device": "/dev/zero",
        }


_ODD = st.sampled_from(
    ["", " ", "../../x", "\udcff", "x" * 3000, "-", "--json", "nan", "-1", "0", "10.0.0.1", "*"]
)
# flag -> (values that may be accepted, values that are always refused before any AWS call)
_GOOD_VALUES: dict[str, list[str]] = {
    "--region": ["us-east-1", "eu-west-1"],
    "--domain": ["www.example.com", "*.example.com"],
    "--hostname": ["www.example.com"],
    "--tag": ["env=prod", "team=pki"],
    "--status": ["ISSUED"],
    "--type": ["PRIVATE", "IMPORTED"],
    "--key-type": ["RSA_2048", "EC_prime256v1"],
    "--ca-arn": [CA_ARN],
    "--certificate-arn": [CA_ARN + "/certificate/0123abcd"],
    "--serial": ["0a", "01:02:03"],
    "--reason": ["KEY_COMPROMISE", "SUPERSEDED"],
    "--timeout": ["5"],
    "--bucket": ["pki-audit"],
    "--format": ["JSON", "CSV"],
}
_BAD_VALUES: dict[str, list[str]] = {
    "--region": ["../../x", "", "us-east-1a", "US-EAST-1"],
    "--domain": ["10.0.0.1", "a..b", "", "x" * 300, "::1"],
    "--hostname": ["192.168.0.1", "*", ""],
    "--tag": ["novalue", "=v"],
    "--status": ["BOGUS"],
    "--type": ["BOGUS"],
    "--key-type": ["RSA_1"],
    "--ca-arn": [CA_ARN.replace(":aws:", ":aws-moon:"), "arn:aws:acm-pca:x", ""],
    "--certificate-arn": ["arn:aws:iam::123456789012:user/x", ""],
    "--serial": ["zz", ""],
    "--reason": ["NOPE", ""],
    "--timeout": ["nan", "-1", "inf", "0", "x"],
    "--bucket": ["sthree-x", "xn--a", "A", "a", "a..b", "pki--x-s3"],
    "--format": ["XML"],
}
_COMMANDS: dict[str, list[str]] = {
    "status": ["--cert", "--issuer"],
    "revoke": ["--ca-arn", "--certificate-arn", "--serial", "--cert", "--reason", "--timeout"],
    "audit-report": ["--ca-arn", "--bucket", "--format"],
    "lookup": ["--domain", "--hostname", "--tag", "--status", "--type", "--key-type", "--region"],
    "doctor": ["--config", "--ca-arn", "--region"],
    "plan": ["--config"],
    "guard": [],
}
_FLAGS_WITHOUT_VALUE = {
    "status": [],
    "revoke": ["--wait"],
    "audit-report": ["--wait"],
    "lookup": ["--most-recent"],
    "doctor": [],
    "plan": [],
    "guard": [],
}
_FILE_FLAGS = {"--cert", "--issuer", "--config"}


@st.composite
def command_lines(draw: st.DrawFn, files: dict[str, str]) -> tuple[list[str], bool]:
    """(argv, refused): refused when a value was drawn from the always-refused pools."""
    command = draw(st.sampled_from(sorted(_COMMANDS)))
    argv = [command]
    refused = False
    flags = _COMMANDS[command]
    # Each flag once: a later --config would override a refused one.
    for flag in draw(st.lists(st.sampled_from(flags), max_size=4, unique=True)) if flags else []:
        if flag in _FILE_FLAGS:
            kind = draw(st.sampled_from(sorted(files)))
            argv += [flag, files[kind]]
            # Only the config is a usable file; status never gets a readable certificate here.
            refused |= kind != "config" or flag != "--config"
        else:
            pool = draw(st.sampled_from(["refused", "good", "odd"]))
            if pool == "refused":
                argv += [flag, draw(st.sampled_from(_BAD_VALUES[flag]))]
                refused = True
            elif pool == "good":
                argv += [flag, draw(st.sampled_from(_GOOD_VALUES[flag]))]
            else:  # odd values, refused by some flags and not by others ('nan' is a host name)
                argv += [flag, draw(_ODD)]
    if command == "guard":
        argv += draw(st.lists(st.sampled_from(sorted(files.values())), max_size=3))
    if _FLAGS_WITHOUT_VALUE[command]:
        argv += draw(st.lists(st.sampled_from(_FLAGS_WITHOUT_VALUE[command]), max_size=1))
    if draw(st.booleans()):
        argv.insert(draw(st.integers(1, len(argv))), "--json")
    if draw(st.integers(0, 5)) == 0:
        argv.insert(draw(st.integers(0, len(argv))), draw(st.sampled_from(["--bogus", "-x"])))
        refused = True
    return argv, refused


@_settings(examples=120)
@given(data=st.data())
def test_any_command_line_fails_cleanly_and_refused_flags_never_reach_the_network(
    files: dict[str, str], no_network: list[str], data: st.DataObject
) -> None:
    argv, refused = data.draw(command_lines(files))
    no_network.clear()
    with bounded():
        code, out, err = run_cli(argv)
    check_outcome(argv, code, out, err, wants_json="--json" in argv)
    if refused:
        assert no_network == [], (argv, no_network, err)
        assert code != 0 or argv[0] == "guard", (argv, out)


def test_the_bounds_catch_a_hang() -> None:
    """The SIGALRM bound ends an example that blocks: opening a FIFO that has no writer."""
    with tempfile.TemporaryDirectory() as folder:
        fifo = Path(folder) / "fifo"
        os.mkfifo(fifo)
        with pytest.raises(ExampleTooSlow), bounded():
            signal.setitimer(signal.ITIMER_REAL, 0.05)
            fifo.open("rb")


def test_the_bounds_catch_a_memory_hog() -> None:
    if _address_space() is None or sys.platform != "linux":
        pytest.fail("the memory bound needs /proc/self/statm (Linux)")
    with pytest.raises(MemoryError), bounded():
        bytearray(2 * MEMORY)
