"""Reporters: SARIF valid against the official schema and shaped for GitHub; JSON valid against ours."""

from __future__ import annotations

import json
import re
import shutil
from array import array
from collections.abc import Iterable
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.records import replace
from tests.conftest import DATA, REPO

SARIF_SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
REPORT_SCHEMA = json.loads((REPO / "scanner" / "schemas" / "report.schema.json").read_text())


@pytest.fixture(scope="module")
def demo_sarif(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from tests.conftest import run_process

    result = run_process("scan", "fixtures/demo", "fixtures/collectors", "-f", "sarif", "--sarif-category", "airguard",
                         env={"AIRGUARD_CACHE_DIR": str(tmp_path_factory.mktemp("c"))})
    assert result.exit_code == 1, result.stderr
    return json.loads(result.stdout)


def test_sarif_is_valid_against_the_official_schema(demo_sarif: dict) -> None:
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(demo_sarif)


def test_sarif_has_what_github_code_scanning_reads(demo_sarif: dict) -> None:
    run = demo_sarif["runs"][0]
    assert demo_sarif["version"] == "2.1.0"
    assert run["automationDetails"]["id"] == "airguard/"
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and "### How to fix" in rule["help"]["markdown"]
        assert rule["helpUri"].startswith("https://")
        assert isinstance(rule["properties"]["security-severity"], str)
        float(rule["properties"]["security-severity"])
        assert rule["properties"]["precision"] in ("very-high", "high", "medium", "low")
        assert "security" in rule["properties"]["tags"]
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert not uri.startswith("/") and "://" not in uri and "\\" not in uri
        assert result["partialFingerprints"]["airguard/v1"]


def test_sarif_leaves_suppressed_results_out_unless_asked(demo_sarif: dict, run_cli) -> None:
    """Code scanning ignores `suppressions`: an uploaded suppressed result would open an alert."""
    assert not [r for r in demo_sarif["runs"][0]["results"] if r.get("suppressions")]
    shown = json.loads(run_cli("scan", "fixtures/demo", "-f", "sarif", "--show-suppressed").stdout)
    suppressed = [r for r in shown["runs"][0]["results"] if r.get("suppressions")]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in suppressed] == [
        ("AG101", 18)]
    assert suppressed[0]["suppressions"] == [{"kind": "inSource",
                                              "justification": "local throwaway database, never deployed"}]
    report = run_cli("scan", "fixtures/demo", "-f", "json").json()  # JSON keeps them
    assert [(f["rule_id"], f["location"]["start_line"]) for f in report["findings"] if f["suppression"]] == [
        ("AG101", 18)]


# Computed with github/codeql-action's own src/fingerprints.ts (node) on this text: alerts keep their
# identity across uploads only if airguard writes the same value the upload would compute.
FINGERPRINT_TEXT = ("# émoji 😀 line\r\n\tkey:  value\rnext\n" + "x" * 250 + "\n\nsame\nsame\n")
FINGERPRINT_EXPECTED = {1: "5e86d3c9aadd8ef9:1", 2: "70fc5700ef1ed027:1", 3: "3aad6929fb70b009:1",
                        4: "52b56201ffb58620:1", 5: "c3cf7fc9cfa5e471:1", 6: "54dd522503d971eb:1",
                        7: "930af01a65e2307f:1", 8: "c129715d7a2bc9a3:1"}


def test_primary_location_line_hash_is_codeql_actions() -> None:
    from scanner.report.fingerprints import line_hashes

    assert line_hashes(FINGERPRINT_TEXT, range(1, 9)) == FINGERPRINT_EXPECTED
    assert line_hashes(FINGERPRINT_TEXT, [3]) == {3: FINGERPRINT_EXPECTED[3]}  # early stop, same value
    assert line_hashes(FINGERPRINT_TEXT, range(1, 9)) == codeql_line_hashes(FINGERPRINT_TEXT, range(1, 9))


