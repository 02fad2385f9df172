"""The stacks of pki.yaml and of every example: snapshots, cfn-lint, cdk-nag AwsSolutions, and the
checkov suppressions (checkov itself runs in `make lint`, in its own venv)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from tests.stack_support import CONFIGS, normalized, synthesize

CFN_LINT = Path(sys.executable).parent / "cfn-lint"


@pytest.mark.parametrize("config", CONFIGS)
def test_template_matches_snapshot(config: str, snapshot: SnapshotAssertion) -> None:
    assert normalized(synthesize(config).template) == snapshot


@pytest.mark.parametrize("config", CONFIGS)
def test_cfn_lint_finds_nothing(config: str) -> None:
    result = subprocess.run(
        [str(CFN_LINT), "--format", "parseable", str(synthesize(config).template_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("config", CONFIGS)
def test_cdk_nag_aws_solutions_finds_nothing_unsuppressed(config: str) -> None:
    assert synthesize(config).nag_error is None, synthesize(config).nag_error


# --- checkov suppressions: each with its reason, each only where a decision was made ----------


def _skips(template: dict[str, Any]) -> dict[str, dict[str, str]]:
    """logical ID -> {check id: comment} for every resource that skips a checkov check."""
    found: dict[str, dict[str, str]] = {}
    for logical_id, resource in template["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            found.setdefault(logical_id, {})[skip["id"]] = skip.get("comment", "")
    return found


def _of_type(template: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


@pytest.mark.parametrize("config", CONFIGS)
def test_every_checkov_skip_says_why(config: str) -> None:
    skips = _skips(synthesize(config).template)
    assert skips
    for logical_id, checks in skips.items():
        for check_id, comment in checks.items():
            assert len(comment.split()) >= 5, f"{logical_id}: {check_id} has no real reason"


@pytest.mark.parametrize("config", CONFIGS)
def test_checkov_skips_sit_only_on_the_decided_resources(
    config: str,
) -> None:
    template = synthesize(config).template
    skips = _skips(template)
    buckets = _of_type(template, "AWS::S3::Bucket")
    log_buckets = [k for k in buckets if "AccessLogs" in k]
    distributions = [
        k
        for k, v in _of_type(template, "AWS::CloudFront::Distribution").items()
        if "Certificate revocation lists"
        in v["Properties"]["DistributionConfig"].get("Comment", "")
    ]
    assert log_buckets and distributions
    for bucket in log_buckets:
        # The access-log bucket is the only bucket without access logging of its own.
        assert "LoggingConfiguration" not in buckets[bucket]["Properties"]
        assert set(skips.pop(bucket)) == {"CKV_AWS_18"}
    for distribution in distributions:
        config_ = template["Resources"][distribution]["Properties"]["DistributionConfig"]
        expected = {"CKV_AWS_68", "CKV_AWS_34"}
        viewer = config_.get("ViewerCertificate", {})
        if viewer.get("MinimumProtocolVersion") != "TLSv1.2_2021":
            expected.add("CKV_AWS_174")  # the default certificate: CloudFront forces TLSv1
        assert config_["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "allow-all"
        assert set(skips.pop(distribution)) == expected
    # The OCSP proxy: plain http for RFC 6960 clients, no WAF (cdk_pca.ocsp_distribution).
    for logical_id in [k for k in list(skips) if k.startswith("OcspDistribution")]:
        assert set(skips.pop(logical_id)) == {"CKV_AWS_68", "CKV_AWS_34"}
    # Lambda functions (canary, custom resource providers) and their log groups
    # (cdk_pca.checkov.LAMBDA_SKIPS, LOG_GROUP_SKIPS); the canary's variable holds only CA ARNs.
    for logical_id in _of_type(template, "AWS::Lambda::Function"):
        extra = {"CKV_AWS_173"} if logical_id.startswith("RevocationCanary") else set()
        assert set(skips.pop(logical_id)) == {"CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117", *extra}
    for logical_id in _of_type(template, "AWS::Logs::LogGroup"):
        assert set(skips.pop(logical_id)) == {"CKV_AWS_158"}
    assert skips == {}, "a checkov skip outside the decided places"
