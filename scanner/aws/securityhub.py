"""`airguard aws securityhub import`: send findings to AWS Security Hub with `BatchImportFindings`.

Input: an ASFF file (`airguard scan --format asff`), an airguard JSON report (converted here), or a scan
run by the command itself (`--from-scan`). Every finding is checked against botocore's own model of
`BatchImportFindings` (required members, types, enums, patterns, minima: botocore's `ParamValidator`
plus the model's other constraints) and the documented maxima the model does not carry, before anything
is sent. Findings go in batches of 100 (the API's maximum); botocore retries throttling and 5xx answers
(standard retry mode). `FailedFindings` are listed with their Id, error code and message, and the exit
code is then 1. boto3 is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BATCH_SIZE = 100                      # BatchImportFindings accepts at most 100 findings per request
MAX_FINDING_BYTES = 240 * 1024        # "The maximum allowed size for a finding is 240 Kb"
REPORT_CAP = 64 * 1024 * 1024

# Documented maxima (AWS Security Hub API reference) that botocore's model does not state, by member path.
_DOCUMENTED_MAX: dict[str, int] = {
    "Id": 512, "GeneratorId": 512, "Title": 256, "Description": 1024, "AwsAccountId": 12,
    "Remediation.Recommendation.Text": 512, "Compliance.RelatedRequirements": 32, "Types": 50,
    "Resources": 32, "ProductFields": 50, "Resources[].Details.Other": 50,
}


class SecurityHubImportError(Exception):
    """The input cannot be imported (unreadable, not ASFF nor an airguard report, invalid findings)."""


@dataclass
class FailedFinding:
    id: str
    error_code: str
    error_message: str


@dataclass
class ImportOutcome:
    success: int = 0
    failed: list[FailedFinding] = field(default_factory=list)
    requests: int = 0


# --- validation against botocore's model ------------------------------------------------------------

def _finding_shape() -> Any:
    import botocore.session

    model = botocore.session.get_session().get_service_model("securityhub")
    return model.operation_model("BatchImportFindings").input_shape


def validate_findings(findings: Sequence[Any]) -> list[str]:
    """Problems of each finding, `Findings[3] (Id airguard/...): Title: ...`; empty when all are valid."""
    from botocore.validate import ParamValidator

    shape = _finding_shape()
    member = shape.members["Findings"].member
    problems: list[str] = []
    if not isinstance(findings, list) or not findings:
        return ["Findings: expected a non-empty list of findings"]
    validator = ParamValidator()
    for index, finding in enumerate(findings):
        label = f"Findings[{index}]"
        if isinstance(finding, dict) and isinstance(finding.get("Id"), str):
            label += f" (Id {finding['Id'][:80]})"
        report = validator.validate({"Findings": [finding]}, shape)
        found = [line.strip().replace("Findings[0].", "").replace(" in Findings[0]", "")
                 for line in report.generate_report().splitlines() if line.strip()] if report.has_errors() else []
        if isinstance(finding, dict):
            found += _constraints(finding, member, "")
            found += _documented_limits(finding)
            size = len(json.dumps(finding).encode("utf-8"))
            if size > MAX_FINDING_BYTES:
                found.append(f"finding is {size} bytes, more than the 240 KB Security Hub accepts")
        problems += [f"{label}: {line}" for line in found]
    return problems


def _constraints(value: Any, shape: Any, path: str) -> list[str]:
    """The model's enum, pattern and max constraints, which ParamValidator does not check."""
    problems: list[str] = []
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for name, item in value.items():
            if name in shape.members:
                problems += _constraints(item, shape.members[name], f"{path}.{name}" if path else name)
    elif kind == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{path}: {len(value)} items, at most {meta['max']} allowed")
        for index, item in enumerate(value):
            problems += _constraints(item, shape.member, f"{path}[{index}]")
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            problems += _constraints(key, shape.key, f"{path} key")
            problems += _constraints(item, shape.value, f"{path}.{key}")
    elif kind == "string" and isinstance(value, str):
        if "enum" in meta and value not in meta["enum"]:
            problems.append(f"{path}: {value!r} is not one of {', '.join(meta['enum'])}")
        if "pattern" in meta and not re.fullmatch(meta["pattern"], value, re.DOTALL):
            problems.append(f"{path}: does not match the pattern {meta['pattern']}")
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{path}: {len(value)} characters, at most {meta['max']} allowed")
    elif kind in ("integer", "long") and isinstance(value, int) and "max" in meta and value > meta["max"]:
        problems.append(f"{path}: {value} is more than {meta['max']}")
    return problems


