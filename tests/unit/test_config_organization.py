"""Config rules of organization scale: environments, signing across accounts and regions, sharing."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from cdk_pca.config import ConfigError, PkiConfig, parse_config
from cdk_pca.config.organization import RAM_PERMISSIONS, pca_regions, principal_kind
from cdk_pca.rules import show

OU = "arn:aws:organizations::111111111111:ou/o-abcdefghij/ou-ab12-cdefgh34"
ORGANIZATION = "arn:aws:organizations::111111111111:organization/o-abcdefghij"


def _ca(name: str, environment: str | None, parent: str | None = None, **extra: Any) -> dict:
    ca: dict[str, Any] = {
        "name": name,
        "type": "SUBORDINATE" if parent else "ROOT",
        "subject": {"common_name": f"{name} CA"},
        "key_algorithm": "EC_prime256v1",
        "validity_days": 3650 if parent is None else 1000,
        **extra,
    }
    if parent:
        ca["parent"] = parent
    if environment:
        ca["environment"] = environment
    return ca


def org(*cas: dict, **environments: tuple[str, str]) -> dict[str, Any]:
    return {
        "name": "org",
        "environments": {
            name: {"account": account, "region": region}
            for name, (account, region) in (
                environments
                or {
                    "security": ("111111111111", "us-east-1"),
                    "work": ("222222222222", "us-east-1"),
                }
            ).items()
        },
        "certificate_authorities": list(cas),
    }


def load(data: dict[str, Any]) -> PkiConfig:
    return parse_config(yaml.safe_dump(data))


def problems(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ConfigError) as raised:
        load(data)
    return {problem.path: problem.message for problem in raised.value.problems}


def test_environments_make_one_stack_name_each_in_deploy_order() -> None:
    config = load(org(_ca("work-ca", "work", "root"), _ca("root", "security")))
    assert config.environments_in_deploy_order() == ("security", "work")
    assert config.stack_name("work") == "org-work"
    assert config.stack_name() == "org"
    assert config.signing_route(config.ca_by_name("work-ca")) == "account"


def test_every_ca_needs_a_known_environment() -> None:
    found = problems(org(_ca("root", None), _ca("leaf", "nowhere", "root")))
    assert (
        "is required when environments are given" in found["certificate_authorities[0].environment"]
    )
    assert "'nowhere' is not an environment" in found["certificate_authorities[1].environment"]


def test_an_environment_no_ca_uses_is_an_error() -> None:
    found = problems(org(_ca("root", "security")))
    assert "no CA uses environment 'work'" in found["environments.work"]


def test_environment_without_environments_is_an_error() -> None:
    data = org(_ca("root", "security"))
    del data["environments"]
    assert "no environments section" in problems(data)["certificate_authorities[0].environment"]


def test_account_must_be_twelve_digits_and_region_served_by_pca() -> None:
    data = org(_ca("root", "security"), _ca("leaf", "work", "root"))
    data["environments"]["work"] = {"account": "2222", "region": "us-east-9"}
    found = problems(data)
    assert "expected exactly 12 digits" in found["environments.work.account"]
    assert "not a region AWS Private CA serves" in found["environments.work.region"]


def test_pca_regions_come_from_botocore_endpoint_data() -> None:
    regions = pca_regions()
    assert {"us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"} <= regions
    assert not any(region.startswith("fips-") for region in regions)


def test_top_level_account_and_region_conflict_with_environments() -> None:
    data = org(_ca("root", "security"), _ca("leaf", "work", "root"))
    data.update(account="111111111111", region="us-east-1")
    found = problems(data)
    assert "cannot be combined with environments" in found["account"]
    assert "cannot be combined with environments" in found["region"]


def test_a_ca_signed_across_accounts_can_have_no_cas_below_it() -> None:
    found = problems(
        org(
            _ca("root", "security"),
            _ca("mid", "work", "root"),
            _ca("leaf", "work", "mid", validity_days=500),
        )
    )
    message = found["certificate_authorities[1].environment"]
    assert "SubordinateCACertificate_PathLen0/V1" in message and "it has leaf" in message


def test_across_accounts_and_regions_at_once_names_the_two_phase_route() -> None:
    found = problems(
        org(
            _ca("root", "security"),
            _ca("leaf", "eu", "root"),
            security=("111111111111", "us-east-1"),
            eu=("222222222222", "eu-west-1"),
        )
    )
    assert "external_parent: true" in found["certificate_authorities[1].environment"]


def test_across_regions_in_one_account_may_have_cas_below() -> None:
    config = load(
        org(
            _ca("root", "us"),
            _ca("mid", "eu", "root"),
            _ca("leaf", "eu", "mid", validity_days=500),
            us=("111111111111", "us-east-1"),
            eu=("111111111111", "eu-west-1"),
        )
    )
    assert config.signing_route(config.ca_by_name("mid")) == "region"
    assert config.signing_route(config.ca_by_name("leaf")) == "local"


def test_each_lookup_names_a_known_environment() -> None:
    data = org(_ca("root", "security"), _ca("leaf", "work", "root"))
    data["lookups"] = [
        {"name": "web", "domain": "www.example.com", "environment": "work"},
        {"name": "api", "domain": "api.example.com"},
        {"name": "old", "domain": "old.example.com", "environment": "nowhere"},
    ]
    found = problems(data)
    assert "lookups[0].environment" not in found
    assert found["lookups[1].environment"] == (
        "is required when environments are given (the lookup runs in that environment's "
        "account and region); expected one of: security, work"
    )
    assert found["lookups[2].environment"] == (
        "'nowhere' is not an environment of this file; expected one of: security, work"
    )


def test_lookups_of_an_environment_are_its_stack_s() -> None:
    data = org(_ca("root", "security"), _ca("leaf", "work", "root"))
    data["lookups"] = [
        {"name": "web", "domain": "www.example.com", "environment": "work"},
        {"name": "vpn", "domain": "vpn.example.com", "environment": "security"},
    ]
    config = load(data)
    assert [lookup.name for lookup in config.lookups_in("work")] == ["web"]
    assert [lookup.name for lookup in config.lookups_in(None)] == ["web", "vpn"]


def test_a_lookup_environment_without_environments_is_refused() -> None:
    data = {
        "name": "single",
        "certificate_authorities": [_ca("root", None)],
        "lookups": [{"name": "web", "domain": "www.example.com", "environment": "work"}],
    }
    assert problems(data)["lookups[0].environment"] == (
        "'work' names an environment, but the file has no environments section; add "
        "environments or remove environment"
    )


CERTIFICATE = "arn:aws:acm:{region}:{account}:certificate/12345678-1234-1234-1234-123456789012"


def _with_names() -> dict[str, Any]:
    return org(
        _ca("root", "security", crl={"enabled": True, "custom_cname": "crl.example.com"}),
        _ca("leaf", "work", "root", ocsp={"enabled": True, "custom_cname": "ocsp.example.com"}),
    )


def test_distribution_certificates_per_environment_are_accepted() -> None:
    data = _with_names()
    data["environments"]["security"]["crl_distribution"] = {
        "certificate_arn": CERTIFICATE.format(region="us-east-1", account="111111111111")
    }
    data["environments"]["work"]["ocsp_distribution"] = {
        "certificate_arn": CERTIFICATE.format(region="us-east-1", account="222222222222")
    }
    config = load(data)
    assert config.crl_certificate_arn(
        "security",
    ) == CERTIFICATE.format(region="us-east-1", account="111111111111")
    assert config.crl_certificate_arn("work") is None
    assert config.ocsp_certificate_arn("work") == CERTIFICATE.format(
        region="us-east-1", account="222222222222"
    )


def test_a_distribution_certificate_of_another_region_or_account_is_refused() -> None:
    data = _with_names()
    wrong_account = CERTIFICATE.format(region="us-east-1", account="333333333333")
    data["environments"]["security"]["crl_distribution"] = {"certificate_arn": wrong_account}
    data["environments"]["work"]["ocsp_distribution"] = {
        "certificate_arn": CERTIFICATE.format(region="eu-west-1", account="222222222222")
    }
    found = problems(data)
    assert found["environments.security.crl_distribution.certificate_arn"] == (
        f"{show(wrong_account)} is a certificate of account 333333333333, but environment "
        "'security' deploys its distribution to account 111111111111; expected an ACM "
        "certificate of account 111111111111 in us-east-1"
    )
    assert (
        "CloudFront takes certificates only from there"
        in (found["environments.work.ocsp_distribution.certificate_arn"])
    )


def test_a_distribution_certificate_needs_a_custom_name_in_its_environment() -> None:
    data = _with_names()
    # The OCSP name is the work CA's: the security stack has no OCSP distribution.
    data["environments"]["security"]["ocsp_distribution"] = {
        "certificate_arn": CERTIFICATE.format(region="us-east-1", account="111111111111")
    }
    found = problems(data)
    message = found["environments.security.ocsp_distribution.certificate_arn"]
    assert "no CA has a ocsp.custom_cname" in message
    assert message.endswith("(in environment 'security')")


@pytest.mark.parametrize("section", ["crl_distribution", "ocsp_distribution"])
def test_the_top_level_certificate_points_at_the_environment_keys(section: str) -> None:
    data = _with_names()
    data[section] = {
        "certificate_arn": CERTIFICATE.format(region="us-east-1", account="111111111111")
    }
    assert problems(data)[f"{section}.certificate_arn"] == (
        "serves a single stack only: with environments each environment's stack has its own "
        f"distribution; give environments.<environment>.{section}.certificate_arn instead (one "
        "of: security, work)"
    )


@pytest.mark.parametrize(
    ("principal", "kind"),
    [("333333333333", "account"), (OU, "organizational-unit"), (ORGANIZATION, "organization")],
)
def test_share_principals_accounts_ous_and_organizations(principal: str, kind: str) -> None:
    assert principal_kind(principal) == kind
    load(
        org(_ca("root", "security", sharing={"principals": [principal]}), _ca("l", "work", "root"))
    )


@pytest.mark.parametrize(
    "principal",
    [
        "33333333333",
        "arn:aws:iam::333333333333:root",
        "ou-ab12-cdefgh34",
        "o-abcdefghij",
        333333333333,
    ],
)
def test_other_share_principals_are_refused(principal: Any) -> None:
    found = problems(org(_ca("root", "security", sharing={"principals": [principal]})))
    assert "certificate_authorities[0].sharing.principals[0]" in found


def test_share_permissions_are_the_pca_managed_names() -> None:
    found = problems(
        org(
            _ca(
                "root",
                "security",
                sharing={"principals": [OU, OU], "permissions": ["AWSRAMPermissionNope"]},
            )
        )
    )
    assert "is listed twice" in found["certificate_authorities[0].sharing.principals[1]"]
    assert (
        "AWSRAMDefaultPermissionCertificateAuthority"
        in (found["certificate_authorities[0].sharing.permissions[0]"])
    )
    assert set(RAM_PERMISSIONS) == {
        "AWSRAMDefaultPermissionCertificateAuthority",
        "AWSRAMBlankEndEntityCertificateAPICSRPassthroughIssuanceCertificateAuthority",
        "AWSRAMSubordinateCACertificatePathLen0IssuanceCertificateAuthority",
        "AWSRAMRevokeCertificateCertificateAuthority",
    }


def test_organization_and_ou_principals_of_one_share_name_one_organization() -> None:
    other_ou = "arn:aws:organizations::999999999999:ou/o-zyxwvutsrq/ou-zz99-abcdefgh"
    sharing = {"principals": [OU, "333333333333", other_ou]}
    found = problems(org(_ca("root", "security", sharing=sharing), _ca("l", "work", "root")))
    message = found["certificate_authorities[0].sharing.principals[2]"]
    assert "is in organization o-zyxwvutsrq (management account 999999999999)" in message
    assert "principals[0] is in o-abcdefghij" in message
    assert "allow_external_principals: true" in message
    # The OU and the organization of one management account go together.
    load(
        org(
            _ca("root", "security", sharing={"principals": [OU, ORGANIZATION]}),
            _ca("l", "work", "root"),
        )
    )


def test_revoke_permission_needs_the_default_one_beside_it() -> None:
    sharing = {"principals": [OU], "permissions": ["AWSRAMRevokeCertificateCertificateAuthority"]}
    found = problems(org(_ca("root", "security", sharing=sharing), _ca("l", "work", "root")))
    assert "works only together with" in found["certificate_authorities[0].sharing.permissions"]


def test_sharing_defaults_to_the_default_permission_inside_the_organization() -> None:
    config = load(
        org(_ca("root", "security", sharing={"principals": [OU]}), _ca("l", "work", "root"))
    )
    sharing = config.ca_by_name("root").sharing
    assert sharing is not None
    assert sharing.permissions == ("AWSRAMDefaultPermissionCertificateAuthority",)
    assert sharing.allow_external_principals is False


def test_all_problems_are_reported_at_once() -> None:
    data = org(_ca("root", None), _ca("leaf", "work", "root", sharing={"principals": ["x"]}))
    data["environments"]["spare"] = {"account": "1", "region": "mars-1"}
    assert len(problems(data)) >= 5


def test_environments_that_wait_for_each_other_are_refused() -> None:
    # root (security) signs middle (work), which signs leaf back in security: the security stack
    # would wait for the work stack, which waits for the security stack.
    found = problems(
        org(
            _ca("root", "security"),
            _ca("middle", "security-eu", parent="root"),
            _ca("leaf", "security", parent="middle", validity_days=500),
            security=("111111111111", "us-east-1"),
            **{"security-eu": ("111111111111", "eu-west-1")},
        )
    )
    message = found["certificate_authorities[2].environment"]
    assert "security -> security-eu -> security wait for each other" in message
    assert "'leaf' is signed by 'middle' in 'security-eu'" in message
    assert "certificate_authorities[1].environment" in found
    # Without the way back, the same CAs deploy in order.
    load(
        org(
            _ca("root", "security"),
            _ca("middle", "security-eu", parent="root"),
            _ca("leaf", "security-eu", parent="middle", validity_days=500),
            security=("111111111111", "us-east-1"),
            **{"security-eu": ("111111111111", "eu-west-1")},
        )
    )


def test_deploy_order_follows_the_signing_not_the_names_or_levels() -> None:
    # "security" sorts first and holds a root of its own, but its issuing CA is signed by the
    # root in "work": work deploys first.
    config = load(
        org(
            _ca("root", "work"),
            _ca("other-root", "security"),
            _ca("issuing", "security", parent="root"),
        )
    )
    assert config.environments_in_deploy_order() == ("work", "security")
