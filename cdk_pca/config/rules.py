"""Rules that span fields or CAs (parents, cycles, lifetimes, exclusive options), on plain data.

They read the file's mapping leniently, so they also run when single fields are invalid and every
problem of a file is reported at once; a value of the wrong type is left to the field checks.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from cdk_pca import vocabulary
from cdk_pca.config.errors import ConfigProblem, Loc
from cdk_pca.config.fields import MAX_VALIDITY_DAYS
from cdk_pca.config.organization import check_organization

CCPC = "CCPC_LEVEL_1_OR_HIGHER"
ACM_PRIVATE_CERTIFICATE_DAYS = 395
_CRL_SETTINGS = ("expiration_days", "custom_cname", "partitioned", "custom_path", "omit_extension")


class _Ca:
    """The fields of one CA the rules need, None where absent or of the wrong type."""

    def __init__(self, index: int, raw: Mapping[str, Any]) -> None:
        self.index = index
        self.raw = raw
        self.name = _str(raw.get("name"))
        self.type = _choice(raw.get("type"), vocabulary.CA_TYPES)
        self.parent = _str(raw.get("parent"))
        self.has_parent_key = raw.get("parent") is not None
        self.external_parent = raw.get("external_parent") is True
        validity_days = _int(raw.get("validity_days"))
        valid_days = validity_days is not None and 1 <= validity_days <= MAX_VALIDITY_DAYS
        self.validity_days = validity_days if valid_days else None
        self.usage_mode = _choice(raw.get("usage_mode", "GENERAL_PURPOSE"), vocabulary.USAGE_MODES)
        self.key_algorithm = _choice(raw.get("key_algorithm"), vocabulary.KEY_ALGORITHMS)
        self.signing_algorithm = _choice(
            raw.get("signing_algorithm"), vocabulary.SIGNING_ALGORITHMS
        )
        self.key_storage = _choice(
            raw.get("key_storage_security_standard"), vocabulary.KEY_STORAGE_SECURITY_STANDARDS
        )

    def loc(self, *rest: str | int) -> Loc:
        return ("certificate_authorities", self.index, *rest)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _choice(value: Any, allowed: Sequence[str]) -> str | None:
    return value if isinstance(value, str) and value in allowed else None


# A message lists at most this many names: a file of thousands of CAs must not turn each
# of its problems into a line of every name (linear work, bounded lines).
MAX_NAMES_LISTED = 10


def _names(names: Iterator[str], count: int) -> str:
    """At most MAX_NAMES_LISTED of `count` names, then how many more there are."""
    shown = list(itertools.islice(names, MAX_NAMES_LISTED))
    rest = count - len(shown)
    return ", ".join(shown) + (f" and {rest} more" if rest > 0 else "")


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def check_rules(data: Mapping[str, Any]) -> list[ConfigProblem]:
    """Every cross-field problem of a config mapping (raw YAML data or a dumped PkiConfig)."""
    raw_cas = data.get("certificate_authorities")
    cas = (
        [_Ca(i, raw) for i, raw in enumerate(raw_cas) if isinstance(raw, Mapping)]
        if isinstance(raw_cas, list | tuple)
        else []
    )
    region = _str(data.get("region"))
    problems: list[ConfigProblem] = []
    by_name = _unique_names(cas, problems)
    for ca in cas:
        _check_parentage(ca, by_name, problems)
        _check_algorithms(ca, region, problems)
        _check_certificate_files(ca, problems)
        _check_acm_renewals(ca, problems)
        _check_revocation(ca, problems)
    _check_tree(cas, by_name, problems)
    _check_distinct_subjects(cas, problems)
    _check_emails(_mapping(data.get("notifications")).get("emails"), problems)
    _check_alarms(_mapping(data.get("alarms")), by_name, problems)
    _check_lookups(data.get("lookups"), problems)
    _check_ocsp_distribution(cas, _mapping(data.get("ocsp_distribution")), problems)
    problems += check_organization(data)
    return problems


def construct_id_stem(name: str) -> str:
    """`issuing-2` -> `Issuing2`: how PkiStack starts the construct IDs, and so the logical IDs,
    of a CA or a lookup (cdk_pca.pki_stack.ca_construct_id adds `Ca`)."""
    return "".join(part.capitalize() for part in name.split("-"))


def _same_id_problem(loc: Loc, name: str, other: str, where: str) -> ConfigProblem:
    return ConfigProblem.at(
        loc,
        f"{name!r} and {other!r} ({where}) would get the same CloudFormation logical IDs "
        f"({construct_id_stem(name)}...); rename one (names differing only in '-' collide)",
    )


def _unique_names(cas: list[_Ca], problems: list[ConfigProblem]) -> dict[str, _Ca]:
    by_name: dict[str, _Ca] = {}
    by_stem: dict[str, _Ca] = {}
    for ca in cas:
        if ca.name is None:
            continue
        first = by_name.get(ca.name)
        same_id = by_stem.get(construct_id_stem(ca.name))
        if first is not None:
            problems.append(
                ConfigProblem.at(
                    ca.loc("name"),
                    f"{ca.name!r} is already the name of certificate_authorities[{first.index}]; "
                    "CA names must be unique",
                )
            )
        elif same_id is not None:
            where = f"certificate_authorities[{same_id.index}]"
            problems.append(_same_id_problem(ca.loc("name"), ca.name, str(same_id.name), where))
            by_name[ca.name] = ca
        else:
            by_name[ca.name] = ca
            by_stem[construct_id_stem(ca.name)] = ca
    return by_name


def _check_parentage(ca: _Ca, by_name: dict[str, _Ca], problems: list[ConfigProblem]) -> None:
    def problem(field: str, message: str) -> None:
        problems.append(ConfigProblem.at(ca.loc(field), message))

    if ca.type == "ROOT":
        if ca.has_parent_key:
            problem(
                "parent",
                "a ROOT CA signs itself and has no parent; remove parent "
                "or make it type: SUBORDINATE",
            )
        if ca.external_parent:
            problem(
                "external_parent",
                "a ROOT CA cannot have an external parent; remove "
                "external_parent or make it type: SUBORDINATE",
            )
    elif ca.type == "SUBORDINATE":
        if ca.has_parent_key and ca.external_parent:
            problem(
                "external_parent",
                "parent and external_parent: true are exclusive; keep "
                "parent for a CA in this file, or external_parent for one outside AWS",
            )
        elif not ca.has_parent_key and not ca.external_parent:
            choices = _names((name for name in by_name if name != ca.name), len(by_name) - 1)
            choices = choices or "none defined"
            problem(
                "parent",
                "is required for a SUBORDINATE CA: name a CA of this file "
                f"({choices}), or set external_parent: true for a parent outside AWS",
            )
    if ca.parent is not None and ca.type != "ROOT":
        if ca.parent == ca.name:
            problem("parent", f"{ca.parent!r} is the CA itself; a CA cannot be its own parent")
        elif ca.parent not in by_name:
            others = len(by_name) - (ca.name in by_name)
            known = _names((name for name in by_name if name != ca.name), others) or "none"
            problem("parent", f"{ca.parent!r} is not a CA in this file; expected one of: {known}")


def _check_algorithms(ca: _Ca, region: str | None, problems: list[ConfigProblem]) -> None:
    if ca.key_algorithm and ca.signing_algorithm:
        allowed = vocabulary.signing_algorithms_for(ca.key_algorithm)
        if ca.signing_algorithm not in allowed:
            problems.append(
                ConfigProblem.at(
                    ca.loc("signing_algorithm"),
                    f"{ca.signing_algorithm!r} does not match key_algorithm {ca.key_algorithm}; "
                    f"expected one of {', '.join(allowed)}",
                )
            )
    # SM2 keys and CCPC key storage exist only in the China regions, where CCPC is the only
    # storage standard CreateCertificateAuthority accepts:
    # https://docs.amazonaws.cn/en_us/aws/latest/userguide/privateca.html
    china = region.startswith("cn-") if region else None
    if ca.key_algorithm == "SM2":
        if china is False:
            problems.append(
                ConfigProblem.at(
                    ca.loc("key_algorithm"),
                    f"SM2 keys exist only in the China regions (cn-north-1, cn-northwest-1), "
                    f"not in {region}",
                )
            )
        if ca.key_storage != CCPC and "key_storage_security_standard" in ca.raw:
            problems.append(
                ConfigProblem.at(
                    ca.loc("key_storage_security_standard"),
                    f"{ca.key_storage!r} is not allowed with an SM2 key; expected {CCPC}",
                )
            )
    if ca.key_storage == CCPC and china is False:
        problems.append(
            ConfigProblem.at(
                ca.loc("key_storage_security_standard"),
                f"{CCPC} is only offered in the China regions, not in {region}; expected "
                "FIPS_140_2_LEVEL_2_OR_HIGHER or FIPS_140_2_LEVEL_3_OR_HIGHER",
            )
        )
    if china and ca.key_storage not in (None, CCPC):
        problems.append(
            ConfigProblem.at(
                ca.loc("key_storage_security_standard"),
                f"{ca.key_storage!r} is not offered in {region}; the China regions accept "
                f"only {CCPC}",
            )
        )


def _check_acm_renewals(ca: _Ca, problems: list[ConfigProblem]) -> None:
    if ca.raw.get("acm_renewals") is not True:
        return
    # "AWS Certificate Manager cannot issue certificates signed by a private CA in short-lived
    # mode": https://docs.aws.amazon.com/privateca/latest/userguide/short-lived-certificates.html
    if ca.usage_mode == "SHORT_LIVED_CERTIFICATE":
        problems.append(
            ConfigProblem.at(
                ca.loc("acm_renewals"),
                "cannot be true for a SHORT_LIVED_CERTIFICATE CA: ACM does not issue "
                "certificates from short-lived-mode CAs, so it has nothing to renew",
            )
        )
    # ACM private certificates live 395 days and the CA must outlive each one:
    # https://docs.aws.amazon.com/acm/latest/userguide/private-certificates.title.html
    elif ca.validity_days is not None and ca.validity_days <= ACM_PRIVATE_CERTIFICATE_DAYS:
        problems.append(
            ConfigProblem.at(
                ca.loc("acm_renewals"),
                f"is useless with validity_days {ca.validity_days}: ACM issues private "
                f"certificates valid {ACM_PRIVATE_CERTIFICATE_DAYS} days and the CA must "
                f"outlive them; raise validity_days above {ACM_PRIVATE_CERTIFICATE_DAYS}",
            )
        )


def _check_certificate_files(ca: _Ca, problems: list[ConfigProblem]) -> None:
    given = [key for key in ("certificate_file", "chain_file") if ca.raw.get(key) is not None]
    if given and not ca.external_parent:
        for key in given:
            problems.append(
                ConfigProblem.at(
                    ca.loc(key),
                    "is only for a SUBORDINATE CA with external_parent: true (phase 2 imports "
                    "the certificate signed outside AWS); remove it",
                )
            )
    elif len(given) == 1:
        missing = "chain_file" if given[0] == "certificate_file" else "certificate_file"
        problems.append(
            ConfigProblem.at(
                ca.loc(missing),
                f"is required with {given[0]}: phase 2 imports the signed certificate and its "
                "issuers' chain together",
            )
        )


def _check_revocation(ca: _Ca, problems: list[ConfigProblem]) -> None:
    crl = _mapping(ca.raw.get("crl"))
    if crl.get("enabled", False) is False:
        for key in _CRL_SETTINGS:
            if crl.get(key) is not None:
                problems.append(
                    ConfigProblem.at(
                        ca.loc("crl", key),
                        "is set but the CRL is disabled; add enabled: true to the crl section "
                        "or remove it",
                    )
                )
    # CrlDistributionPointExtensionConfiguration.OmitExtension "cannot be enabled with a custom
    # CNAME set" (ACM PCA API, CrlDistributionPointExtensionConfiguration).
    elif crl.get("omit_extension") is True and crl.get("custom_cname") is not None:
        problems.append(
            ConfigProblem.at(
                ca.loc("crl", "omit_extension"),
                "cannot be true together with crl.custom_cname: AWS Private CA refuses "
                "OmitExtension with a custom CNAME",
            )
        )
    ocsp = _mapping(ca.raw.get("ocsp"))
    if ocsp.get("enabled", False) is False and ocsp.get("custom_cname") is not None:
        problems.append(
            ConfigProblem.at(
                ca.loc("ocsp", "custom_cname"),
                "is set but OCSP is disabled; add enabled: true to the ocsp section or remove it",
            )
        )


def _check_ocsp_distribution(
    cas: list[_Ca], section: Mapping[str, Any], problems: list[ConfigProblem]
) -> None:
    """The OCSP proxy's names: each needs its own distribution, and a certificate needs a name.

    CloudFront refuses an alternate domain name that another distribution already has
    (CNAMEAlreadyExists), and DNS points a name at one of them only: a host cannot be both a CRL
    and an OCSP custom CNAME, as the stack serves them from two distributions.
    https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/alternate-domain-names-move.html
    """
    crl_names: dict[str, _Ca] = {}
    ocsp_named: list[tuple[_Ca, str]] = []
    for ca in cas:
        crl, ocsp = _mapping(ca.raw.get("crl")), _mapping(ca.raw.get("ocsp"))
        crl_name, ocsp_name = _str(crl.get("custom_cname")), _str(ocsp.get("custom_cname"))
        if crl.get("enabled") is True and crl_name:
            crl_names.setdefault(crl_name.lower(), ca)
        if ocsp.get("enabled") is True and ocsp_name:
            ocsp_named.append((ca, ocsp_name))
    for ca, name in ocsp_named:
        other = crl_names.get(name.lower())
        if other is not None:
            problems.append(
                ConfigProblem.at(
                    ca.loc("ocsp", "custom_cname"),
                    f"{name!r} is also the crl.custom_cname of certificate_authorities"
                    f"[{other.index}]; CRLs and OCSP are served by two CloudFront distributions "
                    "and a host name can belong to one only: give OCSP its own name",
                )
            )
    if section.get("certificate_arn") is not None and not ocsp_named:
        problems.append(
            ConfigProblem.at(
                ("ocsp_distribution", "certificate_arn"),
                "is set but no CA has OCSP enabled with an ocsp.custom_cname, so there is no OCSP "
                "distribution for it; remove it or give a CA ocsp.custom_cname",
            )
        )


def _check_tree(cas: list[_Ca], by_name: dict[str, _Ca], problems: list[ConfigProblem]) -> None:
    """Cycles, depth, lifetimes and short-lived parents, over the parent links that resolve."""

    def parent_of(ca: _Ca) -> _Ca | None:
        if ca.type == "ROOT" or ca.parent is None or ca.parent == ca.name:
            return None
        return by_name.get(ca.parent)

    short_lived_children: dict[int, tuple[_Ca, list[str]]] = {}
    levels, cycles = _resolve_chains(list(by_name.values()), parent_of)
    for ca in by_name.values():
        loop = cycles.get(ca.index)
        if loop is not None:
            cycle = " -> ".join(str(link.name) for link in [*loop, ca])
            problems.append(
                ConfigProblem.at(
                    ca.loc("parent"),
                    f"parent cycle {cycle}: every chain of parents must end at a ROOT CA or at "
                    "a CA with external_parent: true",
                )
            )
            continue
        if ca.index not in levels:
            continue  # leads into a cycle reported on its own members
        level, top = levels[ca.index]
        if level == vocabulary.MAX_HIERARCHY_DEPTH + 1:
            problems.append(
                ConfigProblem.at(
                    ca.loc("parent"),
                    f"puts {ca.name!r} at level {level} below {top.name!r}; AWS Private CA "
                    f"allows at most {vocabulary.MAX_HIERARCHY_DEPTH} levels (subordinate "
                    f"templates PathLen0..{vocabulary.MAX_SUBORDINATE_PATH_LEN})",
                )
            )
        direct = parent_of(ca)
        if direct is None:
            continue
        # The parent's certificate ends `validity_days` after its own activation; the child is
        # signed later in the same deploy, so the same number of days would end after it, and
        # AWS Private CA refuses a certificate that outlives its issuing CA:
        # https://repost.aws/knowledge-center/private-ca-validity-period
        if (
            ca.validity_days is not None
            and direct.validity_days is not None
            and ca.validity_days >= direct.validity_days
        ):
            problems.append(
                ConfigProblem.at(
                    ca.loc("validity_days"),
                    f"{ca.validity_days} must be less than the {direct.validity_days} "
                    f"validity_days of its parent {direct.name!r}: a CA cannot outlive its issuer, "
                    "and the child is signed after its parent (AWS Private CA rejects it at deploy)",
                )
            )
        if direct.usage_mode == "SHORT_LIVED_CERTIFICATE":
            short_lived_children.setdefault(direct.index, (direct, []))[1].append(str(ca.name))
    for parent, children in short_lived_children.values():
        problems.append(
            ConfigProblem.at(
                parent.loc("usage_mode"),
                f"SHORT_LIVED_CERTIFICATE cannot have CAs below it ({', '.join(children)}): a "
                "short-lived-mode CA issues certificates valid at most 7 days and must be the "
                "last CA of the hierarchy; use GENERAL_PURPOSE for a CA that signs CAs",
            )
        )


def _resolve_chains(
    cas: list[_Ca], parent_of: Callable[[_Ca], _Ca | None]
) -> tuple[dict[int, tuple[int, _Ca]], dict[int, list[_Ca]]]:
    """({index: (level, top CA)} for CAs whose parents end at a top, {index: its cycle, starting
    at it} for CAs on a parent cycle). Each CA is walked once: a file of thousands of CAs in one
    chain stays fast. CAs that lead into a cycle are in neither."""
    levels: dict[int, tuple[int, _Ca]] = {}
    cycles: dict[int, list[_Ca]] = {}
    into_cycle: set[int] = set()
    for ca in cas:
        chain: list[_Ca] = []
        position: dict[int, int] = {}
        node: _Ca | None = ca
        while (
            node is not None
            and node.index not in levels
            and node.index not in cycles
            and node.index not in into_cycle
            and node.index not in position
        ):
            position[node.index] = len(chain)
            chain.append(node)
            node = parent_of(node)
        if node is None:
            base, top = 0, chain[-1]
        elif node.index in levels:
            base, top = levels[node.index]
        elif node.index in position:
            start = position[node.index]
            loop = chain[start:]
            for offset, member in enumerate(loop):
                cycles[member.index] = loop[offset:] + loop[:offset]
            into_cycle.update(link.index for link in chain[:start])
            continue
        else:
            into_cycle.update(link.index for link in chain)
            continue
        for offset, link in enumerate(chain):
            levels[link.index] = (base + len(chain) - offset, top)
    return levels, cycles


def _check_distinct_subjects(cas: list[_Ca], problems: list[ConfigProblem]) -> None:
    """Clients find a certificate's issuer by its name: two CAs with one name break chains."""
    first: dict[tuple[tuple[str, str], ...], _Ca] = {}
    for ca in cas:
        subject = ca.raw.get("subject")
        if not isinstance(subject, Mapping) or not isinstance(subject.get("common_name"), str):
            continue
        key = tuple(
            sorted(
                (str(k), str(v).upper() if k == "country" else str(v))
                for k, v in subject.items()
                if v is not None
            )
        )
        if key in first:
            problems.append(
                ConfigProblem.at(
                    ca.loc("subject"),
                    f"is the same as the subject of {first[key].name!r}: certificate chains are "
                    "built by matching names, so every CA needs its own (change common_name)",
                )
            )
        else:
            first[key] = ca


