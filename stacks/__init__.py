"""Deployable stacks composed from the cdk_pca construct library."""

from stacks.pki_stack import PkiStack

__all__ = ["PkiStack"]
