"""The replacement guard: which CAs, CA certificates, buckets and KMS keys a template change replaces.

Plain Python over synthesized templates (no aws_cdk), shared by `cdk-pca guard` and the project's tests.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

CERTIFICATE_AUTHORITY = "AWS::ACMPCA::CertificateAuthority"
CERTIFICATE = "AWS::ACMPCA::Certificate"
BUCKET = "AWS::S3::Bucket"
KMS_KEY = "AWS::KMS::Key"

# Create-only properties per guarded resource type, with what a change costs.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-acmpca-certificateauthority.html
# (each of these: "Update requires: Replacement"; RevocationConfiguration and Tags update in place)
CA_CREATE_ONLY_PROPERTIES = (
    "Type",
    "KeyAlgorithm",
    "SigningAlgorithm",
    "Subject",
    "CsrExtensions",
    "KeyStorageSecurityStandard",
    "UsageMode",
)
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-acmpca-certificate.html
# lists "Update requires: Replacement" for every property: a changed CA certificate is re-issued.
CERTIFICATE_CREATE_ONLY_PROPERTIES = (
    "ApiPassthrough",
    "CertificateAuthorityArn",
    "CertificateSigningRequest",
    "SigningAlgorithm",
    "TemplateArn",
    "Validity",
    "ValidityNotBefore",
)
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucket.html
# BucketName: "Update requires: Replacement"; the other properties update in place.
BUCKET_CREATE_ONLY_PROPERTIES = ("BucketName",)
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html
# "If you change the value of the KeySpec, KeyUsage, Origin, or MultiRegion properties of an
# existing KMS key, the update request fails" (KMS refuses to replace a key by accident).
KMS_KEY_CREATE_ONLY_PROPERTIES = ("KeySpec", "KeyUsage", "Origin", "MultiRegion")

CREATE_ONLY_PROPERTIES: Mapping[str, tuple[str, ...]] = {
    CERTIFICATE_AUTHORITY: CA_CREATE_ONLY_PROPERTIES,
    CERTIFICATE: CERTIFICATE_CREATE_ONLY_PROPERTIES,
    BUCKET: BUCKET_CREATE_ONLY_PROPERTIES,
    KMS_KEY: KMS_KEY_CREATE_ONLY_PROPERTIES,
}

# Why losing each kind of resource hurts, in the words a finding prints.
_CONSEQUENCE = {
    CERTIFICATE_AUTHORITY: "CloudFormation would create a new CA with a new private key and "
    "orphan every certificate the old one issued",
    CERTIFICATE: "the CA certificate would be issued again (a new serial and validity), and the "
    "chain every client trusts changes",
    BUCKET: "CloudFormation would create a new bucket: the published CRLs (or logs) stay behind "
    "and every CA's CRL configuration points elsewhere",
    KMS_KEY: "the key's immutable properties cannot change: the update fails (or, removed, the "
    "key is scheduled for deletion and what it encrypted becomes unreadable)",
}

# PCA's CA certificate templates: a Certificate issued with one of them is a CA's own certificate.
# https://docs.aws.amazon.com/privateca/latest/userguide/UsingTemplates.html
_CA_TEMPLATE_NAMES = ("RootCACertificate", "SubordinateCACertificate")


class GuardInputError(ValueError):
    """A baseline or candidate that is not a template or cloud assembly (one line, for exit 2)."""


@dataclass(frozen=True)
class Finding:
    """One guarded resource of the baseline that the candidate would replace or remove."""

    stack: str
    logical_id: str
    resource_type: str
    property: str  # a create-only property, "Type", or "removed"
    reason: str

    def __str__(self) -> str:
        where = f"{self.stack}: " if self.stack else ""
        return f"{where}{self.logical_id} ({self.resource_type}) {self.property}: {self.reason}"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def normalise(value: Any) -> Any:
    """A property value with equivalent intrinsic spellings made equal.

    `Fn::GetAtt: "A.B"` equals `[A, B]`; `Fn::Join` and `Fn::Sub` of literals equal the string;
    a `Ref` or `GetAtt` to the same logical ID is the same value; `Ref: AWS::NoValue` is absent.
    """
    if isinstance(value, list):
        return [normalise(item) for item in value if not _is_no_value(item)]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Fn::GetAtt" and isinstance(argument, str) and "." in argument:
            return {key: argument.split(".", 1)}
        if key == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
            separator, parts = argument[0], normalise(argument[1])
            if isinstance(separator, str) and isinstance(parts, list):
                if all(isinstance(part, str) for part in parts):
                    return separator.join(parts)
                return {key: [separator, parts]}
        if key == "Fn::Sub" and isinstance(argument, str) and "${" not in argument:
            return argument
    return {key: normalise(item) for key, item in value.items() if not _is_no_value(item)}


def _is_no_value(value: Any) -> bool:
    return bool(value == {"Ref": "AWS::NoValue"})


def _is_ca_certificate(resource: Mapping[str, Any], resources: Mapping[str, Any]) -> bool:
    """A certificate issued with a CA template, or for the CSR of a CA in the same template."""
    properties = resource.get("Properties") or {}
    template_arn = normalise(properties.get("TemplateArn"))
    if isinstance(template_arn, str) and any(name in template_arn for name in _CA_TEMPLATE_NAMES):
        return True
    csr = normalise(properties.get("CertificateSigningRequest"))
    if isinstance(csr, dict) and isinstance(csr.get("Fn::GetAtt"), list):
        target = resources.get(csr["Fn::GetAtt"][0]) or {}
        return target.get("Type") == CERTIFICATE_AUTHORITY
    return False


def guarded_resources(template: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The template's CAs, CA certificates, buckets and KMS keys, by logical ID.

    Every bucket counts, not only those a CA's RevocationConfiguration names: the access-log
    bucket keeps the audit trail, and a bucket named through a parameter cannot be traced.
    """
    resources = template.get("Resources")
    if not isinstance(resources, dict):
        raise GuardInputError("the template has no Resources object")
    guarded: dict[str, Mapping[str, Any]] = {}
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict):
            continue
        kind = resource.get("Type")
        if kind == CERTIFICATE and not _is_ca_certificate(resource, resources):
            continue
        if kind in CREATE_ONLY_PROPERTIES:
            guarded[logical_id] = resource
    return guarded


