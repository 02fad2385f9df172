"""The alarms and notification rules a PKI gets: names, thresholds, descriptions and runbook lines.

Plain Python (no aws_cdk): the monitoring construct builds exactly these; `cdk-pca plan` prints them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from cdk_pca import rules
from cdk_pca.pca_metrics import (
    CA_CERTIFICATE_DAYS_TO_EXPIRY,
    CRL_GENERATED,
    CRL_SECONDS_UNTIL_NEXT_UPDATE,
    CRL_VALID,
    DAYS_TO_EXPIRY,
    ISSUE_CERTIFICATE_FAILURE,
    MISCONFIGURED_CRL_BUCKET,
    OCSP_ANSWERED,
    MetricDefinition,
)
from cdk_pca.vocabulary import CANARY_SCHEDULE_MINUTES_RANGE

# CloudWatch limits. PutMetricAlarm: "Period multiplied by EvaluationPeriods can't be more than
# 604,800 seconds" (seven days), one day when the period is under an hour; AlarmName is at most
# 255 characters and AlarmDescription at most 1024.
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
MAX_ALARM_WINDOW_HOURS: Final = 7 * 24
MAX_ALARM_NAME_LENGTH: Final = 255
MAX_ALARM_DESCRIPTION_LENGTH: Final = 1024
# EventBridge rule names: 1-64 characters of [.-_A-Za-z0-9].
# https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html
MAX_RULE_NAME_LENGTH: Final = 64
# InputTransformer.InputTemplate: 1-8192 characters (the API reference's TransformerInput shape).
# https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html
MAX_INPUT_TEMPLATE_LENGTH: Final = 8192
# A CA's ID, the last part of its ARN: "arn:aws:acm-pca:region:account:certificate-authority/
# 12345678-1234-1234-1234-123456789012" (CreateCertificateAuthority's CertificateAuthorityArn).
# https://docs.aws.amazon.com/privateca/latest/APIReference/API_CreateCertificateAuthority.html
CA_ID_LENGTH: Final = 36
# The subject of the rules that match every CA of a stack: part of their names.
CA_RULE_SUBJECT: Final = "cas"


DEFAULT_DAYS_TO_EXPIRY: Final = 30
# The CRL-not-generated alarm rests on Private CA's refresh schedule, which the current guide
# leaves undocumented (see crl_generation_window_hours): it is built only for CRLs living at most
# this long, where even a refresh at half the lifetime falls well inside the alarm's window, or
# where the operator set the window. Where the revocation canary runs (canary_schedule_minutes),
# its crl-expiring and crl-unusable alarms measure the freshness of the CRL clients fetch, and
# this alarm is not built at all; without the canary it stays, within the bound above.
CRL_NOT_GENERATED_MAX_EXPIRATION_DAYS: Final = 7
DEFAULT_ISSUANCE_FAILURE_THRESHOLD: Final = 1
DEFAULT_ISSUANCE_FAILURE_PERIOD_MINUTES: Final = 5
# "If for any reason a CRL update fails, AWS Private CA makes further attempts every 15 minutes"
# (RevocationConfiguration: https://docs.aws.amazon.com/privateca/latest/APIReference/API_RevocationConfiguration.html)
PCA_CRL_RETRY_MINUTES: Final = 15
# The canary's alarms that must see a fault twice before they speak, and how many empty runs
# mean the canary has stopped reporting (one late run is not an outage).
CANARY_CONSECUTIVE_RUNS: Final = 2
CANARY_SILENT_RUNS: Final = 3

Comparison = Literal[
    "GreaterThanOrEqualToThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"
]
MissingData = Literal["breaching", "notBreaching"]

_SUBJECT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class AlarmCatalogError(ValueError):
    """Monitoring arguments that CloudWatch or EventBridge would reject; lists every problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("invalid monitoring settings:\n  " + "\n  ".join(self.problems))


