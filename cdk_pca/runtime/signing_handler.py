"""Custom::ParentSignature: a CA certificate signed by a parent that CloudFormation cannot reach
from this stack (another account through RAM, or another region), then imported into the CA.

CloudFormation's PCA resources call PCA in the stack's own region, and a custom resource answers
at most 4,096 bytes, too little for a certificate chain: so this function signs (IssueCertificate
in the parent's region, GetCertificate until issued) and activates the CA itself
(ImportCertificateAuthorityCertificate here), answering only ARNs.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from cdk_pca.lookup import (
    NoMatchingCertificateError,
    find_certificate_authority_with,
    make_pca_client,
    validate_ca_lookup_arguments,
)
from cdk_pca.rules import (
    CA_NAME_TAG,
    SUBORDINATE_RAM_PERMISSION,
)
from cdk_pca.runtime.lookup_handler import serve

logger = logging.getLogger()
logger.setLevel(logging.INFO)

# GetCertificate answers RequestInProgressException until the certificate is issued (botocore's
# acm-pca waiter CertificateIssued retries on it). 2 s x 60 stays inside the Lambda's 5 minutes.
_WAIT = {"Delay": 2, "MaxAttempts": 60}


def idempotency_token(properties: dict[str, Any]) -> str:
    """The same request gets the same token, so a retried invocation issues no second certificate:
    "if you call IssueCertificate multiple times with the same idempotency token within 5
    minutes, AWS Private CA ... will issue only one".
    https://docs.aws.amazon.com/privateca/latest/APIReference/API_IssueCertificate.html
    IdempotencyToken is 1..36 characters (botocore acm-pca model): 32 hex digits."""
    signed = {
        key: properties.get(key)
        for key in (
            "CertificateAuthorityArn",
            "Csr",
            "SigningAlgorithm",
            "TemplateArn",
            "ValidityDays",
        )
    }
    return hashlib.sha256(json.dumps(signed, sort_keys=True).encode()).hexdigest()[:32]


# What the route calls on the parent CA (the function's role is granted exactly these on the
# parent's account and region, cdk_pca/parent_signature.py); ListCertificateAuthorities takes no
# resource and is granted on "*". Each is in SUBORDINATE_PERMISSION_ACTIONS (a template test).
PARENT_ACTIONS = (
    "acm-pca:IssueCertificate",
    "acm-pca:GetCertificate",
    "acm-pca:GetCertificateAuthorityCertificate",
    "acm-pca:ListTags",
)
PATH_LEN0_TEMPLATE_SUFFIX = ":template/SubordinateCACertificate_PathLen0/V1"
_DENIED = frozenset({"AccessDeniedException", "AccessDenied"})
# 6 listings 10 s apart: a minute for a fresh share to reach this account, which leaves the
# 5-minute function the 2 minutes of its GetCertificate wait and more.
SHARE_LISTINGS = 6
SHARE_LISTING_DELAY_SECONDS = 10.0
_sleep = time.sleep


class SigningRouteError(Exception):
    """AWS refused a step of the signing route, or the parent is not there: what to change."""


@dataclass(frozen=True)
class SigningRoute:
    """Where the parent is, seen from the CA being signed: for the messages of refused calls."""

    parent_account: str
    parent_region: str
    owner: str  # SELF (another region of this account) or OTHER_ACCOUNTS (shared through RAM)
    tags: dict[str, str]
    child_account: str
    template_arn: str

    @classmethod
    def of(cls, properties: dict[str, Any]) -> SigningRoute:
        return cls(
            parent_account=str(properties["ParentAccount"]),
            parent_region=str(properties["ParentRegion"]),
            owner=str(properties["ParentOwner"]),
            tags=json.loads(properties["ParentTags"]),
            child_account=_account_of(str(properties["CertificateAuthorityArn"])),
            template_arn=str(properties["TemplateArn"]),
        )

    @property
    def across_accounts(self) -> bool:
        return self.owner == "OTHER_ACCOUNTS"

    @property
    def parent_name(self) -> str:
        return self.tags.get(CA_NAME_TAG) or "the parent"

    def _tagged(self) -> str:
        return ", ".join(f"{key}={value}" for key, value in sorted(self.tags.items()))

    def _share(self) -> str:
        return (
            f"share CA {self.parent_name!r} of account {self.parent_account} with account "
            f"{self.child_account} through AWS RAM with the managed permission "
            f"{SUBORDINATE_RAM_PERMISSION} (the parent's stack makes that share: deploy it first)"
        )

    def not_found(self) -> str:
        if not self.across_accounts:
            return (
                f"no ACTIVE CA of account {self.parent_account} in {self.parent_region} is "
                f"tagged {self._tagged()}: "
                f"deploy the stack of CA {self.parent_name!r} in {self.parent_region} first, "
                "and wait until that CA is ACTIVE"
            )
        # Within an organization that has enabled sharing with AWS Organizations, principals
        # get access without an invitation; an account outside it receives an invitation and
        # sees the share only after accepting it; AllowExternalPrincipals false allows only
        # accounts of the owner's organization.
        # https://docs.aws.amazon.com/ram/latest/APIReference/API_ResourceShare.html
        # https://docs.aws.amazon.com/ram/latest/APIReference/API_AcceptResourceShareInvitation.html
        return (
            f"no ACTIVE CA of account {self.parent_account} in {self.parent_region} tagged "
            f"{self._tagged()} is shared with account {self.child_account} "
            "(ListCertificateAuthorities with ResourceOwner OTHER_ACCOUNTS lists none): "
            f"{self._share()}. If the two accounts are not in one AWS Organization with RAM "
            "sharing enabled, set sharing.allow_external_principals: true on that CA and accept "
            f"the invitation in account {self.child_account} (aws ram "
            "get-resource-share-invitations, then aws ram accept-resource-share-invitation) "
            "before deploying this stack"
        )

    def denied(self, action: str, reason: str) -> str:
        resource = f"arn:<partition>:acm-pca:{self.parent_region}:{self.parent_account}:"
        identity = (
            f"the signing function's role needs acm-pca:{action} on "
            f"{resource}certificate-authority/*"
        )
        if not self.across_accounts:
            return f"acm-pca:{action} on the parent CA was denied ({reason}): {identity}"
        return (
            f"acm-pca:{action} on the parent CA of account {self.parent_account} was denied "
            f"({reason}): {self._share()}; it grants ListTags, "
            "GetCertificateAuthorityCertificate, GetCertificate and IssueCertificate with "
            f"SubordinateCACertificate_PathLen0/V1 only. Also {identity}"
        )

    def check_template(self) -> None:
        """Across accounts a shared CA signs only PathLen0 CA certificates: fail before asking."""
        if self.across_accounts and not self.template_arn.endswith(PATH_LEN0_TEMPLATE_SUFFIX):
            raise SigningRouteError(
                f"template {self.template_arn} cannot be issued across accounts: the RAM "
                f"permission {SUBORDINATE_RAM_PERMISSION} lets account {self.child_account} issue "
                "only SubordinateCACertificate_PathLen0/V1 from a CA of account "
                f"{self.parent_account}; a CA signed across accounts can have no CAs below it"
            )


def _account_of(arn: str) -> str:
    # arn:partition:acm-pca:region:account-id:certificate-authority/id
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else "?"


@contextmanager
def _explained(route: SigningRoute | None) -> Iterator[None]:
    """An AccessDenied becomes a SigningRouteError saying which share or grant is missing. The
    waiter reports a refused GetCertificate as a WaiterError carrying the last response."""
    from botocore.exceptions import ClientError, WaiterError

    try:
        yield
    except (ClientError, WaiterError) as exc:
        if isinstance(exc, ClientError):
            response, action = exc.response, exc.operation_name
        else:
            response, action = exc.last_response or {}, "GetCertificate"
        error = response.get("Error", {})
        if route is None or error.get("Code") not in _DENIED:
            raise
        raise SigningRouteError(route.denied(action, str(error.get("Message", "")))) from exc


def find_parent(properties: dict[str, Any], client: Any) -> str:
    """The parent's ARN: given, or found by its tags among the CAs of its account and region.

    A CA's ARN holds a random ID that PCA assigns at creation, so another account's stack cannot
    know it at synth; CloudFormation exports do not cross accounts or regions. Tags name it, and
    only CAs of the parent's account are considered (the account field of their ARN), so a CA
    that someone else shares with the same tags is never asked to sign.
    """
    if properties.get("ParentArn"):
        return str(properties["ParentArn"])
    route = SigningRoute.of(properties)
    filters = validate_ca_lookup_arguments(tags=route.tags, owner=route.owner)
    # A RAM share reaches its principals through associations that pass through ASSOCIATING
    # before ASSOCIATED; whether CloudFormation's AWS::RAM::ResourceShare waits for ASSOCIATED
    # is not documented, so a share the parent's stack made a moment ago is listed again a few
    # times before the deploy fails. Within one account nothing propagates: one listing.
    # https://docs.aws.amazon.com/ram/latest/APIReference/API_ResourceShareAssociation.html
    attempts = SHARE_LISTINGS if route.across_accounts else 1
    for attempt in range(1, attempts + 1):
        # The lookup calls ListCertificateAuthorities, ListTags and
        # GetCertificateAuthorityCertificate; a denial names the one that was refused.
        try:
            with _explained(route):
                match = find_certificate_authority_with(
                    filters, client=client, owner_account=route.parent_account
                )
        except NoMatchingCertificateError as exc:
            # The parent's share lets this account list the CA but not read its tags.
            if exc.unreadable:
                reason = next(iter(sorted(exc.unreadable.items())))[1]
                raise SigningRouteError(route.denied("ListTags", reason)) from exc
            if attempt == attempts:
                raise SigningRouteError(route.not_found()) from exc
            logger.info("parent not listed yet (%d/%d): %s", attempt, attempts, exc)
            _sleep(SHARE_LISTING_DELAY_SECONDS)
        else:
            return match.arn
    raise AssertionError("unreachable: the last attempt returns or raises")


def sign_and_import(
    properties: dict[str, Any], *, parent_client: Any, client: Any
) -> dict[str, str]:
    """Issue the CA certificate from the parent, wait for it, import it with its chain."""
    route = None if properties.get("ParentArn") else SigningRoute.of(properties)
    if route is not None:
        route.check_template()
    parent_arn = find_parent(properties, parent_client)
    with _explained(route):
        issued = parent_client.issue_certificate(
            CertificateAuthorityArn=parent_arn,
            Csr=properties["Csr"].encode(),
            SigningAlgorithm=properties["SigningAlgorithm"],
            TemplateArn=properties["TemplateArn"],
            Validity={"Value": int(properties["ValidityDays"]), "Type": "DAYS"},
            IdempotencyToken=idempotency_token(properties),
        )
    certificate_arn = issued["CertificateArn"]
    with _explained(route):
        parent_client.get_waiter("certificate_issued").wait(
            CertificateAuthorityArn=parent_arn, CertificateArn=certificate_arn, WaiterConfig=_WAIT
        )
        answer = parent_client.get_certificate(
            CertificateAuthorityArn=parent_arn, CertificateArn=certificate_arn
        )
    # GetCertificate's chain is the issuer's certificate and the issuers above it: exactly the
    # chain a subordinate CA's certificate is imported with.
    client.import_certificate_authority_certificate(
        CertificateAuthorityArn=properties["CertificateAuthorityArn"],
        Certificate=answer["Certificate"].encode(),
        CertificateChain=answer["CertificateChain"].encode(),
    )
    return {
        "CertificateArn": certificate_arn,
        "ParentArn": parent_arn,
        "CertificateAuthorityArn": properties["CertificateAuthorityArn"],
    }


def _sign(properties: dict[str, Any]) -> tuple[str, dict[str, str]]:
    data = sign_and_import(
        properties,
        parent_client=make_pca_client(properties["ParentRegion"]),
        client=make_pca_client(),
    )
    logger.info("signed %s by %s", data["CertificateAuthorityArn"], data["ParentArn"])
    return data["CertificateArn"], data


def handler(event: dict[str, Any], context: Any) -> None:
    """Create/Update: sign and import (physical ID = the issued certificate's ARN). Delete: keep the
    CA's certificate, as the CA and its activation are retained."""
    serve(event, context, _sign, what="signing by the parent CA", failed_id="signature")
