"""Custom::ParentSignature across accounts, call by call (botocore's Stubber: moto has no RAM
sharing of CAs): the calls a shared parent answers, and the message of each way AWS refuses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from cdk_pca.runtime import signing_handler
from cdk_pca.runtime.signing_handler import (
    PARENT_ACTIONS,
    SUBORDINATE_RAM_PERMISSION,
    SigningRouteError,
)
from tests.lookup_certs import fake_aws_env

PARENT_ACCOUNT, CHILD_ACCOUNT, THIRD_ACCOUNT = "111111111111", "222222222222", "333333333333"
PARENT = f"arn:aws:acm-pca:us-east-1:{PARENT_ACCOUNT}:certificate-authority/aaaa-root"
LOOKALIKE = f"arn:aws:acm-pca:us-east-1:{THIRD_ACCOUNT}:certificate-authority/cccc-root"
CHILD = f"arn:aws:acm-pca:us-east-1:{CHILD_ACCOUNT}:certificate-authority/bbbb-issuing"
ISSUED = f"{PARENT}/certificate/0123"
PATH_LEN0 = "arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen0/V1"
TAGS = {"pki": "org-pki", "pki-ca": "root"}
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def _properties(**changes: Any) -> dict[str, Any]:
    return {
        "CertificateAuthorityArn": CHILD,
        "Csr": "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n",
        "SigningAlgorithm": "SHA512WITHRSA",
        "TemplateArn": PATH_LEN0,
        "ValidityDays": "1825",
        "ParentRegion": "us-east-1",
        "ParentAccount": PARENT_ACCOUNT,
        "ParentTags": json.dumps(TAGS, sort_keys=True),
        "ParentOwner": "OTHER_ACCOUNTS",
        **changes,
    }


def _summary(arn: str) -> dict[str, Any]:
    return {
        "Arn": arn,
        "Type": "ROOT",
        "Status": "ACTIVE",
        "CertificateAuthorityConfiguration": {
            "KeyAlgorithm": "RSA_4096",
            "SigningAlgorithm": "SHA512WITHRSA",
            "Subject": {"CommonName": "Org Root CA"},
        },
    }


@pytest.fixture
def stubs(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Stubber, Stubber]]:
    import boto3

    fake_aws_env(monkeypatch)
    # Two listings, no waiting: the retry's shape without its minute.
    monkeypatch.setattr(signing_handler, "SHARE_LISTINGS", 2)
    monkeypatch.setattr(signing_handler, "_sleep", lambda seconds: None)
    parent = Stubber(boto3.client("acm-pca", region_name="us-east-1"))
    child = Stubber(boto3.client("acm-pca", region_name="us-east-1"))
    with parent, child:
        yield parent, child
        # Every answer prepared was asked for, and nothing else (Stubber refuses extra calls).
        parent.assert_no_pending_responses()
        child.assert_no_pending_responses()


def _run(stubs: tuple[Stubber, Stubber], properties: dict[str, Any]) -> dict[str, str]:
    parent, child = stubs
    return signing_handler.sign_and_import(
        properties, parent_client=parent.client, client=child.client
    )


def _listed(parent: Stubber, *arns: str) -> None:
    parent.add_response(
        "list_certificate_authorities",
        {"CertificateAuthorities": [_summary(arn) for arn in arns]},
        {"MaxResults": 1000, "ResourceOwner": "OTHER_ACCOUNTS"},
    )


def _tagged(parent: Stubber) -> None:
    parent.add_response(
        "list_tags",
        {"Tags": [{"Key": key, "Value": value} for key, value in TAGS.items()]},
        {"CertificateAuthorityArn": PARENT, "MaxResults": 1000},
    )


def _found(parent: Stubber) -> None:
    """The lookup's three answers for the shared parent: listed, tagged, its certificate."""
    _listed(parent, PARENT)
    _tagged(parent)
    parent.add_response("get_certificate_authority_certificate", {"Certificate": PEM})


def _denied(parent: Stubber, operation: str, action: str) -> None:
    parent.add_client_error(
        operation,
        service_error_code="AccessDeniedException",
        service_message=f"not authorized to perform: acm-pca:{action} because no "
        "resource-based policy allows the action",
        http_status_code=400,
    )


def test_shared_parent_signs_and_a_lookalike_of_another_account_is_never_asked(
    stubs: tuple[Stubber, Stubber],
) -> None:
    parent, child = stubs
    # A third account shares a CA with the same tags: no ListTags on it (its share may not
    # grant ListTags, and it must never sign), only on the parent account's CA.
    _listed(parent, LOOKALIKE, PARENT)
    _tagged(parent)
    parent.add_response(
        "get_certificate_authority_certificate",
        {"Certificate": PEM},
        {"CertificateAuthorityArn": PARENT},
    )
    parent.add_response("issue_certificate", {"CertificateArn": ISSUED})
    for _ in range(2):  # the waiter's GetCertificate, then the one that reads the answer
        parent.add_response(
            "get_certificate",
            {"Certificate": PEM, "CertificateChain": PEM},
            {"CertificateAuthorityArn": PARENT, "CertificateArn": ISSUED},
        )
    child.add_response(
        "import_certificate_authority_certificate",
        {},
        {
            "CertificateAuthorityArn": CHILD,
            "Certificate": PEM.encode(),
            "CertificateChain": PEM.encode(),
        },
    )
    called: list[str] = []
    parent.client.meta.events.register(
        "before-parameter-build.acm-pca", lambda model, **_: called.append(f"acm-pca:{model.name}")
    )
    data = _run(stubs, _properties())
    # The calls on the parent are what the function's role is granted there (and the RAM
    # permission allows); ListCertificateAuthorities is granted on "*".
    assert set(called) - {"acm-pca:ListCertificateAuthorities"} == set(PARENT_ACTIONS)
    assert data == {
        "CertificateArn": ISSUED,
        "ParentArn": PARENT,
        "CertificateAuthorityArn": CHILD,
    }


