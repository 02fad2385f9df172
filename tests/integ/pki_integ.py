"""What every integration test proves of a deployed PKI, as integ-tests-alpha assertions.

Each CA ACTIVE, a certificate issued by the issuing CA, CRLs over plain http through the CRL
distribution, and an OCSP answer. The `integ_*.py` files beside this one build the stacks.
"""

from __future__ import annotations

import base64
import re
import sys
import urllib.parse
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

# isort: off
# `stacks` first: it points jsii at the project's Node 22 before aws_cdk starts Node.
from stacks import PkiStack  # noqa: E402
import aws_cdk as cdk  # noqa: E402

# isort: on
from aws_cdk import Duration, Fn  # noqa: E402
from aws_cdk.integ_tests_alpha import ExpectedResult, IntegTest, Match  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509 import ocsp  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

from cdk_pca.config import NotificationsConfig, PkiConfig, load_config  # noqa: E402

DEFAULT_CONFIG = PROJECT_ROOT / "pki.yaml"
# Public on purpose: the key of the test certificate is derived from this constant, so the CSR,
# and with it the snapshot, is the same at every synth. The certificate proves issuance only.
_TEST_KEY_SCALAR = 0x0DC7_2026_0CA0_1A7E_57C5_1CC0_FFEE_0001
TEST_CERTIFICATE_NAME = "integ.cdk-pca.invalid"
# PCA writes a CA's first CRL only after it has issued a certificate that refers to it, and CRL
# updates take up to 30 minutes to appear (DESIGN.md, facts from the field; the PCA guide:
# https://docs.aws.amazon.com/privateca/latest/userguide/crl-planning.html).
CRL_WAIT = Duration.minutes(40)


def integ_config(name: str, *, config_path: Path = DEFAULT_CONFIG, **changes: Any) -> PkiConfig:
    """The config under test, renamed (its stack must not collide with a real deploy of it) and
    without e-mail subscriptions (an integration run must not mail anyone)."""
    config = load_config(str(config_path))
    return config.model_copy(
        update={"name": name, "notifications": NotificationsConfig(), **changes}
    )


def with_ocsp_custom_cname(config: PkiConfig, name: str) -> PkiConfig:
    """`config` with `name` as the custom OCSP name of every CA that has OCSP on, so the stack
    gets its OCSP distribution. No DNS points the name anywhere: the test asks the distribution's
    own domain, which proxies any Host to the responder (the name only has to be written into
    the issued certificates)."""
    cas = tuple(
        ca.model_copy(update={"ocsp": ca.ocsp.model_copy(update={"custom_cname": name})})
        if ca.ocsp.enabled
        else ca
        for ca in config.certificate_authorities
    )
    return config.model_copy(update={"certificate_authorities": cas})


def certificate_request_pem() -> str:
    """A CSR for the test certificate, byte-identical at every synth (fixed key, RFC 6979
    deterministic ECDSA): a random one would change the snapshot at every run."""
    key = ec.derive_private_key(_TEST_KEY_SCALAR, ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, TEST_CERTIFICATE_NAME)]))
        .sign(key, hashes.SHA256(), ecdsa_deterministic=True)
    )
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def ocsp_get_path() -> str:
    """RFC 6960 A.1 GET form of a DER OCSP request (url-encoded base64), fixed at synth.

    Its CertID cannot name the issuing CA: the CA's key, whose hash the CertID carries, exists
    only after deploy. The responder still answers with an OCSP response (an error status for an
    issuer it does not know); checking a response signed for the CA is `cdk-pca doctor`'s work.
    """
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate_by_hash(b"\x00" * 20, b"\x00" * 20, 1, hashes.SHA1())
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    return urllib.parse.quote(base64.b64encode(request).decode(), safe="")


def build_integ_app(test_name: str, config: PkiConfig) -> cdk.App:
    """The app integ-runner synthesizes: the PkiStack of `config` and its assertions."""
    # No stack traces in the metadata: they name temporary jsii folders and churn every snapshot.
    app = cdk.App(stack_traces=False)
    # Environment-agnostic, as integ-runner expects: it deploys into the region it is given.
    stack = PkiStack(app, config.name, config=config)
    integ = IntegTest(
        app,
        test_name,
        test_cases=[stack],
        # CAs are billed from creation: a run deploys the current snapshot only, not first the
        # committed one and then an update.
        stack_update_workflow=False,
        diff_assets=False,
    )
    assertions = integ.assertions

    for ca in stack.certificate_authorities.values():
        assertions.aws_api_call(
            "ACMPCA",
            "describeCertificateAuthority",
            {"CertificateAuthorityArn": ca.certificate_authority_arn},
        ).expect(ExpectedResult.object_like({"CertificateAuthority": {"Status": "ACTIVE"}}))
        if ca.crl is not None and stack.crl_distribution is not None and ca.path_len > 0:
            # A CA that signed a CA at deploy already refers to its CRL: it must be there.
            _crl_answers(assertions, stack, ca)

    issuing = _issuing_ca(stack)
    issue = assertions.aws_api_call(
        "ACMPCA",
        "issueCertificate",
        {
            "CertificateAuthorityArn": issuing.certificate_authority_arn,
            "Csr": certificate_request_pem(),
            "SigningAlgorithm": issuing.signing_algorithm,
            "Validity": {"Type": "DAYS", "Value": 1},
            "IdempotencyToken": f"{config.name}-cert"[:36],
        },
    )
    fetched = assertions.aws_api_call(
        "ACMPCA",
        "getCertificate",
        {
            "CertificateAuthorityArn": issuing.certificate_authority_arn,
            "CertificateArn": issue.get_att_string("CertificateArn"),
        },
    )
    fetched.expect(
        ExpectedResult.object_like({"Certificate": Match.string_like_regexp("BEGIN CERTIFICATE")})
    ).wait_for_assertions(interval=Duration.seconds(10), total_timeout=Duration.minutes(5))
    issue.next(fetched)
    if issuing.crl is not None and stack.crl_distribution is not None:
        fetched.next(_crl_answers(assertions, stack, issuing))
    if issuing.ocsp is not None:
        _ocsp_answers(assertions, stack)
    return app