@dataclass(frozen=True, kw_only=True)
class CaAlarmSettings:
    """What the alarms of one CA depend on, as plain values (the config's `alarms:` section)."""

    name: str
    """The CA's name in the PKI (`issuing`): part of every alarm name."""
    crl_enabled: bool = False
    """Whether the CA publishes CRLs: only then does it get the two CRL alarms."""
    crl_expiration_days: int = 7
    """The CA's CRL ExpirationInDays: the CRL-not-generated window is derived from it."""
    issuance_failure_threshold: int = DEFAULT_ISSUANCE_FAILURE_THRESHOLD
    """Failed IssueCertificate calls within one period that raise the alarm."""
    issuance_failure_period_minutes: int = DEFAULT_ISSUANCE_FAILURE_PERIOD_MINUTES
    """Length of that period."""
    enabled: bool = True
    """False: no alarms and no event rules for this CA (its dashboard row stays)."""
    crl_generation_window_hours: int | None = None
    """Override the derived CRL-not-generated window (1..168 hours); None derives it."""
    ocsp_enabled: bool = False
    """Whether the CA answers OCSP: only then does it get the canary's OCSP alarm."""
    rotation_threshold_days: int | None = None
    """Days to expiry of the CA's own certificate below which the canary alarms (see
    cdk_pca.ca_lifecycle); None: no such alarm."""


@dataclass(frozen=True)
class AlarmSpec:
    """One CloudWatch alarm, fully decided: the construct only attaches the metric and actions."""

    name: str
    subject: str
    """The CA's or certificate's name."""
    kind: str
    """What the alarm is about (`crl-not-generated`): with `subject`, a stable construct id."""
    metric: MetricDefinition
    statistic: str
    period_seconds: int
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float
    comparison: Comparison
    treat_missing_data: MissingData
    description: str
    condition: str
    """The condition in words, for `cdk-pca plan` (`>= 3 failures in 15 min`)."""

    @property
    def namespace(self) -> str:
        return self.metric.namespace

    @property
    def metric_name(self) -> str:
        return self.metric.metric_name

    @property
    def window_seconds(self) -> int:
        return self.period_seconds * self.evaluation_periods


@dataclass(frozen=True)
class EventRuleSpec:
    """One EventBridge rule that forwards an AWS event to the alarm topic."""

    name: str
    subject: str
    """`cas` for a rule over the CAs in `certificate_authorities`, `certificates` for ACM's."""
    kind: str
    source: str
    detail_type: str
    description: str
    condition: str
    """What the rule matches, in words, for `cdk-pca plan`."""
    detail_filter: Mapping[str, Any]
    """The `detail` part of the event pattern (the construct adds the resources' ARNs)."""
    input_paths: Mapping[str, str]
    """The event fields the notification quotes, by the names `message` uses (`<ca>`)."""
    message: str
    """The notification text, with `<name>` where EventBridge fills in `input_paths`; for a rule
    over several CAs, completed by `notification_text` with each CA's name and ID."""
    certificate_authorities: tuple[str, ...] = ()
    """The CAs whose events the rule matches (their ARNs are the pattern's `resources`)."""

    def notification_text(self, ca_ids: Mapping[str, str]) -> str:
        """The text SNS delivers: `message`, and for a rule over several CAs which name has
        which CA ID (`ca_ids`: name -> ID, a token at synth is fine), as the event names the CA
        by its ARN only."""
        if len(self.certificate_authorities) < 2:
            return self.message
        names = "; ".join(f"{name} {ca_ids[name]}" for name in self.certificate_authorities)
        return f"{self.message} The CAs of this rule by ID: {names}."


@dataclass(frozen=True)
class AlarmCatalog:
    """Everything a PKI's monitoring creates, in a stable order."""

    alarms: tuple[AlarmSpec, ...]
    event_rules: tuple[EventRuleSpec, ...]

    def alarms_for(self, subject: str) -> tuple[AlarmSpec, ...]:
        return tuple(alarm for alarm in self.alarms if alarm.subject == subject)


