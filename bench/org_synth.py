"""Benchmark: synthesizing the 60-CA, 3-environment config against the default pki.yaml, in the
same run, and `cdk-pca plan` on the 60-CA config.

Each synth runs as the CDK CLI runs the app (a fresh `python app.py` writing to CDK_OUTDIR);
the figures that matter are the ratio of medians (target <= 4) and plan's median (< 1 s).
Run: `.venv/bin/python -m bench.org_synth [--runs N] [--cas N]`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from bench.org_config import scale_config
from bench.synth import ROOT

RATIO_TARGET = 4.0
PLAN_TARGET_SECONDS = 1.0


def _timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the Python process). jsii's Node is not counted: the app
    exits without waiting for it (app.py), so its CPU time is never collected."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as outdir:
        started = time.perf_counter()
        subprocess.run(
            args, cwd=ROOT, env={**env, "CDK_OUTDIR": outdir}, check=True, capture_output=True
        )
        wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def _median(samples: list[tuple[float, float]], index: int) -> float:
    return statistics.median(sample[index] for sample in samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cas", type=int, default=60)
    options = parser.parse_args(argv)
    env = dict(os.environ)
    env["PATH"] = f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{env.get('PATH', '')}"
    python = sys.executable
    with tempfile.TemporaryDirectory() as folder:
        org_config = Path(folder) / "org.yaml"
        org_config.write_text(yaml.safe_dump(scale_config(options.cas)))
        default: list[tuple[float, float]] = []
        org: list[tuple[float, float]] = []
        plan: list[tuple[float, float]] = []
        org_context = {**env, "CDK_CONTEXT_JSON": json.dumps({"config": str(org_config)})}
        # Interleaved, so load on a shared machine hits both sides alike.
        for _ in range(options.runs):
            default.append(_timed([python, "app.py"], {**env, "CDK_CONTEXT_JSON": "{}"}))
            org.append(_timed([python, "app.py"], org_context))
            plan.append(_timed([python, "-m", "cdk_pca", "plan", "--config", str(org_config)], env))
    rows = (
        ("pki.yaml synth", default),
        (f"{options.cas} CAs, 3 environments", org),
        ("plan", plan),
    )
    for label, samples in rows:
        print(
            f"{label:<26}: median {_median(samples, 0):.2f} s wall, "
            f"{_median(samples, 1):.2f} s Python CPU over {options.runs} runs"
        )
    ratio = _median(org, 0) / _median(default, 0)
    cpu_ratio = _median(org, 1) / _median(default, 1)
    print(
        f"org / default             : {ratio:.2f} wall, {cpu_ratio:.2f} Python CPU (target {RATIO_TARGET})"
    )
    plan_ok = _median(plan, 0) < PLAN_TARGET_SECONDS
    return 0 if ratio <= RATIO_TARGET and plan_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