def _check_emails(emails: Any, problems: list[ConfigProblem]) -> None:
    if not isinstance(emails, list | tuple):
        return
    seen: set[str] = set()
    for index, email in enumerate(emails):
        if isinstance(email, str):
            if email.lower() in seen:
                problems.append(
                    ConfigProblem.at(
                        ("notifications", "emails", index), f"{email!r} is listed twice"
                    )
                )
            seen.add(email.lower())


def _check_alarms(
    alarms: Mapping[str, Any], by_name: dict[str, _Ca], problems: list[ConfigProblem]
) -> None:
    overrides = _mapping(alarms.get("certificate_authorities"))
    known = _names(iter(by_name), len(by_name)) or "none"
    for name in overrides:
        if isinstance(name, str) and name not in by_name:
            problems.append(
                ConfigProblem.at(
                    ("alarms", "certificate_authorities", name),
                    f"{name!r} is not a CA in this file; expected one of: {known}",
                )
            )


def _check_lookups(lookups: Any, problems: list[ConfigProblem]) -> None:
    if not isinstance(lookups, list | tuple):
        return
    seen: dict[str, int] = {}
    stems: dict[str, tuple[str, int]] = {}
    for index, raw in enumerate(lookups):
        if not isinstance(raw, Mapping):
            continue
        name = _str(raw.get("name"))
        if name is not None:
            same_id = stems.get(construct_id_stem(name))
            if name in seen:
                problems.append(
                    ConfigProblem.at(
                        ("lookups", index, "name"),
                        f"{name!r} is already the name of lookups[{seen[name]}]; lookup names "
                        "must be unique",
                    )
                )
            elif same_id is not None:
                problems.append(
                    _same_id_problem(
                        ("lookups", index, "name"), name, same_id[0], f"lookups[{same_id[1]}]"
                    )
                )
                seen[name] = index
            else:
                seen[name] = index
                stems[construct_id_stem(name)] = (name, index)
        has_domain = raw.get("domain") is not None
        has_hostname = raw.get("hostname") is not None
        if has_domain and has_hostname:
            problems.append(
                ConfigProblem.at(
                    ("lookups", index, "hostname"),
                    "domain and hostname are exclusive: domain matches the certificate's "
                    "DomainName exactly, hostname any certificate that covers the host",
                )
            )
        if not has_domain and not has_hostname and not raw.get("tags"):
            problems.append(
                ConfigProblem.at(
                    ("lookups", index),
                    "needs at least one of domain, hostname or tags to select a certificate",
                )
            )