def _documented_limits(finding: dict[str, Any]) -> list[str]:
    problems: list[str] = []

    def check(path: str, value: Any) -> None:
        limit = _DOCUMENTED_MAX[path]
        if isinstance(value, (str, list, dict)) and len(value) > limit:
            unit = "characters" if isinstance(value, str) else "items"
            problems.append(f"{path}: {len(value)} {unit}, at most {limit} allowed")

    for path in ("Id", "GeneratorId", "Title", "Description", "Types", "Resources", "ProductFields"):
        if path in finding:
            check(path, finding[path])
    account = finding.get("AwsAccountId")
    if isinstance(account, str) and not re.fullmatch(r"[0-9]{12}", account):
        problems.append(f"AwsAccountId: {account!r} is not a 12-digit account id")
    recommendation = (finding.get("Remediation") or {}).get("Recommendation") or {}
    if isinstance(recommendation, dict) and "Text" in recommendation:
        check("Remediation.Recommendation.Text", recommendation["Text"])
    compliance = finding.get("Compliance") or {}
    if isinstance(compliance, dict) and "RelatedRequirements" in compliance:
        check("Compliance.RelatedRequirements", compliance["RelatedRequirements"])
    for resource in finding.get("Resources") or []:
        other = ((resource or {}).get("Details") or {}).get("Other") if isinstance(resource, dict) else None
        if isinstance(other, dict):
            check("Resources[].Details.Other", other)
            for key, value in other.items():
                if len(str(key)) >= 128 or len(str(value)) >= 1024:
                    problems.append(f"Resources[].Details.Other.{str(key)[:40]}: key must be under 128 and "
                                    "value under 1,024 characters")
    for key, value in (finding.get("ProductFields") or {}).items() if isinstance(finding.get("ProductFields"),
                                                                                 dict) else []:
        if len(str(key)) > 128 or len(str(value)) > 2048:
            problems.append(f"ProductFields.{str(key)[:40]}: key at most 128 and value at most 2,048 characters")
    return problems


# --- reading the input -------------------------------------------------------------------------------

def read_findings(path: Path, account: str | Callable[[], str] | None, region: str | None) -> list[dict[str, Any]]:
    """The ASFF findings in `path`: an ASFF file as written by `--format asff` (`{"Findings": [...]}` or a
    bare list), or an airguard JSON report, converted for `region`; findings about files go to `account`
    (a function is only called when such a finding needs it)."""
    from scanner import safeio

    try:
        text = safeio.read_bytes(path, REPORT_CAP).decode("utf-8")
        document = json.loads(text)
    except safeio.ReadRefused as error:
        raise SecurityHubImportError(f"cannot read {path}: {error.message.removeprefix('cannot read file: ')}") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise SecurityHubImportError(f"{path} is not a JSON file ({type(error).__name__})") from None
    if isinstance(document, dict) and isinstance(document.get("Findings"), list):
        return document["Findings"]
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and isinstance(document.get("findings"), list) and "schema_version" in document:
        return _from_report(document, account, region, path)
    raise SecurityHubImportError(f"{path} is neither ASFF (`airguard scan --format asff`) nor an airguard JSON report")


