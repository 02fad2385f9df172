"""What one revocation method (OCSP or CRL) said about a certificate, and how the answers combine.

`status` is good, revoked or unknown; `answered` says whether the peer sent anything at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from cdk_pca.revocation.fetch import FetchError, FetchTimeout

Status = Literal["good", "revoked", "unknown"]
GOOD: Status = "good"
REVOKED: Status = "revoked"
UNKNOWN: Status = "unknown"


@dataclass(frozen=True)
class MethodResult:
    """One method's verdict. `reason` is an RFC 5280 reason name (cryptography's ReasonFlags value).

    `answered` is False when nothing came back (no URL, no connection, timeout, HTTP error): such a
    method does not vote. A method that answered but could not be verified is unknown and does vote.
    """

    method: Literal["ocsp", "crl"]
    status: Status
    answered: bool = False
    url: str | None = None
    reason: str | None = None
    revocation_time: datetime | None = None
    this_update: datetime | None = None
    next_update: datetime | None = None
    responder: str | None = None
    error: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def with_note(self, note: str) -> MethodResult:
        return replace(self, notes=(*self.notes, note))

    def to_json(self) -> dict[str, Any]:
        """The JSON object of `cdk-pca status --json`: RFC 6960/5280 field names for the times."""
        return {
            "status": self.status,
            "answered": self.answered,
            "url": self.url,
            "reason": self.reason,
            "revocationTime": _iso(self.revocation_time),
            "thisUpdate": _iso(self.this_update),
            "nextUpdate": _iso(self.next_update),
            "responder": self.responder,
            "error": self.error,
            "notes": list(self.notes),
        }


def combine(results: list[MethodResult]) -> Status:
    """Revoked if any method says so; good only if every method that answered says good and at
    least one answered; unknown otherwise (an answer that could not be verified is never good)."""
    if any(result.status == REVOKED for result in results):
        return REVOKED
    answered = [result for result in results if result.answered]
    if answered and all(result.status == GOOD for result in answered):
        return GOOD
    return UNKNOWN


def first_answer(
    method: Literal["ocsp", "crl"],
    urls: list[str],
    *,
    missing: str,
    ask: Callable[[str], bytes],
    evaluate: Callable[[bytes, str], MethodResult],
    keep_looking: bool = False,
) -> MethodResult:
    """Ask each URL in turn (`ask` raises FetchError when nothing comes back); the first answer
    decides, whatever it says. Unknown and not answered when no URL answers, or there is none.
    Whatever `evaluate` raises leaves this method unknown with the error: one hostile answer
    must never take the other method's verdict down with it. With `keep_looking`, an answer that
    could not be verified sends the question on to the next URL (RFC 5280 lets a client use any
    CRL it can verify); the first verified verdict wins, else the first unverifiable answer."""
    if not urls:
        return MethodResult(method=method, status=UNKNOWN, error=missing)
    errors: list[str] = []
    timed_out: list[str] = []
    unverified: MethodResult | None = None
    for url in urls:
        try:
            body = ask(url)
        except FetchTimeout as exc:
            errors.append(str(exc))
            timed_out.append(url)
            continue
        except FetchError as exc:
            errors.append(str(exc))
            continue
        try:
            answer = evaluate(body, url)
        except Exception as exc:  # a peer's bytes must not crash the command
            answer = MethodResult(
                method=method,
                status=UNKNOWN,
                answered=True,
                url=url,
                error=f"cannot process the answer: {type(exc).__name__}: {_one_line(exc)}",
            )
        if answer.status != UNKNOWN or not keep_looking:
            return answer
        unverified = unverified or answer
    if unverified is not None:
        return unverified
    result = MethodResult(method=method, status=UNKNOWN, url=urls[0], error="; ".join(errors))
    for url in timed_out:
        result = result.with_note(f"{TIMED_OUT_NOTE} {url}")
    return result


# The note a method carries for each URL that ran out of time (the report names the source).
TIMED_OUT_NOTE = "timed out:"


def unreadable(result: MethodResult, what: str, exc: BaseException) -> MethodResult:
    """`result` made unknown because the peer's data made the parser raise. cryptography parses
    lazily: a field it could not read surfaces when first touched, as ValueError,
    x509.InvalidVersion (an Exception, not a ValueError) or worse. The data is the peer's;
    whatever it makes the parser raise is this answer's failure alone."""
    return replace(
        result, status=UNKNOWN, error=f"unreadable {what}: {type(exc).__name__}: {_one_line(exc)}"
    )


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None
