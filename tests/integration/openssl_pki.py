"""Real revocation peers for tests: an OpenSSL CA in a temporary folder, its CRL served over HTTP on
127.0.0.1, and `openssl ocsp` as the OCSP responder (DESIGN.md: real peers where they exist)."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import NameOID

OPENSSL = os.environ.get("OPENSSL", "openssl")


def run_openssl(*args: str, cwd: Path | None = None) -> str:
    completed = subprocess.run(
        [OPENSSL, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=60
    )
    if completed.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed: {completed.stderr.strip()}")
    return completed.stdout


# --- HTTP: a tiny file server with programmable answers -------------------------------------


@dataclass
class Route:
    body: bytes
    status: int = 200
    content_type: str = "application/octet-stream"
    location: str | None = None
    etag: str | None = None  # when set: sent, and a matching If-None-Match answers 304


# How often a loopback server's serve_forever looks for shutdown(): see RevocationHttpServer.
POLL_INTERVAL = 0.02


class RevocationHttpServer:
    """Serves `routes[path]` on 127.0.0.1 (port 0). Counts requests per path for assertions."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        self.not_modified: dict[str, int] = {}
        routes, hits, not_modified = self.routes, self.hits, self.not_modified

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits[self.path] = hits.get(self.path, 0) + 1
                route = routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    not_modified[self.path] = not_modified.get(self.path, 0) + 1
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.end_headers()
                    return
                self.send_response(route.status)
                if route.etag:
                    self.send_header("ETag", route.etag)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                if route.location:
                    self.send_header("Location", route.location)
                self.end_headers()
                self.wfile.write(route.body)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.do_GET()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # shutdown() waits for serve_forever's next poll, every 0.5 s by default: half a second
        # of teardown per test. A 20 ms poll costs nothing noticeable on loopback.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": POLL_INTERVAL}, daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def serve(self, path: str, body: bytes, **kwargs: object) -> str:
        self.routes[path] = Route(body, **kwargs)  # type: ignore[arg-type]
        return self.url(path)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released): connections are refused, and
    an `OcspResponder` may take it later."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SilentListener:
    """Accepts TCP connections (the kernel's backlog) and never answers: a dead responder."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}/"

    def close(self) -> None:
        self._socket.close()


class StreamingPeer:
    """A loopback HTTP peer that answers each connection by `_answer` until closed: for peers
    that misbehave mid-answer, which http.server cannot imitate."""

    path = "/"

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(4)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}{self.path}"
        self._stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            with connection:
                try:
                    connection.recv(65536)
                    self._answer(connection)
                except OSError:
                    continue

    def _answer(self, connection: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self._stopped.set()
        self._socket.close()


class EndlessStream(StreamingPeer):
    """Answers every connection with HTTP headers and no Content-Length, then bytes forever."""

    path = "/huge.crl"

    def _answer(self, connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/pkix-crl\r\n\r\n")
        chunk = b"\x00" * 65536
        while not self._stopped.is_set():
            connection.sendall(chunk)


# --- The CA ------------------------------------------------------------------------------------

_CA_CONFIG = """\
[ ca ]
default_ca = ca_default

[ ca_default ]
dir = {dir}
database = $dir/index.txt
new_certs_dir = $dir/issued
certificate = $dir/ca.pem
private_key = $dir/ca.key
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_days = 30
default_crl_days = 1
policy = policy_any
unique_subject = no
copy_extensions = none

