"""Rules that span fields or CAs (parents, cycles, lifetimes, exclusive options), on plain data.

They read the file's mapping leniently, so they also run when single fields are invalid and every
problem of a file is reported at once; a value of the wrong type is left to the field checks.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from cdk_pca import rules, vocabulary
from cdk_pca.config.errors import ConfigProblem, Loc
from cdk_pca.config.organization import check_organization
from cdk_pca.vocabulary import construct_id_stem

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
        validity_days = raw.get("validity_days")
        valid_days = rules.whole_number_problem(validity_days, rules.VALIDITY_DAYS_RANGE) is None
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

    def facts(self, region: str | None) -> rules.CaFacts:
        crl = _mapping(self.raw.get("crl"))
        return rules.CaFacts(
            usage_mode=self.usage_mode,
            key_algorithm=self.key_algorithm,
            signing_algorithm=self.signing_algorithm,
            key_storage=self.key_storage,
            key_storage_given="key_storage_security_standard" in self.raw,
            region=region,
            validity_days=self.validity_days,
            acm_renewals=self.raw.get("acm_renewals") is True,
            crl_enabled=crl.get("enabled") is True,
            crl_custom_cname_given=crl.get("custom_cname") is not None,
            crl_omit_extension=crl.get("omit_extension") is True,
        )


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
        problems += [
            ConfigProblem.at(ca.loc(*p.field), p.message)
            for p in rules.ca_problems(ca.facts(region))
        ]
        _check_certificate_files(ca, problems)
        _check_revocation(ca, problems)
    _check_tree(by_name, problems)
    _check_crl_distribution(data, cas, problems)
    _check_template_text(data, (), problems)
    _check_emails(_mapping(data.get("notifications")).get("emails"), problems)
    _check_alarms(_mapping(data.get("alarms")), by_name, problems)
    _check_lookups(data.get("lookups"), problems)
    _check_ocsp_distribution(cas, _mapping(data.get("ocsp_distribution")), problems)
    problems += check_organization(data)
    return problems


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

    choices = _names((name for name in by_name if name != ca.name), len(by_name) - 1)
    for found in rules.parentage_problems(
        ca_type=ca.type,
        parent_given=ca.has_parent_key,
        external_parent=ca.external_parent,
        parent_choices=choices or "no CA of this file can be one",
    ):
        problem(str(found.field[0]), found.message)
    if ca.parent is not None and ca.type != "ROOT":
        if ca.parent == ca.name:
            problem("parent", f"{ca.parent!r} is the CA itself; a CA cannot be its own parent")
        elif ca.parent not in by_name:
            others = len(by_name) - (ca.name in by_name)
            known = _names((name for name in by_name if name != ca.name), others) or "none"
            problem("parent", f"{ca.parent!r} is not a CA in this file; expected one of: {known}")


def _check_certificate_files(ca: _Ca, problems: list[ConfigProblem]) -> None:
    given = {key: ca.raw.get(key) is not None for key in ("certificate_file", "chain_file")}
    for found in rules.external_certificate_problems(
        external_parent=ca.external_parent, given=given
    ):
        problems.append(ConfigProblem.at(ca.loc(*found.field), found.message))


def _check_revocation(ca: _Ca, problems: list[ConfigProblem]) -> None:
    crl = _mapping(ca.raw.get("crl"))
    ocsp = _mapping(ca.raw.get("ocsp"))
    for found in rules.disabled_revocation_problems(
        crl_enabled=crl.get("enabled", False) is not False,
        crl_settings=[key for key in _CRL_SETTINGS if crl.get(key) is not None],
        ocsp_enabled=ocsp.get("enabled", False) is not False,
        ocsp_settings=["custom_cname"] if ocsp.get("custom_cname") is not None else [],
    ):
        problems.append(ConfigProblem.at(ca.loc(*found.field), found.message))


def _check_tree(by_name: dict[str, _Ca], problems: list[ConfigProblem]) -> None:
    """The hierarchy rules (cdk_pca.rules.hierarchy_problems) over the parent links that resolve."""
    nodes = {
        ca.index: rules.CaNode(
            key=ca,
            name=str(ca.name),
            validity_days=ca.validity_days,
            usage_mode=ca.usage_mode,
            external_parent=ca.external_parent and ca.type == "SUBORDINATE",
            subject=_subject(ca.raw.get("subject")),
        )
        for ca in by_name.values()
    }
    for ca in by_name.values():
        if ca.type == "ROOT" or ca.parent is None or ca.parent == ca.name:
            continue
        parent = by_name.get(ca.parent)
        if parent is not None:
            nodes[ca.index].parent = nodes[parent.index]
    for found in rules.hierarchy_problems(list(nodes.values())):
        problems.append(
            ConfigProblem.at(found.node.key.loc(*found.problem.field), found.problem.message)
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


def _subject(raw: Any) -> dict[str, str] | None:
    """The subject's attributes as text, or None when it has no common name to compare."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("common_name"), str):
        return None
    return {str(k): str(v) for k, v in raw.items() if v is not None}


def _check_crl_distribution(
    data: Mapping[str, Any], cas: list[_Ca], problems: list[ConfigProblem]
) -> None:
    distribution = _mapping(data.get("crl_distribution"))
    cnames = [
        ca
        for ca in cas
        if _mapping(ca.raw.get("crl")).get("enabled") is True
        and _mapping(ca.raw.get("crl")).get("custom_cname") is not None
    ]
    problem = rules.viewer_certificate_problem(
        certificate_given=distribution.get("certificate_arn") is not None,
        domain_name_count=len(cnames),
    )
    if problem:
        problems.append(ConfigProblem.at(("crl_distribution", "certificate_arn"), problem))


def _check_template_text(value: Any, loc: Loc, problems: list[ConfigProblem]) -> None:
    """Every string of the file, keys included, is plain text (cdk_pca.rules.template_text_problem).

    Walked once, each value in turn: linear in the file.
    """
    stack: list[tuple[Any, Loc]] = [(value, loc)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            problem = rules.template_text_problem(item)
            if problem:
                problems.append(ConfigProblem.at(where, problem))
        elif isinstance(item, Mapping):
            for key, child in item.items():
                if isinstance(key, str) and rules.template_text_problem(key):
                    problems.append(
                        ConfigProblem.at((*where, key), str(rules.template_text_problem(key)))
                    )
                stack.append((child, (*where, str(key))))
        elif isinstance(item, list | tuple):
            stack.extend((child, (*where, index)) for index, child in enumerate(item))


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
        selection = rules.lookup_selection_problems(
            domain_given=raw.get("domain") is not None,
            hostname_given=raw.get("hostname") is not None,
            tags_given=bool(raw.get("tags")),
        )
        problems += [ConfigProblem.at(("lookups", index, *p.field), p.message) for p in selection]
