"""NIST PKITS (from cryptography_vectors) made fetchable: certificates re-signed with an HTTP CDP.

PKITS names LDAP entries; each certificate gets a CDP naming its issuer's CRL on loopback instead.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import cryptography_vectors
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12

from cdk_pca.revocation.signatures import der_element
from tests.integration.openssl_pki import RevocationHttpServer

PKITS = Path(cryptography_vectors.__file__).parent / "x509" / "PKITS_data"
ANCHOR = "TrustAnchorRootCertificate"
# PKITS's PKCS#12 files are protected with this password (PKITS.pdf, section 3).
P12_PASSWORD = b"password"
# CAs whose CRLs are not named <CA without "Cert">CRL.crl.
CRLS_OF = {
    ANCHOR: ["TrustAnchorRootCRL"],
    "NoCRLCACert": [],
    "TwoCRLsCACert": ["TwoCRLsCABadCRL", "TwoCRLsCAGoodCRL"],
    "SeparateCertificateandCRLKeysCertificateSigningCACert": ["SeparateCertificateandCRLKeysCRL"],
    "SeparateCertificateandCRLKeysCA2CertificateSigningCACert": [
        "SeparateCertificateandCRLKeysCA2CRL"
    ],
    "onlySomeReasonsCA1Cert": [
        "onlySomeReasonsCA1compromiseCRL",
        "onlySomeReasonsCA1otherreasonsCRL",
    ],
    "onlySomeReasonsCA2Cert": ["onlySomeReasonsCA2CRL1", "onlySomeReasonsCA2CRL2"],
    "onlySomeReasonsCA3Cert": [
        "onlySomeReasonsCA3compromiseCRL",
        "onlySomeReasonsCA3otherreasonsCRL",
    ],
    "onlySomeReasonsCA4Cert": [
        "onlySomeReasonsCA4compromiseCRL",
        "onlySomeReasonsCA4otherreasonsCRL",
    ],
}
_CDP_OID = bytes.fromhex("0603551d1f")


def _der(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(octets)]) + octets + content


def _children(der: bytes, start: int, end: int) -> list[bytes]:
    items = []
    while start < end:
        item_end, _ = der_element(der, start)
        items.append(der[start:item_end])
        start = item_end
    return items


def crls_of(ca: str) -> list[str]:
    if ca in CRLS_OF:
        return CRLS_OF[ca]
    name = ca.removesuffix("Cert") + "CRL"
    return [name] if (PKITS / "crls" / f"{name}.crl").exists() else []


def certificate(name: str) -> x509.Certificate:
    return x509.load_der_x509_certificate((PKITS / "certs" / f"{name}.crt").read_bytes())


def private_key(name: str) -> PrivateKeyTypes:
    key, _, _ = pkcs12.load_key_and_certificates(
        (PKITS / "pkcs12" / f"{name}.p12").read_bytes(), P12_PASSWORD
    )
    assert key is not None, name
    return key


def resign(original: x509.Certificate, issuer_key: PrivateKeyTypes, crl_urls: list[str]) -> bytes:
    """The certificate, byte for byte but for a CDP naming `crl_urls` (merged into an existing
    CDP's fullName points), signed again by its issuer's key. DER surgery, not a builder, so the
    names, serial (negative ones too) and extensions stay exactly as PKITS made them."""
    der = original.public_bytes(serialization.Encoding.DER)
    _, body = der_element(der, 0)
    tbs_end, tbs_body = der_element(der, body)
    outer_end, _ = der_element(der, 0)
    algorithm_and_signature = _children(der, tbs_end, outer_end)
    fields = _children(der, tbs_body, tbs_end)
    uris: list[x509.GeneralName] = [x509.UniformResourceIdentifier(url) for url in crl_urls]
    try:
        existing = list(
            original.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
        )
    except x509.ExtensionNotFound:
        existing = []
    points = [
        x509.DistributionPoint([*point.full_name, *uris], None, point.reasons, point.crl_issuer)
        if point.full_name
        else point
        for point in existing
    ]
    if not any(point.full_name for point in existing):
        points.append(x509.DistributionPoint(uris, None, None, None))
    cdp = _der(0x30, _CDP_OID + _der(0x04, x509.CRLDistributionPoints(points).public_bytes()))
    rebuilt = []
    for item in fields:
        if item[0] == 0xA3:
            _, sequence = der_element(item, 0)
            sequence_end, inner = der_element(item, sequence)
            extensions = [
                ext for ext in _children(item, inner, sequence_end) if _CDP_OID not in ext[:12]
            ]
            item = _der(0xA3, _der(0x30, b"".join([*extensions, cdp])))
        rebuilt.append(item)
    tbs = _der(0x30, b"".join(rebuilt))
    hash_algorithm = original.signature_hash_algorithm
    assert hash_algorithm is not None
    if isinstance(issuer_key, rsa.RSAPrivateKey):
        signature = issuer_key.sign(tbs, padding.PKCS1v15(), hash_algorithm)
    elif isinstance(issuer_key, dsa.DSAPrivateKey):
        signature = issuer_key.sign(tbs, hash_algorithm)
    else:
        raise TypeError(f"PKITS key type {type(issuer_key).__name__} not expected")
    return _der(0x30, tbs + algorithm_and_signature[0] + _der(0x03, b"\x00" + signature))


@dataclass
class Link:
    """One certificate of a PKITS path and the issuer certificate it is checked against."""

    name: str
    certificate: x509.Certificate
    issuer: x509.Certificate


def build_path(names: list[str], http: RevocationHttpServer) -> list[Link]:
    """The PKITS path anchor -> ... -> EE, each certificate re-signed with a CDP to its issuer's
    CRLs (served by `http`; a CA without a CRL gets a URL that answers 404)."""
    chain = [ANCHOR, *names]
    issued: dict[str, x509.Certificate] = {ANCHOR: certificate(ANCHOR)}
    links = []
    for issuer_name, name in itertools.pairwise(chain):
        urls = []
        for crl in crls_of(issuer_name) or [f"{issuer_name}-has-no-CRL"]:
            path = PKITS / "crls" / f"{crl}.crl"
            if path.exists():
                http.serve(f"/{crl}.crl", path.read_bytes())
            urls.append(http.url(f"/{crl}.crl"))
        der = resign(certificate(name), private_key(issuer_name), urls)
        issued[name] = x509.load_der_x509_certificate(der)
        links.append(Link(name, issued[name], issued[issuer_name]))
    return links