def test_a_parent_not_shared_yet_names_the_share_and_the_invitation(
    stubs: tuple[Stubber, Stubber],
) -> None:
    parent, _ = stubs
    _listed(parent, LOOKALIKE)
    _listed(parent, LOOKALIKE)  # listed again, in case the share was still associating
    with pytest.raises(SigningRouteError) as raised:
        _run(stubs, _properties())
    message = str(raised.value)
    assert f"no ACTIVE CA of account {PARENT_ACCOUNT} in us-east-1" in message
    assert f"is shared with account {CHILD_ACCOUNT}" in message
    assert SUBORDINATE_RAM_PERMISSION in message
    assert "allow_external_principals: true" in message
    assert "aws ram accept-resource-share-invitation" in message


def test_list_tags_denied_names_the_permission_that_grants_it(
    stubs: tuple[Stubber, Stubber],
) -> None:
    parent, _ = stubs
    _listed(parent, PARENT)
    _denied(parent, "list_tags", "ListTags")
    # Not listed again: the share is there, its permission is what is wrong.
    with pytest.raises(SigningRouteError) as raised:
        _run(stubs, _properties())
    message = str(raised.value)
    assert "acm-pca:ListTags" in message and "was denied" in message
    assert f"share CA 'root' of account {PARENT_ACCOUNT} with account {CHILD_ACCOUNT}" in message
    assert SUBORDINATE_RAM_PERMISSION in message
    assert "no resource-based policy allows" in message  # AWS's own words are kept


def test_issue_certificate_denied_names_the_permission_and_the_role(
    stubs: tuple[Stubber, Stubber],
) -> None:
    parent, _ = stubs
    _found(parent)
    _denied(parent, "issue_certificate", "IssueCertificate")
    with pytest.raises(SigningRouteError) as raised:
        _run(stubs, _properties())
    message = str(raised.value)
    assert message.startswith("acm-pca:IssueCertificate on the parent CA of account 111111111111")
    assert "SubordinateCACertificate_PathLen0/V1 only" in message
    assert (
        "the signing function's role needs acm-pca:IssueCertificate on "
        "arn:<partition>:acm-pca:us-east-1:111111111111:certificate-authority/*"
    ) in message


def test_a_template_other_than_pathlen0_is_refused_across_accounts_before_any_call(
    stubs: tuple[Stubber, Stubber],
) -> None:
    path_len1 = "arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen1/V1"
    with pytest.raises(SigningRouteError, match="cannot be issued across accounts"):
        _run(stubs, _properties(TemplateArn=path_len1))


def test_denied_in_another_region_of_the_same_account_is_the_roles_grant(
    stubs: tuple[Stubber, Stubber],
) -> None:
    parent, _ = stubs
    parent.add_response(
        "list_certificate_authorities",
        {"CertificateAuthorities": [_summary(PARENT)]},
        {"MaxResults": 1000, "ResourceOwner": "SELF"},
    )
    _denied(parent, "list_tags", "ListTags")
    properties = _properties(
        ParentOwner="SELF", CertificateAuthorityArn=CHILD.replace(CHILD_ACCOUNT, PARENT_ACCOUNT)
    )
    with pytest.raises(SigningRouteError) as raised:
        _run(stubs, properties)
    message = str(raised.value)
    assert "the signing function's role needs acm-pca:ListTags" in message
    assert "RAM" not in message  # no share is involved within one account


def test_other_errors_pass_through_unchanged(stubs: tuple[Stubber, Stubber]) -> None:
    from botocore.exceptions import ClientError

    parent, _ = stubs
    parent.add_client_error(
        "list_certificate_authorities", service_error_code="InvalidNextTokenException"
    )
    with pytest.raises(ClientError, match="InvalidNextTokenException"):
        _run(stubs, _properties())


def test_get_certificate_denied_while_waiting_is_explained_too(
    stubs: tuple[Stubber, Stubber],
) -> None:
    parent, _ = stubs
    _found(parent)
    parent.add_response("issue_certificate", {"CertificateArn": ISSUED})
    _denied(parent, "get_certificate", "GetCertificate")  # the waiter's first call
    with pytest.raises(SigningRouteError, match=r"^acm-pca:GetCertificate on the parent CA"):
        _run(stubs, _properties())


def test_a_share_that_reaches_the_account_a_moment_later_is_found(
    stubs: tuple[Stubber, Stubber],
) -> None:
    parent, _ = stubs
    _listed(parent)  # the share is still associating
    _found(parent)
    assert signing_handler.find_parent(_properties(), parent.client) == PARENT
