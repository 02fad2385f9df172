"""Deployable stacks composed from the cdk_pca construct library."""

import os
from pathlib import Path

# Run jsii on the Node 22 that `make` installs, whoever imports the stacks (Node 20 prints an
# end-of-life banner). JSII_NODE only takes effect if aws_cdk has not started its Node yet.
_PROJECT_NODE = Path(__file__).resolve().parent.parent / "node_modules" / ".bin" / "node"
if _PROJECT_NODE.exists():
    os.environ.setdefault("JSII_NODE", str(_PROJECT_NODE))

from stacks.pki_stack import PkiStack  # noqa: E402

__all__ = ["PkiStack"]
