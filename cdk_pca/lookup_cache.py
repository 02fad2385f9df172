"""Synth-mode lookups of certificates and CAs: the answer is cached in cdk.context.json, like CDK's
own lookups.

App-level code (stacks/, app.py) runs this and hands CertificateLookup or CertificateAuthorityLookup
the answer; constructs never read files, context or credentials.

How the cache behaves, and why it is safe next to the CDK CLI:

- The key is ``cdk-pca:lookup:<account>:<region>:<hash of the filters>`` for a certificate and
  ``cdk-pca:ca-lookup:<account>:<region>:<hash>`` for a CA (two kinds of filters never share a
  key), and the value holds the filters (readable in ``cdk context``) and the match without its PEM
  bodies.
- A cached answer is read from the app's context (the CLI passes cdk.context.json to the app), so a
  synth with a cached answer needs no credentials and makes no AWS call: deterministic.
- Without a cached answer the lookup runs with the default credentials, which must belong to the
  stack's account, and the answer is merged into cdk.context.json (other keys kept, written to a
  temporary file then renamed, so a crash never leaves half a file).
- The CLI rewrites cdk.context.json from its own copy, read before the app ran, only when CDK's own
  lookups were missing; it then runs the app again, which finds our key gone from the context and
  writes it once more. Each run therefore ends with the key in the file. ``cdk context --reset KEY``
  (or ``--clear``) makes the next synth look the certificate or CA up again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from aws_cdk import Token
from constructs import Construct

from cdk_pca.lookup import (
    CertificateAuthorityFilters,
    CertificateAuthorityMatch,
    CertificateMatch,
    LookupFilters,
    find_certificate_authority_with,
    find_certificate_with,
    make_acm_client,
    make_pca_client,
)

CONTEXT_KEY_PREFIX = "cdk-pca:lookup"
CA_CONTEXT_KEY_PREFIX = "cdk-pca:ca-lookup"
CONTEXT_FILE = Path("cdk.context.json")
# Deploy-mode lookups run again when this context value changes (`cdk deploy -c
# cdk-pca:lookup-refresh=$(date +%F)`): CloudFormation calls a custom resource only when its
# properties change, and a per-synth nonce would make every template, and snapshot, differ.
REFRESH_CONTEXT_KEY = "cdk-pca:lookup-refresh"


class LookupCacheError(Exception):
    """No cached answer and no way to get one; the message says what to run."""


class _Filters(Protocol):
    def to_dict(self) -> dict[str, Any]: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class _LookupKind:
    """What differs between a certificate lookup and a CA lookup; the caching rules do not."""

    prefix: str
    noun: str  # "the certificate", in messages: "to look the certificate up"
    # (filters, session, region) -> the match with the PEM bodies the cache leaves out
    find: Callable[[Any, Any, str], Any]
    parse: Callable[[Any], Any]  # a cached `match` -> the match


_CERTIFICATE = _LookupKind(
    prefix=CONTEXT_KEY_PREFIX,
    noun="the certificate",
    find=lambda filters, session, region: find_certificate_with(
        filters, client=make_acm_client(region, session=session)
    ),
    parse=CertificateMatch.from_dict,
)
_CERTIFICATE_AUTHORITY = _LookupKind(
    prefix=CA_CONTEXT_KEY_PREFIX,
    noun="the CA",
    # The cache keeps no PEM bodies, so the CA certificate is not even fetched.
    find=lambda filters, session, region: find_certificate_authority_with(
        filters, client=make_pca_client(region, session=session), with_certificates=False
    ),
    parse=CertificateAuthorityMatch.from_dict,
)


def context_key(
    account: str, region: str, filters: _Filters, *, prefix: str = CONTEXT_KEY_PREFIX
) -> str:
    """`<prefix>:<account>:<region>:<16 hex of the filters' hash>`: stable for equal filters."""
    canonical = json.dumps(filters.to_dict(), sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    return f"{prefix}:{account}:{region}:{digest}"


def resolve_certificate_lookup(
    scope: Construct,
    *,
    filters: LookupFilters,
    account: str | None,
    region: str | None,
    label: str = "certificate lookup",
    context_file: Path | None = CONTEXT_FILE,
    session: Any = None,
) -> CertificateMatch:
    """The match for `filters`: from the context if cached, else looked up and saved.

    `account`/`region` are the stack's (unresolved tokens count as unknown). `context_file` None
    never writes (the answer must be in the context). `session` is a boto3 Session (default: a new
    one). Raises LookupCacheError when there is no cached answer and no usable credentials, and the
    lookup's own errors (NoMatchingCertificateError, ...) when the lookup finds no single answer.
    """
    match: CertificateMatch = _resolve(
        scope, _CERTIFICATE, filters, account, region, label, context_file, session
    )
    return match


def resolve_certificate_authority_lookup(
    scope: Construct,
    *,
    filters: CertificateAuthorityFilters,
    account: str | None,
    region: str | None,
    label: str = "CA lookup",
    context_file: Path | None = CONTEXT_FILE,
    session: Any = None,
) -> CertificateAuthorityMatch:
    """`resolve_certificate_lookup` for a CA: the same rules, under ``cdk-pca:ca-lookup:...``.

    The match comes without its PEM bodies (the cache holds none, so a cached synth and the synth
    that looked the CA up give the construct the same answer).
    """
    match: CertificateAuthorityMatch = _resolve(
        scope, _CERTIFICATE_AUTHORITY, filters, account, region, label, context_file, session
    )
    return match


def _resolve(
    scope: Construct,
    kind: _LookupKind,
    filters: _Filters,
    account: str | None,
    region: str | None,
    label: str,
    context_file: Path | None,
    session: Any,
) -> Any:
    account = None if account is None or Token.is_unresolved(account) else account
    region = None if region is None or Token.is_unresolved(region) else region
    if account is not None and region is not None:
        key = context_key(account, region, filters, prefix=kind.prefix)
        cached = scope.node.try_get_context(key)
        if cached is not None:
            return _cached_match(kind, cached, key, label)

    if context_file is None:
        raise LookupCacheError(
            f"{label}: no cached answer in the context for {filters.describe()} "
            f"(account {account or 'unknown'}, region {region or 'unknown'}) and writing "
            "cdk.context.json is disabled"
        )
    if session is None:
        import boto3

        session = boto3.Session()
    region = region or session.region_name
    credentials = session.get_credentials()
    where = f"account {account or '<the stack account>'}, region {region or '<the stack region>'}"
    if credentials is None:
        raise LookupCacheError(
            f"{label}: no cached answer for {filters.describe()} ({where}) and no AWS "
            f"credentials to look it up: run `cdk synth` once with credentials for {where}, "
            "which saves the answer in cdk.context.json, and commit that file; or use mode "
            f"'deploy' to look {kind.noun} up at deploy time"
        )
    if region is None:
        raise LookupCacheError(
            f"{label}: no region to look {kind.noun} up in: set `region` in the config or "
            "AWS_REGION"
        )
    caller = _caller_account(session, region, label)
    if account is not None and caller != account:
        raise LookupCacheError(
            f"{label}: the AWS credentials are for account {caller}, but the stack deploys to "
            f"account {account}: use credentials for {account} to look {kind.noun} up"
        )
    account = caller
    key = context_key(account, region, filters, prefix=kind.prefix)
    cached = scope.node.try_get_context(key)
    if cached is not None:
        return _cached_match(kind, cached, key, label)

    from botocore.exceptions import BotoCoreError, ClientError

    try:
        found = kind.find(filters, session, region)
    except (BotoCoreError, ClientError) as exc:
        raise LookupCacheError(f"{label}: the lookup failed ({exc})") from exc
    # The PEM bodies stay out of the cache (the constructs need none of them), so a cached synth
    # and the synth that found the answer hand the construct the same answer.
    answer = found.to_dict(include_pem=False)
    save_context_value(context_file, key, {"filters": filters.to_dict(), "match": answer})
    return kind.parse(answer)


def _cached_match(kind: _LookupKind, cached: Any, key: str, label: str) -> Any:
    try:
        return kind.parse(cached["match"])
    except (KeyError, TypeError, ValueError) as exc:
        raise LookupCacheError(
            f"{label}: the cached answer under {key!r} is not readable ({exc}); run "
            f"`cdk context --reset {key}` and synth again with credentials"
        ) from exc


def _caller_account(session: Any, region: str, label: str) -> str:
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        sts = session.client(
            "sts", region_name=region, config=Config(connect_timeout=10, read_timeout=30)
        )
        return str(sts.get_caller_identity()["Account"])
    except (BotoCoreError, ClientError) as exc:
        raise LookupCacheError(
            f"{label}: the AWS credentials do not work ({exc}); log in again, or run "
            "`cdk synth` where the answer is already cached in cdk.context.json"
        ) from exc


def save_context_value(context_file: Path, key: str, value: Any) -> None:
    """Set `key` in a cdk.context.json, keeping every other key; atomic (temporary file, rename)."""
    data: dict[str, Any] = {}
    mode = 0o644
    if context_file.exists():
        mode = context_file.stat().st_mode & 0o777
        try:
            loaded = json.loads(context_file.read_text(encoding="utf-8") or "{}")
        except json.JSONDecodeError as exc:
            raise LookupCacheError(
                f"{context_file} is not valid JSON ({exc}); fix it or delete it"
            ) from exc
        if not isinstance(loaded, dict):
            raise LookupCacheError(f"{context_file} does not hold a JSON object")
        data = loaded
    data[key] = value
    directory = context_file.resolve().parent
    descriptor, temporary = tempfile.mkstemp(prefix=".cdk.context.", dir=directory)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=2)
            stream.write("\n")
        os.chmod(temporary, mode)
        os.replace(temporary, context_file)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