def codeql_line_hashes(text: str, wanted: Iterable[int]) -> dict[int, str]:
    """codeql-action's fingerprints.ts `hash`, step for step (a rolling hash, one UTF-16 unit at a time): the
    reference the batched implementation is checked against."""
    block, mod, mask = 100, 37, (1 << 64) - 1
    first_mod = pow(mod, block, 1 << 64)
    window, line_numbers = [0] * block, [-1] * block
    value = index = line_number = 0
    line_start, previous_cr = True, False
    counts: dict[int, int] = {}
    found: dict[int, str] = {}
    lines = set(wanted)

    def output() -> None:
        counts[value] = counts.get(value, 0) + 1
        if line_numbers[index] in lines:
            found[line_numbers[index]] = f"{value:x}:{counts[value]}"
        line_numbers[index] = -1

    units = array("H")
    units.frombytes(text.encode("utf-16-le", "surrogatepass"))
    for current in [*units, 65535]:
        if current in (32, 9) or (previous_cr and current == 10):
            previous_cr = False
            continue
        current, previous_cr = (10, True) if current == 13 else (current, False)
        if line_numbers[index] != -1:
            output()
        if line_start:
            line_start, line_number = False, line_number + 1
            line_numbers[index] = line_number
        line_start = current == 10
        value = (mod * value + current - first_mod * window[index]) & mask
        window[index], index = current, (index + 1) % block
    for _ in range(block):
        if line_numbers[index] != -1:
            output()
        value = (mod * value - first_mod * window[index]) & mask
        window[index], index = 0, (index + 1) % block
    return found


_PIECES = st.sampled_from(["a", "b", "x = 1", " ", "\t", "\r", "\n", "\r\n", "\r \n", "\0", "é", "😀", "\ud800",
                           "\uffff", "same\n", "y" * 120])


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(_PIECES, max_size=80), wanted=st.lists(st.integers(-1, 40), max_size=6))
def test_line_hashes_match_the_rolling_hash_on_any_text(pieces: list[str], wanted: list[int]) -> None:
    from scanner.report.fingerprints import line_hashes

    text = "".join(pieces)
    assert line_hashes(text, wanted) == codeql_line_hashes(text, wanted)


