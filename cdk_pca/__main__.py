"""`python -m cdk_pca`: the same command line as the `cdk-pca` console script."""

from cdk_pca.cli import main

raise SystemExit(main())
