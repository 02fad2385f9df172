"""integ-runner test: the default PKI with an SSE-KMS CRL bucket (a customer-managed key).

Proves PCA can publish CRLs through the key policy, and CloudFront can serve them.
"""

from __future__ import annotations

from pki_integ import build_integ_app, integ_config, synth_for_integ_runner

from cdk_pca.config import CrlBucketConfig

synth_for_integ_runner(
    build_integ_app(
        "KmsPki",
        integ_config("cdk-pca-integ-kms", crl_bucket=CrlBucketConfig(encryption="SSE_KMS")),
    )
)
