"""Find one ACM certificate by domain, host name or tags: Terraform's aws_acm_certificate rules.

Plain boto3 (no aws_cdk), so the CLI, the synth-time cache and the deploy-time Lambda share them.

Selection rules, in the order they are applied:

- ``statuses`` default to ``["ISSUED"]`` and are sent as ListCertificates' CertificateStatuses.
- Every ACM key type is searched (Includes.keyTypes lists them all) unless ``key_types`` narrows
  it: ListCertificates alone returns only RSA_1024 and RSA_2048 certificates.
- ``domain`` equals the certificate's DomainName. The comparison ignores letter case and a trailing
  dot (DNS names are case-insensitive, RFC 4343); Terraform compares bytes, which only differs for
  certificates imported with upper-case names.
- ``hostname`` is covered by the DomainName or any subject alternative name, exactly or through a
  wildcard: ``*.example.com`` covers ``a.example.com`` but neither ``a.b.example.com`` nor
  ``example.com`` (RFC 6125 section 6.4.3, one label).
- ``tags`` must all be present with equal values; extra tags on the certificate are fine.
- ``most_recent`` picks the latest NotBefore; ties go to the later NotAfter, then to the greatest
  ARN, so the answer does not depend on the order ACM lists certificates in. Certificates without
  a NotBefore (not issued yet) rank below every certificate that has one.

API calls: ListCertificates pages (up to 1,000 summaries each), then per candidate only what the
summary cannot answer (ListTagsForCertificate when ``tags`` are given, DescribeCertificate when a
``hostname`` is not covered by a truncated SAN summary), then for the winner ListTagsForCertificate
(its tags are part of the answer), DescribeCertificate only if its summary's SAN list is truncated
or missing, and GetCertificate only if it is ISSUED.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cdk_pca import rules
from cdk_pca.vocabulary import ACM_CERTIFICATE_STATUSES, ACM_CERTIFICATE_TYPES, ACM_KEY_TYPES

if TYPE_CHECKING:
    from botocore.client import BaseClient

__all__ = [
    "CertificateAuthorityFilters",
    "CertificateAuthorityMatch",
    "CertificateLookupError",
    "CertificateMatch",
    "InvalidLookupArgumentsError",
    "LookupFilters",
    "MultipleMatchingCertificatesError",
    "NoMatchingCertificateError",
    "find_certificate",
    "find_certificate_authority",
    "host_is_covered",
    "make_acm_client",
    "make_pca_client",
    "validate_ca_lookup_arguments",
    "validate_lookup_arguments",
]

DEFAULT_STATUSES = ("ISSUED",)

# ListCertificates returns at most 1,000 summaries a page (MaxItems 1..1000, botocore `acm` model);
# asking for the maximum keeps the number of pages, and so of calls, as small as possible.
LIST_PAGE_SIZE = 1000

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class CertificateLookupError(Exception):
    """The lookup ran but did not find exactly one certificate."""


class NoMatchingCertificateError(CertificateLookupError):
    """No certificate matches the filters. `unreadable` maps CAs shared with this account whose
    tags it may not read (AccessDenied on acm-pca:ListTags) to AWS's message: they were left out."""

    def __init__(self, message: str, unreadable: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.unreadable: dict[str, str] = dict(unreadable or {})


class MultipleMatchingCertificatesError(CertificateLookupError):
    """Several certificates match and `most_recent` was not set; `arns` lists them."""

    def __init__(self, message: str, arns: list[str]) -> None:
        super().__init__(message)
        self.arns = arns


@dataclass(frozen=True)
class LookupProblem:
    """One invalid lookup argument: the argument's name and what is wrong with it."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class InvalidLookupArgumentsError(ValueError):
    """Every problem with a lookup's arguments at once (`problems`), raised before any API call."""

    def __init__(self, problems: list[LookupProblem]) -> None:
        super().__init__("invalid certificate lookup: " + "; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class LookupFilters:
    """Validated, normalised lookup arguments (see `validate_lookup_arguments`)."""

    domain: str | None = None
    hostname: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    statuses: tuple[str, ...] = DEFAULT_STATUSES
    types: tuple[str, ...] = ()
    key_types: tuple[str, ...] = ()
    most_recent: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form with sorted keys and lists, the same for equal filters."""
        return {
            "domain": self.domain,
            "hostname": self.hostname,
            "tags": dict(sorted(self.tags.items())),
            "statuses": sorted(self.statuses),
            "types": sorted(self.types),
            "key_types": sorted(self.key_types),
            "most_recent": self.most_recent,
        }

    def describe(self) -> str:
        """The filters in words, for error messages: `domain 'a.example.com', statuses ISSUED`."""
        parts = []
        if self.domain is not None:
            parts.append(f"domain {self.domain!r}")
        if self.hostname is not None:
            parts.append(f"hostname {self.hostname!r}")
        if self.tags:
            parts.append("tags " + ", ".join(f"{k}={v}" for k, v in sorted(self.tags.items())))
        parts.append("statuses " + ", ".join(self.statuses))
        if self.types:
            parts.append("types " + ", ".join(self.types))
        parts.append("key types " + (", ".join(self.key_types) if self.key_types else "any"))
        if self.most_recent:
            parts.append("most recent")
        return "; ".join(parts)


@dataclass(frozen=True)
class CertificateMatch:
    """The certificate a lookup found, with ACM's spellings (`key_algorithm` e.g. 'RSA-2048')."""

    arn: str
    domain: str
    status: str
    type: str
    key_algorithm: str
    not_before: datetime | None
    not_after: datetime | None
    subject_alternative_names: list[str]
    tags: dict[str, str]
    certificate: str | None = None
    certificate_chain: str | None = None

    def to_dict(self, *, include_pem: bool = True) -> dict[str, Any]:
        """JSON-able, datetimes as ISO 8601; without the PEM bodies if `include_pem` is False."""
        data = asdict(self)
        for name in ("not_before", "not_after"):
            value = data[name]
            data[name] = value.isoformat() if value is not None else None
        if not include_pem:
            del data["certificate"], data["certificate_chain"]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CertificateMatch:
        """The inverse of `to_dict` (the PEM bodies may be absent)."""
        try:
            return cls(
                arn=str(data["arn"]),
                domain=str(data["domain"]),
                status=str(data["status"]),
                type=str(data["type"]),
                key_algorithm=str(data["key_algorithm"]),
                not_before=_parse_time(data.get("not_before")),
                not_after=_parse_time(data.get("not_after")),
                subject_alternative_names=[str(n) for n in data["subject_alternative_names"]],
                tags={str(k): str(v) for k, v in dict(data["tags"]).items()},
                certificate=data.get("certificate"),
                certificate_chain=data.get("certificate_chain"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a certificate match: {exc!r} in {dict(data)!r}") from exc


def _parse_time(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


# --- argument validation ------------------------------------------------------------------------


def _normalise_dns_name(name: str, *, allow_wildcard: bool) -> tuple[str | None, str | None]:
    """(normalised name, None) or (None, what is wrong): the project's host-name policy
    (cdk_pca.rules.host_name), lowercased because ACM compares names without case."""
    normalised, problem = rules.host_name(name, wildcard=allow_wildcard)
    return (normalised.lower() if normalised else None), problem


def _string_list(
    name: str,
    values: Iterable[str] | str | None,
    allowed: tuple[str, ...],
    problems: list[LookupProblem],
    *,
    normalise: Any = None,
) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    elif not isinstance(values, Iterable) or isinstance(values, Mapping | bytes):
        problems.append(LookupProblem(name, f"must be a list of strings, got {values!r}"))
        return ()
    result: list[str] = []
    for value in values:
        if not isinstance(value, str):
            problems.append(LookupProblem(name, f"{value!r} is not a string"))
            continue
        canonical = normalise(value) if normalise else value
        problem = rules.choice_problem(canonical, allowed)
        if problem:
            problems.append(LookupProblem(name, problem))
        elif canonical not in result:
            result.append(canonical)
    return tuple(result)


def _key_type_name(value: str) -> str:
    # DescribeCertificate spells key algorithms with a hyphen (RSA-2048); Includes.keyTypes and the
    # KeyAlgorithm enum use an underscore (RSA_2048). Accept both, send the underscore form.
    return value.replace("-", "_")


def _tag_filter(tags: Mapping[str, str] | None, problems: list[LookupProblem]) -> dict[str, str]:
    if tags is None:
        return {}
    if not isinstance(tags, Mapping):
        problems.append(LookupProblem("tags", f"must be a mapping of str to str, got {tags!r}"))
        return {}
    found = rules.tag_problems(tags)
    problems.extend(LookupProblem("tags", message) for message in found)
    return {} if found else dict(tags)


def validate_lookup_arguments(
    *,
    domain: str | None = None,
    hostname: str | None = None,
    tags: Mapping[str, str] | None = None,
    statuses: Iterable[str] | str | None = None,
    types: Iterable[str] | str | None = None,
    key_types: Iterable[str] | str | None = None,
    most_recent: bool = False,
) -> LookupFilters:
    """Check and normalise lookup arguments without calling AWS; shared by the config loader.

    Raises InvalidLookupArgumentsError (a ValueError) naming every bad argument at once. A lookup
    needs `domain`, `hostname` or non-empty `tags` (`statuses`, `types` and `key_types` only narrow
    it down); `domain` and `hostname` exclude each other. A single string is accepted where a list
    is expected. Empty lists mean the default: statuses ISSUED, any type, any key type.
    """
    problems: list[LookupProblem] = []
    norm_domain = norm_hostname = None
    for name, value, wildcard in (("domain", domain, True), ("hostname", hostname, False)):
        if value is None:
            continue
        if not isinstance(value, str):
            problems.append(LookupProblem(name, f"must be a string, got {value!r}"))
            continue
        normalised, problem = _normalise_dns_name(value, allow_wildcard=wildcard)
        if problem:
            problems.append(LookupProblem(name, problem))
        elif name == "domain":
            norm_domain = normalised
        else:
            norm_hostname = normalised
    norm_tags = _tag_filter(tags, problems)

    norm_statuses = _string_list("statuses", statuses, ACM_CERTIFICATE_STATUSES, problems)
    norm_types = _string_list("types", types, ACM_CERTIFICATE_TYPES, problems)
    norm_key_types = _string_list(
        "key_types", key_types, ACM_KEY_TYPES, problems, normalise=_key_type_name
    )
    if not isinstance(most_recent, bool):
        problems.append(LookupProblem("most_recent", f"must be true or false, got {most_recent!r}"))

    problems += [
        # Arguments have no whole to point at: a missing selection is reported on `domain`.
        LookupProblem(str(problem.field[0]) if problem.field else "domain", problem.message)
        for problem in rules.lookup_selection_problems(
            domain_given=domain is not None,
            hostname_given=hostname is not None,
            tags_given=tags is not None and tags != {},
        )
    ]
    if problems:
        raise InvalidLookupArgumentsError(problems)
    return LookupFilters(
        domain=norm_domain,
        hostname=norm_hostname,
        tags=norm_tags,
        statuses=norm_statuses or DEFAULT_STATUSES,
        types=norm_types,
        key_types=norm_key_types,
        most_recent=most_recent,
    )


# --- name matching ------------------------------------------------------------------------------


def _normalise_name(name: str) -> str:
    return name.rstrip(".").lower()


def host_is_covered(hostname: str, name: str) -> bool:
    """Whether a certificate name (`www.example.com`, `*.example.com`) covers `hostname`.

    A wildcard stands for exactly one whole left-most label (RFC 6125 section 6.4.3; partial
    wildcards such as `w*.example.com` are not issued by ACM and match nothing here).
    """
    host = _normalise_name(hostname)
    pattern = _normalise_name(name)
    if pattern == host:
        return True
    if not pattern.startswith("*."):
        return False
    first, _, rest = host.partition(".")
    return bool(first) and first != "*" and rest == pattern[2:]


# --- the lookup ---------------------------------------------------------------------------------


def make_acm_client(region_name: str | None = None, *, session: Any = None) -> BaseClient:
    """An ACM client (from `session`, else boto3's default) that retries throttling with backoff."""
    return _make_client("acm", region_name, session)


def make_pca_client(region_name: str | None = None, *, session: Any = None) -> BaseClient:
    """An ACM PCA client (from `session`, else boto3's default), retrying like the ACM client."""
    return _make_client("acm-pca", region_name, session)


def _make_client(service: str, region_name: str | None, session: Any) -> BaseClient:
    import boto3
    from botocore.config import Config

    # ACM and PCA throttle their read APIs per account; standard mode retries ThrottlingException
    # with jittered exponential backoff (adaptive mode would also rate-limit the client, stalling a
    # lookup of a handful of calls for seconds). Ten attempts ride out a burst of other callers.
    # https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
    config = Config(
        retries={"mode": "standard", "max_attempts": 10}, connect_timeout=10, read_timeout=30
    )
    factory = session if session is not None else boto3
    client: BaseClient = factory.client(service, region_name=region_name, config=config)
    return client


def _pages(call: Any, request: dict[str, Any], items: str, operation: str) -> Iterator[Any]:
    """Every item of every page of a NextToken-paginated call; a repeated token is an error."""
    request = dict(request)
    seen_tokens: set[str] = set()
    while True:
        page = call(**request)
        yield from page.get(items, [])
        token = page.get("NextToken")
        if not token:
            return
        if token in seen_tokens:
            raise CertificateLookupError(f"{operation} returned NextToken {token!r} twice")
        seen_tokens.add(token)
        request["NextToken"] = token


def _list_summaries(client: Any, filters: LookupFilters) -> Iterator[dict[str, Any]]:
    # Without Includes.keyTypes ListCertificates returns only RSA_1024 and RSA_2048 certificates.
    # https://docs.aws.amazon.com/acm/latest/APIReference/API_Filters.html
    request: dict[str, Any] = {
        "CertificateStatuses": list(filters.statuses),
        "Includes": {"keyTypes": list(filters.key_types or ACM_KEY_TYPES)},
        "MaxItems": LIST_PAGE_SIZE,
    }
    return _pages(client.list_certificates, request, "CertificateSummaryList", "ListCertificates")


@dataclass
class _Candidate:
    """A summary that passed the cheap filters, and what has been fetched for it so far."""

    summary: dict[str, Any]
    detail: dict[str, Any] | None = None
    tags: dict[str, str] | None = None

    @property
    def arn(self) -> str:
        return str(self.summary["CertificateArn"])

    def value(self, name: str) -> Any:
        if self.detail is not None and name in self.detail:
            return self.detail[name]
        return self.summary.get(name)

    def known_names(self) -> tuple[list[str], bool]:
        """(DomainName and SANs known so far, whether that list is complete)."""
        if self.detail is not None:
            return [
                self.detail.get("DomainName", ""),
                *self.detail.get("SubjectAlternativeNames", []),
            ], True
        sans = self.summary.get("SubjectAlternativeNameSummaries")
        complete = sans is not None and not self.summary.get("HasAdditionalSubjectAlternativeNames")
        return [self.summary.get("DomainName", ""), *(sans or [])], complete

    def describe(self, client: Any) -> None:
        if self.detail is None:
            self.detail = client.describe_certificate(CertificateArn=self.arn)["Certificate"]

    def load_tags(self, client: Any) -> dict[str, str]:
        if self.tags is None:
            response = client.list_tags_for_certificate(CertificateArn=self.arn)
            self.tags = {t["Key"]: t.get("Value") or "" for t in response.get("Tags", [])}
        return self.tags


def _passes_summary_filters(summary: Mapping[str, Any], filters: LookupFilters) -> bool:
    # Statuses and key types are also filtered server-side; checking again keeps the rules true
    # against services (and fakes) that ignore a filter.
    if summary.get("Status") not in filters.statuses:
        return False
    if filters.types and summary.get("Type") not in filters.types:
        return False
    key_algorithm = summary.get("KeyAlgorithm")
    if (
        filters.key_types
        and key_algorithm
        and _key_type_name(key_algorithm) not in filters.key_types
    ):
        return False
    return not (
        filters.domain is not None
        and _normalise_name(str(summary.get("DomainName", ""))) != filters.domain
    )


def _covers_host(candidate: _Candidate, hostname: str, client: Any) -> bool:
    names, complete = candidate.known_names()
    if any(host_is_covered(hostname, n) for n in names if n):
        return True
    if complete:
        return False
    # ListCertificates returns at most the first 100 SANs (HasAdditionalSubjectAlternativeNames).
    # https://docs.aws.amazon.com/acm/latest/APIReference/API_CertificateSummary.html
    candidate.describe(client)
    names, _ = candidate.known_names()
    return any(host_is_covered(hostname, n) for n in names if n)


def _recency(candidate: _Candidate) -> tuple[bool, datetime, datetime, str]:
    not_before = candidate.value("NotBefore")
    not_after = candidate.value("NotAfter")
    return (not_before is not None, not_before or _EPOCH, not_after or _EPOCH, candidate.arn)


def _where(client: Any) -> str:
    region = getattr(getattr(client, "meta", None), "region_name", None)
    return f" in {region}" if region else ""


def find_certificate(
    *,
    domain: str | None = None,
    hostname: str | None = None,
    tags: Mapping[str, str] | None = None,
    statuses: Iterable[str] | str | None = None,
    types: Iterable[str] | str | None = None,
    key_types: Iterable[str] | str | None = None,
    most_recent: bool = False,
    client: Any = None,
) -> CertificateMatch:
    """The one ACM certificate matching the filters (module docstring: the rules and API calls).

    Raises ValueError for invalid arguments before any API call, NoMatchingCertificateError when
    nothing matches (at once, no retry; the message repeats the filters) and
    MultipleMatchingCertificatesError when several match and `most_recent` is not set.
    Every AWS call goes through `client` (an ACM client) when one is given.
    """
    filters = validate_lookup_arguments(
        domain=domain,
        hostname=hostname,
        tags=tags,
        statuses=statuses,
        types=types,
        key_types=key_types,
        most_recent=most_recent,
    )
    return find_certificate_with(filters, client=client)


def find_certificate_with(filters: LookupFilters, *, client: Any = None) -> CertificateMatch:
    """`find_certificate` for filters that `validate_lookup_arguments` already checked."""
    acm = client if client is not None else make_acm_client()
    candidates = [
        _Candidate(summary)
        for summary in _list_summaries(acm, filters)
        if _passes_summary_filters(summary, filters)
    ]
    if filters.hostname is not None:
        candidates = [c for c in candidates if _covers_host(c, filters.hostname, acm)]
    if filters.tags:
        candidates = [c for c in candidates if filters.tags.items() <= c.load_tags(acm).items()]

    if not candidates:
        raise NoMatchingCertificateError(
            f"no ACM certificate{_where(acm)} matches {filters.describe()}"
        )
    if len(candidates) > 1 and not filters.most_recent:
        arns = sorted(c.arn for c in candidates)
        raise MultipleMatchingCertificatesError(
            f"{len(arns)} ACM certificates{_where(acm)} match {filters.describe()}: "
            f"{', '.join(arns)}; narrow the filters or set most_recent",
            arns,
        )
    return _complete(max(candidates, key=_recency), acm)


def _complete(winner: _Candidate, client: Any) -> CertificateMatch:
    _, complete = winner.known_names()
    if not complete or any(winner.value(n) is None for n in ("Type", "KeyAlgorithm", "DomainName")):
        winner.describe(client)
    names, _ = winner.known_names()
    domain_name = str(winner.value("DomainName"))
    # The SAN list includes the DomainName itself (CertificateDetail.SubjectAlternativeNames).
    sans = list(dict.fromkeys(n for n in names[1:] if n))
    tags = {k: v for k, v in winner.load_tags(client).items() if not k.startswith("aws:")}
    status = str(winner.value("Status"))
    certificate = chain = None
    if status == "ISSUED":
        # GetCertificate answers only for issued certificates (RequestInProgressException while
        # pending). https://docs.aws.amazon.com/acm/latest/APIReference/API_GetCertificate.html
        body = client.get_certificate(CertificateArn=winner.arn)
        certificate = body.get("Certificate")
        chain = body.get("CertificateChain") or None
    return CertificateMatch(
        arn=winner.arn,
        domain=domain_name,
        status=status,
        type=str(winner.value("Type")),
        key_algorithm=str(winner.value("KeyAlgorithm")),
        not_before=_aware(winner.value("NotBefore")),
        not_after=_aware(winner.value("NotAfter")),
        subject_alternative_names=sans,
        tags=tags,
        certificate=certificate,
        certificate_chain=chain,
    )


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else _parse_time(value)
    if parsed is None:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


# --- the CA lookup ------------------------------------------------------------------------------

# CertificateAuthority.Status values and ListCertificateAuthorities' ResourceOwner ("Use this
# parameter to filter the returned set of certificate authorities based on their owner. The default
# is SELF."; valid values SELF | OTHER_ACCOUNTS, the latter being CAs shared with this account
# through AWS RAM).
# https://docs.aws.amazon.com/privateca/latest/APIReference/API_ListCertificateAuthorities.html
# https://docs.aws.amazon.com/privateca/latest/APIReference/API_CertificateAuthority.html
PCA_CA_STATUSES = (
    "CREATING",
    "PENDING_CERTIFICATE",
    "ACTIVE",
    "DELETED",
    "DISABLED",
    "EXPIRED",
    "FAILED",
)
PCA_RESOURCE_OWNERS = ("SELF", "OTHER_ACCOUNTS")
DEFAULT_CA_STATUSES = ("ACTIVE",)

# MaxResults is 1..1000, "although ... the action only returns a maximum of 100 items" (same page).
CA_LIST_PAGE_SIZE = 1000

# A CA has a certificate to return only once one was imported; CREATING, PENDING_CERTIFICATE and
# FAILED CAs have none. The API reference does not say whether a DELETED (pending deletion) CA
# answers GetCertificateAuthorityCertificate, so it is not asked.
# https://docs.aws.amazon.com/privateca/latest/APIReference/API_GetCertificateAuthorityCertificate.html
_CA_STATUSES_WITH_CERTIFICATE = ("ACTIVE", "DISABLED", "EXPIRED")


@dataclass(frozen=True)
class CertificateAuthorityFilters:
    """Validated CA lookup arguments (see `validate_ca_lookup_arguments`)."""

    tags: Mapping[str, str] = field(default_factory=dict)
    common_name: str | None = None
    statuses: tuple[str, ...] = DEFAULT_CA_STATUSES
    owner: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form with sorted keys and lists, the same for equal filters."""
        return {
            "tags": dict(sorted(self.tags.items())),
            "common_name": self.common_name,
            "statuses": sorted(self.statuses),
            "owner": self.owner,
        }

    def describe(self) -> str:
        """The filters in words, for error messages."""
        parts = []
        if self.common_name is not None:
            parts.append(f"common name {self.common_name!r}")
        if self.tags:
            parts.append("tags " + ", ".join(f"{k}={v}" for k, v in sorted(self.tags.items())))
        parts.append("statuses " + ", ".join(self.statuses))
        parts.append("owner " + (self.owner or "SELF or OTHER_ACCOUNTS"))
        return "; ".join(parts)


@dataclass(frozen=True)
class CertificateAuthorityMatch:
    """The one CA a lookup found: PCA's spellings, aware datetimes, PEM strings."""

    arn: str
    common_name: str | None
    status: str
    type: str
    owner_account: str
    not_after: datetime | None
    certificate: str | None
    certificate_chain: str | None

    def to_dict(self, *, include_pem: bool = True) -> dict[str, Any]:
        """JSON-able: datetimes as ISO 8601; PEM fields left out unless `include_pem`."""
        data = asdict(self)
        data["not_after"] = self.not_after.isoformat() if self.not_after else None
        if not include_pem:
            del data["certificate"], data["certificate_chain"]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CertificateAuthorityMatch:
        """The inverse of `to_dict` (the PEM bodies may be absent)."""
        try:
            common_name = data.get("common_name")
            return cls(
                arn=str(data["arn"]),
                common_name=None if common_name is None else str(common_name),
                status=str(data["status"]),
                type=str(data["type"]),
                owner_account=str(data["owner_account"]),
                not_after=_parse_time(data.get("not_after")),
                certificate=data.get("certificate"),
                certificate_chain=data.get("certificate_chain"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a CA match: {exc!r} in {dict(data)!r}") from exc


def validate_ca_lookup_arguments(
    *,
    tags: Mapping[str, str] | None = None,
    common_name: str | None = None,
    statuses: Iterable[str] | str | None = None,
    owner: str | None = None,
) -> CertificateAuthorityFilters:
    """Check CA lookup arguments without calling AWS; every bad argument in one ValueError."""
    problems: list[LookupProblem] = []
    norm_tags = _tag_filter(tags, problems)
    if common_name is not None and (not isinstance(common_name, str) or not common_name):
        problems.append(
            LookupProblem("common_name", f"must be a non-empty string, got {common_name!r}")
        )
    norm_statuses = _string_list("statuses", statuses, PCA_CA_STATUSES, problems)
    owner_problem = None if owner is None else rules.choice_problem(owner, PCA_RESOURCE_OWNERS)
    if owner_problem:
        problems.append(LookupProblem("owner", f"{owner_problem} (or none for both)"))
    if problems:
        raise InvalidLookupArgumentsError(problems)
    return CertificateAuthorityFilters(
        tags=norm_tags,
        common_name=common_name,
        statuses=norm_statuses or DEFAULT_CA_STATUSES,
        owner=owner,
    )


def find_certificate_authority(
    *,
    tags: Mapping[str, str] | None = None,
    common_name: str | None = None,
    statuses: Iterable[str] | str | None = None,
    owner: str | None = None,
    client: Any = None,
) -> CertificateAuthorityMatch:
    """The one PCA certificate authority matching the filters.

    `statuses` default to ACTIVE; `owner` is SELF, OTHER_ACCOUNTS (shared through AWS RAM) or None
    for both; `common_name` equals the subject's CommonName exactly; `tags` must all be present.
    A CA shared with this account whose tags it may not read (the share's RAM permission grants
    no acm-pca:ListTags) is no candidate; a NoMatchingCertificateError names such CAs.
    Raises ValueError for bad arguments before any call, NoMatchingCertificateError for none and
    MultipleMatchingCertificatesError (`.arns`) for several. Every call goes through `client`.
    """
    filters = validate_ca_lookup_arguments(
        tags=tags, common_name=common_name, statuses=statuses, owner=owner
    )
    return find_certificate_authority_with(filters, client=client)


def find_certificate_authority_with(
    filters: CertificateAuthorityFilters,
    *,
    client: Any = None,
    owner_account: str | None = None,
    with_certificates: bool = True,
) -> CertificateAuthorityMatch:
    """`find_certificate_authority` for filters `validate_ca_lookup_arguments` already checked.

    `owner_account` keeps only CAs of that account (the account field of the ARN), before any
    ListTags: a CA that a third account shares with this one may come with a permission that
    does not grant acm-pca:ListTags, and asking it would fail the whole lookup.
    `with_certificates` False leaves `certificate` and `certificate_chain` None and skips
    GetCertificateAuthorityCertificate (a caller that needs no PEM needs no permission for it)."""
    pca = client if client is not None else make_pca_client()
    candidates: dict[str, dict[str, Any]] = {}
    shared: set[str] = set()
    # ResourceOwner takes one value per call, so "both" is one listing each.
    for owner in (filters.owner,) if filters.owner else PCA_RESOURCE_OWNERS:
        request = {"MaxResults": CA_LIST_PAGE_SIZE, "ResourceOwner": owner}
        for summary in _pages(
            pca.list_certificate_authorities,
            request,
            "CertificateAuthorities",
            "ListCertificateAuthorities",
        ):
            if _ca_passes_summary_filters(summary, filters) and (
                owner_account is None or _arn_account(str(summary["Arn"])) == owner_account
            ):
                candidates.setdefault(str(summary["Arn"]), summary)
                if owner == "OTHER_ACCOUNTS":
                    shared.add(str(summary["Arn"]))
    # ListTags costs a call per CA, so only CAs that passed the summary's filters are asked.
    unreadable: dict[str, str] = {}
    if filters.tags:
        kept = {}
        for arn, summary in candidates.items():
            tags = _ca_tags(pca, arn, shared=arn in shared, unreadable=unreadable)
            if tags is not None and filters.tags.items() <= tags.items():
                kept[arn] = summary
        candidates = kept
    if not candidates:
        note = ""
        if unreadable:
            note = (
                f"; left out {len(unreadable)} shared CA(s) whose tags this account may not read "
                "(AccessDenied on acm-pca:ListTags: the RAM permission of their share does not "
                f"grant it): {', '.join(sorted(unreadable))}"
            )
        raise NoMatchingCertificateError(
            f"no private CA{_where(pca)} matches {filters.describe()}{note}", unreadable
        )
    if len(candidates) > 1:
        arns = sorted(candidates)
        raise MultipleMatchingCertificatesError(
            f"{len(arns)} private CAs{_where(pca)} match {filters.describe()}: "
            f"{', '.join(arns)}; narrow the filters",
            arns,
        )
    (summary,) = candidates.values()
    return _complete_ca(summary, pca, with_certificates=with_certificates)


def _arn_account(arn: str) -> str:
    # arn:partition:acm-pca:region:account-id:certificate-authority/id
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


def _ca_common_name(summary: Mapping[str, Any]) -> str | None:
    subject = summary.get("CertificateAuthorityConfiguration", {}).get("Subject", {})
    common_name = subject.get("CommonName")
    return str(common_name) if common_name is not None else None


def _ca_passes_summary_filters(
    summary: Mapping[str, Any], filters: CertificateAuthorityFilters
) -> bool:
    if summary.get("Status") not in filters.statuses:
        return False
    return filters.common_name is None or _ca_common_name(summary) == filters.common_name


def _ca_tags(
    client: Any, arn: str, *, shared: bool = False, unreadable: dict[str, str] | None = None
) -> dict[str, str] | None:
    """The CA's tags; None for a CA shared with this account whose tags it may not read.

    Another account's CA answers ListTags only if the RAM permission of its share grants
    acm-pca:ListTags (customer managed permissions choose their actions, ListTags among them:
    https://docs.aws.amazon.com/privateca/latest/userguide/pca-cmp.html). Such a CA cannot be
    shown to carry the tags, so it is no candidate; a denial on this account's own CA is the
    caller's IAM policy and is raised."""
    from botocore.exceptions import ClientError

    # ListTags (PCA) is paginated with MaxResults 1..1000 and NextToken.
    # https://docs.aws.amazon.com/privateca/latest/APIReference/API_ListTags.html
    request = {"CertificateAuthorityArn": arn, "MaxResults": CA_LIST_PAGE_SIZE}
    try:
        return {
            t["Key"]: t.get("Value") or ""
            for t in _pages(client.list_tags, request, "Tags", "ListTags")
        }
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if not shared or error.get("Code") not in ("AccessDeniedException", "AccessDenied"):
            raise
        if unreadable is not None:
            unreadable[arn] = str(error.get("Message", ""))
        return None


def _complete_ca(
    summary: Mapping[str, Any], client: Any, *, with_certificates: bool
) -> CertificateAuthorityMatch:
    arn = str(summary["Arn"])
    status = str(summary.get("Status"))
    certificate = chain = None
    if with_certificates and status in _CA_STATUSES_WITH_CERTIFICATE:
        body = client.get_certificate_authority_certificate(CertificateAuthorityArn=arn)
        certificate = body.get("Certificate")
        # A root CA's response has no CertificateChain.
        chain = body.get("CertificateChain") or None
    return CertificateAuthorityMatch(
        arn=arn,
        common_name=_ca_common_name(summary),
        status=status,
        type=str(summary.get("Type")),
        owner_account=_arn_account(arn),
        not_after=_aware(summary.get("NotAfter")),
        certificate=certificate,
        certificate_chain=chain,
    )
