"""Benchmark: ACM API calls and wall time of one lookup among 5,000 certificates, ours vs Terraform's.

Run `.venv/bin/python -m bench.lookup_calls [--certificates N] [--latency-ms MS] [--skip-moto]`.

Two backends, because moto cannot show everything:
- `moto`: the certificates imported into moto's ACM, behind a wrapper that pages ListCertificates
  at 1,000 summaries (moto ignores MaxItems). moto's summaries carry no SANs, so our lookup
  describes the winner, and moto returns every key type even without Includes.
- `acm-shaped fake`: an in-memory ACM that answers like the real service: 1,000 summaries a page,
  SubjectAlternativeNameSummaries and hyphenated KeyAlgorithm in summaries, and only RSA_1024 and
  RSA_2048 certificates when Includes.keyTypes is absent.

"Terraform-style" follows the aws_acm_certificate data source: list (no Includes unless key types
are given), keep the summaries whose DomainName equals `domain`, DescribeCertificate every one of
them (all of them for a tags-only lookup), ListTagsForCertificate each when filtering on tags,
then GetCertificate and ListTagsForCertificate for the winner. Wall time is measured in process
(no network); the estimate adds `--latency-ms` per API call, a typical ACM round trip.
"""

from __future__ import annotations

import argparse
import copy
import functools
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from cdk_pca.lookup import NoMatchingCertificateError, find_certificate

PAGE = 1000
DEFAULT_KEY_TYPES = ("RSA_1024", "RSA_2048")  # what ListCertificates returns without Includes
T0 = datetime(2026, 1, 1, tzinfo=UTC)


# --- clients ------------------------------------------------------------------------------------


class CountingClient:
    """Counts every ACM operation called through it."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.calls: Counter[str] = Counter()
        self.meta = getattr(inner, "meta", None)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        operation = getattr(self._inner, name)

        def call(**kwargs: Any) -> Any:
            self.calls[name] += 1
            return operation(**kwargs)

        return call


class PagedMoto:
    """moto's ACM client, but ListCertificates pages at 1,000 like the real service."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._listing: list[dict[str, Any]] = []
        self.meta = client.meta

    def list_certificates(self, **kwargs: Any) -> dict[str, Any]:
        start = int(kwargs.pop("NextToken", 0))
        kwargs.pop("MaxItems", None)
        if start == 0:
            self._listing = self._client.list_certificates(**kwargs)["CertificateSummaryList"]
        page: dict[str, Any] = {"CertificateSummaryList": self._listing[start : start + PAGE]}
        if start + PAGE < len(self._listing):
            page["NextToken"] = str(start + PAGE)
        return page

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class AcmShapedFake:
    """An in-memory ACM answering like the real service (see the module docstring)."""

    class _Meta:
        region_name = "us-east-1"

    meta = _Meta()

    def __init__(self, certificates: list[dict[str, Any]]) -> None:
        self._certificates = certificates
        self._by_arn = {c["arn"]: c for c in certificates}

    def list_certificates(self, **kwargs: Any) -> dict[str, Any]:
        statuses = kwargs.get("CertificateStatuses") or ["ISSUED"]
        key_types = kwargs.get("Includes", {}).get("keyTypes") or DEFAULT_KEY_TYPES
        size = min(kwargs.get("MaxItems", PAGE), PAGE)
        matching = [
            c for c in self._certificates if c["status"] in statuses and c["key"] in key_types
        ]
        start = int(kwargs.get("NextToken", 0))
        page: dict[str, Any] = {
            "CertificateSummaryList": [self._summary(c) for c in matching[start : start + size]]
        }
        if start + size < len(matching):
            page["NextToken"] = str(start + size)
        return page

    @staticmethod
    def _summary(c: dict[str, Any]) -> dict[str, Any]:
        return {
            "CertificateArn": c["arn"],
            "DomainName": c["domain"],
            "SubjectAlternativeNameSummaries": list(c["sans"]),
            "HasAdditionalSubjectAlternativeNames": False,
            "Status": c["status"],
            "Type": "IMPORTED",
            "KeyAlgorithm": c["key"].replace("_", "-"),
            "NotBefore": c["not_before"],
            "NotAfter": c["not_before"] + timedelta(days=90),
        }

    def describe_certificate(self, CertificateArn: str) -> dict[str, Any]:
        c = self._by_arn[CertificateArn]
        detail = self._summary(c)
        detail["SubjectAlternativeNames"] = detail.pop("SubjectAlternativeNameSummaries")
        return {"Certificate": copy.deepcopy(detail)}

    def list_tags_for_certificate(self, CertificateArn: str) -> dict[str, Any]:
        tags = self._by_arn[CertificateArn]["tags"]
        return {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}

    def get_certificate(self, CertificateArn: str) -> dict[str, Any]:
        return {"Certificate": "-----BEGIN CERTIFICATE-----", "CertificateChain": ""}


# --- the data set -------------------------------------------------------------------------------


