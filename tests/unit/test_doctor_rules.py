"""The pure rules of `cdk-pca doctor`: the stack output names, the URLs and the policy evaluation."""

from __future__ import annotations

from cdk_pca.doctor import crl_url, ocsp_url, policy_allows

PCA = "acm-pca.amazonaws.com"
BUCKET_ARN = "arn:aws:s3:::crl-bucket"


def test_crl_url_follows_pca_cdp_rules() -> None:
    assert (
        crl_url({"CustomCname": "crl.example.com"}, region="eu-west-1", ca_id="abc")
        == "http://crl.example.com/crl/abc.crl"
    )
    assert (
        crl_url({"S3BucketName": "b", "CustomPath": "pki/crl/"}, region="eu-west-1", ca_id="abc")
        == "http://b.s3.eu-west-1.amazonaws.com/pki/crl/abc.crl"
    )


def test_ocsp_url_is_the_custom_name_or_the_regional_responder() -> None:
    assert ocsp_url({"OcspCustomCname": "ocsp.example.com"}, "us-east-1") == (
        "http://ocsp.example.com"
    )
    assert ocsp_url({}, "eu-west-1") == "http://ocsp.acm-pca.eu-west-1.amazonaws.com"


def _allow(**statement: object) -> dict[str, object]:
    base: dict[str, object] = {
        "Effect": "Allow",
        "Principal": {"Service": PCA},
        "Action": "s3:PutObject",
        "Resource": f"{BUCKET_ARN}/*",
    }
    base.update(statement)
    return {"Statement": [base]}


def test_wildcard_actions_and_resources_grant() -> None:
    policy = _allow(Action=["s3:Put*"], Resource=["arn:aws:s3:::crl-*"])
    assert policy_allows(policy, PCA, "s3:PutObjectAcl", f"{BUCKET_ARN}/crl/x.crl", {}) == "allow"


def test_other_principal_or_resource_does_not_grant() -> None:
    assert policy_allows(_allow(Principal={"Service": "s3.amazonaws.com"}), PCA, "s3:PutObject",
                         f"{BUCKET_ARN}/crl/x.crl", {}) is None  # fmt: skip
    assert policy_allows(_allow(), PCA, "s3:PutObject", BUCKET_ARN, {}) is None


def test_source_account_condition_must_match() -> None:
    policy = _allow(Condition={"StringEquals": {"aws:SourceAccount": "111111111111"}})
    resource = f"{BUCKET_ARN}/crl/x.crl"
    assert policy_allows(policy, PCA, "s3:PutObject", resource, {}) is None
    assert (
        policy_allows(policy, PCA, "s3:PutObject", resource, {"aws:sourceaccount": "111111111111"})
        == "allow"
    )
    assert (
        policy_allows(policy, PCA, "s3:PutObject", resource, {"aws:sourceaccount": "222222222222"})
        is None
    )


def test_unconditional_deny_wins_and_tls_only_deny_does_not_apply_to_tls() -> None:
    resource = f"{BUCKET_ARN}/crl/x.crl"
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": f"{BUCKET_ARN}/*"}
    policy = _allow()
    policy["Statement"].append(deny)  # type: ignore[attr-defined]
    assert policy_allows(policy, PCA, "s3:PutObject", resource, {}) == "deny"
    deny["Condition"] = {"Bool": {"aws:SecureTransport": "false"}}
    assert policy_allows(
        policy, PCA, "s3:PutObject", resource, {"aws:securetransport": "true"}
    ) == ("allow")


def test_a_numeric_condition_value_is_read_not_crashed_on() -> None:
    # Every TLS-only bucket policy carries {"NumericLessThan": {"s3:TlsVersion": 1.2}}, a number.
    resource = f"{BUCKET_ARN}/crl/x.crl"
    policy = _allow()
    policy["Statement"].append(  # type: ignore[attr-defined]
        {
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "s3:*",
            "Resource": f"{BUCKET_ARN}/*",
            "Condition": {"NumericLessThan": {"s3:TlsVersion": 1.2}},
        }
    )
    assert policy_allows(policy, PCA, "s3:PutObject", resource, {}) == "allow"
