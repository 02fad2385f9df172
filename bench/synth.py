"""Benchmark: synthesizing the default PKI against an empty CDK app, in the same run.

Both run as the CDK CLI runs an app (a fresh Python process writing to CDK_OUTDIR); the figure
that matters is the ratio of medians. Run: `.venv/bin/python -m bench.synth [--runs N]`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EMPTY_APP = "import aws_cdk as cdk\napp = cdk.App()\ncdk.Stack(app, 'Empty')\napp.synth()\n"
BUDGET = 1.5


def _time_app(args: list[str], env: dict[str, str]) -> float:
    with tempfile.TemporaryDirectory() as outdir:
        started = time.perf_counter()
        subprocess.run(
            args, cwd=ROOT, env={**env, "CDK_OUTDIR": outdir}, check=True, capture_output=True
        )
        return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--config", default="pki.yaml")
    options = parser.parse_args(argv)
    env = dict(os.environ)
    env["PATH"] = f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{env.get('PATH', '')}"
    env["CDK_CONTEXT_JSON"] = json.dumps({"config": options.config})
    python = sys.executable
    empty: list[float] = []
    pki: list[float] = []
    # Interleaved, so load on a shared machine hits both sides alike.
    for _ in range(options.runs):
        empty.append(_time_app([python, "-c", EMPTY_APP], env))
        pki.append(_time_app([python, "app.py"], env))
    empty_median, pki_median = statistics.median(empty), statistics.median(pki)
    ratio = pki_median / empty_median
    print(f"empty CDK app synth : median {empty_median:.2f} s over {options.runs} runs")
    print(f"{options.config:<20}: median {pki_median:.2f} s over {options.runs} runs")
    print(f"ratio               : {ratio:.2f} (budget {BUDGET})")
    return 0 if ratio <= BUDGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