def _issuing_ca(stack: PkiStack) -> Any:
    """The CA that signs end-entity certificates: one with no CA below it (the last such)."""
    leaves = [ca for ca in stack.certificate_authorities.values() if ca.path_len == 0]
    return leaves[-1]


def _crl_answers(assertions: Any, stack: PkiStack, ca: Any) -> Any:
    """GET http://<CRL distribution>/<path>/<CA ID>.crl answers 200 with DER (a SEQUENCE, 0x30).
    The path rule: https://docs.aws.amazon.com/privateca/latest/userguide/crl-planning.html#crl-url
    """
    assert stack.crl_distribution is not None
    folder = (ca.crl.custom_path or "crl").strip("/")
    ca_id = Fn.select(1, Fn.split("/", ca.certificate_authority_arn))
    host = ca.crl.custom_cname if ca.crl.custom_cname else stack.crl_distribution.domain_name
    url = Fn.join("", ["http://", host, f"/{folder}/" if folder else "/", ca_id, ".crl"])
    call = assertions.http_api_call(url)
    # The handler reads the body as text: a DER CRL starts with the SEQUENCE tag 0x30, "0".
    call.expect(
        ExpectedResult.object_like({"status": 200, "body": Match.string_like_regexp("^0")})
    ).wait_for_assertions(interval=Duration.minutes(1), total_timeout=CRL_WAIT)
    return call


def _ocsp_answers(assertions: Any, stack: PkiStack) -> Any:
    """An OCSP GET (RFC 6960 A.1) answers 200 with application/ocsp-response (RFC 6960 A.2).

    Through the stack's OCSP distribution when it has one, else AWS's responder for the region:
    https://docs.aws.amazon.com/privateca/latest/userguide/ocsp-customize.html
    """
    distribution = getattr(stack, "ocsp_distribution", None)
    host = (
        distribution.domain_name
        if distribution is not None
        else Fn.join("", ["ocsp.acm-pca.", cdk.Aws.REGION, ".amazonaws.com"])
    )
    call = assertions.http_api_call(Fn.join("", ["http://", host, "/", ocsp_get_path()]))
    call.expect(
        ExpectedResult.object_like(
            {"status": 200, "headers": {"content-type": ["application/ocsp-response"]}}
        )
    ).wait_for_assertions(interval=Duration.seconds(30), total_timeout=Duration.minutes(10))
    return call


# --- integ-runner compatibility -----------------------------------------------------------------

# integ-runner 2.197.10 (the newest published) bundles a toolkit that reads cloud assembly schema
# 53 at most; aws-cdk-lib 2.275.0 writes 55.0.0, and the toolkit refuses it ("Cloud assembly schema
# version mismatch") before synthesizing or comparing anything. Nothing in these assemblies uses
# what schema 54 and 55 added (the toolkit validates every manifest against its 53 schema, and
# rejects unknown fields), so the app declares 53. Remove this once integ-runner reads 55.
INTEG_RUNNER_MAX_SCHEMA = "53.0.0"


_SCHEMA_VERSION = re.compile(r'^(\{\s*"version":\s*")(5[4-9]\.\d+\.\d+)(")')


def synth_for_integ_runner(app: cdk.App) -> None:
    """app.synth(), then declare the schema integ-runner reads in the assembly's own manifests
    (manifest.json, integ.json, *.assets.json: each starts with its schema version)."""
    outdir = Path(app.synth().directory)
    for manifest in [
        outdir / "manifest.json",
        outdir / "integ.json",
        *outdir.glob("*.assets.json"),
    ]:
        if manifest.exists():
            text = manifest.read_text()
            manifest.write_text(
                _SCHEMA_VERSION.sub(rf"\g<1>{INTEG_RUNNER_MAX_SCHEMA}\g<3>", text, 1)
            )
