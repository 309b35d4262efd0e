"""AWS Security Finding Format (ASFF): the body of Security Hub's `BatchImportFindings`.

The output is `{"Findings": [...]}`, the request shape itself, so a file of up to 100 findings can be
sent with `aws securityhub batch-import-findings --cli-input-json file://report.json`; `airguard aws
securityhub import` sends any number in batches of 100.

One ASFF finding per airguard finding (suppressed and baselined ones too, with Workflow SUPPRESSED, so
Security Hub shows them as such instead of re-opening them):

- `Id` is `airguard/<fingerprint>`: the same finding keeps its Id across scans, so a new import updates it.
- `ProductArn` is the account's default product, `arn:<partition>:securityhub:<region>:<account>:product/
  <account>/default`; `<region>` is the Security Hub region the findings are imported into.
- `AwsAccountId` is the resource's account (AWS findings) or the account given for the report (files).
- `Resources[0].Type` is the resource registry's Security Hub name (AwsRdsDbCluster, AwsEc2SecurityGroup,
  ...), `Other` for files and for AWS types ASFF has no name for.
- Texts are cut to the documented maxima (Title 256, Description 1024, Recommendation 512 characters).

Every message was redacted where the finding was made; nothing here reads scanned files.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from scanner import __version__
from scanner.compliance.frameworks import FRAMEWORKS, related_requirements
from scanner.findings import Finding
from scanner.report import ReportError
from scanner.report.json_report import inert_json

if TYPE_CHECKING:
    from scanner.engine.rule import Rule
    from scanner.report import ReportOptions
    from scanner.result import ScanResult

SCHEMA_VERSION = "2018-10-08"
PRODUCT_NAME = "airguard"

# Documented maxima (AWS Security Hub API reference: AwsSecurityFinding, Recommendation, Resource,
# Compliance) that botocore's service model does not carry.
MAX_TITLE = 256
MAX_DESCRIPTION = 1024
MAX_RECOMMENDATION = 512
MAX_OTHER_VALUE = 1023            # Details.Other: values of fewer than 1,024 characters
MAX_PRODUCT_FIELD_VALUE = 2048
MAX_RELATED_REQUIREMENTS = 32

_SEVERITY_LABEL = {"critical": "CRITICAL", "high": "HIGH", "medium": "MEDIUM", "low": "LOW", "info": "INFORMATIONAL"}
_CONFIDENCE = {"high": 90, "medium": 60, "low": 30}   # ASFF Confidence: 0-100

_TYPE_BEST_PRACTICES = "Software and Configuration Checks/AWS Security Best Practices"
_TYPE_STANDARDS = "Software and Configuration Checks/Industry and Regulatory Standards"
_STANDARD_CLASSIFIERS = {"aws-fsbp": "AWS-Foundational-Security-Best-Practices",
                         "cis-aws": "CIS AWS Foundations Benchmark", "soc2": "SOC 2",
                         "nist-800-53": "NIST 800-53 Controls (USA)"}
_TYPE_PASSWORDS = "Sensitive Data Identifications/Passwords"
_TYPE_CHECKS = "Software and Configuration Checks"


class AsffError(ReportError):
    """The report cannot be written as ASFF (no account or region to file the findings under)."""


def partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def product_arn(account: str, region: str) -> str:
    return f"arn:{partition(region)}:securityhub:{region}:{account}:product/{account}/default"


def hub_region(result: ScanResult, options: ReportOptions) -> str:
    """Where the findings go: --asff-region, else AWS_REGION / AWS_DEFAULT_REGION, else the one region
    of the scan's AWS findings."""
    region = getattr(options, "aws_region", None) or os.environ.get("AWS_REGION") or os.environ.get(
        "AWS_DEFAULT_REGION")
    if region:
        return region
    regions = {f.aws.region for f in result.findings if f.aws is not None and f.aws.region
               and f.aws.region != "global"}
    if len(regions) == 1:
        return regions.pop()
    raise AsffError("ASFF needs the Security Hub region to file findings in: pass --asff-region REGION "
                    "(or set AWS_REGION)")


def default_account(result: ScanResult, options: ReportOptions) -> str | None:
    """The account for findings about files: --asff-account, else the one account of the AWS findings."""
    account = getattr(options, "aws_account", None)
    if account:
        return str(account)
    accounts = {f.aws.account for f in result.findings if f.aws is not None and f.aws.account}
    return accounts.pop() if len(accounts) == 1 else None


def resource_type_name(resource_type: str) -> str:
    """ASFF `Resources[].Type` for an airguard resource type: the registry's Security Hub name
    (AwsRdsDbCluster, AwsEc2SecurityGroup, ...), `Other` where Security Hub has none."""
    from scanner.resources import REGISTRY

    return REGISTRY.get(resource_type).native.security_hub if resource_type in REGISTRY else "Other"


def _cut(text: str, limit: int) -> str:
    text = text.strip() or "-"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _types(finding: Finding, rule: Rule | None) -> list[str]:
    types: list[str] = []
    compliance = rule.compliance if rule is not None else {}
    types += [f"{_TYPE_STANDARDS}/{_STANDARD_CLASSIFIERS[key]}" for key in FRAMEWORKS if key in compliance]
    if "credentials" in finding.tags:
        types.append(_TYPE_PASSWORDS)
    if finding.aws is not None or finding.resource_type.startswith("aws."):
        types.append(_TYPE_BEST_PRACTICES)
    return types or [_TYPE_CHECKS]


