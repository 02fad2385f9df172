"""Custom::CertificateAuthorityLookup: runs cdk_pca.lookup's CA lookup at deploy time.

The same plain Lambda-backed custom resource as the certificate lookup (its `serve` answers
CloudFormation); only the lookup and the attributes differ.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from cdk_pca.lookup import (
    CertificateAuthorityMatch,
    find_certificate_authority_with,
    make_pca_client,
    validate_ca_lookup_arguments,
)
from cdk_pca.runtime.lookup_handler import serve

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def attributes(match: CertificateAuthorityMatch) -> dict[str, str]:
    """The Fn::GetAtt attributes: every one always present, '' when PCA has no value.

    No PEM: a CA certificate and its chain can exceed the 4,096-byte response CloudFormation
    accepts (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html).
    """
    return {
        "Arn": match.arn,
        "CommonName": match.common_name or "",
        "Status": match.status,
        "Type": match.type,
        "OwnerAccount": match.owner_account,
        "NotAfter": match.not_after.isoformat() if match.not_after else "",
    }


def look_up(properties: dict[str, Any], *, client: Any = None) -> tuple[str, dict[str, str]]:
    """(the CA's ARN, its attributes) for the resource's Filters; `client` defaults to PCA's."""
    logger.info("filters=%s", properties.get("Filters"))
    filters = validate_ca_lookup_arguments(**json.loads(properties["Filters"]))
    match = find_certificate_authority_with(
        filters, client=client if client is not None else make_pca_client(), with_certificates=False
    )
    logger.info("found %s", match.arn)
    return match.arn, attributes(match)


def handler(event: dict[str, Any], context: Any) -> None:
    """Create/Update: look the CA up (physical ID = its ARN). Delete: nothing to undo."""
    serve(event, context, look_up, what="CA lookup", failed_id="ca-lookup")