def crl_generation_window_hours(crl_expiration_days: int) -> int:
    """How long without a CRLGenerated datapoint means CRL publication has stopped.

    Private CA computes the CRL's nextUpdate as thisUpdate + ExpirationInDays and refreshes the
    CRL before that, and again about 30 minutes after each revocation (CrlConfiguration,
    https://docs.aws.amazon.com/privateca/latest/APIReference/API_CrlConfiguration.html). So
    while publication works, the gap between two CRLGenerated datapoints stays below the CRL's
    lifetime; once publication stops, relying parties keep the last CRL until its nextUpdate and
    then fail every revocation check. The alarm must therefore fire after a silence shorter than
    the lifetime, leaving a person time to act: the window is the lifetime minus a margin of a
    quarter of it, at most one day (1 day -> 18 h, 4 days -> 72 h, 7 days -> 144 h).

    CloudWatch evaluates at most seven days (PutMetricAlarm), so the window is capped at 168 h:
    for a CRL that lives longer than eight days the alarm fires after a week of silence, earlier
    than strictly needed. The current guide does not say how long before nextUpdate Private CA
    refreshes; an older API reference says "at 1/2 the age of next update" (AWS SDK for Ruby v2,
    Aws::ACMPCA::Types::CrlConfiguration). At that rate every window here holds for CRLs of up
    to 14 days; a CRL that lives longer is refreshed less often than CloudWatch can wait, and the
    alarm would fire every cycle. Hence the catalog builds this alarm only for CRLs of at most
    CRL_NOT_GENERATED_MAX_EXPIRATION_DAYS (7) days (window 144 h against a refresh every 84 h at
    the older rate), or where `crl_generation_window_hours` is set; longer-lived CRLs rely on the
    crl-bucket-misconfigured alarm and the CRL Generation failure events.

    A brand-new CA writes no CRL until it has issued a certificate (crl-planning in the Private
    CA user guide), and missing data breaches: the alarm is in ALARM from its first evaluation
    until the CA's first CRL, and then turns OK with a notification.
    """
    lifetime_hours = crl_expiration_days * 24
    margin_hours = min(24, lifetime_hours // 4)
    return min(lifetime_hours - margin_hours, MAX_ALARM_WINDOW_HOURS)


def crl_next_update_margin_seconds(crl_expiration_days: int) -> int:
    """How close to its nextUpdate the CRL clients fetch may get before the canary alarms.

    Private CA refreshes a CRL well before its nextUpdate (thisUpdate + ExpirationInDays) and
    retries a failed update every 15 minutes (PCA_CRL_RETRY_MINUTES), so the CRL clients see
    never comes near its nextUpdate while publication works. The margin leaves a person time to
    act before relying parties fail: a quarter of the lifetime, at most one day (as the
    CRL-not-generated window), and never less than four retry intervals (an hour): a CRL that
    close to expiry has missed at least four of Private CA's attempts, so the alarm does not
    fire for a fault the next retry would mend (1 day -> 6 h, 7 days -> 24 h).
    """
    lifetime = crl_expiration_days * 86_400
    return max(4 * PCA_CRL_RETRY_MINUTES * 60, min(lifetime // 4, 86_400))


def bounded_name(parts: Sequence[str], limit: int) -> str:
    """`parts` joined with '-', or a stable shortened form (prefix + hash) when over `limit`."""
    name = "-".join(parts)
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: limit - len(digest) - 1]}-{digest}"


def alarm_name(pki_name: str, subject: str, suffix: str) -> str:
    return bounded_name((pki_name, subject, suffix), MAX_ALARM_NAME_LENGTH)


def rule_name(pki_name: str, subject: str, suffix: str) -> str:
    return bounded_name((pki_name, subject, suffix), MAX_RULE_NAME_LENGTH)


def validate_monitoring_settings(
    *,
    pki_name: str,
    certificate_authorities: Sequence[CaAlarmSettings],
    certificate_names: Sequence[str] = (),
    days_to_expiry: int = DEFAULT_DAYS_TO_EXPIRY,
    emails: Sequence[str] = (),
    canary_schedule_minutes: int | None = None,
) -> list[str]:
    """Every problem with the arguments, one line each, naming the argument and what is allowed."""
    problems: list[str] = []
    if canary_schedule_minutes is not None:
        _check_range(
            problems,
            "canary_schedule_minutes",
            canary_schedule_minutes,
            CANARY_SCHEDULE_MINUTES_RANGE,
        )
    name_problem = rules.STACK_NAME.problem(pki_name)
    if name_problem:
        problems.append(f"pki_name: {name_problem}")
    _check_range(problems, "days_to_expiry", days_to_expiry, rules.DAYS_TO_EXPIRY_RANGE)
    _check_names(problems, "certificate_authorities", [ca.name for ca in certificate_authorities])
    _check_names(problems, "certificates", list(certificate_names))
    for ca in certificate_authorities:
        where = f"certificate_authorities[{ca.name}]"
        _check_range(
            problems,
            f"{where}.crl_expiration_days",
            ca.crl_expiration_days,
            rules.CRL_EXPIRATION_DAYS_RANGE,
        )
        _check_range(
            problems,
            f"{where}.issuance_failure_threshold",
            ca.issuance_failure_threshold,
            rules.ISSUANCE_FAILURE_THRESHOLD_RANGE,
        )
        _check_range(
            problems,
            f"{where}.issuance_failure_period_minutes",
            ca.issuance_failure_period_minutes,
            rules.ISSUANCE_FAILURE_PERIOD_MINUTES_RANGE,
        )
        if ca.crl_generation_window_hours is not None:
            _check_range(
                problems,
                f"{where}.crl_generation_window_hours",
                ca.crl_generation_window_hours,
                (1, MAX_ALARM_WINDOW_HOURS),
            )
        if ca.rotation_threshold_days is not None:
            _check_range(
                problems,
                f"{where}.rotation_threshold_days",
                ca.rotation_threshold_days,
                (1, 73_000),
            )
    if not problems:
        problems.extend(_notification_length_problems(pki_name, certificate_authorities))
    for index, email in enumerate(emails):
        # "${Token[...]}" placeholders are only known at deploy time.
        problem = None if "${Token[" in email else rules.email_problem(email)
        if problem:
            problems.append(f"emails[{index}]: {problem}")
    return problems


def build_alarm_catalog(
    *,
    pki_name: str,
    certificate_authorities: Sequence[CaAlarmSettings],
    certificate_names: Sequence[str] = (),
    days_to_expiry: int = DEFAULT_DAYS_TO_EXPIRY,
    canary_schedule_minutes: int | None = None,
) -> AlarmCatalog:
    """The alarms and event rules of a PKI. Raises AlarmCatalogError listing every bad argument.

    With `canary_schedule_minutes` (the revocation canary runs that often), each CA also gets
    the canary's alarms (cdk_pca.revocation_canary): CRL unusable, CRL near its nextUpdate, OCSP
    not answering, CA certificate near its rotation threshold, canary not reporting; and no
    CRL-not-generated alarm, which those measure instead of guessing.
    Each kind of Private CA event gets one rule over all the CAs that need it.
    """
    problems = validate_monitoring_settings(
        pki_name=pki_name,
        certificate_authorities=certificate_authorities,
        certificate_names=certificate_names,
        days_to_expiry=days_to_expiry,
        canary_schedule_minutes=canary_schedule_minutes,
    )
    if problems:
        raise AlarmCatalogError(problems)
    alarms: list[AlarmSpec] = []
    monitored = [ca for ca in certificate_authorities if ca.enabled]
    for ca in monitored:
        if ca.crl_enabled:
            alarms.append(_crl_bucket_alarm(pki_name, ca))
            if _has_crl_not_generated_alarm(ca, canary_schedule_minutes):
                alarms.append(_crl_not_generated_alarm(pki_name, ca))
        alarms.append(_issuance_failures_alarm(pki_name, ca))
        if canary_schedule_minutes is not None:
            alarms.extend(_canary_alarms(pki_name, ca, canary_schedule_minutes))
    for certificate in certificate_names:
        alarms.append(_expiry_alarm(pki_name, certificate, days_to_expiry))
    # One rule per event kind for all the CAs: EventBridge matches an event whose `resources`
    # share any ARN with the pattern's, so one pattern listing every CA's ARN serves them all
    # (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html).
    # A kind no CA needs gets no rule.
    rules = [
        _ca_failure_rule(pki_name, names, kind, event)
        for names, kind, event in _ca_rule_kinds(monitored)
    ]
    rules.append(_certificate_expiration_rule(pki_name, days_to_expiry))
    return AlarmCatalog(alarms=tuple(alarms), event_rules=tuple(rules))


def _ca_rule_kinds(
    monitored: Sequence[CaAlarmSettings],
) -> list[tuple[tuple[str, ...], str, str]]:
    """(CA names, rule kind, Private CA event) of each CA event rule; a kind no CA needs is left
    out."""
    kinds = [
        (
            tuple(ca.name for ca in monitored if ca.crl_enabled),
            "crl-generation-failed",
            "CRL Generation",
        ),
        (tuple(ca.name for ca in monitored), "issuance-failed", "Certificate Issuance"),
    ]
    return [kind for kind in kinds if kind[0]]


def _has_crl_not_generated_alarm(ca: CaAlarmSettings, canary_schedule_minutes: int | None) -> bool:
    """Whether the CA gets the CRL-not-generated alarm: only without the revocation canary (whose
    crl-expiring and crl-unusable alarms measure the CRL clients fetch, where this alarm guesses
    from PCA's undocumented refresh schedule), and only where that schedule is certain enough
    (crl_generation_window_hours)."""
    if canary_schedule_minutes is not None:
        return False
    return (
        ca.crl_generation_window_hours is not None
        or ca.crl_expiration_days <= CRL_NOT_GENERATED_MAX_EXPIRATION_DAYS
    )


def _crl_bucket_alarm(pki_name: str, ca: CaAlarmSettings) -> AlarmSpec:
    # Private CA retries a failed CRL write every 15 minutes: a one-hour period keeps the alarm
    # in ALARM while the bucket stays broken instead of flapping between ALARM and OK.
    return AlarmSpec(
        name=alarm_name(pki_name, ca.name, "crl-bucket-misconfigured"),
        subject=ca.name,
        kind="crl-bucket-misconfigured",
        metric=MISCONFIGURED_CRL_BUCKET,
        statistic=MISCONFIGURED_CRL_BUCKET.statistic,
        period_seconds=MISCONFIGURED_CRL_BUCKET.period_seconds,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        threshold=1,
        comparison="GreaterThanOrEqualToThreshold",
        treat_missing_data="notBreaching",
        condition="any MisconfiguredCRLBucket datapoint in 1 h",
        description=(
            f"PKI {pki_name}, CA {ca.name}: AWS Private CA could not write the CRL to its S3 "
            "bucket (MisconfiguredCRLBucket). Revocations are not published and relying parties "
            "fail once the current CRL expires. First check: the bucket policy still grants "
            "acm-pca.amazonaws.com s3:PutObject, s3:PutObjectAcl, s3:GetBucketAcl and "
            "s3:GetBucketLocation; a KMS key on the bucket admits acm-pca; the CA's S3ObjectAcl "
            "is BUCKET_OWNER_FULL_CONTROL while Block Public Access is on."
        ),
    )


def _crl_not_generated_alarm(pki_name: str, ca: CaAlarmSettings) -> AlarmSpec:
    window_hours = ca.crl_generation_window_hours or crl_generation_window_hours(
        ca.crl_expiration_days
    )
    return AlarmSpec(
        name=alarm_name(pki_name, ca.name, "crl-not-generated"),
        subject=ca.name,
        kind="crl-not-generated",
        metric=CRL_GENERATED,
        statistic=CRL_GENERATED.statistic,
        period_seconds=CRL_GENERATED.period_seconds,
        evaluation_periods=window_hours,
        datapoints_to_alarm=window_hours,
        threshold=1,
        comparison="LessThanThreshold",
        treat_missing_data="breaching",
        condition=(
            f"no CRLGenerated for {window_hours} h (CRLs valid {ca.crl_expiration_days} days; "
            "missing data breaches)"
        ),
        description=(
            f"PKI {pki_name}, CA {ca.name}: no CRL generated for {window_hours} hours; its CRLs "
            f"are valid {ca.crl_expiration_days} days, so relying parties see an expired CRL "
            f"within {ca.crl_expiration_days * 24 - window_hours} hours. "
            "Expected right after a new CA's first deploy: a CA writes no CRL before it has "
            "issued a certificate. First check: the CA is ACTIVE and its CRL configuration "
            "enabled (aws acm-pca describe-certificate-authority), the CRL object's "
            "LastModified in the bucket, and the crl-bucket-misconfigured alarm and "
            "CRL Generation events."
        ),
    )


def _issuance_failures_alarm(pki_name: str, ca: CaAlarmSettings) -> AlarmSpec:
    minutes = ca.issuance_failure_period_minutes
    return AlarmSpec(
        name=alarm_name(pki_name, ca.name, "issuance-failures"),
        subject=ca.name,
        kind="issuance-failures",
        metric=ISSUE_CERTIFICATE_FAILURE,
        statistic=ISSUE_CERTIFICATE_FAILURE.statistic,
        period_seconds=minutes * 60,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        threshold=ca.issuance_failure_threshold,
        comparison="GreaterThanOrEqualToThreshold",
        treat_missing_data="notBreaching",
        condition=(
            f">= {ca.issuance_failure_threshold} "
            f"failure{'' if ca.issuance_failure_threshold == 1 else 's'} in {minutes} min"
        ),
        description=(
            f"PKI {pki_name}, CA {ca.name}: {ca.issuance_failure_threshold} or more "
            f"IssueCertificate calls failed within {minutes} minutes. Services that request or "
            "renew certificates from this CA (ACM renewals included) are getting none. First "
            "check: the CA's status is ACTIVE and its certificate not expired, then the failing "
            "requests in CloudTrail (errorCode of acm-pca IssueCertificate: CSR, template, "
            "validity beyond the CA's, or permissions)."
        ),
    )


def _expiry_alarm(pki_name: str, certificate: str, days_to_expiry: int) -> AlarmSpec:
    # DaysToExpiry is published once a day and stops when the certificate has expired, so a
    # one-day period and missing data as breaching (an expired certificate is the worst case).
    # <= reads as configured: `days_to_expiry: 30` alarms on the day 30 days remain.
    return AlarmSpec(
        name=alarm_name(pki_name, certificate, "certificate-expiring"),
        subject=certificate,
        kind="certificate-expiring",
        metric=DAYS_TO_EXPIRY,
        statistic=DAYS_TO_EXPIRY.statistic,
        period_seconds=DAYS_TO_EXPIRY.period_seconds,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        threshold=days_to_expiry,
        comparison="LessThanOrEqualToThreshold",
        treat_missing_data="breaching",
        condition=(f"<= {days_to_expiry} days to expiry (missing data breaches: expired)"),
        description=(
            f"PKI {pki_name}, certificate {certificate}: {days_to_expiry} days or fewer before "
            "it expires, or already expired (the metric stops at expiry). ACM renews the private "
            "certificates it manages from 60 days before expiry, so renewal is failing. First "
            "check: aws acm describe-certificate (RenewalSummary, InUseBy), that the issuing CA "
            "is ACTIVE and grants ACM renewal permission; an imported certificate must be "
            "reimported by hand."
        ),
    )


def _canary_alarms(pki_name: str, ca: CaAlarmSettings, minutes: int) -> list[AlarmSpec]:
    """The revocation canary's alarms of one CA; one period is one run of the canary.

    Missing data does not breach except in canary-not-reporting (a CA without OCSP or CRL
    publishes no such metric; an unreachable CRL has no nextUpdate): that alarm owns silence.
    """
    where = f"PKI {pki_name}, CA {ca.name}"

    def alarm(
        kind: str,
        metric: MetricDefinition,
        *,
        runs: int,
        threshold: float,
        comparison: Comparison,
        condition: str,
        description: str,
        statistic: str = "Minimum",
        missing: MissingData = "notBreaching",
    ) -> AlarmSpec:
        return AlarmSpec(
            name=alarm_name(pki_name, ca.name, kind),
            subject=ca.name,
            kind=kind,
            metric=metric,
            statistic=statistic,
            period_seconds=minutes * 60,
            evaluation_periods=runs,
            datapoints_to_alarm=runs,
            threshold=threshold,
            comparison=comparison,
            treat_missing_data=missing,
            condition=condition,
            description=f"{where}: {description}",
        )

    twice = CANARY_CONSECUTIVE_RUNS
    alarms: list[AlarmSpec] = []
    if ca.crl_enabled:
        margin = crl_next_update_margin_seconds(ca.crl_expiration_days)
        alarms += [
            alarm(
                "crl-unusable",
                CRL_VALID,
                runs=twice,
                threshold=1,
                comparison="LessThanThreshold",
                condition=f"CRL unreachable or not valid in {twice} consecutive canary runs",
                description=(
                    "the canary could not fetch the CRL from the URL in issued certificates, or "
                    f"it did not verify (signature, issuer, expiry), in {twice} consecutive runs. "
                    "Relying parties that check CRLs fail or accept revoked certificates. First "
                    "check: the canary's log (each run names the reason), curl -I the CRL URL "
                    "through the CRL distribution (403: bucket policy or CloudFront origin "
                    "access), and the crl-bucket-misconfigured alarm. Right after the CA is "
                    "created it may not have published its first CRL yet: PCA documents no time "
                    "for the first one (API_CrlConfiguration), so this can fire once after a "
                    "first deploy; it clears when the CRL appears."
                ),
            ),
            alarm(
                "crl-expiring",
                CRL_SECONDS_UNTIL_NEXT_UPDATE,
                runs=1,
                threshold=margin,
                comparison="LessThanThreshold",
                condition=(
                    f"CRL nextUpdate less than {margin // 3600} h away (CRLs valid "
                    f"{ca.crl_expiration_days} days; PCA retries every {PCA_CRL_RETRY_MINUTES} min)"
                ),
                description=(
                    f"the CRL clients fetch reaches its nextUpdate in less than {margin // 3600} "
                    "hours: AWS Private CA has not refreshed it (it retries failed updates every "
                    f"{PCA_CRL_RETRY_MINUTES} minutes), or a cache serves an old copy. When it "
                    "expires, relying parties fail every revocation check. First check: the CRL "
                    "object's LastModified in the bucket against the CRL served through "
                    "CloudFront (a stale cache: invalidate), the CA is ACTIVE, and the "
                    "crl-bucket-misconfigured alarm and CRL Generation events."
                ),
            ),
        ]
    if ca.ocsp_enabled:
        alarms.append(
            alarm(
                "ocsp-not-answering",
                OCSP_ANSWERED,
                runs=twice,
                threshold=1,
                comparison="LessThanThreshold",
                condition=f"no verified, fresh OCSP answer in {twice} consecutive canary runs",
                description=(
                    "the OCSP responder named in issued certificates gave no answer signed for "
                    f"this CA and fresh in {twice} consecutive runs. Clients that require OCSP "
                    "fail. First check: the canary's log (timeout, HTTP status, signature), the "
                    "DNS name and proxy of a custom OCSP CNAME, and that OCSP is still enabled on "
                    "the CA (aws acm-pca describe-certificate-authority)."
                ),
            )
        )
    if ca.rotation_threshold_days is not None:
        days = ca.rotation_threshold_days
        alarms.append(
            alarm(
                "ca-certificate-expiring",
                CA_CERTIFICATE_DAYS_TO_EXPIRY,
                runs=1,
                threshold=days,
                comparison="LessThanOrEqualToThreshold",
                condition=f"CA certificate <= {days} days to expiry (rotation threshold)",
                description=(
                    f"the CA's own certificate expires in {days} days or fewer: soon it cannot "
                    "sign what the config asks of it without the result outliving it, and when "
                    "it expires everything below it stops validating at once. AWS publishes no "
                    "metric for this. Rotate it: `cdk-pca plan` shows the rotate-by date; a new "
                    "CA (new name) beside the old one, then move issuance over."
                ),
            )
        )
    silent = CANARY_SILENT_RUNS
    alarms.append(
        alarm(
            "canary-not-reporting",
            CA_CERTIFICATE_DAYS_TO_EXPIRY,
            runs=silent,
            threshold=1,
            comparison="LessThanThreshold",
            statistic="SampleCount",
            missing="breaching",
            condition=(
                f"no canary datapoint for {silent} runs ({silent * minutes} min; missing data "
                "breaches)"
            ),
            description=(
                f"the revocation canary published nothing for this CA for {silent} runs "
                f"({silent * minutes} minutes): the CRL and OCSP alarms are blind. Expected until "
                "the CA is ACTIVE. First check: the canary function's errors and log "
                "(AccessDenied or throttling on acm-pca, a timeout), its EventBridge schedule is "
                "enabled, and the CA's status."
            ),
        )
    )
    return alarms


def _ca_failure_rule(pki_name: str, names: tuple[str, ...], kind: str, event: str) -> EventRuleSpec:
    """The rule for the Private CA event `ACM Private CA <event>` with result failure, of the CAs
    `names`: one rule for all of them (their ARNs in the pattern's `resources`)."""
    # Private CA events carry source aws.acm-pca, detail-type "ACM Private CA <event>", the CA's
    # ARN first in `resources` (the issuance events add the certificate's ARN after it) and
    # {"result": "failure"} in `detail` (CRL Generation failures add `detail.reason`).
    # https://docs.aws.amazon.com/privateca/latest/userguide/CloudWatchEvents.html
    # The event names the CA by ARN only: a rule over one CA names it as before; over several,
    # notification_text appends each CA's name and ID.
    if len(names) == 1:
        where = f"PKI {pki_name}, CA {names[0]} (<ca>)"
    else:
        where = f"PKI {pki_name}, CA <ca> (its name: the list at the end)"
    if kind == "crl-generation-failed":
        paths = {"ca": "$.resources[0]", "time": "$.time", "reason": "$.detail.reason"}
        message = (
            f"{where}: AWS Private CA failed to generate or publish a CRL at <time>: "
            "<reason>. Private CA retries every 15 minutes; relying parties fail once the "
            "current CRL expires. First check the CRL bucket policy (acm-pca.amazonaws.com "
            "may PutObject, PutObjectAcl, GetBucketAcl, GetBucketLocation), the bucket's KMS "
            "key, and the MisconfiguredCRLBucket alarm."
        )
    else:
        paths = {"ca": "$.resources[0]", "certificate": "$.resources[1]", "time": "$.time"}
        message = (
            f"{where}: AWS Private CA failed to issue certificate <certificate> at <time>. "
            "First check the CA is ACTIVE and not expired, then the IssueCertificate call in "
            "CloudTrail (CSR, template, validity longer than the CA's); aws acm-pca "
            "get-certificate on that ARN shows the reason."
        )
    scope = f"CA {names[0]}" if len(names) == 1 else f"{len(names)} CAs"
    return EventRuleSpec(
        name=rule_name(pki_name, CA_RULE_SUBJECT, kind),
        subject=CA_RULE_SUBJECT,
        kind=kind,
        source="aws.acm-pca",
        detail_type=f"ACM Private CA {event}",
        description=f"PKI {pki_name}, {scope}: ACM Private CA {event} failed",
        condition=f"event: {event} failure",
        detail_filter={"result": ["failure"]},
        input_paths=paths,
        message=message,
        certificate_authorities=names,
    )


def _certificate_expiration_rule(pki_name: str, days_to_expiry: int) -> EventRuleSpec:
    # ACM sends this event daily from 45 days before expiry (configurable per account), with
    # the certificate's ARN in `resources` and DaysToExpiry and CommonName in `detail`.
    # https://docs.aws.amazon.com/acm/latest/userguide/supported-events.html
    # The numeric filter starts the mails at the same threshold as the DaysToExpiry alarms.
    return EventRuleSpec(
        name=rule_name(pki_name, "certificates", "expiring"),
        subject="certificates",
        kind="expiring",
        source="aws.acm",
        detail_type="ACM Certificate Approaching Expiration",
        description=f"PKI {pki_name}: an ACM certificate has {days_to_expiry} days or fewer left",
        condition=(f"event: ACM Certificate Approaching Expiration, <= {days_to_expiry} days"),
        detail_filter={"DaysToExpiry": [{"numeric": ["<=", days_to_expiry]}]},
        input_paths={
            "certificate": "$.resources[0]",
            "common_name": "$.detail.CommonName",
            "days": "$.detail.DaysToExpiry",
        },
        message=(
            f"PKI {pki_name}: ACM certificate <certificate> (<common_name>) expires in "
            "<days> days. ACM renews private certificates it manages from 60 days before expiry, "
            "so renewal is failing. First check aws acm describe-certificate (RenewalSummary) and "
            "that the issuing CA is ACTIVE and grants ACM renewal; an imported certificate must "
            "be reimported."
        ),
    )


def _notification_length_problems(
    pki_name: str, certificate_authorities: Sequence[CaAlarmSettings]
) -> list[str]:
    """The rules over many CAs whose notification text (the InputTemplate, a JSON string) would
    exceed EventBridge's 8192 characters; the CA IDs are known only at deploy, but their length is
    fixed."""
    problems = []
    for names, kind, event in _ca_rule_kinds([ca for ca in certificate_authorities if ca.enabled]):
        rule = _ca_failure_rule(pki_name, names, kind, event)
        text = rule.notification_text({name: "0" * CA_ID_LENGTH for name in names})
        length = len(json.dumps(text))
        if length > MAX_INPUT_TEMPLATE_LENGTH:
            problems.append(
                f"certificate_authorities: {len(names)} CAs make the notification of event rule "
                f"{rule.name} {length} characters long, over EventBridge's "
                f"{MAX_INPUT_TEMPLATE_LENGTH}; split the CAs over more stacks or shorten their "
                "names"
            )
    return problems


def _check_range(problems: list[str], field: str, value: int, bounds: tuple[int, int]) -> None:
    problem = rules.whole_number_problem(value, bounds)
    if problem:
        problems.append(f"{field}: {problem}")


def _check_names(problems: list[str], field: str, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if not _SUBJECT_NAME.match(name):
            problems.append(
                f"{field}: name {name!r} is not allowed; expected letters, digits, '.', '_' or "
                "'-', starting with a letter or digit"
            )
        elif name in seen:
            problems.append(f"{field}: name {name!r} appears more than once; names must be unique")
        seen.add(name)