def test_line_hashes_of_many_files_are_batched_without_mixing_them(monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.report import fingerprints

    # the last file repeats the first: its windows are hashed once per batch and counted in each file
    texts = [FINGERPRINT_TEXT, "", "same\n" * 30, "a\r\n" * 12 + "😀" * 150, "x\n" * 5, FINGERPRINT_TEXT]
    expected = [codeql_line_hashes(text, range(1, 35)) for text in texts]
    assert fingerprints.line_hashes_of_files((text, range(1, 35)) for text in texts) == expected
    monkeypatch.setattr(fingerprints, "ROWS_PER_BATCH", 7)    # files split over batches, batches over files
    assert fingerprints.line_hashes_of_files((text, range(1, 35)) for text in texts) == expected
    # the first 11 lines of "same\\n" * 30 see the same 100 units: a repeated window counts its repeats
    assert expected[2][11] == expected[2][1].replace(":1", ":11") and expected[2][12].endswith(":1")


def test_sarif_regions_fingerprints_tags_and_links(demo_sarif: dict) -> None:
    run = demo_sarif["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["description"]["text"]
    for result in run["results"]:
        located = [result["locations"][0]] + result.get("relatedLocations", [])
        for location in located:
            region = location["physicalLocation"]["region"]
            assert region["endColumn"] > 0 and region["startColumn"] > 0
            assert location["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        if not result.get("properties", {}).get("locationIsPlaceholder"):
            assert re.fullmatch(r"[0-9a-f]{1,16}:\d+", result["partialFingerprints"]["primaryLocationLineHash"])
        for related in result.get("relatedLocations", []):
            assert f"]({related['id']})" in result["message"]["text"]
    tags = {t for rule in run["tool"]["driver"]["rules"] for t in rule["properties"]["tags"]}
    assert "external/cwe/cwe-798" in tags and not [t for t in tags if t.startswith("cwe-")]



def test_sarif_reports_read_errors_as_notifications(demo_sarif: dict) -> None:
    invocation = demo_sarif["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = {(n["descriptor"]["id"], n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
             for n in invocation["toolExecutionNotifications"] if "locations" in n}
    assert ("parse-error", "fixtures/collectors/broken/bad.yaml") in notes
    assert ("read-error", "fixtures/collectors/broken/binary.env") in notes


def test_sarif_output_is_deterministic(run_cli) -> None:
    first = run_cli("scan", "fixtures/demo", "-f", "sarif").stdout
    second = run_cli("scan", "fixtures/demo", "-f", "sarif").stdout
    assert first == second


def test_json_report_matches_its_schema(run_cli) -> None:
    result = run_cli("scan", "fixtures/demo", "fixtures/collectors", "-f", "json")
    report = result.json()
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(report)
    assert report["summary"]["exit_code"] == result.exit_code == 1
    assert report["summary"]["suppressed"] == 1


def test_fingerprints_survive_lines_inserted_above(run_cli, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    shutil.copytree(REPO / "fixtures" / "demo", project)
    (project / ".git").mkdir()
    before = run_cli("scan", ".", "-f", "json", cwd=project).json()
    env = project / ".env"
    env.write_text("# a new comment\n# and another\n\n" + env.read_text())
    after = run_cli("scan", ".", "-f", "json", cwd=project).json()

    def by_fingerprint(report: dict) -> dict[str, tuple[str, int]]:
        return {f["fingerprint"]: (f["rule_id"], f["location"]["start_line"]) for f in report["findings"]}

    old, new = by_fingerprint(before), by_fingerprint(after)
    assert set(old) == set(new)
    moved = [fp for fp in old if new[fp][1] == old[fp][1] + 3]
    assert len(moved) == sum(1 for f in before["findings"] if f["location"]["path"] == ".env")


def test_fingerprints_know_the_file(run_cli, tmp_path: Path) -> None:
    line = "AIRFLOW_CONN_DB=postgres://u:Same-Pw-123@db.cluster-abc.us-east-1.rds.amazonaws.com/x\n"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / ".env").write_text(line)
    (tmp_path / "b" / ".env").write_text(line)
    report = run_cli("scan", ".", "-f", "json", cwd=tmp_path).json()
    fingerprints = [f["fingerprint"] for f in report["findings"] if f["rule_id"] == "AG101"]
    assert len(fingerprints) == 2 and len(set(fingerprints)) == 2


def test_text_output_groups_by_file_and_summarises(run_cli) -> None:
    result = run_cli("scan", "fixtures/demo")
    lines = result.stdout.splitlines()
    assert lines[0] == "fixtures/demo/.env"
    assert "     5:46  high     AG101 Connection 'orders_db' (postgres) has a literal password written in env config" in lines
    assert "           │ AIRFLOW_CONN_ORDERS_DB=postgresql://etl_user:****@orders.cluster-c9akciq32xyz.eu-west-1.rds.amazonaws.com:5432/orders" in lines
    # the demo's .airguard.toml adds its AWS snapshot: account findings and the links to it
    assert "     5:46  medium   AG602 Connection 'orders_db' uses a password for orders.cluster-c9akciq32xyz.eu-west-1" \
           ".rds.amazonaws.com, which accepts IAM authentication: switch it to \"iam\": true" in lines
    # config/airflow.cfg's deployment (the compose project) sets no secrets backend: AG201 (the chart's does)
    assert any(l.startswith("44 findings (2 critical, 26 high, 15 medium, 1 low), 1 suppressed, 2 errors") for l in lines)


# -- GitHub's upload limits ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_result(tmp_path_factory: pytest.TempPathFactory):
    """A real scan result whose findings the limit tests replace with synthetic ones."""
    from scanner.config import Config
    from scanner.scan import run_scan

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIRGUARD_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        return run_scan([REPO / "fixtures" / "demo"], Config(), REPO, jobs=1)


def _copies(result, counts: dict[str, int], snippet: str | None = None) -> list:
    """Findings like the demo's first .env one, on lines 1..N, `counts[severity]` of each severity in turn."""
    from scanner.findings import Severity

    model = next(f for f in result.findings if f.location is not None and f.location.path.endswith(".env"))
    findings = []
    for severity, count in counts.items():
        for _ in range(count):
            line = len(findings) + 1
            findings.append(replace(
                model, severity=Severity(severity), fingerprint=f"{line:032x}", suppression=None,
                snippet=snippet if snippet is not None else model.snippet,
                location=replace(model.location, start_line=line, end_line=line)))
    return findings


def _sarif_of(result, findings: list) -> dict:
    import copy

    from scanner.report import ReportOptions, renderer

    changed = copy.copy(result)
    changed.findings = findings
    return json.loads(renderer("sarif")(changed, ReportOptions(fail_on="none")))


def _valid(log: dict, keep: int = 50) -> None:
    """Schema-valid (the results beyond the first `keep` have the same shape: left out of the check)."""
    trimmed = {**log, "runs": [{**run, "results": run["results"][:keep]} for run in log["runs"]]}
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(trimmed)


def test_sarif_over_the_results_limit_keeps_the_most_severe_and_counts_the_rest(demo_result) -> None:
    from scanner.report.sarif_limits import MAX_RESULTS

    findings = _copies(demo_result, {"low": 110, "critical": 10, "medium": 200, "high": MAX_RESULTS - 10})
    log = _sarif_of(demo_result, findings)
    _valid(log)
    run = log["runs"][0]
    assert len(log["runs"]) == 1 and len(run["results"]) == MAX_RESULTS
    assert {r["properties"]["severity"] for r in run["results"]} == {"critical", "high"}
    lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in run["results"]]
    assert lines == sorted(lines) and lines[0] == 111          # file order kept; the 110 low ones went first
    assert run["properties"]["resultsOmitted"] == 310
    notice = [n for n in run["invocations"][0]["toolExecutionNotifications"]
              if n["descriptor"]["id"] == "sarif-results-omitted"]
    assert len(notice) == 1 and notice[0]["level"] == "warning"
    assert notice[0]["message"]["text"].startswith(
        "310 results (200 medium, 110 low) left out of this SARIF file: GitHub accepts at most 25,000 results "
        "per run; the most severe were kept. Every finding is in the JSON report")
    [shown] = [n for n in run["invocations"][0]["toolExecutionNotifications"]
               if n["descriptor"]["id"] == "sarif-results-not-shown"]
    assert shown["level"] == "note" and shown["message"]["text"].startswith(
        "25,000 results in this run: GitHub code scanning shows the 5,000 most severe")


def test_sarif_over_the_size_limit_drops_results_until_it_fits(demo_result, monkeypatch: pytest.MonkeyPatch) -> None:
    import gzip
    import random

    from scanner.report import sarif_limits

    monkeypatch.setattr(sarif_limits, "MAX_GZIP_BYTES", 150_000)
    noise = random.Random(3)
    findings = _copies(demo_result, {"high": 400, "low": 400})
    findings = [replace(f, snippet="".join(noise.choices("0123456789abcdef", k=400)))
                for f in findings]   # incompressible: ~200 compressed bytes each, 160 KB in all
    log = _sarif_of(demo_result, findings)
    _valid(log)
    run = log["runs"][0]
    text = json.dumps(log, separators=(",", ":"))
    assert len(gzip.compress(text.encode(), 6)) <= 150_000
    kept = len(run["results"])
    assert 400 < kept < 800 and run["properties"]["resultsOmitted"] == 800 - kept
    assert {r["properties"]["severity"] for r in run["results"][:400]} == {"high"}
    [notice] = [n for n in run["invocations"][0]["toolExecutionNotifications"]
                if n["descriptor"]["id"] == "sarif-results-omitted"]
    assert notice["message"]["text"].startswith(
        f"{800 - kept} results ({800 - kept} low) left out of this SARIF file: GitHub accepts a file of at most "
        "0.15 MB gzip-compressed")


@pytest.mark.parametrize("max_bytes", [None, 4_000])
def test_sarif_compact_log_is_the_encoders_text_of_the_log(demo_result, monkeypatch: pytest.MonkeyPatch,
                                                          max_bytes: int | None) -> None:
    """Results and lists of related locations encoded once each and spliced (`sarif._CompactLog`) give the text
    the encoder gives the whole log, cut to size or not."""
    from scanner.report import ReportOptions, json_report, sarif, sarif_limits

    if max_bytes is not None:
        monkeypatch.setattr(sarif_limits, "MAX_GZIP_BYTES", max_bytes)
    options = ReportOptions(fail_on="none")
    assert any(finding.related for finding in demo_result.findings)
    log, omitted = sarif.build_log(demo_result, options)
    expected = sarif_limits.fit_size(log, omitted, json_report.dumps) + "\n"
    assert sarif.render(demo_result, options) == expected
    assert ("resultsOmitted" in expected) is (max_bytes is not None)


def test_sarif_compact_log_is_inert_as_the_encoders_text(demo_result) -> None:
    """Pieces made inert one by one (`sarif._CompactLog`) give the text of the whole made inert."""
    import copy

    from scanner.report import ReportOptions, json_report, sarif, sarif_limits

    changed = copy.copy(demo_result)
    changed.findings = [replace(f, message=f"##[error]{f.message}##",
                                related_labels=[f"##[group]{label}#" for label in f.related_labels])
                        for f in demo_result.findings]
    options = ReportOptions(fail_on="none")
    log, omitted = sarif.build_log(changed, options)
    expected = sarif_limits.fit_size(log, omitted, json_report.dumps) + "\n"
    assert sarif.render(changed, options) == expected
    assert "##[" not in expected and "##\\u005b" in expected


def test_sarif_under_the_limits_is_whole_and_says_nothing_of_them(demo_result) -> None:
    log = _sarif_of(demo_result, _copies(demo_result, {"high": 30, "low": 30}))
    run = log["runs"][0]
    assert len(run["results"]) == 60 and "resultsOmitted" not in run.get("properties", {})
    assert not [n for n in run["invocations"][0].get("toolExecutionNotifications", [])
                if n["descriptor"]["id"].startswith("sarif-results-")]


def test_sarif_related_locations_are_cut_to_what_github_shows(demo_result) -> None:
    [finding] = _copies(demo_result, {"high": 1})
    related = [replace(finding.location, start_line=n) for n in range(1, 151)]
    finding = replace(finding, related=related, related_labels=[f"use {n}" for n in range(150)])
    log = _sarif_of(demo_result, [finding])
    _valid(log)
    [result] = log["runs"][0]["results"]
    assert [r["id"] for r in result["relatedLocations"]] == list(range(99))
    assert result["properties"]["relatedLocationsOmitted"] == 51
    assert result["message"]["text"].endswith("[use 98](98), and 51 more (in the JSON report))")


def test_rule_tags_are_cut_to_what_github_shows() -> None:
    from scanner.report.sarif_limits import rule_tags

    tags = ["security", "external/cwe/cwe-798", "security", *[f"t{n}" for n in range(30)]]
    assert rule_tags(tags) == ["security", "external/cwe/cwe-798", *[f"t{n}" for n in range(8)]]


def test_json_and_sarif_are_compact_in_files_and_indented_on_a_terminal(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "r.sarif"
    run_cli("scan", "fixtures/demo", "-o", out, "--report", f"json={tmp_path / 'r.json'}")
    for path in (out, tmp_path / "r.json"):
        assert path.read_text().count("\n") == 1    # one line: a file for machines
    from scanner.report import ReportOptions, json_report

    assert json_report.dumps({"a": [1]}, pretty=True) == '{\n  "a": [\n    1\n  ]\n}'
    assert json_report.dumps({"a": "##[x"}) == r'{"a":"##\u005bx"}'
    assert ReportOptions().pretty is False


def test_report_options_plain_keeps_every_option_but_colour_and_indentation() -> None:
    """A `--report FORMAT=FILE` file: the terminal's options without colour and indentation, all others kept."""
    from scanner.report import ReportOptions

    given = ReportOptions(fail_on="high", color=True, sarif_category="airguard/prs", show_suppressed=True,
                          repository_url="https://example.com/blob/abc", top=5, pretty=True, aws_account="123456789012",
                          aws_region="eu-west-1", generated_at="2026-01-01T00:00:00Z")
    plain = given.plain()
    assert (plain.color, plain.pretty) == (False, False)
    assert (given.color, given.pretty) == (True, True)   # the terminal's own options are left alone
    assert {name: getattr(plain, name) for name in ReportOptions.__slots__ if name not in ("color", "pretty")} == \
        {name: getattr(given, name) for name in ReportOptions.__slots__ if name not in ("color", "pretty")}


def test_stats_and_report_options_compare_and_show_by_their_fields() -> None:
    """ScanStats and ReportOptions are records (as the dataclasses they were): equal by fields, so two equal
    scan results are equal (`ScanResult` compares its stats), and shown with them."""
    from scanner.findings import ScanStats
    from scanner.report import ReportOptions
    assert ScanStats(3, 5, 42, 0.5) == ScanStats(3, 5, 42, 0.5) != ScanStats(3, 5, 42, 0.6)
    assert repr(ScanStats(3, 5, 42, 0.5)) == \
        "ScanStats(files_scanned=3, resources=5, rules_evaluated=42, duration_seconds=0.5)"
    assert ReportOptions(top=5).plain() == ReportOptions(top=5) != ReportOptions(top=6)