def data_set(count: int) -> list[dict[str, Any]]:
    """`count` certificates: one www.example.com, 50 shared.example.com, one tagged shop-prod,
    one *.wild.example.com, the rest host<i>.example.com; every fifth an EC P-256 key."""
    certificates = []
    for i in range(count):
        domain = f"host{i}.example.com"
        tags = {"app": f"app{i % 100}"}
        if i == count // 2:
            domain = "www.example.com"
        elif i % (count // 50) == 7:
            domain = "shared.example.com"
        elif i == count // 3:
            tags = {"app": "shop", "env": "prod"}
        elif i == count // 4:
            domain = "*.wild.example.com"
        certificates.append(
            {
                "arn": f"arn:aws:acm:us-east-1:123456789012:certificate/{i:08d}-0000-0000-0000-0",
                "domain": domain,
                "sans": [domain],
                "status": "ISSUED",
                "key": "EC_prime256v1" if i % 5 == 4 else "RSA_2048",
                "not_before": T0 + timedelta(minutes=i),
                "tags": tags,
            }
        )
    return certificates


# --- Terraform's algorithm ----------------------------------------------------------------------


def terraform_style(
    client: Any,
    *,
    domain: str | None = None,
    tags: dict[str, str] | None = None,
    key_types: list[str] | None = None,
    most_recent: bool = False,
) -> str:
    """aws_acm_certificate's read: describe every candidate whose DomainName equals `domain`."""
    request: dict[str, Any] = {"CertificateStatuses": ["ISSUED"]}
    if key_types:
        request["Includes"] = {"keyTypes": key_types}
    arns: list[str] = []
    while True:
        page = client.list_certificates(**request)
        arns += [
            s["CertificateArn"]
            for s in page["CertificateSummaryList"]
            if domain is None or s["DomainName"] == domain
        ]
        if not page.get("NextToken"):
            break
        request["NextToken"] = page["NextToken"]
    matched: list[dict[str, Any]] = []
    for arn in arns:
        detail = client.describe_certificate(CertificateArn=arn)["Certificate"]
        if tags:
            found = client.list_tags_for_certificate(CertificateArn=arn).get("Tags", [])
            have = {t["Key"]: t.get("Value", "") for t in found}
            if any(have.get(k) != v for k, v in tags.items()):
                continue
        matched.append(detail)
    if not matched:
        raise NoMatchingCertificateError("no match")
    if len(matched) > 1 and not most_recent:
        raise RuntimeError("several match")
    winner = max(matched, key=lambda d: d["NotBefore"])
    client.get_certificate(CertificateArn=winner["CertificateArn"])
    client.list_tags_for_certificate(CertificateArn=winner["CertificateArn"])
    return str(winner["CertificateArn"])


# --- running ------------------------------------------------------------------------------------

SCENARIOS: list[tuple[str, dict[str, Any]]] = [
    ("exact domain, 1 match", {"domain": "www.example.com"}),
    (
        "exact domain, 50 matches, most_recent",
        {"domain": "shared.example.com", "most_recent": True},
    ),
    ("tags only, 1 match", {"tags": {"app": "shop", "env": "prod"}}),
    ("hostname via wildcard SAN", {"hostname": "shop.wild.example.com"}),
]


def ours(arguments: dict[str, Any], client: Any) -> str:
    return find_certificate(client=client, **arguments).arn


def theirs(arguments: dict[str, Any], client: Any) -> str:
    return terraform_style(client, **arguments)


def measure(
    make_client: Callable[[], Any], run: Callable[[Any], str]
) -> tuple[Counter[str], float]:
    client = CountingClient(make_client())
    start = time.perf_counter()
    run(client)
    return client.calls, time.perf_counter() - start


def report(backend: str, make_client: Callable[[], Any], latency: float) -> None:
    print(f"\n## {backend}")
    print(
        f"{'scenario':40} {'impl':10} {'calls':>6} {'pages':>5} {'describe':>8} {'tags':>5}"
        f" {'get':>3} {'wall ms':>8} {'est. ms':>8}"
    )
    for name, arguments in SCENARIOS:
        implementations: list[tuple[str, Callable[[Any], str]]] = [
            ("cdk-pca", functools.partial(ours, arguments)),
        ]
        if "hostname" not in arguments:
            implementations.append(("terraform", functools.partial(theirs, arguments)))
        for label, run in implementations:
            calls, seconds = measure(make_client, run)
            total = sum(calls.values())
            print(
                f"{name:40} {label:10} {total:6d} {calls['list_certificates']:5d}"
                f" {calls['describe_certificate']:8d} {calls['list_tags_for_certificate']:5d}"
                f" {calls['get_certificate']:3d} {seconds * 1000:8.1f}"
                f" {(seconds + total * latency) * 1000:8.0f}"
            )
        if "hostname" in arguments:
            print(f"{name:40} {'terraform':10} {'n/a: no SAN or wildcard matching':>40}")


def moto_client(certificates: list[dict[str, Any]]) -> Iterator[Any]:
    import os

    import boto3
    from moto import mock_aws

    from tests.lookup_certs import pem_certificate

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        acm = boto3.client("acm", region_name="us-east-1")
        started = time.perf_counter()
        for index, c in enumerate(certificates):
            # moto refuses certificates not yet valid: NotBefore in the past, increasing.
            not_before = datetime.now(UTC) - timedelta(days=5) + timedelta(seconds=index)
            cert, key = pem_certificate(c["domain"], key_type=c["key"], not_before=not_before)
            acm.import_certificate(
                Certificate=cert,
                PrivateKey=key,
                Tags=[{"Key": k, "Value": v} for k, v in c["tags"].items()],
            )
        print(
            f"(imported {len(certificates)} certificates into moto in "
            f"{time.perf_counter() - started:.1f} s)"
        )
        yield acm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=5000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--skip-moto", action="store_true")
    args = parser.parse_args()
    certificates = data_set(args.certificates)
    latency = args.latency_ms / 1000
    print(
        f"# {args.certificates} certificates (1 in 5 EC P-256); pages of {PAGE}; "
        f"estimate = wall + {args.latency_ms:.0f} ms per call"
    )
    report("acm-shaped fake", lambda: AcmShapedFake(certificates), latency)
    if not args.skip_moto:
        for acm in moto_client(certificates):
            report("moto, paged at 1,000", functools.partial(PagedMoto, acm), latency)


if __name__ == "__main__":
    main()
