"""Bounded HTTP for revocation data: a deadline per request, a size cap, few redirects, http(s).

Plain urllib (no extra dependency): a dead responder or a huge answer must not hang the tools.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.client import HTTPMessage
from typing import IO, Final

# DESIGN.md: at most 10 s per request, at least 64 MiB per answer. A 200,000-entry CRL is about
# 8 MiB DER, so 64 MiB leaves room for far larger CAs while still refusing an endless stream.
MAX_TIMEOUT_SECONDS: Final = 10.0
MAX_RESPONSE_BYTES: Final = 64 * 1024 * 1024
MAX_REDIRECTS: Final = 3
_CHUNK_BYTES: Final = 1024 * 1024
# Less time than this left of the caller's deadline is not worth a connection attempt.
MIN_REQUEST_SECONDS: Final = 0.05
# Tests and impatient operators may lower the per-request timeout (never raise it past 10 s).
TIMEOUT_ENV: Final = "CDK_PCA_HTTP_TIMEOUT"


class FetchError(Exception):
    """The resource could not be fetched: no connection, timeout, HTTP error, too big, bad URL."""


class FetchTimeout(FetchError):
    """Nothing (or nothing complete) came back before the request's or the command's deadline."""


@dataclass(frozen=True)
class FetchedResource:
    """The body of a successful GET or POST and the URL it finally came from. `not_modified`:
    the body came from a `ConditionalCache` because the server answered 304."""

    url: str
    body: bytes
    content_type: str
    etag: str = ""
    last_modified: str = ""
    not_modified: bool = False


class ConditionalCache:
    """The last body of each URL with its validators, so asking again for a CRL that has not
    changed costs a 304 and no body: `revoke --wait` polls a CRL of any size for an hour.

    RFC 9110 13.1.2 (If-None-Match) and 13.1.3 (If-Modified-Since). S3 answers both on GetObject
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, "If-None-Match"), and
    CloudFront passes a viewer's conditional GET to an S3 origin and answers it from its cache
    (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorS3Origin.html#RequestS3ConditionalGETs).
    A server that ignores the headers just answers 200 with the body, as without the cache.
    """

    def __init__(self, max_entries: int = 8) -> None:
        self.max_entries = max_entries
        self.not_modified = 0  # how many answers were 304s served from here
        self._entries: dict[str, FetchedResource] = {}
        self._lock = threading.Lock()

    def validators(self, url: str) -> dict[str, str]:
        with self._lock:
            entry = self._entries.get(url)
        if entry is None:
            return {}
        headers = {}
        if entry.etag:
            headers["If-None-Match"] = entry.etag
        if entry.last_modified:
            headers["If-Modified-Since"] = entry.last_modified
        return headers

    def remember(self, url: str, resource: FetchedResource) -> None:
        if not (resource.etag or resource.last_modified):
            return
        with self._lock:
            self._entries.pop(url, None)
            while len(self._entries) >= self.max_entries:
                self._entries.pop(next(iter(self._entries)))
            self._entries[url] = resource

    def reuse(self, url: str) -> FetchedResource | None:
        with self._lock:
            entry = self._entries.get(url)
            if entry is None:
                return None
            self.not_modified += 1
        return FetchedResource(
            url=entry.url,
            body=entry.body,
            content_type=entry.content_type,
            etag=entry.etag,
            last_modified=entry.last_modified,
            not_modified=True,
        )


class _NotModified(Exception):
    """The server answered 304 to a conditional GET."""


def default_timeout() -> float:
    """The per-request timeout: CDK_PCA_HTTP_TIMEOUT if set and valid, capped at 10 s."""
    raw = os.environ.get(TIMEOUT_ENV, "")
    try:
        value = float(raw) if raw else MAX_TIMEOUT_SECONDS
    except ValueError:
        value = MAX_TIMEOUT_SECONDS
    return min(max(value, 0.05), MAX_TIMEOUT_SECONDS)


class _BoundedRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if newurl.split(":", 1)[0].lower() not in {"http", "https"}:
            raise FetchError(
                f"{req.full_url} redirects to {newurl}: only http and https are followed"
            )
        # urllib's own limits count distinct URLs, so an a->b->a loop would run 8 hops: count hops.
        hops = int(getattr(req, "cdk_pca_redirects", 0)) + 1
        if hops > MAX_REDIRECTS:
            raise FetchError(f"{req.full_url}: more than {MAX_REDIRECTS} redirects, stopped")
        new_request = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new_request is not None:
            setattr(new_request, "cdk_pca_redirects", hops)  # noqa: B010 - not a Request field
        return new_request


class _Deadline:
    """Shuts down every socket a fetch opened once its deadline passes.

    A socket timeout bounds each read, not a whole answer: a peer that sends its status line and
    headers a byte at a time would hold `http.client` for ever. Shutting the sockets down makes
    the blocked read return at once.
    """

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket | None) -> None:
        with self._lock:
            if sock is not None:
                self._sockets.append(sock)
            if self.expired:
                self._shut_down()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            self._shut_down()

    def _shut_down(self) -> None:
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Deadline:
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _current.deadline = None


# The deadline of the fetch running in this thread (OCSP and CRL are fetched in parallel).
_current = threading.local()


def _watch(sock: socket.socket | None) -> None:
    deadline: _Deadline | None = getattr(_current, "deadline", None)
    if deadline is not None:
        deadline.watch(sock)


class _WatchedHTTPConnection(http.client.HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _watch(self.sock)


class _WatchedHTTPSConnection(http.client.HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _watch(self.sock)


class _WatchedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_WatchedHTTPConnection, req)


class _WatchedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_WatchedHTTPSConnection, req, context=getattr(self, "_context", None))


_HANDLERS = (_BoundedRedirects, _WatchedHTTPHandler, _WatchedHTTPSHandler)
_OPENER = urllib.request.build_opener(*_HANDLERS)
# Loopback never goes through an http_proxy from the environment (no_proxy is often unset).
_DIRECT_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), *_HANDLERS)
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def fetch(
    url: str,
    *,
    data: bytes | None = None,
    content_type: str | None = None,
    accept: str = "*/*",
    timeout: float | None = None,
    max_bytes: int = MAX_RESPONSE_BYTES,
    deadline: float | None = None,
    cache: ConditionalCache | None = None,
) -> FetchedResource:
    """GET `url` (or POST `data`), within one deadline of `timeout` seconds in all, reading at most
    `max_bytes` whatever Content-Length claims. `deadline` (a time.monotonic() value) is the
    caller's overall bound: the request gets what is left of it, if less. With a `cache`, a GET
    asks conditionally and a 304 returns the cached body. Raises FetchError (FetchTimeout when
    time ran out) with a one-line reason."""
    if url.split(":", 1)[0].lower() not in {"http", "https"}:
        raise FetchError(f"{url}: only http and https URLs are fetched")
    limit = min(timeout if timeout is not None else default_timeout(), MAX_TIMEOUT_SECONDS)
    if deadline is not None:
        left = deadline - time.monotonic()
        if left < MIN_REQUEST_SECONDS:
            raise FetchTimeout(f"{url}: not asked, the command's deadline had passed")
        limit = min(limit, left)
    deadline = time.monotonic() + limit
    headers = {"Accept": accept, "User-Agent": "cdk-pca"}
    if content_type:
        headers["Content-Type"] = content_type
    cache = cache if data is None else None
    if cache is not None:
        headers.update(cache.validators(url))
    request = urllib.request.Request(url, data=data, headers=headers)
    with _Deadline(limit) as watchdog:
        try:
            resource = _read(request, url, limit, deadline, max_bytes)
        except _NotModified:
            cached = cache.reuse(url) if cache is not None else None
            if cached is None:
                raise FetchError(f"{url}: HTTP 304 to a request that was not conditional") from None
            return cached
        except FetchError as exc:
            # A shut-down socket surfaces as a reset or a truncated answer: say what happened.
            if watchdog.expired and not isinstance(exc, FetchTimeout):
                raise FetchTimeout(f"{url}: no answer within {limit:.3g} s") from None
            raise
    if cache is not None:
        cache.remember(url, resource)
    return resource


def _read(
    request: urllib.request.Request, url: str, limit: float, deadline: float, max_bytes: int
) -> FetchedResource:
    try:
        opener = _DIRECT_OPENER if _is_loopback(url) else _OPENER
        with opener.open(request, timeout=limit) as response:
            chunks: list[bytes] = []
            received = 0
            while True:
                if time.monotonic() > deadline:
                    raise FetchTimeout(f"{url}: no complete answer within {limit:.3g} s")
                # read1: one socket read per call, so a server that trickles bytes meets the
                # deadline check between reads instead of holding a read open indefinitely.
                chunk = response.read1(min(_CHUNK_BYTES, max_bytes + 1 - received))
                if not chunk:
                    break
                received += len(chunk)
                if received > max_bytes:
                    raise FetchError(f"{url}: answer larger than {max_bytes} bytes, refused")
                chunks.append(chunk)
            return FetchedResource(
                url=response.geturl(),
                body=b"".join(chunks),
                content_type=response.headers.get("Content-Type", ""),
                etag=response.headers.get("ETag", ""),
                last_modified=response.headers.get("Last-Modified", ""),
            )
    except FetchError:
        raise
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            raise _NotModified from None
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            raise FetchTimeout(f"{url}: no answer within {limit:.3g} s") from None
        raise FetchError(f"{url}: {reason}") from None
    except TimeoutError:
        raise FetchTimeout(f"{url}: no answer within {limit:.3g} s") from None
    except (OSError, ValueError) as exc:
        # http.client raises RemoteDisconnected/IncompleteRead (OSError/ValueError kin) on
        # truncated answers; InvalidURL is a ValueError.
        raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None
    except Exception as exc:  # http.client.HTTPException and kin: one line
        raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None


def _is_loopback(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    return host in _LOOPBACK_HOSTS or host.startswith("127.")
