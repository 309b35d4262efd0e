"""Pass / fail / not evaluated per control of one framework, from one scan.

A rule mapped to the control is, in this scan:
- `fail`: it has an open finding (not suppressed, not in the baseline), even where the scan was partial;
- `not-evaluated`: it did not run (`--select`, `--ignore`, configuration), or a notice says the scan could
  not evaluate it (an AWS gap or a service left out for this rule, a rule error, a file or the AWS
  snapshot that could not be read);
- `no-resources`: nothing it looks at was seen (no resource of its type, or none of the types its
  condition reads through relations);
- `pass`: it ran over resources and found nothing open.

A control fails when one of its rules fails; else it is not evaluated when one of its rules was not
evaluated, or when none of them saw a resource; else it passes. A rule that saw nothing does not keep
a control from passing on the rules that did (an account without MWAA still passes SC-7 on its databases).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scanner.compliance.frameworks import FRAMEWORKS, control_sort_key

if TYPE_CHECKING:
    from scanner.engine.rule import Rule
    from scanner.findings import Notice
    from scanner.result import ScanResult

FAIL, PASS, NOT_EVALUATED, NO_RESOURCES = "fail", "pass", "not-evaluated", "no-resources"


@dataclass
class RuleStatus:
    rule_id: str
    status: str
    findings: int = 0          # open
    suppressed: int = 0
    reason: str = ""


@dataclass
class ControlStatus:
    control: str
    status: str
    rules: list[RuleStatus] = field(default_factory=list)

    @property
    def findings(self) -> int:
        return sum(rule.findings for rule in self.rules)


def _blocking_notice(rule: Rule, notices: list[Notice]) -> str | None:
    """Why the scan could not (fully) evaluate `rule`, from its notices, or None."""
    is_aws = rule.resource.startswith("aws.") or any(t.startswith("aws.") for t in rule.requires)
    for notice in notices:
        if notice.rule_id == rule.id:
            return "the scan could not evaluate it everywhere (see the scan's notices)"
    for notice in notices:
        if notice.level != "error" or notice.rule_id or notice.kind == "not-evaluated":
            continue  # AWS gaps come with one notice per affected rule, handled above
        if notice.path and not rule.resource.startswith("aws."):
            return "a file could not be read (scan incomplete)"
        if not notice.path and (is_aws or notice.kind == "internal-error"):
            return "part of the input could not be read (scan incomplete)"
    return None


def rule_status(rule: Rule, result: ScanResult, selected: set[str]) -> RuleStatus:
    if rule.id not in selected:
        return RuleStatus(rule.id, NOT_EVALUATED, reason="rule not run (--select, --ignore or configuration)")
    mine = [f for f in result.findings if f.rule_id == rule.id]
    open_count = sum(1 for f in mine if f.suppression is None)
    status = RuleStatus(rule.id, PASS, findings=open_count, suppressed=len(mine) - open_count)
    if open_count:
        status.status = FAIL
        return status
    blocked = _blocking_notice(rule, result.notices)
    if blocked:
        status.status, status.reason = NOT_EVALUATED, blocked
        return status
    seen = result.graph.types()
    if rule.resource not in seen:
        status.status, status.reason = NO_RESOURCES, f"no {rule.resource} seen"
    elif rule.requires and not seen.intersection(rule.requires):
        status.status, status.reason = NO_RESOURCES, f"none of {', '.join(rule.requires)} seen"
    return status


def control_status(control: str, statuses: list[RuleStatus]) -> ControlStatus:
    kinds = {s.status for s in statuses}
    if FAIL in kinds:
        verdict = FAIL
    elif NOT_EVALUATED in kinds or kinds == {NO_RESOURCES}:
        verdict = NOT_EVALUATED
    else:
        verdict = PASS
    return ControlStatus(control, verdict, statuses)


def summarise(result: ScanResult, framework: str, rules: list[Rule]) -> list[ControlStatus]:
    """Every control of `framework` that one of `rules` (every loaded rule, run or not) maps to."""
    selected = {rule.id for rule in result.rules}
    by_control: dict[str, list[Rule]] = {}
    for rule in sorted(rules, key=lambda r: r.id):
        for control in rule.compliance.get(framework, []):
            by_control.setdefault(control, []).append(rule)
    cache: dict[str, RuleStatus] = {}
    controls = []
    for control in sorted(by_control, key=control_sort_key):
        statuses = [cache.setdefault(r.id, rule_status(r, result, selected)) for r in by_control[control]]
        controls.append(control_status(control, statuses))
    return controls


def counts(controls: list[ControlStatus]) -> dict[str, int]:
    return {"controls": len(controls), "fail": sum(c.status == FAIL for c in controls),
            "pass": sum(c.status == PASS for c in controls),
            "not_evaluated": sum(c.status == NOT_EVALUATED for c in controls)}


def summary_json(result: ScanResult, framework: str, controls: list[ControlStatus], fail_on: str) -> dict[str, Any]:
    from scanner.report.summary import summary

    info = FRAMEWORKS[framework]
    return {
        "framework": {"key": info.key, "title": info.title, "url": info.url},
        "summary": counts(controls),
        "controls": [
            {"control": c.control, "status": c.status, "findings": c.findings,
             "rules": [{"rule_id": r.rule_id, "status": r.status, "findings": r.findings,
                        "suppressed": r.suppressed, "reason": r.reason or None} for r in c.rules]}
            for c in controls
        ],
        "scan": summary(result, fail_on),
    }


_LABEL = {FAIL: "FAIL", PASS: "PASS", NOT_EVALUATED: "NOT EVALUATED"}


def render_text(result: ScanResult, framework: str, controls: list[ControlStatus], fail_on: str) -> str:
    from scanner.report.text import visible

    info = FRAMEWORKS[framework]
    total = counts(controls)
    headline = (f"{info.title}: {total['fail']} failing, {total['pass']} passing, "
                f"{total['not_evaluated']} not evaluated ({total['controls']} controls)")
    lines = [headline, ""]
    width = max((len(c.control) for c in controls), default=8)
    for control in controls:
        details = []
        for rule in control.rules:
            text = rule.rule_id
            if rule.status == FAIL:
                text += f" {rule.findings} finding{'s' if rule.findings != 1 else ''}"
            elif rule.status == PASS:
                text += " passed"
            else:
                text += f" {rule.reason}"
            details.append(visible(text))
        lines.append(f"  {_LABEL[control.status]:<13}  {visible(control.control):<{width}}  {'; '.join(details)}")
    if not controls:
        lines.append("  no rule maps to this framework")
    lines += ["", f"Scan: exit code {result.exit_code(fail_on)}"
              + (" (incomplete: see `airguard scan` for what could not be read)" if result.partial else ""), ""]
    return "\n".join(lines)
