"""Benchmark: `cdk-pca status` on a certificate near the end of a 200,000-entry CRL served on
loopback, beside `openssl crl -inform DER -noout -text | grep -c Serial` on the same file.

Run: .venv/bin/python -m bench.status_crl [--entries N] [--repeat N]. The CRL and its CA are
cached in bench/.cache/ (building 200,000 entries takes a while); the leaf is re-issued each run
because its CRL distribution point names this run's port.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
CLI = ROOT / ".venv" / "bin" / "cdk-pca"
FIRST_SERIAL = 0x4B_E2_00_00_00_00_00_00_00_00_00_00_00_00_00_01
# RFC 5280 CRLReason codes: keyCompromise, affiliationChanged, superseded, cessationOfOperation.
REASON_CODES = (1, 3, 4, 5)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _ca(directory: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key_path, cert_path = directory / "ca.key", directory / "ca.pem"
    if key_path.exists() and cert_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return x509.load_pem_x509_certificate(cert_path.read_bytes()), key
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench Issuing CA")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return certificate, key


def _der(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(octets)]) + octets + content


def _utc_time(moment: datetime) -> bytes:
    return _der(0x17, moment.strftime("%y%m%d%H%M%SZ").encode())


def _crl(
    directory: Path, entries: int, ca: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> Path:
    """A DER CRL of `entries` revoked serials (each with a reason, like PCA's), valid 1 year.

    Encoded by hand: CertificateRevocationListBuilder copies its list on every add, so 200,000
    entries take minutes; this takes about a second. cryptography and openssl both read it back.
    """
    path = directory / f"crl-{entries}.der"
    if path.exists():
        crl = x509.load_der_x509_crl(path.read_bytes())
        if crl.next_update_utc and crl.next_update_utc > datetime.now(UTC) + timedelta(days=1):
            return path
    started = time.monotonic()
    now = datetime.now(UTC).replace(microsecond=0)
    ecdsa_with_sha256 = _der(0x30, _der(0x06, bytes.fromhex("2a8648ce3d040302")))
    revoked_on = _utc_time(now - timedelta(hours=1))
    reason_extensions = [
        _der(
            0x30,
            _der(0x30, _der(0x06, bytes.fromhex("551d15")) + _der(0x04, _der(0x0A, bytes([code])))),
        )
        for code in REASON_CODES
    ]
    entry_list = []
    for index in range(entries):
        serial = FIRST_SERIAL + index
        serial_der = _der(0x02, serial.to_bytes((serial.bit_length() + 8) // 8, "big"))
        entry_list.append(
            _der(0x30, serial_der + revoked_on + reason_extensions[index % len(REASON_CODES)])
        )
    crl_number = _der(0x30, _der(0x06, bytes.fromhex("551d14")) + _der(0x04, _der(0x02, b"\x01")))
    tbs = _der(
        0x30,
        _der(0x02, b"\x01")
        + ecdsa_with_sha256
        + ca.subject.public_bytes()
        + _utc_time(now - timedelta(minutes=5))
        + _utc_time(now + timedelta(days=365))
        + _der(0x30, b"".join(entry_list))
        + _der(0xA0, _der(0x30, crl_number)),
    )
    signature = key.sign(tbs, ec.ECDSA(hashes.SHA256()))
    path.write_bytes(_der(0x30, tbs + ecdsa_with_sha256 + _der(0x03, b"\x00" + signature)))
    x509.load_der_x509_crl(path.read_bytes())  # fail here, not in the timed runs, if malformed
    print(f"built {entries} entries in {time.monotonic() - started:.1f} s -> {path}")
    return path


def _leaf(
    directory: Path, ca: x509.Certificate, key: ec.EllipticCurvePrivateKey, serial: int, url: str
) -> Path:
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "leaked.example")]))
        .issuer_name(ca.subject)
        .public_key(leaf_key.public_key())
        .serial_number(serial)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(url)], None, None, None)]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    path = directory / "leaf.pem"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


def _timed(command: list[str] | str, *, shell: bool = False) -> tuple[float, str, int]:
    started = time.perf_counter()
    completed = subprocess.run(
        command, shell=shell, capture_output=True, text=True, check=False, timeout=300
    )
    return time.perf_counter() - started, completed.stdout, completed.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    CACHE.mkdir(parents=True, exist_ok=True)
    ca, key = _ca(CACHE)
    crl_path = _crl(CACHE, args.entries, ca, key)
    target = FIRST_SERIAL + args.entries - 3  # near the end of the list

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(CACHE)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{crl_path.name}"
    leaf = _leaf(CACHE, ca, key, target, url)

    status_cmd = [
        str(CLI),
        "status",
        "--cert",
        str(leaf),
        "--issuer",
        str(CACHE / "ca.pem"),
        "--json",
    ]
    openssl_cmd = f"openssl crl -inform DER -noout -text -in {crl_path} | grep -c Serial"
    cli_times: list[float] = []
    openssl_times: list[float] = []
    try:
        for _ in range(args.repeat):
            seconds, out, code = _timed(status_cmd)
            if code != 1 or '"revoked"' not in out:
                print(f"unexpected status result (exit {code}): {out[:400]}", file=sys.stderr)
                return 1
            cli_times.append(seconds)
            seconds, out, _ = _timed(openssl_cmd, shell=True)
            if int(out.strip() or 0) != args.entries:
                print(f"openssl counted {out.strip()} serials", file=sys.stderr)
                return 1
            openssl_times.append(seconds)
    finally:
        server.shutdown()
        server.server_close()

    cli_median = statistics.median(cli_times)
    openssl_median = statistics.median(openssl_times)
    size_mib = crl_path.stat().st_size / 2**20
    print(f"CRL: {args.entries} entries, {size_mib:.1f} MiB DER; target serial {target:x}")
    print(
        f"cdk-pca status (fetch over loopback, verify, find): median {cli_median * 1000:.0f} ms"
        f"  runs {[round(t * 1000) for t in cli_times]}"
    )
    print(
        f"openssl crl -text | grep -c Serial (local file):    median {openssl_median * 1000:.0f} ms"
        f"  runs {[round(t * 1000) for t in openssl_times]}"
    )
    print(f"ratio cdk-pca / openssl: {cli_median / openssl_median:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
