"""`airguard rules test` with fixtures: each rule's fixture folder scanned by the real pipeline (collectors,
linking, suppressions, rules) with only that rule selected; the engine compares the findings with the folder's
`# ruleid:` / `# ok:` markers (`scanner.engine.ruletest`)."""

from __future__ import annotations

from pathlib import Path

from scanner.collect.dagbag import DagbagRequest, airflow_available
from scanner.config import Config
from scanner.engine.loader import rule_file
from scanner.engine.rule import Rule
from scanner.engine.ruletest import EXPECT_SUFFIX, FixtureSkipped, RuleTestResult
from scanner.engine.ruletest import run_rule_tests as _run_rule_tests
from scanner.findings import Finding

SNAPSHOT = "aws-snapshot.json"   # a fixture folder's AWS account (markers in `aws-snapshot.json.expect`)
DAG_FILE = "airflow.dag_file"    # only Airflow's DagBag makes these: a rule over them is tested with `--dagbag`
DAGBAG_TIMEOUT = 120.0


def scan_fixture(rule: Rule, folder: Path, profile: str | None) -> tuple[list[Finding], list[str]]:
    """The findings of `rule` in a scan of `folder` (its root), and a problem per error notice (a partial scan)."""
    from scanner.scan import AwsInput, run_scan

    dagbag, problem = _dagbag(rule, folder)
    if problem:
        return [], [problem]
    aws = None
    snapshot = folder / SNAPSHOT
    if snapshot.is_file():
        from scanner.aws.snapshot import parse_snapshot, read_snapshot_text

        text = read_snapshot_text(snapshot)
        aws = AwsInput(parse_snapshot(text, str(snapshot)), file=snapshot, text=text)
    config = Config(select=[rule.id], profile=profile or "default", exclude=[SNAPSHOT, "*" + EXPECT_SUFFIX])
    source = rule_file(rule)
    extra = [source.parent] if rule.origin != "builtin" and source is not None else None
    result = run_scan([folder], config, folder, extra, aws=aws, dagbag=dagbag, jobs=1)
    problems = [f"the fixture scan is partial: {notice.message}" for notice in result.notices if notice.level == "error"]
    return [f for f in result.findings if f.rule_id == rule.id], problems


def _dagbag(rule: Rule, folder: Path) -> tuple[DagbagRequest | None, str | None]:
    """A DagBag load of the folder when the rule reads `airflow.dag_file` (as `scan --dagbag`: in the contained
    child, with a timeout). DagBag runs the files' top-level code, so only the fixtures shipped with airguard
    (built-in rules) are loaded so; a user rule's folder is run only by an explicit `scan --dagbag`."""
    if DAG_FILE not in (rule.resource, *rule.requires):
        return None, None
    if rule.origin != "builtin":
        return None, (f"{rule.id} reads {DAG_FILE}, which only DagBag gives: fixtures are loaded with DagBag (their "
                      "code runs) for built-in rules only; test this rule with `airguard scan --dagbag`")
    if not airflow_available():
        raise FixtureSkipped("they need Airflow's DagBag (install the airguard[airflow] extra)")
    return DagbagRequest([folder], timeout=DAGBAG_TIMEOUT), None


def run_rule_tests(rules: list[Rule], profile: str | None = None) -> list[RuleTestResult]:
    """Inline examples and fixtures of each rule."""
    return _run_rule_tests(rules, profile, scan_fixture)
