"""Distinguished-name and general-name comparison as RFC 5280 section 7.1 asks for it.

String attributes compare case-insensitively with whitespace folded (RFC 4518's core); others exactly.
"""

from __future__ import annotations

from cryptography import x509


def _fold(value: str | bytes) -> str | bytes:
    # RFC 5280 7.1 defers to RFC 4518: case folding and insignificant-space handling are the
    # parts that differ in practice between CAs (PrintableString "Example  Corp" vs "example corp").
    if isinstance(value, bytes):
        return value
    return " ".join(value.casefold().split())


def _rdn_key(rdn: x509.RelativeDistinguishedName) -> frozenset[tuple[str, str | bytes]]:
    return frozenset((attribute.oid.dotted_string, _fold(attribute.value)) for attribute in rdn)


def names_equal(left: x509.Name, right: x509.Name) -> bool:
    """True when the two names are the same per RFC 5280 7.1: same RDNs in the same order, each
    RDN the same set of attributes, string values compared case-insensitively, spaces folded."""
    if left == right:
        return True
    if len(left.rdns) != len(right.rdns):
        return False
    try:
        return all(_rdn_key(a) == _rdn_key(b) for a, b in zip(left.rdns, right.rdns, strict=True))
    except ValueError:
        return False


def general_names_match(left: x509.GeneralName, right: x509.GeneralName) -> bool:
    """Equal general names: directory names by `names_equal`, everything else as encoded."""
    if isinstance(left, x509.DirectoryName) and isinstance(right, x509.DirectoryName):
        return names_equal(left.value, right.value)
    return left == right


def relative_to(base: x509.Name, rdn: x509.RelativeDistinguishedName) -> x509.DirectoryName:
    """RFC 5280 4.2.1.13: nameRelativeToCRLIssuer appended to the CRL issuer's name."""
    return x509.DirectoryName(x509.Name([*base.rdns, rdn]))
