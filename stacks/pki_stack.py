"""The app's PKI stack: `cdk_pca.pki_stack`, re-exported so `from stacks import PkiStack` still works.

The composition ships in the library (a wheel installs no top-level `stacks` package).
"""

from cdk_pca.pki_stack import PkiStack
from cdk_pca.vocabulary import ca_construct_id

__all__ = ["PkiStack", "ca_construct_id"]
