"""Code that runs inside AWS Lambda (custom-resource handlers): boto3 and the standard library only.

Nothing here imports aws_cdk, which Lambda's Python runtime does not have.
"""
