"""The AWS Private CA and ACM vocabulary (algorithms, templates, statuses) and the rules that tie it.

Plain Python, shared by the config loader, the constructs and the CLI, so all reject the same mistakes.
"""

from __future__ import annotations

from typing import Final


def ocsp_responder_domain(region: str) -> str:
    """The dual-stack name of PCA's OCSP responder in `region`: the OCSP proxy's origin.

    The PCA guide names ocsp.acm-pca.<region>.amazonaws.com (IPv4 only, the URL PCA writes into
    certificates without a custom name) and, "to use IPv6 connections", the dual-stack
    acm-pca-ocsp.<region>.api.aws. It says nothing of other partitions (China, GovCloud): this is
    the commercial partition's name.
    https://docs.aws.amazon.com/privateca/latest/userguide/ocsp-customize.html
    """
    return f"acm-pca-ocsp.{region}.api.aws"


# Enumerations as the ACM PCA API spells them (botocore service model `acm-pca`, shapes
# KeyAlgorithm, SigningAlgorithm, KeyStorageSecurityStandard, CertificateAuthorityUsageMode).
KEY_ALGORITHMS: Final = (
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "EC_prime256v1",
    "EC_secp384r1",
    "EC_secp521r1",
    "ML_DSA_44",
    "ML_DSA_65",
    "ML_DSA_87",
    "SM2",
)
SIGNING_ALGORITHMS: Final = (
    "SHA256WITHECDSA",
    "SHA384WITHECDSA",
    "SHA512WITHECDSA",
    "SHA256WITHRSA",
    "SHA384WITHRSA",
    "SHA512WITHRSA",
    "SHA256WITHRSA_PSS",
    "SHA384WITHRSA_PSS",
    "SHA512WITHRSA_PSS",
    "SM3WITHSM2",
    "ML_DSA_44",
    "ML_DSA_65",
    "ML_DSA_87",
)
KEY_STORAGE_SECURITY_STANDARDS: Final = (
    "FIPS_140_2_LEVEL_2_OR_HIGHER",
    "FIPS_140_2_LEVEL_3_OR_HIGHER",
    "CCPC_LEVEL_1_OR_HIGHER",
)
USAGE_MODES: Final = ("GENERAL_PURPOSE", "SHORT_LIVED_CERTIFICATE")
CA_TYPES: Final = ("ROOT", "SUBORDINATE")
REVOCATION_REASONS: Final = (
    "UNSPECIFIED",
    "KEY_COMPROMISE",
    "CERTIFICATE_AUTHORITY_COMPROMISE",
    "AFFILIATION_CHANGED",
    "SUPERSEDED",
    "CESSATION_OF_OPERATION",
    "PRIVILEGE_WITHDRAWN",
    "A_A_COMPROMISE",
)

# The strongest hash that matches the key size, as AWS's own console proposes.
_DEFAULT_SIGNING: Final = {
    "RSA_2048": "SHA256WITHRSA",
    "RSA_3072": "SHA384WITHRSA",
    "RSA_4096": "SHA512WITHRSA",
    "EC_prime256v1": "SHA256WITHECDSA",
    "EC_secp384r1": "SHA384WITHECDSA",
    "EC_secp521r1": "SHA512WITHECDSA",
    "ML_DSA_44": "ML_DSA_44",
    "ML_DSA_65": "ML_DSA_65",
    "ML_DSA_87": "ML_DSA_87",
    "SM2": "SM3WITHSM2",
}

# Issued CA certificates: RootCACertificate/V1 for a root, SubordinateCACertificate_PathLenN/V1
# for a subordinate with N CA levels below it. AWS offers N = 0..3, so a hierarchy has at most
# five levels. https://docs.aws.amazon.com/privateca/latest/userguide/UsingTemplates.html
ROOT_CA_TEMPLATE: Final = "arn:aws:acm-pca:::template/RootCACertificate/V1"
MAX_SUBORDINATE_PATH_LEN: Final = 3
MAX_HIERARCHY_DEPTH: Final = MAX_SUBORDINATE_PATH_LEN + 2

# Rough list prices (USD per CA per month) for the plan's estimate.
# https://aws.amazon.com/private-ca/pricing/
# ACM emits "ACM Certificate Approaching Expiration" events from DaysBeforeExpiry days before
# expiry, and DaysBeforeExpiry is 1..45 (default 45): an expiry threshold above 45 days would
# promise an event ACM never sends.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-certificatemanager-account-expiryeventsconfiguration.html
# https://docs.aws.amazon.com/acm/latest/APIReference/API_PutAccountConfiguration.html
DAYS_TO_EXPIRY_RANGE: Final = (1, 45)
MONTHLY_COST_USD: Final = {"GENERAL_PURPOSE": 400, "SHORT_LIVED_CERTIFICATE": 50}

# The revocation canary (config `canary:`): minutes between runs. At least 5: a run takes up to
# the function's 1-minute timeout and runs must not overlap; at most 60, so that the alarms that
# wait for two consecutive runs speak within two hours.
CANARY_SCHEDULE_MINUTES_RANGE: Final = (5, 60)
DEFAULT_CANARY_SCHEDULE_MINUTES: Final = 15
# CA certificate lifecycle (config alarms.end_entity_validity_days, alarms.ca_rotation_warning_days).
# A short-lived-mode CA issues certificates valid at most 7 days: https://docs.aws.amazon.com/privateca/latest/userguide/short-lived-certificates.html
# ACM's private certificates are valid 395 days:
# https://docs.aws.amazon.com/acm/latest/userguide/private-certificates.title.html
SHORT_LIVED_CERTIFICATE_MAX_DAYS: Final = 7
DEFAULT_END_ENTITY_VALIDITY_DAYS: Final = 395
DEFAULT_ROTATION_WARNING_DAYS: Final = 90


