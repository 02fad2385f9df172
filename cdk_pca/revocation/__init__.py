"""Revocation tooling: revoke a certificate on AWS Private CA and prove clients see it (OCSP, CRL).

Plain boto3 and cryptography (no aws_cdk), shared by the `cdk-pca` CLI; submodules load on demand.
"""
