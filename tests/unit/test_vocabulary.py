"""The PCA vocabulary: signing algorithms follow the key family, templates carry the path length."""

from __future__ import annotations

import pytest

from cdk_pca import vocabulary as v


@pytest.mark.parametrize("key_algorithm", v.KEY_ALGORITHMS)
def test_default_signing_algorithm_belongs_to_the_key_family(key_algorithm: str) -> None:
    signing = v.default_signing_algorithm(key_algorithm)
    assert signing in v.SIGNING_ALGORITHMS
    assert signing in v.signing_algorithms_for(key_algorithm)


def test_rsa_key_cannot_sign_with_ecdsa() -> None:
    assert "SHA256WITHECDSA" not in v.signing_algorithms_for("RSA_4096")
    assert "SHA512WITHRSA_PSS" in v.signing_algorithms_for("RSA_4096")


def test_ml_dsa_key_signs_only_with_its_own_parameter_set() -> None:
    assert v.signing_algorithms_for("ML_DSA_65") == ("ML_DSA_65",)


def test_subordinate_template_names_the_path_length() -> None:
    assert v.subordinate_template_arn(2).endswith("SubordinateCACertificate_PathLen2/V1")
    with pytest.raises(ValueError, match=r"allowed 0\.\.3"):
        v.subordinate_template_arn(4)


def test_construct_ids_and_output_keys_derive_from_one_stem() -> None:
    # Part of every logical ID of a config's CAs: a compatibility promise.
    assert v.construct_id_stem("issuing-2") == "Issuing2"
    assert v.ca_construct_id("issuing-2") == "Issuing2Ca"
    assert v.ca_output_key("eu-west-tls") == "EuWestTlsCaArn"
