"""Every rule on the values of a PKI, written once: the config loader and the constructs render them.

Plain Python (no aws_cdk, no pydantic). A rule takes plain facts, None where a fact is unknown
(absent, mistyped, or a value only known at deploy time), and returns problems as data: a field
path relative to what was checked and a message naming the value and what is allowed, the way
botocore's validate.py reports errors. Where a problem is shown (a line of `pki.yaml`, a construct
path and argument) is for the caller to say.
"""

from __future__ import annotations

import difflib
import re
import reprlib
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from cdk_pca import vocabulary
from cdk_pca.aws_names import is_ip_address, looks_like_an_ip_address

Field = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One broken rule: `field` is the path below what was checked (('crl', 'custom_path'))."""

    field: Field
    message: str


def field_path(parts: Sequence[str | int]) -> str:
    """('certificate_authorities', 1, 'crl') -> 'certificate_authorities[1].crl'; a long key (a
    tag key, a mapping key of the file) is cut to 60 characters."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = str(part) if len(str(part)) <= 60 else str(part)[:57] + "..."
            text += f".{name}" if text else name
    return text


def show(value: Any) -> str:
    """A value as the user wrote it (YAML spelling), short enough for one line."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= 80 else value[:77] + "...")
    if isinstance(value, int | float):
        return str(value)
    # Bounded: a YAML alias bomb must not turn one error message into gigabytes.
    text = _SHORT_REPR.repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxlevel = 3
_SHORT_REPR.maxdict = _SHORT_REPR.maxlist = _SHORT_REPR.maxtuple = 6
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = 60


# --- limits --------------------------------------------------------------------------------------

# A CA certificate validity above 100 years is a typo, not a plan (and outlives every parent).
VALIDITY_DAYS_RANGE: Final = (1, 36500)
# CrlConfiguration.ExpirationInDays is 1..5000:
# https://docs.aws.amazon.com/privateca/latest/APIReference/API_CrlConfiguration.html
CRL_EXPIRATION_DAYS_RANGE: Final = (1, 5000)
DEFAULT_CRL_EXPIRATION_DAYS: Final = 7
# The alarm thresholds a PKI accepts (the alarm catalog and the config share them).
DAYS_TO_EXPIRY_RANGE: Final = vocabulary.DAYS_TO_EXPIRY_RANGE
ISSUANCE_FAILURE_THRESHOLD_RANGE: Final = (1, 100_000)
# CloudWatch alarm periods are multiples of 60 s; a day is the longest period that still pages.
ISSUANCE_FAILURE_PERIOD_MINUTES_RANGE: Final = (1, 24 * 60)
# ACM private certificates live 395 days and the CA must outlive each one:
# https://docs.aws.amazon.com/acm/latest/userguide/private-certificates.title.html
ACM_PRIVATE_CERTIFICATE_DAYS: Final = 395
CCPC: Final = "CCPC_LEVEL_1_OR_HIGHER"

# Tags: at most 50 on a CA (TagCertificateAuthority, Tags: "Maximum number of 50 items"), keys
# 1..128 and values 0..256 characters of letters, digits, spaces and _.:/=+-@, no 'aws:' prefix.
# https://docs.aws.amazon.com/privateca/latest/APIReference/API_TagCertificateAuthority.html
# https://docs.aws.amazon.com/privateca/latest/APIReference/API_Tag.html
# https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions
MAX_TAGS: Final = 50
# PkiStack tags everything it makes with `pki: <config name>` (cdk_pca/pki_stack.py).
STACK_TAG_KEY: Final = "pki"
# On every CA of a PKI with environments: its name in the config, so that other stacks find it
# (the signing function of another account or region looks its parent up by these two tags).
CA_NAME_TAG: Final = "pki-ca"
MAX_TAG_KEY_LENGTH: Final = 128

MAX_TAG_VALUE_LENGTH: Final = 256
_TAG_PUNCTUATION: Final = frozenset(" _.:/=+-@")

# ASN1Subject length constraints (CommonName, Organization, OrganizationalUnit 0..64; State,
# Locality 0..128; Country exactly 2, [A-Za-z]{2}):
# https://docs.aws.amazon.com/privateca/latest/APIReference/API_ASN1Subject.html
# The reference does not say whether it counts characters, UTF-16 units or bytes. The stricter
# reading is used: the length of the UTF-8 encoding (what the certificate's UTF8String holds),
# which for ASCII is the number of characters.
SUBJECT_MAX_LENGTHS: Final = {
    "common_name": 64,
    "organization": 64,
    "organizational_unit": 64,
    "state": 128,
    "locality": 128,
}


# --- single values ---------------------------------------------------------------------------------


def whole_number_problem(value: Any, bounds: tuple[int, int]) -> str | None:
    """A whole number in bounds; YAML floats, booleans and quoted numbers are refused."""
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{show(value)} is not a whole number; allowed {low}..{high}"
    if not low <= value <= high:
        return f"{value} is out of range; allowed {low}..{high}"
    return None


def choice_problem(value: Any, allowed: Sequence[str]) -> str | None:
    """One of `allowed`, spelled exactly (AWS enums are case-sensitive), with a hint if close."""
    if isinstance(value, str) and value in allowed:
        return None
    hint = ""
    if isinstance(value, str):
        by_case = [choice for choice in allowed if choice.lower() == value.lower()]
        close = by_case or difflib.get_close_matches(value, allowed, n=1, cutoff=0.75)
        hint = f" (did you mean {close[0]}?)" if close else ""
    return f"{show(value)} is not allowed; expected one of {', '.join(allowed)}{hint}"


@dataclass(frozen=True)
class TextPattern:
    """Text of `low`..`high` characters matching `regex` whole; `allowed` says it in words."""

    regex: str
    low: int
    high: int
    allowed: str

    def problem(self, value: str) -> str | None:
        if not self.low <= len(value) <= self.high:
            return f"{show(value)} is {len(value)} characters long; allowed {self.low}..{self.high}"
        if not re.fullmatch(self.regex, value):
            return f"{show(value)} is not allowed; expected {self.allowed}"
        return None


# A PKI's name prefixes its stack, alarm and rule names: CloudFormation stack names start with a
# letter and hold letters, digits and '-'.
PKI_NAME: Final = TextPattern(
    r"[A-Za-z][A-Za-z0-9-]*",
    1,
    64,
    "a letter, then letters, digits and '-' (at most 64 characters)",
)
# A stack's name, which names its monitoring: `name`, or `<name>-<environment>` (up to 97). "A stack
# name can contain only alphanumeric characters (case sensitive) and hyphens. It must start with
# an alphabetical character and can't be longer than 128 characters."
# https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html
STACK_NAME: Final = TextPattern(
    r"[A-Za-z][A-Za-z0-9-]*",
    1,
    128,
    "a letter, then letters, digits and '-' (at most 128 characters: a CloudFormation stack name)",
)


# Strings CloudFormation or the CDK act on instead of copying: a dynamic reference is resolved at
# deploy time (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html),
# and text that looks like a CDK token makes the synth look up a token that does not exist.
_TEMPLATE_INSTRUCTIONS: Final = (
    ("{{resolve:", "a CloudFormation dynamic reference, resolved at deploy time"),
    ("${Token[", "a CDK token placeholder, which the synth would try to resolve"),
)


def template_text_problem(value: str) -> str | None:
    """Text copied into a template must be plain text, not an instruction to CloudFormation."""
    for marker, what in _TEMPLATE_INSTRUCTIONS:
        if marker in value:
            return f"{show(value)} contains {marker!r}: {what}; write the value itself (plain text)"
    return None


_LABEL: Final = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
MAX_HOST_NAME_LENGTH: Final = 253


def host_name(value: str, *, wildcard: bool = False) -> tuple[str | None, str | None]:
    """(the name as AWS gets it, None) or (None, why it is not a DNS host name).

    The one host-name policy of the project (CNAMEs, lookups): a name of at least two labels of
    letters, digits and inner hyphens (RFC 1035; 1..63 characters each, 253 in all); no scheme,
    port or path; no IP address and no single label such as `localhost` (a CDP URL or a
    certificate name must resolve in DNS for every client); an internationalised name is taken
    as its A-label (`bücher.example` -> `xn--bcher-kva.example`, IDNA 2003 as Python encodes it);
    a trailing dot (the DNS root) is dropped. `*.` as the first label only with `wildcard`.
    Letter case is kept: DNS names compare without it.
    """
    bare = "must be a bare host name"
    if is_ip_address(value):  # before the port check: an IPv6 address holds ':'
        return None, _ip_address_problem(value)
    if "://" in value:
        scheme = value.split("://", 1)[0]
        return None, f"{show(value)} {bare}: drop the scheme '{scheme}://'"
    if "/" in value:
        return None, f"{show(value)} {bare}, without a path ('/...')"
    if ":" in value:
        return None, f"{show(value)} {bare}, without a port (':...')"
    if not value:
        return None, "is empty; expected a DNS name such as crl.example.com"
    if any(char.isspace() for char in value):
        return None, f"{show(value)} contains white space; expected a DNS name"
    name = value[:-1] if value.endswith(".") and not value.endswith("..") else value
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            return None, f"{show(value)} is not a valid internationalised domain name"
    if len(name) > MAX_HOST_NAME_LENGTH:
        return None, (
            f"{show(value)} is {len(name)} characters long; a host name has at most "
            f"{MAX_HOST_NAME_LENGTH}"
        )
    labels = name.split(".")
    if labels[0] == "*" and wildcard:
        labels = labels[1:]
        if not labels:
            return None, f"{show(value)} is a bare wildcard; a wildcard needs a parent domain"
    elif labels[0] == "*":
        return None, (
            f"{show(value)} is a wildcard, not a valid DNS name for one host; give a concrete "
            "host name (use `domain` to find the certificate whose domain name is exactly this "
            "wildcard)"
        )
    if looks_like_an_ip_address(name):  # aws_names: the one IP-address test
        return None, _ip_address_problem(value)
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        wild = ", optionally starting with '*.'" if wildcard else ""
        return None, (
            f"{show(value)} is not a valid DNS name; expected dot-separated labels of letters, "
            f"digits and inner hyphens (1..63 characters each, at least two labels){wild}, "
            "e.g. crl.example.com"
        )
    return name, None


def _ip_address_problem(value: str) -> str:
    bare = value[:-1] if value.endswith(".") else value
    why = " (its last label is a number)" if bare.rsplit(".", 1)[-1].isdigit() else ""
    return (
        f"{show(value)} looks like an IP address{why}, not a DNS name; expected a DNS name such "
        "as crl.example.com (certificates and CDP URLs here name hosts by DNS)"
    )


def host_name_problem(value: str, *, wildcard: bool = False) -> str | None:
    """Why `value` is not a DNS host name (None when it is one)."""
    return host_name(value, wildcard=wildcard)[1]


# CrlConfiguration.CustomPath becomes part of every certificate's CDP URL and of the CRL reader's
# IAM resource ARN, so it takes only what is safe unencoded in both: RFC 3986 unreserved
# characters (ALPHA DIGIT - . _ ~, https://www.rfc-editor.org/rfc/rfc3986#section-2.3) in
# segments joined by '/'. That leaves out '%' and spaces (URL encoding) and '*' and '?', which
# IAM reads as wildcards in a resource ARN
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).
# '.' and '..' segments are refused too: URL normalisation removes them (RFC 3986 5.2.4).
CRL_CUSTOM_PATH_PATTERN: Final = r"[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*"
CRL_CUSTOM_PATH_MAX_LENGTH: Final = 253  # botocore acm-pca shape CrlPathString
_CRL_CUSTOM_PATH: Final = re.compile(CRL_CUSTOM_PATH_PATTERN)


def crl_custom_path_problem(value: str) -> str | None:
    """An object path for the CRL: unreserved characters in segments, e.g. pki/crl."""
    if not 1 <= len(value) <= CRL_CUSTOM_PATH_MAX_LENGTH:
        return (
            f"{show(value)} is {len(value)} characters long; allowed "
            f"1..{CRL_CUSTOM_PATH_MAX_LENGTH}"
        )
    segments = value.split("/")
    if _CRL_CUSTOM_PATH.fullmatch(value) and not any(s in (".", "..") for s in segments):
        return None
    return (
        f"{show(value)} is not allowed; expected path segments of letters, digits and -._~ "
        "joined by '/', without a leading or trailing '/' and without '.' or '..' segments "
        "(e.g. pki/crl): the path goes unencoded into CRL URLs and IAM resource ARNs"
    )


# Bidirectional formatting characters (Unicode UAX #9, section 2: embeddings, overrides, isolates,
# marks) make a name display as another ("Trojan Source", CVE-2021-42574): a CA's subject is read
# by people deciding whom to trust, so none of them may appear in it.
# https://www.unicode.org/reports/tr9/#Directional_Formatting_Characters
BIDI_CONTROLS: Final = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def subject_text_problem(name: str, value: str) -> str | None:
    """A subject attribute within the ASN1Subject length (UTF-8 bytes, see SUBJECT_MAX_LENGTHS),
    without bidirectional formatting characters."""
    limit = SUBJECT_MAX_LENGTHS[name]
    bidi = sorted({f"U+{ord(char):04X}" for char in value if char in BIDI_CONTROLS})
    if bidi:
        return (
            f"{show(value)} holds bidirectional formatting characters ({', '.join(bidi)}), "
            "which make a name display as another; remove them"
        )
    size = len(value.encode("utf-8", "surrogatepass"))
    if not 1 <= len(value) <= limit:
        return f"{show(value)} is {len(value)} characters long; allowed 1..{limit}"
    if size > limit:
        return (
            f"{show(value)} is {size} bytes long in UTF-8; allowed at most {limit} (AWS Private "
            "CA does not document how it counts, so the stricter count is used)"
        )
    return None


def country_problem(value: str) -> str | None:
    """ASN1Subject.Country: two letters ([A-Za-z]{2}); the config also checks ISO 3166."""
    if re.fullmatch(r"[A-Za-z]{2}", value):
        return None
    return f"{show(value)} is not an ISO 3166-1 alpha-2 country code; expected two letters"


def _tag_text_ok(value: str) -> bool:
    return all(
        char.isalnum() or char in _TAG_PUNCTUATION or unicodedata.category(char).startswith("Z")
        for char in value
    )


def tag_key_problem(key: Any) -> str | None:
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_TAG_KEY_LENGTH or not _tag_text_ok(key):
        return (
            f"key {show(key)} is not allowed; expected 1..{MAX_TAG_KEY_LENGTH} letters, digits, "
            "spaces or _.:/=+-@"
        )
    if key.lower().startswith("aws:"):
        return f"key {show(key)} is not allowed: the 'aws:' prefix is reserved"
    return None


def tag_value_problem(key: Any, value: Any) -> str | None:
    if not isinstance(value, str):
        return f"value of {show(key)} is {show(value)}, not text; quote it in YAML"
    if len(value) > MAX_TAG_VALUE_LENGTH or not _tag_text_ok(value):
        return (
            f"value of {show(key)} is not allowed; expected 0..{MAX_TAG_VALUE_LENGTH} letters, "
            "digits, spaces or _.:/=+-@"
        )
    return None


def tag_problems(
    tags: Mapping[Any, Any],
    *,
    added: Iterable[str] = (),
    unresolved: Callable[[Any], bool] | None = None,
) -> list[str]:
    """Every problem with the tags of one resource; `added` names tags the stack puts on it too
    (PkiStack's `pki` tag), which count toward the limit unless the resource sets them itself."""
    problems: list[str] = []
    extra = [key for key in added if key not in tags]
    total = len(tags) + len(extra)
    if total > MAX_TAGS:
        by_stack = (
            f", and the stack adds {', '.join(map(repr, extra))}: {total} in all" if extra else ""
        )
        problems.append(
            f"{len(tags)} tags given{by_stack}; AWS allows at most {MAX_TAGS} per resource"
        )
    for key, value in tags.items():
        if unresolved is not None and (unresolved(key) or unresolved(value)):
            continue
        problem = tag_key_problem(key)
        if problem:
            problems.append(problem)
        problem = tag_value_problem(key, value)
        if problem:
            problems.append(problem)
    return problems


# RFC 5321 address syntax as the email-validator library checks it (no DNS lookups): the same
# check for the config's notifications.emails and the monitoring construct's `emails`.
def email_problem(value: Any) -> str | None:
    import email_validator  # imported here: only a caller that checks e-mail pays for it

    if not isinstance(value, str):
        return f"{show(value)} is not an e-mail address; expected name@domain"
    try:
        email_validator.validate_email(value, check_deliverability=False)
    except email_validator.EmailNotValidError:
        return f"{show(value)} is not an e-mail address; expected name@domain"
    return None


# --- one CA ------------------------------------------------------------------------------------------


def parentage_problems(
    *, ca_type: str | None, parent_given: bool, external_parent: bool, parent_choices: str
) -> list[Problem]:
    """Who signs a CA: a ROOT itself; a SUBORDINATE exactly one of a parent or an external one.

    `parent_choices` says, in the caller's words, which parents there are (`root, issuing`).
    """
    if ca_type == "ROOT":
        problems = []
        if parent_given:
            problems.append(
                Problem(
                    ("parent",),
                    "a ROOT CA signs itself and has no parent; remove parent or make it "
                    "type: SUBORDINATE",
                )
            )
        if external_parent:
            problems.append(
                Problem(
                    ("external_parent",),
                    "a ROOT CA signs itself: a ROOT CA cannot have an external parent; remove "
                    "external_parent or make it type: SUBORDINATE",
                )
            )
        return problems
    if ca_type == "SUBORDINATE" and parent_given and external_parent:
        return [
            Problem(
                ("external_parent",),
                "parent and external_parent: true are exclusive: a SUBORDINATE CA needs exactly "
                "one of parent (a CA above it) or external_parent (a parent outside AWS)",
            )
        ]
    if ca_type == "SUBORDINATE" and not parent_given and not external_parent:
        return [
            Problem(
                ("parent",),
                f"is required for a SUBORDINATE CA, which needs exactly one of parent "
                f"({parent_choices}) or external_parent: true for a parent outside AWS",
            )
        ]
    return []


def external_certificate_problems(
    *, external_parent: bool, given: Mapping[str, bool]
) -> list[Problem]:
    """Phase 2 of an external parent: the signed certificate and its chain, both or neither.

    `given` maps the caller's two names (certificate first, then chain) to whether each is set.
    """
    (certificate, certificate_given), (chain, chain_given) = given.items()
    present = [name for name, is_given in given.items() if is_given]
    if present and not external_parent:
        return [
            Problem(
                (name,),
                "is only for a SUBORDINATE CA with external_parent: true (phase 2 imports "
                "the certificate signed outside AWS); remove it",
            )
            for name in present
        ]
    if certificate_given != chain_given:
        missing, other = (chain, certificate) if certificate_given else (certificate, chain)
        return [
            Problem(
                (missing,),
                f"is required with {other}: phase 2 imports the signed certificate and its "
                "issuers' chain together",
            )
        ]
    return []


@dataclass(frozen=True)
class CaFacts:
    """What the rules of one CA read, None where unknown (absent, mistyped or deploy-time)."""

    usage_mode: str | None = "GENERAL_PURPOSE"
    key_algorithm: str | None = None
    signing_algorithm: str | None = None
    key_storage: str | None = None
    key_storage_given: bool = False
    region: str | None = None
    validity_days: int | None = None
    acm_renewals: bool = False
    crl_enabled: bool = False
    crl_custom_cname_given: bool = False
    crl_omit_extension: bool = False


def ca_problems(ca: CaFacts) -> list[Problem]:
    """The rules that tie the fields of one CA together (algorithms, region, ACM, CRL)."""
    problems: list[Problem] = []
    if ca.key_algorithm and ca.signing_algorithm:
        allowed = vocabulary.signing_algorithms_for(ca.key_algorithm)
        if ca.signing_algorithm not in allowed:
            problems.append(
                Problem(
                    ("signing_algorithm",),
                    f"{ca.signing_algorithm!r} does not match key_algorithm {ca.key_algorithm}; "
                    f"expected one of {', '.join(allowed)}",
                )
            )
    problems += _region_problems(ca)
    problems += _acm_renewal_problems(ca)
    # CrlDistributionPointExtensionConfiguration.OmitExtension "cannot be enabled with a custom
    # CNAME set":
    # https://docs.aws.amazon.com/privateca/latest/APIReference/API_CrlDistributionPointExtensionConfiguration.html
    if ca.crl_enabled and ca.crl_omit_extension and ca.crl_custom_cname_given:
        problems.append(
            Problem(
                ("crl", "omit_extension"),
                "cannot be true together with crl.custom_cname: AWS Private CA refuses "
                "OmitExtension with a custom CNAME",
            )
        )
    return problems


def _region_problems(ca: CaFacts) -> list[Problem]:
    # SM2 keys and CCPC key storage exist only in the China regions, where CCPC is the only
    # storage standard CreateCertificateAuthority accepts:
    # https://docs.amazonaws.cn/en_us/aws/latest/userguide/privateca.html
    problems: list[Problem] = []
    region = ca.region
    china = region.startswith("cn-") if region else None
    storage = ("key_storage_security_standard",)
    if ca.key_algorithm == "SM2":
        if china is False:
            problems.append(
                Problem(
                    ("key_algorithm",),
                    f"SM2 keys exist only in the China regions (cn-north-1, cn-northwest-1), "
                    f"not in {region}",
                )
            )
        if ca.key_storage != CCPC and ca.key_storage_given:
            problems.append(
                Problem(
                    storage, f"{ca.key_storage!r} is not allowed with an SM2 key; expected {CCPC}"
                )
            )
    if ca.key_storage == CCPC and china is False:
        problems.append(
            Problem(
                storage,
                f"{CCPC} is only offered in the China regions, not in {region}; expected "
                "FIPS_140_2_LEVEL_2_OR_HIGHER or FIPS_140_2_LEVEL_3_OR_HIGHER",
            )
        )
    if china and ca.key_storage not in (None, CCPC):
        problems.append(
            Problem(
                storage,
                f"{ca.key_storage!r} is not offered in {region}; the China regions accept "
                f"only {CCPC}",
            )
        )
    return problems


def _acm_renewal_problems(ca: CaFacts) -> list[Problem]:
    if not ca.acm_renewals:
        return []
    # "AWS Certificate Manager cannot issue certificates signed by a private CA in short-lived
    # mode": https://docs.aws.amazon.com/privateca/latest/userguide/short-lived-certificates.html
    if ca.usage_mode == "SHORT_LIVED_CERTIFICATE":
        return [
            Problem(
                ("acm_renewals",),
                "cannot be true for a SHORT_LIVED_CERTIFICATE CA: ACM does not issue "
                "certificates from short-lived-mode CAs, so it has nothing to renew",
            )
        ]
    if ca.validity_days is not None and ca.validity_days <= ACM_PRIVATE_CERTIFICATE_DAYS:
        return [
            Problem(
                ("acm_renewals",),
                f"is useless with validity_days {ca.validity_days}: ACM issues private "
                f"certificates valid {ACM_PRIVATE_CERTIFICATE_DAYS} days and the CA must "
                f"outlive them; raise validity_days above {ACM_PRIVATE_CERTIFICATE_DAYS}",
            )
        ]
    return []


def disabled_revocation_problems(
    *,
    crl_enabled: bool,
    crl_settings: Iterable[str],
    ocsp_enabled: bool,
    ocsp_settings: Iterable[str],
) -> list[Problem]:
    """Settings of a CRL or OCSP that is off would be dropped silently: refuse them instead.

    `*_settings` name the settings given (not left at their defaults)."""
    problems: list[Problem] = []
    for section, what, enabled, settings in (
        ("crl", "the CRL", crl_enabled, crl_settings),
        ("ocsp", "OCSP", ocsp_enabled, ocsp_settings),
    ):
        if not enabled:
            problems += [
                Problem(
                    (section, key),
                    f"is set but {what} is disabled; add enabled: true to the {section} "
                    "section or remove it",
                )
                for key in settings
            ]
    return problems


# --- the hierarchy -------------------------------------------------------------------------------


@dataclass(eq=False)
class CaNode:
    """One CA of a tree for the hierarchy rules; `key` is how the caller finds it again."""

    key: Any
    name: str
    validity_days: int | None = None
    usage_mode: str | None = "GENERAL_PURPOSE"
    external_parent: bool = False
    subject: Mapping[str, str] | None = None
    """The subject's attributes that are known (None: unknown, not compared)."""
    parent: CaNode | None = None
    children: list[CaNode] = field(default_factory=list)


@dataclass(frozen=True)
class TreeProblem:
    """A hierarchy problem of the CA `node` (its field path and message)."""

    node: CaNode
    problem: Problem


def hierarchy_problems(nodes: Sequence[CaNode]) -> list[TreeProblem]:
    """Cycles, depth, lifetimes, short-lived parents and distinct subjects, over `nodes`.

    Each CA is walked once: a file of thousands of CAs in one chain stays fast.
    """
    problems: list[TreeProblem] = _duplicate_subjects(nodes)
    levels, cycles = _resolve_chains(nodes)
    short_lived_children: dict[int, tuple[CaNode, list[str]]] = {}
    for node in nodes:
        loop = cycles.get(id(node))
        if loop is not None:
            cycle = " -> ".join(link.name for link in [*loop, node])
            problems.append(
                TreeProblem(
                    node,
                    Problem(
                        ("parent",),
                        f"parent cycle {cycle}: every chain of parents must end at a ROOT CA or "
                        "at a CA with external_parent: true",
                    ),
                )
            )
            continue
        if id(node) not in levels:
            continue  # leads into a cycle reported on its own members
        level, top = levels[id(node)]
        if level == vocabulary.MAX_HIERARCHY_DEPTH + 1:
            # An external parent is a level of the hierarchy too (at least one, the CA outside
            # AWS that signs the top of this tree).
            outside = " (counting its external parent)" if top.external_parent else ""
            problems.append(
                TreeProblem(
                    node,
                    Problem(
                        ("parent",),
                        f"puts {node.name!r} at level {level}{outside} below {top.name!r}; "
                        f"AWS Private CA allows at most {vocabulary.MAX_HIERARCHY_DEPTH} levels "
                        f"(subordinate templates PathLen0..{vocabulary.MAX_SUBORDINATE_PATH_LEN})",
                    ),
                )
            )
        parent = node.parent
        if parent is None:
            continue
        # The parent's certificate ends `validity_days` after its own activation; the child is
        # signed later in the same deploy, so the same number of days would end after it, and
        # AWS Private CA refuses a certificate that outlives its issuing CA:
        # https://repost.aws/knowledge-center/private-ca-validity-period
        if (
            node.validity_days is not None
            and parent.validity_days is not None
            and node.validity_days >= parent.validity_days
        ):
            problems.append(
                TreeProblem(
                    node,
                    Problem(
                        ("validity_days",),
                        f"{node.validity_days} must be less than the {parent.validity_days} "
                        f"validity_days of its parent {parent.name!r}: a CA cannot outlive its "
                        "issuer, and the child is signed after its parent (AWS Private CA "
                        "rejects it at deploy)",
                    ),
                )
            )
        if parent.usage_mode == "SHORT_LIVED_CERTIFICATE":
            short_lived_children.setdefault(id(parent), (parent, []))[1].append(node.name)
    for parent, children in short_lived_children.values():
        problems.append(
            TreeProblem(
                parent,
                Problem(
                    ("usage_mode",),
                    f"SHORT_LIVED_CERTIFICATE cannot have CAs below it ({', '.join(children)}): "
                    "a short-lived-mode CA issues certificates valid at most 7 days and must be "
                    "the last CA of the hierarchy; use GENERAL_PURPOSE for a CA that signs CAs",
                ),
            )
        )
    return problems


def _duplicate_subjects(nodes: Sequence[CaNode]) -> list[TreeProblem]:
    """Clients find a certificate's issuer by its name: two CAs with one name break chains."""
    first: dict[tuple[tuple[str, str], ...], CaNode] = {}
    problems: list[TreeProblem] = []
    for node in nodes:
        if node.subject is None:
            continue
        key = tuple(
            sorted((k, v.upper() if k == "country" else v) for k, v in node.subject.items())
        )
        if key in first:
            problems.append(
                TreeProblem(
                    node,
                    Problem(
                        ("subject",),
                        f"is the same as the subject of {first[key].name!r}: certificate chains "
                        "are built by matching names, so every CA needs its own (change "
                        "common_name)",
                    ),
                )
            )
        else:
            first[key] = node
    return problems


def _resolve_chains(
    nodes: Sequence[CaNode],
) -> tuple[dict[int, tuple[int, CaNode]], dict[int, list[CaNode]]]:
    """({id: (level, top CA)} for CAs whose parents end at a top, {id: its cycle, starting at it}
    for CAs on a parent cycle). A top under an external parent is at level 2. CAs that lead into
    a cycle are in neither."""
    levels: dict[int, tuple[int, CaNode]] = {}
    cycles: dict[int, list[CaNode]] = {}
    into_cycle: set[int] = set()
    for start_node in nodes:
        chain: list[CaNode] = []
        position: dict[int, int] = {}
        node: CaNode | None = start_node
        while (
            node is not None
            and id(node) not in levels
            and id(node) not in cycles
            and id(node) not in into_cycle
            and id(node) not in position
        ):
            position[id(node)] = len(chain)
            chain.append(node)
            node = node.parent
        if node is None:
            top = chain[-1]
            base = 1 if top.external_parent else 0
        elif id(node) in levels:
            base, top = levels[id(node)]
        elif id(node) in position:
            start = position[id(node)]
            loop = chain[start:]
            for offset, member in enumerate(loop):
                cycles[id(member)] = loop[offset:] + loop[:offset]
            into_cycle.update(id(link) for link in chain[:start])
            continue
        else:
            into_cycle.update(id(link) for link in chain)
            continue
        for offset, link in enumerate(chain):
            levels[id(link)] = (base + len(chain) - offset, top)
    return levels, cycles


# --- certificate lookups ------------------------------------------------------------------------


def lookup_selection_problems(
    *, domain_given: bool, hostname_given: bool, tags_given: bool
) -> list[Problem]:
    """What selects a certificate (Terraform's aws_acm_certificate): domain, hostname or tags.

    A missing selection is a problem of the whole lookup (field path ())."""
    if domain_given and hostname_given:
        return [
            Problem(
                ("hostname",),
                "give either domain or hostname: domain and hostname are exclusive (domain "
                "matches the certificate's DomainName exactly, hostname any certificate that "
                "covers the host)",
            )
        ]
    if not domain_given and not hostname_given and not tags_given:
        return [
            Problem(
                (),
                "a lookup needs domain, hostname or tags: at least one of domain, hostname or "
                "tags selects a certificate (statuses, types and key_types only narrow it down)",
            )
        ]
    return []


# --- the CRL distribution ------------------------------------------------------------------------


def viewer_certificate_problem(
    *, certificate_given: bool, domain_name_count: int, names_field: str = "crl.custom_cname"
) -> str | None:
    """A viewer certificate needs alternate domain names: without Aliases CloudFront takes only
    its default certificate (CloudFrontDefaultCertificate true, "leave all other fields empty").
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudfront-distribution-viewercertificate.html
    One rule for the CRL and the OCSP distribution; `names_field` is the CA setting that names.
    """
    if certificate_given and domain_name_count == 0:
        return (
            f"given without domain_names (in pki.yaml: no CA has a {names_field}): CloudFront "
            "takes a viewer certificate only for alternate domain names, so it would cover "
            f"nothing; add {names_field} to a CA or remove certificate_arn"
        )
    return None


# --- AWS RAM: what a CA shared across accounts lets the signing route do ------------------------

# The AWS-managed RAM permission a cross-account child needs on its shared parent. Its policy (the
# Network Firewall guide quotes the actions of this very permission: GetCertificate,
# DescribeCertificateAuthority, GetCertificateAuthorityCertificate, ListTags, ListPermissions,
# and IssueCertificate conditioned on acm-pca:TemplateArn SubordinateCACertificate_PathLen0/V1)
# grants every call the signing route makes on the parent:
# https://docs.aws.amazon.com/network-firewall/latest/developerguide/proxy-security.html
# The PCA guide's resource-based policy for a shared CA has the same shape (read actions incl.
# ListTags, then IssueCertificate for one template):
# https://docs.aws.amazon.com/privateca/latest/userguide/pca-rbp.html
SUBORDINATE_RAM_PERMISSION: Final = (
    "AWSRAMSubordinateCACertificatePathLen0IssuanceCertificateAuthority"
)
SUBORDINATE_PERMISSION_ACTIONS: Final = frozenset(
    {
        "acm-pca:DescribeCertificateAuthority",
        "acm-pca:GetCertificate",
        "acm-pca:GetCertificateAuthorityCertificate",
        "acm-pca:IssueCertificate",
        "acm-pca:ListPermissions",
        "acm-pca:ListTags",
    }
)
