"""NIST PKITS revocation sections run through `status`: each link of each path checked on loopback.

PKITS judges whole paths; `status` checks one certificate against its issuer, so a path is revoked
when any link is, good when every link is, unknown otherwise. README "Conformance (NIST PKITS)".
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

from cdk_pca.revocation.result import combine
from cdk_pca.revocation.status import check_status
from tests.conformance.pkits import build_path
from tests.integration.openssl_pki import RevocationHttpServer

# case: (PKITS path below the trust anchor, PKITS verdict, what status says, why).
# "valid"/"invalid" are PKITS's; status must never say good where PKITS says invalid.
CASES: dict[str, tuple[list[str], str, str, str]] = {
    "4.4.1": (["NoCRLCACert", "InvalidMissingCRLTest1EE"], "invalid", "unknown", "no CRL"),
    "4.4.2": (["GoodCACert", "RevokedsubCACert", "InvalidRevokedCATest2EE"], "invalid", "revoked",
              "the sub-CA is on its issuer's CRL"),
    "4.4.3": (["GoodCACert", "InvalidRevokedEETest3EE"], "invalid", "revoked", "EE on the CRL"),
    "4.4.4": (["BadCRLSignatureCACert", "InvalidBadCRLSignatureTest4EE"], "invalid", "unknown",
              "CRL signature does not verify"),
    "4.4.5": (["BadCRLIssuerNameCACert", "InvalidBadCRLIssuerNameTest5EE"], "invalid", "unknown",
              "CRL issuer name is not the CA's"),
    "4.4.6": (["WrongCRLCACert", "InvalidWrongCRLTest6EE"], "invalid", "unknown",
              "the CRL is another CA's"),
    "4.4.7": (["TwoCRLsCACert", "ValidTwoCRLsTest7EE"], "valid", "good",
              "the first CDP URL's CRL does not verify, the next one does"),
    "4.4.8": (["UnknownCRLEntryExtensionCACert", "InvalidUnknownCRLEntryExtensionTest8EE"],
              "invalid", "unknown", "critical unknown CRL entry extension"),
    "4.4.9": (["UnknownCRLExtensionCACert", "InvalidUnknownCRLExtensionTest9EE"], "invalid",
              "unknown", "critical unknown CRL extension"),
    "4.4.10": (["UnknownCRLExtensionCACert", "InvalidUnknownCRLExtensionTest10EE"], "invalid",
               "unknown", "critical unknown CRL extension"),
    "4.4.11": (["OldCRLnextUpdateCACert", "InvalidOldCRLnextUpdateTest11EE"], "invalid",
               "unknown", "CRL nextUpdate has passed"),
    "4.4.12": (["pre2000CRLnextUpdateCACert", "Invalidpre2000CRLnextUpdateTest12EE"], "invalid",
               "unknown", "CRL nextUpdate has passed"),
    "4.4.13": (["GeneralizedTimeCRLnextUpdateCACert", "ValidGeneralizedTimeCRLnextUpdateTest13EE"],
               "valid", "good", "GeneralizedTime nextUpdate read"),
    "4.4.14": (["NegativeSerialNumberCACert", "ValidNegativeSerialNumberTest14EE"], "valid",
               "good", "negative serial looked up"),
    "4.4.15": (["NegativeSerialNumberCACert", "InvalidNegativeSerialNumberTest15EE"], "invalid",
               "revoked", "negative serial found on the CRL"),
    "4.4.16": (["LongSerialNumberCACert", "ValidLongSerialNumberTest16EE"], "valid", "good",
               "20-octet serial"),
    "4.4.17": (["LongSerialNumberCACert", "ValidLongSerialNumberTest17EE"], "valid", "good",
               "20-octet serial"),
    "4.4.18": (["LongSerialNumberCACert", "InvalidLongSerialNumberTest18EE"], "invalid",
               "revoked", "20-octet serial found on the CRL"),
    "4.4.19": (["SeparateCertificateandCRLKeysCertificateSigningCACert",
                "ValidSeparateCertificateandCRLKeysTest19EE"], "valid", "unknown",
               "CRL signed by a separate CRL-signing key: its certificate is not fetched"),
    "4.4.20": (["SeparateCertificateandCRLKeysCertificateSigningCACert",
                "InvalidSeparateCertificateandCRLKeysTest20EE"], "invalid", "unknown",
               "as 4.4.19"),
    "4.4.21": (["SeparateCertificateandCRLKeysCA2CertificateSigningCACert",
                "InvalidSeparateCertificateandCRLKeysTest21EE"], "invalid", "unknown",
               "as 4.4.19"),
    "4.7.3": (["keyUsageNotCriticalCACert", "ValidkeyUsageNotCriticalTest3EE"], "valid", "good",
              "keyUsage not critical, cRLSign set"),
    "4.7.4": (["keyUsageCriticalcRLSignFalseCACert", "InvalidkeyUsageCriticalcRLSignFalseTest4EE"],
              "invalid", "unknown", "CRL signer lacks cRLSign"),
    "4.7.5": (["keyUsageNotCriticalcRLSignFalseCACert",
               "InvalidkeyUsageNotCriticalcRLSignFalseTest5EE"], "invalid", "unknown",
              "CRL signer lacks cRLSign"),
    "4.14.1": (["distributionPoint1CACert", "ValiddistributionPointTest1EE"], "valid", "good",
               "IDP directoryName matches the CDP's"),
    "4.14.2": (["distributionPoint1CACert", "InvaliddistributionPointTest2EE"], "invalid",
               "revoked", "on the CRL of its distribution point"),
    "4.14.3": (["distributionPoint1CACert", "InvaliddistributionPointTest3EE"], "invalid",
               "unknown", "IDP names another distribution point"),
    "4.14.4": (["distributionPoint1CACert", "ValiddistributionPointTest4EE"], "valid", "unknown",
               "CDP is nameRelativeToCRLIssuer, which cannot carry the fixture's URL"),
    "4.14.5": (["distributionPoint2CACert", "ValiddistributionPointTest5EE"], "valid", "unknown",
               "as 4.14.4"),
    "4.14.6": (["distributionPoint2CACert", "InvaliddistributionPointTest6EE"], "invalid",
               "revoked", "on the CRL of its distribution point"),
    "4.14.7": (["distributionPoint2CACert", "ValiddistributionPointTest7EE"], "valid", "good",
               "IDP nameRelativeToCRLIssuer matches the CDP's directoryName"),
    "4.14.8": (["distributionPoint2CACert", "InvaliddistributionPointTest8EE"], "invalid",
               "unknown", "IDP names another distribution point"),
    "4.14.9": (["distributionPoint2CACert", "InvaliddistributionPointTest9EE"], "invalid",
               "unknown", "IDP names another distribution point"),
    "4.14.10": (["NoissuingDistributionPointCACert", "ValidNoissuingDistributionPointTest10EE"],
                "valid", "good", "a CRL without IDP covers every distribution point"),
    "4.14.11": (["onlyContainsUserCertsCACert", "InvalidonlyContainsUserCertsTest11EE"],
                "invalid", "unknown", "CRL only for end entities, certificate is a CA"),
    "4.14.12": (["onlyContainsCACertsCACert", "InvalidonlyContainsCACertsTest12EE"], "invalid",
                "unknown", "CRL only for CAs, certificate is an end entity"),
    "4.14.13": (["onlyContainsCACertsCACert", "ValidonlyContainsCACertsTest13EE"], "valid",
                "good", "CRL only for CAs, certificate is a CA"),
    "4.14.14": (["onlyContainsAttributeCertsCACert", "InvalidonlyContainsAttributeCertsTest14EE"],
                "invalid", "unknown", "CRL only for attribute certificates"),
    "4.14.15": (["onlySomeReasonsCA1Cert", "InvalidonlySomeReasonsTest15EE"], "invalid",
                "revoked", "listed on a reason-partitioned CRL"),
    "4.14.16": (["onlySomeReasonsCA1Cert", "InvalidonlySomeReasonsTest16EE"], "invalid",
                "revoked", "listed on a reason-partitioned CRL"),
    "4.14.17": (["onlySomeReasonsCA2Cert", "InvalidonlySomeReasonsTest17EE"], "invalid",
                "unknown", "reason-partitioned CRLs do not cover all reasons"),
    "4.14.18": (["onlySomeReasonsCA3Cert", "ValidonlySomeReasonsTest18EE"], "valid", "unknown",
                "reason-partitioned CRLs are not combined"),
    "4.14.19": (["onlySomeReasonsCA4Cert", "ValidonlySomeReasonsTest19EE"], "valid", "unknown",
                "reason-partitioned CRLs are not combined"),
    "4.14.20": (["onlySomeReasonsCA4Cert", "InvalidonlySomeReasonsTest20EE"], "invalid",
                "revoked", "listed on a reason-partitioned CRL"),
    "4.14.21": (["onlySomeReasonsCA4Cert", "InvalidonlySomeReasonsTest21EE"], "invalid",
                "revoked", "listed on a reason-partitioned CRL"),
    "4.15.1": (["deltaCRLIndicatorNoBaseCACert", "InvaliddeltaCRLIndicatorNoBaseTest1EE"],
               "invalid", "unknown", "only a delta CRL is published"),
    "4.15.2": (["deltaCRLCA1Cert", "ValiddeltaCRLTest2EE"], "valid", "unknown",
               "delta CRLs (freshestCRL) are not read"),
    "4.15.3": (["deltaCRLCA1Cert", "InvaliddeltaCRLTest3EE"], "invalid", "revoked",
               "revoked on the base CRL"),
    "4.15.4": (["deltaCRLCA1Cert", "InvaliddeltaCRLTest4EE"], "invalid", "unknown",
               "delta CRLs are not read"),
    "4.15.5": (["deltaCRLCA1Cert", "ValiddeltaCRLTest5EE"], "valid", "unknown",
               "delta CRLs are not read"),
    "4.15.6": (["deltaCRLCA1Cert", "InvaliddeltaCRLTest6EE"], "invalid", "unknown",
               "delta CRLs are not read"),
    "4.15.7": (["deltaCRLCA1Cert", "ValiddeltaCRLTest7EE"], "valid", "unknown",
               "delta CRLs are not read"),
    "4.15.8": (["deltaCRLCA2Cert", "ValiddeltaCRLTest8EE"], "valid", "unknown",
               "delta CRLs are not read"),
    "4.15.9": (["deltaCRLCA2Cert", "InvaliddeltaCRLTest9EE"], "invalid", "revoked",
               "revoked on the base CRL"),
    "4.15.10": (["deltaCRLCA3Cert", "InvaliddeltaCRLTest10EE"], "invalid", "unknown",
                "delta CRLs are not read"),
}  # fmt: skip


@pytest.fixture(scope="module")
def http() -> Iterator[RevocationHttpServer]:
    server = RevocationHttpServer()
    try:
        yield server
    finally:
        server.close()


def path_status(names: list[str], http: RevocationHttpServer) -> tuple[str, list[str]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 4.4.14/15: cryptography warns on negative serials
        links = build_path(names, http)
        reports = [check_status(link.certificate, link.issuer) for link in links]
    crl_results = [report.crl for report in reports]
    # A path is good only when every link is; revoked when any is (PKITS judges paths).
    if any(report.status == "revoked" for report in reports):
        verdict = "revoked"
    elif all(report.status == "good" for report in reports):
        verdict = "good"
    else:
        verdict = "unknown"
    assert combine(crl_results) in {"good", "revoked", "unknown"}
    errors = [
        f"{link.name}: {report.crl.error}" for link, report in zip(links, reports, strict=True)
    ]
    return verdict, errors


@pytest.mark.parametrize("case", sorted(CASES), ids=str)
def test_pkits_revocation_case(case: str, http: RevocationHttpServer) -> None:
    names, pkits_verdict, expected, _why = CASES[case]

    verdict, errors = path_status(names, http)

    assert verdict == expected, errors
    if pkits_verdict == "invalid":
        assert verdict != "good"
