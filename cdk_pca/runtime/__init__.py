"""Code that runs inside AWS Lambda: the lookup's custom-resource handler and the revocation canary.

Nothing here imports aws_cdk, which Lambda's Python runtime does not have; the canary's
cryptography comes in its asset (cdk_pca.canary_bundle).
"""
