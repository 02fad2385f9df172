"""integ-runner test: the default PKI (pki.yaml, SSE-S3 CRL bucket) deployed and working.

Snapshot compared offline by `make test`; `make integ` deploys it, asserts, destroys it, sweeps.
"""

from __future__ import annotations

from pki_integ import build_integ_app, integ_config, synth_for_integ_runner

synth_for_integ_runner(build_integ_app("DefaultPki", integ_config("cdk-pca-integ-default")))