def construct_id_stem(name: str) -> str:
    """`issuing-2` -> `Issuing2`: how PkiStack starts the construct IDs, and so the logical IDs, of
    a CA or a lookup named in a config. A compatibility promise: never change this mapping."""
    return "".join(part.capitalize() for part in name.split("-"))


def ca_construct_id(ca_name: str) -> str:
    """`issuing-2` -> `Issuing2Ca`: the construct ID of a config's CA, part of its logical IDs."""
    return construct_id_stem(ca_name) + "Ca"


def ca_output_key(ca_name: str) -> str:
    """`issuing-2` -> `Issuing2CaArn`: the PkiStack output that holds a CA's ARN."""
    return ca_construct_id(ca_name) + "Arn"


def key_family(key_algorithm: str) -> str:
    """'RSA', 'EC', 'SM2' or the ML-DSA parameter set itself (ML-DSA keys sign only with their own)."""
    if key_algorithm.startswith("RSA_"):
        return "RSA"
    if key_algorithm.startswith("EC_"):
        return "EC"
    return key_algorithm


def signing_family(signing_algorithm: str) -> str:
    """The key family that can produce signatures of this algorithm."""
    if "WITHRSA" in signing_algorithm:
        return "RSA"
    if signing_algorithm.endswith("WITHECDSA"):
        return "EC"
    if signing_algorithm == "SM3WITHSM2":
        return "SM2"
    return signing_algorithm


def default_signing_algorithm(key_algorithm: str) -> str:
    """The signing algorithm used when none is given: the key's family, hash sized to the key."""
    return _DEFAULT_SIGNING[key_algorithm]


# The one hash an ECDSA key signs with: the hash sized to its curve. AWS Private CA documents only
# that "the specified signing algorithm family (RSA or ECDSA) must match the algorithm family of
# the CA's private key" and is silent on hash and curve
# (https://docs.aws.amazon.com/privateca/latest/userguide/supported-algorithms.html). The CA/Browser
# Forum Baseline Requirements 7.1.3.2.2 (and Mozilla's root store policy) are not: a P-256 key MUST
# sign with SHA-256, P-384 with SHA-384, P-521 with SHA-512; a P-384 CA signing with SHA-256 makes
# certificates that conforming verifiers may refuse. BR 7.1.3.2.2 as published in a rendering of the
# Baseline Requirements: https://vanbroup.github.io/documents/7.1.3.2.2
# RSA keys carry no curve: any SHA-2 hash of the family stays allowed.
_ECDSA_HASH_OF_CURVE: Final = {
    "EC_prime256v1": "SHA256WITHECDSA",
    "EC_secp384r1": "SHA384WITHECDSA",
    "EC_secp521r1": "SHA512WITHECDSA",
}


def signing_algorithms_for(key_algorithm: str) -> tuple[str, ...]:
    """Every signing algorithm a key of this algorithm may sign with.

    The key's family (PCA's rule); for an ECDSA key, only the hash matching its curve. A CA signs
    the certificates of the CAs below it with its own signing algorithm, so this rule, checked on
    every CA, also fixes the hash of each CA certificate to its issuer's curve.
    """
    if key_algorithm in _ECDSA_HASH_OF_CURVE:
        return (_ECDSA_HASH_OF_CURVE[key_algorithm],)
    family = key_family(key_algorithm)
    return tuple(alg for alg in SIGNING_ALGORITHMS if signing_family(alg) == family)


def subordinate_template_arn(path_len: int) -> str:
    """SubordinateCACertificate_PathLenN/V1 for a CA with `path_len` CA levels below it."""
    if not 0 <= path_len <= MAX_SUBORDINATE_PATH_LEN:
        raise ValueError(
            f"path_len {path_len} is not offered by AWS Private CA: "
            f"allowed 0..{MAX_SUBORDINATE_PATH_LEN}"
        )
    return f"arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen{path_len}/V1"


# ACM (certificate lookup) vocabulary, botocore service model `acm`. ListCertificates'
# Includes.keyTypes and the KeyAlgorithm shape use underscores (RSA_2048); DescribeCertificate
# and the summaries spell the same algorithms with a hyphen (RSA-2048).
ACM_CERTIFICATE_STATUSES: Final = (
    "PENDING_VALIDATION",
    "ISSUED",
    "INACTIVE",
    "EXPIRED",
    "VALIDATION_TIMED_OUT",
    "REVOKED",
    "FAILED",
)
ACM_CERTIFICATE_TYPES: Final = ("IMPORTED", "AMAZON_ISSUED", "PRIVATE")
ACM_KEY_TYPES: Final = (
    "RSA_1024",
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "EC_prime256v1",
    "EC_secp384r1",
    "EC_secp521r1",
)


# A bucket CloudFormation names itself is called <stack>-<logical ID>-<random suffix>, lowercased:
# the CloudFormation guide shows it only by example ("stack123123123123-s3bucket-abcdefghijk1",
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html)
# and does not document how it shortens a longer name to S3's 63 characters
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html). Suffixes seen
# in the field have 12 or 13 characters; counting 13, a name that fits is never shortened.
S3_BUCKET_NAME_MAX: Final = 63
GENERATED_BUCKET_SUFFIX_MAX: Final = 13


def generated_bucket_stack_name_max(bucket_logical_id: str) -> int:
    """The longest stack name whose generated name for this bucket is never shortened (SSE_KMS
    spells that name in the key policy, see cdk_pca.crl_bucket)."""
    return S3_BUCKET_NAME_MAX - len(bucket_logical_id) - 2 - GENERATED_BUCKET_SUFFIX_MAX
