"""integ-runner test: the default PKI with an SSE-KMS CRL bucket (a customer-managed key) and a
custom OCSP name, so that OCSP is asked through the stack's OCSP distribution.

Proves PCA can publish CRLs through the key policy, CloudFront can serve them, and the OCSP proxy
reaches AWS's responder.
"""

from __future__ import annotations

from pki_integ import (
    build_integ_app,
    integ_config,
    synth_for_integ_runner,
    with_ocsp_custom_cname,
)

from cdk_pca.config import CrlBucketConfig

# A reserved name (RFC 2606 .invalid): it is only written into the test certificate.
OCSP_NAME = "ocsp.cdk-pca-integ-kms.invalid"

synth_for_integ_runner(
    build_integ_app(
        "KmsPki",
        with_ocsp_custom_cname(
            integ_config("cdk-pca-integ-kms", crl_bucket=CrlBucketConfig(encryption="SSE_KMS")),
            OCSP_NAME,
        ),
    )
)