def compare_templates(
    baseline: Mapping[str, Any], candidate: Mapping[str, Any], *, stack: str = ""
) -> list[Finding]:
    """Every guarded resource of `baseline` that `candidate` replaces or removes."""
    before = guarded_resources(baseline)
    after = candidate.get("Resources")
    if not isinstance(after, dict):
        raise GuardInputError("the candidate template has no Resources object")
    findings = []
    for logical_id, resource in sorted(before.items()):
        kind = resource["Type"]
        current = after.get(logical_id)
        if not isinstance(current, dict):
            findings.append(
                Finding(
                    stack,
                    logical_id,
                    kind,
                    "removed",
                    f"the logical ID is gone (renamed or deleted): {_CONSEQUENCE[kind]}",
                )
            )
            continue
        if current.get("Type") != kind:
            findings.append(
                Finding(
                    stack,
                    logical_id,
                    kind,
                    "Type",
                    f"the logical ID now names a {current.get('Type')}: {_CONSEQUENCE[kind]}",
                )
            )
            continue
        old_properties = resource.get("Properties") or {}
        new_properties = current.get("Properties") or {}
        for name in CREATE_ONLY_PROPERTIES[kind]:
            old, new = normalise(old_properties.get(name)), normalise(new_properties.get(name))
            if old != new:
                findings.append(
                    Finding(
                        stack,
                        logical_id,
                        kind,
                        name,
                        f"create-only property changed from {_show(old)} to {_show(new)}: "
                        f"{_CONSEQUENCE[kind]}",
                    )
                )
    return findings


def _show(value: Any) -> str:
    return "(absent)" if value is None else json.dumps(value, sort_keys=True)


def load_templates(path: Path) -> dict[str, dict[str, Any]]:
    """A template file (one stack named by its file name) or a cloud assembly's stacks by artifact id."""
    if path.is_dir():
        return _assembly_templates(path, prefix="")
    if not path.is_file():
        raise GuardInputError(f"{path}: no such template file or cloud assembly folder")
    return {_stack_name_of(path): _read_json(path, "template")}


def _stack_name_of(template_path: Path) -> str:
    name = template_path.name
    return name.removesuffix(".json").removesuffix(".template")


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise GuardInputError(f"{path}: cannot read the {what}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise GuardInputError(
            f"{path}: not a JSON {what} (line {exc.lineno}: {exc.msg}); synthesize JSON templates"
        ) from None
    if not isinstance(value, dict):
        raise GuardInputError(f"{path}: a {what} is a JSON object, found {type(value).__name__}")
    if what == "template" and not isinstance(value.get("Resources"), dict):
        raise GuardInputError(f"{path}: not a CloudFormation template (no Resources object)")
    return value


