"""Fixtures shared by the integration tests: a loopback HTTP server for CRLs, OCSP answers and
CA certificates, and a real `openssl ca` directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.openssl_pki import OpenSslCa, RevocationHttpServer


@pytest.fixture
def http() -> Iterator[RevocationHttpServer]:
    server = RevocationHttpServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def ca(tmp_path: Path) -> OpenSslCa:
    return OpenSslCa.create(tmp_path / "ca")