def _resource(finding: Finding, region: str, redact: Any) -> dict[str, Any]:
    if finding.aws is not None:
        kind = resource_type_name(finding.resource_type)
        if finding.resource_type == "aws.iam.user" and finding.aws.arn.endswith(":root"):
            kind = "AwsAccount"   # the root user is the account (as in Security Hub's IAM.4 findings)
        resource: dict[str, Any] = {"Type": kind, "Id": finding.aws.arn,
                                    "Partition": partition(finding.aws.region or region)}
        if finding.aws.region and finding.aws.region != "global":
            resource["Region"] = finding.aws.region
        if kind == "AwsAccount" and finding.aws.account:   # the Id Security Hub gives accounts
            resource["Id"] = f"AWS::::Account:{finding.aws.account}"
            resource["Details"] = {"Other": {"airguard/arn": _cut(finding.aws.arn, MAX_OTHER_VALUE)}}
        if kind == "Other":
            resource["Details"] = {"Other": {"airguard/resourceType": finding.resource_type,
                                             "airguard/resourceName": _cut(finding.resource_name, MAX_OTHER_VALUE)}}
        return resource
    other = {"airguard/resourceType": finding.resource_type,
             "airguard/resourceName": _cut(finding.resource_name, MAX_OTHER_VALUE)}
    if finding.location is not None:
        other["airguard/path"] = _cut(finding.location.path, MAX_OTHER_VALUE)
        other["airguard/line"] = str(finding.location.start_line)
    return {"Type": "Other", "Id": _cut(redact(finding.resource_id), 512), "Partition": partition(region),
            "Region": region, "Details": {"Other": other}}


def finding_asff(finding: Finding, rule: Rule | None, account: str, region: str, now: str,
                 hub_account: str | None = None, redact: Any = str, source_url: str | None = None) -> dict[str, Any]:
    """One ASFF finding. `account` is the finding's AwsAccountId; the ProductArn is `hub_account`'s
    (the account that imports) when given, else the finding's own account's."""
    product_account = hub_account or account
    product_fields = {
        "airguard/RuleId": finding.rule_id,
        "airguard/RuleName": finding.rule_name,
        "airguard/Fingerprint": finding.fingerprint,
        "airguard/ResourceType": finding.resource_type,
        "airguard/Version": __version__,
    }
    if finding.location is not None:
        product_fields["airguard/Location"] = _cut(f"{finding.location.path}:{finding.location.start_line}",
                                                   MAX_PRODUCT_FIELD_VALUE)
    data: dict[str, Any] = {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": f"airguard/{finding.fingerprint}",
        "ProductArn": product_arn(product_account, region),
        "ProductName": PRODUCT_NAME,
        "CompanyName": PRODUCT_NAME,
        "GeneratorId": finding.rule_id,
        "AwsAccountId": account,
        "Types": _types(finding, rule),
        "FirstObservedAt": now,
        "LastObservedAt": now,
        "CreatedAt": now,
        "UpdatedAt": now,
        "Severity": {"Label": _SEVERITY_LABEL[finding.severity.value], "Original": finding.severity.value},
        "Confidence": _CONFIDENCE[finding.confidence.value],
        "Title": _cut(_one_line(f"{finding.rule_id} {finding.title}"), MAX_TITLE),
        "Description": _cut(finding.message, MAX_DESCRIPTION),
        "ProductFields": product_fields,
        "Resources": [_resource(finding, region, redact)],
        "Compliance": {"Status": "FAILED"},
        "Workflow": {"Status": "SUPPRESSED" if finding.suppression is not None else "NEW"},
        "RecordState": "ACTIVE",
    }
    if rule is not None:
        recommendation: dict[str, str] = {"Text": _cut(_one_line(rule.docs.fix), MAX_RECOMMENDATION)}
        if rule.help_uri:
            recommendation["Url"] = rule.help_uri
        data["Remediation"] = {"Recommendation": recommendation}
        requirements = related_requirements(rule.compliance)[:MAX_RELATED_REQUIREMENTS]
        if requirements:
            data["Compliance"]["RelatedRequirements"] = requirements
    if source_url:
        data["SourceUrl"] = source_url
    if finding.suppression is not None and finding.suppression.justification.strip():
        data["Note"] = {"Text": _cut(f"{finding.suppression.kind}: {finding.suppression.justification}", 512),
                        "UpdatedBy": PRODUCT_NAME, "UpdatedAt": now}
    return data


def timestamp(moment: datetime | None = None) -> str:
    """RFC 3339 in UTC with milliseconds and `Z`, a form Security Hub accepts."""
    moment = (moment or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def build(result: ScanResult, options: ReportOptions) -> dict[str, list[dict[str, Any]]]:
    """`{"Findings": [...]}` for every finding of the scan (suppressed ones marked SUPPRESSED)."""
    region = hub_region(result, options)
    fallback = default_account(result, options)
    hub_account = getattr(options, "aws_account", None)
    now = getattr(options, "generated_at", None) or timestamp()
    rules = {rule.id: rule for rule in result.rules}
    base_url = getattr(options, "repository_url", None)
    redact = result.ctx.redactor.scrub
    findings = []
    for finding in result.findings:
        account = (finding.aws.account if finding.aws is not None else None) or fallback
        if account is None:
            raise AsffError("ASFF needs the AWS account to file findings about files under: pass "
                            "--asff-account ACCOUNT_ID")
        source_url = None
        if base_url and finding.location is not None:
            from urllib.parse import quote

            source_url = f"{base_url.rstrip('/')}/{quote(finding.location.path, safe='/')}#L{finding.location.start_line}"
        findings.append(finding_asff(finding, rules.get(finding.rule_id), account, region, now,
                                     hub_account=hub_account, redact=redact, source_url=source_url))
    return {"Findings": findings}


def render(result: ScanResult, options: ReportOptions) -> str:
    return inert_json(json.dumps(build(result, options), indent=2)) + "\n"