def _from_report(document: dict[str, Any], account: str | Callable[[], str] | None, region: str | None,
                 path: Path) -> list[dict[str, Any]]:
    from scanner.engine.loader import load_rules
    from scanner.findings import Confidence, Finding, Severity, Suppression
    from scanner.model import AwsIdentity, FileLocation
    from scanner.report.asff import finding_asff, timestamp

    if not region:
        raise SecurityHubImportError("converting a JSON report needs the Security Hub region: pass --hub-region REGION")
    rules = {rule.id: rule for rule in load_rules([])}
    now = timestamp()
    converted = []
    for index, item in enumerate(document["findings"]):
        try:
            resource = item["resource"]
            location = item.get("location")
            suppression = item.get("suppression")
            finding = Finding(
                rule_id=_text(item["rule_id"]), rule_name=_text(item["rule_name"]), title=_text(item["title"]),
                severity=Severity(item["severity"]), confidence=Confidence(item["confidence"]),
                message=_text(item["message"]), resource_id=_text(resource["id"]),
                resource_type=_text(resource["type"]), resource_name=_text(resource["name"]),
                location=FileLocation.from_json({"path": location["path"], "start_line": location["start_line"]})
                if location else None,
                aws=AwsIdentity.from_json({"arn": resource["arn"], "account": resource.get("account"),
                                           "region": resource.get("region")})
                if resource.get("arn") else None,
                fingerprint=_text(item["fingerprint"]), tags=_texts(item.get("tags") or []),
                suppression=Suppression(kind=_text(suppression["kind"]), justification=_text(suppression["justification"]))
                if suppression else None,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise SecurityHubImportError(f"{path}: findings[{index}] is not an airguard finding "
                               f"({type(error).__name__})") from None
        owner = finding.aws.account if finding.aws else None
        if owner is None:
            if callable(account):
                account = account()
            if account is None:
                raise SecurityHubImportError("findings about files need the account to file them under: "
                                             "pass --account ID")
            owner = account
        converted.append(finding_asff(finding, rules.get(finding.rule_id), owner, region, now,
                                      hub_account=account if isinstance(account, str) else None))
    return converted


# --- sending -----------------------------------------------------------------------------------------

def batches(findings: Sequence[dict[str, Any]], size: int = BATCH_SIZE) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(findings), size):
        yield list(findings[start:start + size])


def import_findings(client: Any, findings: Sequence[dict[str, Any]], size: int = BATCH_SIZE) -> ImportOutcome:
    """Send `findings` in batches of `size` (at most 100). A request that fails after botocore's retries
    raises (botocore's ClientError / BotoCoreError); per-finding refusals are collected."""
    if not 1 <= size <= BATCH_SIZE:
        raise ValueError(f"batch size must be 1..{BATCH_SIZE}")
    outcome = ImportOutcome()
    for batch in batches(findings, size):
        answer = client.batch_import_findings(Findings=batch)
        outcome.requests += 1
        outcome.success += int(answer.get("SuccessCount", 0))
        outcome.failed += [FailedFinding(str(item.get("Id", "")), str(item.get("ErrorCode", "")),
                                         str(item.get("ErrorMessage", "")))
                           for item in answer.get("FailedFindings", [])]
    return outcome


def securityhub_client(profile: str | None, region: str | None) -> Any:
    """A Security Hub client with the run's botocore settings (standard retries, timeouts); honours
    AWS_ENDPOINT_URL(_SECURITYHUB) like every botocore client."""
    import boto3

    from scanner.aws.session import SessionOptions, botocore_config

    options = SessionOptions(profile=profile, max_attempts=5)
    config = botocore_config(options).merge(_standard_retries(options.max_attempts))
    session = boto3.Session(profile_name=profile, region_name=region or os.environ.get("AWS_REGION") or None)
    if session.region_name is None:
        raise SecurityHubImportError("no Security Hub region: pass --hub-region REGION or set AWS_REGION")
    return session.client("securityhub", config=config)


def _standard_retries(attempts: int) -> Any:
    from botocore.config import Config

    return Config(retries={"mode": "standard", "max_attempts": attempts})