[ policy_any ]
commonName = supplied
"""


@dataclass
class IssuedCertificate:
    path: Path
    key_path: Path
    certificate: x509.Certificate

    @property
    def serial(self) -> int:
        return self.certificate.serial_number


@dataclass
class OpenSslCa:
    """An `openssl ca` in `directory`: issues certificates, revokes them, publishes DER CRLs."""

    directory: Path
    name: str
    issued: list[IssuedCertificate] = field(default_factory=list)

    @classmethod
    def create(
        cls, directory: Path, name: str = "Test Issuing CA", *, key: str = "ec"
    ) -> OpenSslCa:
        """A self-signed CA; `key` "ec" (P-256) or "rsa" (2048 bits)."""
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "issued").mkdir(exist_ok=True)
        (directory / "index.txt").write_text("")
        (directory / "index.txt.attr").write_text("unique_subject = no\n")
        # A random 16-octet start, like AWS Private CA's serials; openssl ca increments it.
        (directory / "serial").write_text(secrets.token_hex(16).upper() + "\n")
        (directory / "crlnumber").write_text("01\n")
        (directory / "ca.cnf").write_text(_CA_CONFIG.format(dir=directory))
        key_options = (
            ["-newkey", "rsa:2048"]
            if key == "rsa"
            else ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
        )
        run_openssl(
            "req", "-x509", *key_options, "-nodes",
            "-keyout", str(directory / "ca.key"), "-out", str(directory / "ca.pem"),
            "-subj", f"/CN={name}", "-days", "30",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
        )  # fmt: skip
        return cls(directory, name)

    @property
    def certificate_path(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def key_path(self) -> Path:
        return self.directory / "ca.key"

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.certificate_path.read_bytes())

    @property
    def private_key(self) -> CertificateIssuerPrivateKeyTypes:
        key = serialization.load_pem_private_key(self.key_path.read_bytes(), password=None)
        return key  # type: ignore[return-value]

    def issue(
        self,
        common_name: str,
        *,
        ocsp_url: str | None = None,
        crl_urls: tuple[str, ...] = (),
        ca_issuers_url: str | None = None,
        extended_key_usage: str | None = "serverAuth",
    ) -> IssuedCertificate:
        """A leaf certificate with exactly the AIA and CRL DP extensions asked for."""
        slug = f"{len(self.issued):03d}-{common_name.replace(' ', '-')}"
        key_path = self.directory / f"{slug}.key"
        csr_path = self.directory / f"{slug}.csr"
        cert_path = self.directory / f"{slug}.pem"
        ext_path = self.directory / f"{slug}.ext"
        run_openssl(
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", str(key_path), "-out", str(csr_path), "-subj", f"/CN={common_name}",
        )  # fmt: skip
        lines = ["[ leaf ]", "basicConstraints = critical,CA:FALSE"]
        access = []
        if ocsp_url:
            access.append(f"OCSP;URI:{ocsp_url}")
        if ca_issuers_url:
            access.append(f"caIssuers;URI:{ca_issuers_url}")
        if access:
            lines.append("authorityInfoAccess = " + ",".join(access))
        if crl_urls:
            lines.append("crlDistributionPoints = " + ",".join(f"URI:{u}" for u in crl_urls))
        if extended_key_usage:
            lines.append(f"extendedKeyUsage = {extended_key_usage}")
        ext_path.write_text("\n".join(lines) + "\n")
        run_openssl(
            "ca", "-batch", "-config", str(self.directory / "ca.cnf"), "-in", str(csr_path),
            "-out", str(cert_path), "-extfile", str(ext_path), "-extensions", "leaf", "-notext",
        )  # fmt: skip
        issued = IssuedCertificate(
            cert_path, key_path, x509.load_pem_x509_certificate(cert_path.read_bytes())
        )
        self.issued.append(issued)
        return issued

    def revoke(self, issued: IssuedCertificate, reason: str = "keyCompromise") -> None:
        """`openssl ca -revoke` with an RFC 5280 reason name (certificateHold uses -crl_hold)."""
        args = ["ca", "-config", str(self.directory / "ca.cnf"), "-revoke", str(issued.path)]
        if reason == "certificateHold":
            args += ["-crl_hold", "holdInstructionReject"]
        else:
            args += ["-crl_reason", reason]
        run_openssl(*args)

    def crl_der(self, *, hours: int = 24, sigopts: tuple[str, ...] = ()) -> bytes:
        """`openssl ca -gencrl`, converted to DER as PCA and RFC 5280 publish it."""
        pem_path = self.directory / "crl.pem"
        run_openssl(
            "ca", "-batch", "-config", str(self.directory / "ca.cnf"), "-gencrl",
            "-crlhours", str(hours), "-out", str(pem_path),
            *(arg for option in sigopts for arg in ("-sigopt", option)),
        )  # fmt: skip
        der_path = self.directory / "crl.der"
        run_openssl("crl", "-in", str(pem_path), "-outform", "DER", "-out", str(der_path))
        return der_path.read_bytes()

    def crl_with_times(
        self,
        *,
        last_update: datetime,
        next_update: datetime,
        revoked: Mapping[int, datetime] | None = None,
    ) -> bytes:
        """A DER CRL signed by this CA with exact times (for expired or future-dated CRLs)."""
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(last_update)
            .next_update(next_update)
        )
        for serial, when in (revoked or {}).items():
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
            )
        crl = builder.sign(self.private_key, hashes.SHA256())
        return crl.public_bytes(serialization.Encoding.DER)


# --- OCSP: `openssl ocsp` as the responder -----------------------------------------------------


class OcspResponder:
    """`openssl ocsp` over the CA's index, on `port` (reserve it with `closed_port()` before
    issuing certificates that name it); readiness is its "ACCEPT" line, never a probe connection:
    it serves one connection at a time (DESIGN.md). It reads the index once, at start, so start
    it after the revocations. It listens on every interface; tests send it loopback traffic only.
    """

    def __init__(
        self,
        ca: OpenSslCa,
        port: int = 0,
        *,
        signer_cert: Path | None = None,
        signer_key: Path | None = None,
        next_update_minutes: int | None = 60,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        args = [
            OPENSSL, "ocsp", "-index", str(ca.directory / "index.txt"), "-port", str(port),
            "-CA", str(ca.certificate_path),
            "-rsigner", str(signer_cert or ca.certificate_path),
            "-rkey", str(signer_key or ca.key_path), "-ignore_err",
        ]  # fmt: skip
        if next_update_minutes is not None:
            args += ["-nmin", str(next_update_minutes)]
        args += list(extra_args)
        self._process = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()  # "ACCEPT [::]:PORT PID=N" once it listens
        if not line.startswith("ACCEPT"):
            self.close()
            raise RuntimeError(f"openssl ocsp did not start: {line!r}")
        self.port = int(line.split()[1].rsplit(":", 1)[1])
        self.url = f"http://127.0.0.1:{self.port}/"

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stdout:
            self._process.stdout.close()


def now() -> datetime:
    return datetime.now(UTC)


def hours_ago(hours: float) -> datetime:
    return now() - timedelta(hours=hours)


# --- In-memory certificates (cryptography), for tests that need no OpenSSL process -------------


@dataclass
class MemoryCa:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @classmethod
    def create(cls, name: str = "Memory Root CA") -> MemoryCa:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now() - timedelta(days=1))
            .not_valid_after(now() + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        return cls(certificate, key)

    def issue(self, common_name: str, serial: int | None = None) -> x509.Certificate:
        leaf_key = ec.generate_private_key(ec.SECP256R1())
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(self.certificate.subject)
            .public_key(leaf_key.public_key())
            .serial_number(serial or x509.random_serial_number())
            .not_valid_before(now() - timedelta(days=1))
            .not_valid_after(now() + timedelta(days=30))
            .sign(self.key, hashes.SHA256())
        )

    @property
    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()


def pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()