def _assembly_templates(folder: Path, *, prefix: str) -> dict[str, dict[str, Any]]:
    # The cloud assembly's manifest.json lists each stack artifact (type aws:cloudformation:stack)
    # with properties.templateFile; a nested assembly (a Stage) is a cdk:cloud-assembly artifact
    # whose properties.directoryName holds its own manifest.
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise GuardInputError(f"{folder}: not a cloud assembly folder (no manifest.json)")
    manifest = _read_json(manifest_path, "cloud assembly manifest")
    artifacts = manifest.get("artifacts") or {}
    if not isinstance(artifacts, dict):
        raise GuardInputError(f"{manifest_path}: artifacts is not an object")
    templates: dict[str, dict[str, Any]] = {}
    for artifact_id, artifact in sorted(artifacts.items()):
        if not isinstance(artifact, dict):
            continue
        properties = artifact.get("properties") or {}
        if artifact.get("type") == "aws:cloudformation:stack":
            template_file = properties.get("templateFile")
            if not isinstance(template_file, str):
                raise GuardInputError(f"{manifest_path}: stack {artifact_id} has no templateFile")
            templates[prefix + artifact_id] = _read_json(folder / template_file, "template")
        elif artifact.get("type") == "cdk:cloud-assembly":
            directory = properties.get("directoryName")
            if isinstance(directory, str):
                templates.update(
                    _assembly_templates(folder / directory, prefix=f"{prefix}{artifact_id}/")
                )
    if not templates:
        raise GuardInputError(f"{folder}: the cloud assembly has no CloudFormation stack")
    return templates


def guard(baseline: Path, candidate: Path) -> list[Finding]:
    """Compare two templates or two cloud assemblies; stacks are matched by name."""
    if baseline.is_dir() != candidate.is_dir() and baseline.exists() and candidate.exists():
        raise GuardInputError(
            f"{baseline} and {candidate}: compare two template files or two cloud assembly folders"
        )
    before, after = load_templates(baseline), load_templates(candidate)
    if not baseline.is_dir():
        # Two files: compare them whatever their names (a baseline often lives elsewhere).
        ((name, old),), ((_, new),) = before.items(), after.items()
        return compare_templates(old, new, stack=name)
    findings = []
    for name, old in sorted(before.items()):
        findings.extend(compare_templates(old, after.get(name, {"Resources": {}}), stack=name))
    return [_with_destination(finding, before, after) for finding in findings]


def _ca_identity(logical_id: str, resource: Mapping[str, Any]) -> str:
    """What names a CA across stacks: its `pki-ca` tag (set on every CA of a config with
    environments, cdk_pca.pki_stack.CA_NAME_TAG), else its logical ID (the same construct path
    gives the same ID in any stack)."""
    tags = (resource.get("Properties") or {}).get("Tags") or []
    for tag in tags if isinstance(tags, list) else []:
        if (
            isinstance(tag, dict)
            and tag.get("Key") == "pki-ca"
            and isinstance(tag.get("Value"), str)
        ):
            return f"tag:{tag['Value']}"
    return f"id:{logical_id}"


def _with_destination(
    finding: Finding,
    before: Mapping[str, Mapping[str, Any]],
    after: Mapping[str, Mapping[str, Any]],
) -> Finding:
    """A CA removed from one stack and new in another has moved there: say so, since that is what
    a user changed (an environment, its account or region, the config's name)."""
    if finding.property != "removed" or finding.resource_type != CERTIFICATE_AUTHORITY:
        return finding
    identity = _ca_identity(
        finding.logical_id, guarded_resources(before[finding.stack])[finding.logical_id]
    )
    for stack, template in sorted(after.items()):
        if stack == finding.stack:
            continue
        existing = guarded_resources(before.get(stack, {"Resources": {}}))
        for logical_id, resource in sorted(guarded_resources(template).items()):
            if (
                resource["Type"] == CERTIFICATE_AUTHORITY
                and logical_id not in existing
                and _ca_identity(logical_id, resource) == identity
            ):
                return dataclasses.replace(
                    finding,
                    reason=f"the CA moves to stack {stack} (as {logical_id}): a stack cannot "
                    "hand a resource to another, so CloudFormation would create a new CA there "
                    "with a new private key and orphan every certificate this one issued",
                )
    return finding