def caller_account(client: Any, profile: str | None) -> str:
    """The account the credentials belong to (STS GetCallerIdentity), through the same endpoint settings."""
    import boto3

    session = boto3.Session(profile_name=profile, region_name=client.meta.region_name)
    return str(session.client("sts", config=client.meta.config).get_caller_identity()["Account"])


# --- the command -------------------------------------------------------------------------------------

def run_securityhub(args: argparse.Namespace) -> int:
    from scanner.report.text import line_start
    from scanner.runscan import AWS_INSTALL_HINT, boto3_available, error

    if getattr(args, "securityhub_command", None) != "import":
        return error("usage: airguard aws securityhub import (FILE | --from-scan [PATH ...])")
    if not args.from_scan and len(args.inputs) != 1:
        return error("give one ASFF or JSON report to import, or --from-scan [PATH ...]")
    if not boto3_available():
        return error(AWS_INSTALL_HINT)
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client = securityhub_client(args.profile, args.hub_region)
        region = client.meta.region_name
        partial = False
        if args.from_scan:
            scanned = _scan_findings(args, client, region)
            if isinstance(scanned, int):
                return scanned
            findings, partial = scanned
        else:
            findings = read_findings(args.inputs[0], args.account or (lambda: caller_account(client, args.profile)),
                                     region)
        problems = validate_findings(findings) if findings else []
        if problems:
            shown = "\n  ".join(line_start(p) for p in problems[:20])
            more = f"\n  ... {len(problems) - 20} more" if len(problems) > 20 else ""
            return error(f"not valid for BatchImportFindings ({len(problems)} problem(s)); nothing sent:\n  "
                          f"{shown}{more}")
        if args.dry_run:
            print(f"airguard: {len(findings)} finding(s) valid; {len(list(batches(findings)))} request(s) "
                  f"to Security Hub in {region} (dry run: nothing sent)", file=sys.stderr)
            return 0
        outcome = import_findings(client, findings)
    except SecurityHubImportError as exc:
        return error(str(exc))
    except ClientError as exc:
        error = exc.response.get("Error", {})
        return error(f"Security Hub refused the request: {error.get('Code', '?')}: "
                      f"{line_start(str(error.get('Message', ''))[:300])}")
    except BotoCoreError as exc:
        return error(f"cannot reach Security Hub: {type(exc).__name__}")
    for failed in outcome.failed:
        print(line_start(f"airguard: not imported: {failed.id}: {failed.error_code}: {failed.error_message[:300]}"),
              file=sys.stderr)
    print(f"airguard: imported {outcome.success} of {len(findings)} finding(s) into Security Hub in {region} "
          f"({outcome.requests} request(s)); {len(outcome.failed)} failed", file=sys.stderr)
    if outcome.failed:
        return 1
    return 3 if partial else 0


def _scan_findings(args: argparse.Namespace, client: Any, region: str) -> tuple[list[dict[str, Any]], bool] | int:
    """The scan's findings as ASFF and whether the scan was partial, or the scan's exit code when it
    could not run."""
    from scanner.report import ReportOptions
    from scanner.report.asff import AsffError, build
    from scanner.runscan import run_scan_command

    args.paths = list(args.inputs)
    args.format = "json"
    ran = run_scan_command(args)
    if isinstance(ran, int):
        return ran
    result, _config = ran
    account = args.account or caller_account(client, args.profile)
    try:
        return build(result, ReportOptions(aws_account=account, aws_region=region))["Findings"], result.partial
    except AsffError as exc:
        raise SecurityHubImportError(str(exc)) from None


def _text(value: Any) -> str:
    """A string field of a report read back (TypeError otherwise)."""
    if type(value) is not str:
        raise TypeError("expected a string")
    return value


def _texts(value: Any) -> list[str]:
    if type(value) is not list:
        raise TypeError("expected a list of strings")
    return [_text(item) for item in value]
