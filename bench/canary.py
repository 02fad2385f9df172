"""Benchmark: one canary run (the Lambda's run()) over 10 CAs whose CRLs hold 200,000 entries.

CRLs are served from loopback; wall time and peak RSS are measured in a fresh process.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import threading
import time
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.status_crl import CACHE, _ca, _crl, _Quiet  # noqa: E402

ARN = "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/{:08x}-2222-3333-4444-555555555555"


class _Pca:
    """Answers the two read-only calls the handler makes, from the bench CA."""

    def __init__(self, host: str, pem: str) -> None:
        self._host, self._pem = host, pem

    def describe_certificate_authority(self, CertificateAuthorityArn: str) -> dict[str, Any]:
        crl = {"Enabled": True, "CustomCname": self._host, "CustomPath": "crl"}
        return {
            "CertificateAuthority": {
                "Status": "ACTIVE",
                "RevocationConfiguration": {"CrlConfiguration": crl},
            }
        }

    def get_certificate_authority_certificate(self, CertificateAuthorityArn: str) -> dict[str, str]:
        return {"Certificate": self._pem}


class _CloudWatch:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def put_metric_data(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


def measure(entries: int, cas: int) -> int:
    from cdk_pca.runtime.canary_handler import run

    ca, key = _ca(CACHE)
    crl_path = _crl(CACHE, entries, ca, key)
    served = CACHE / "crl"
    served.mkdir(exist_ok=True)
    arns = [ARN.format(index) for index in range(cas)]
    for arn in arns:
        link = served / f"{arn.rsplit('/', 1)[1]}.crl"
        if not link.exists():
            link.symlink_to(crl_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(CACHE)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host = f"127.0.0.1:{server.server_address[1]}"
    cloudwatch = _CloudWatch()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    outcome = run(_Pca(host, (CACHE / "ca.pem").read_text()), cloudwatch, arns, 60.0)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    server.shutdown()
    valid = [d for d in cloudwatch.calls[0]["MetricData"] if d["MetricName"] == "CrlValid"]
    if len(cloudwatch.calls) != 1 or [d["Value"] for d in valid] != [1.0] * cas:
        print(f"unexpected outcome: {outcome}", file=sys.stderr)
        return 1
    size_mib = crl_path.stat().st_size / 2**20
    print(f"{cas} CAs x {entries} entries ({size_mib:.1f} MiB DER each), one PutMetricData")
    print(
        f"wall time {wall:.2f} s; peak RSS {peak / 1024:.0f} MiB (before the run {before / 1024:.0f} MiB)"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--cas", type=int, default=10)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return measure(args.entries, args.cas)
    CACHE.mkdir(parents=True, exist_ok=True)
    ca, key = _ca(CACHE)
    _crl(CACHE, args.entries, ca, key)  # build outside the measured process
    command = [
        sys.executable,
        __file__,
        "--measure",
        f"--entries={args.entries}",
        f"--cas={args.cas}",
    ]
    return subprocess.call(command)


if __name__ == "__main__":
    raise SystemExit(main())
