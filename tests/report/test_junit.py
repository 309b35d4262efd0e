"""`--format junit`: valid against Jenkins' JUnit schema (tests/data/junit-10.xsd), hostile text made safe."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import DATA

lxml_etree = pytest.importorskip("lxml.etree")
SCHEMA = lxml_etree.XMLSchema(lxml_etree.parse(str(DATA / "junit-10.xsd")))


def _valid(text: str) -> ET.Element:
    document = lxml_etree.fromstring(text.encode("utf-8"))
    assert SCHEMA.validate(document), SCHEMA.error_log
    return ET.fromstring(text)


def _suites(root: ET.Element) -> dict[str, ET.Element]:
    return {suite.get("name"): suite for suite in root.iter("testsuite")}


def test_sample_scan_is_valid_junit(run_cli) -> None:
    run = run_cli("scan", "fixtures/demo", "--no-cache", "-f", "junit")  # with the demo's own AWS snapshot
    assert run.exit_code == 1
    root = _valid(run.stdout)
    suites = _suites(root)
    public = suites["AG502 rds-instance-publicly-accessible"]
    assert (public.get("tests"), public.get("failures"), public.get("errors")) == ("1", "1", "0")
    case = public.find("testcase")
    assert case.get("name") == "fixtures/demo/.env:5" and case.get("classname") == "airguard.AG502"
    failure = case.find("failure")
    assert failure.get("type") == "high"
    assert failure.get("message").startswith("DB instance 'orders-1' is publicly accessible")
    assert "location: fixtures/demo/.env:5\n" in failure.text
    properties = {(p.get("name"), p.get("value")) for p in public.iter("property")}
    assert {("severity", "high"), ("compliance", "compliance/aws-fsbp/RDS.2"),
            ("compliance", "compliance/cis-aws/2.3.3")} <= properties
    # a rule without findings passes; a suppressed finding is skipped; the rule CloudTrail kept from
    # being evaluated has an error; the scan's own notices are the last suite
    assert [c.get("name") for c in suites["AG518 iam-root-access-key"].iter("testcase")] == [
        "AG518 iam-root-access-key: no findings"]
    skipped = [c for c in suites["AG101 connection-literal-password"].iter("testcase") if c.find("skipped") is not None]
    assert [(c.get("name"), c.find("skipped").get("message")) for c in skipped] == [
        ("fixtures/demo/.env:18", "inline: local throwaway database, never deployed")]
    trail = suites["AG510 cloudtrail-no-multi-region-trail"]
    assert trail.get("errors") == "1" and trail.find("testcase/error").get("type") == "not-evaluated"
    scan = suites["airguard scan"]
    assert scan.get("errors") == "1"
    assert "cloudtrail:DescribeTrails failed" in scan.find("testcase/error").get("message")
    totals = (int(root.get("tests")), int(root.get("failures")), int(root.get("errors")))
    assert totals == (sum(int(s.get("tests")) for s in suites.values()),
                      sum(int(s.get("failures")) for s in suites.values()),
                      sum(int(s.get("errors")) for s in suites.values()))


def test_hostile_text_is_escaped_and_secrets_stay_masked(run_cli, tmp_path: Path) -> None:
    secret = "Zq9vT3xLw8Rk2Hn5"
    name = "evil\x00\x07\x1b[2J\ufffe\u202e</failure>]]>&amp;"
    (tmp_path / "connections.yaml").write_text(
        f'{name!r}:\n  conn_type: postgres\n  host: db.internal\n  login: etl\n  password: "{secret}"\n',
        encoding="utf-8")
    (tmp_path / ".env").write_text(f"::error::DB_PASSWORD={secret}\n")
    run = run_cli("scan", str(tmp_path), "--no-cache", "--no-repo-config", "-f", "junit")
    assert run.exit_code == 1, run.stderr
    assert secret not in run.stdout
    for raw in ("\x00", "\x07", "\x1b", "\ufffe", "\u202e", "]]>"):
        assert raw not in run.stdout
    assert not [line for line in run.stdout.splitlines() if line.lstrip().startswith("::")]
    root = _valid(run.stdout)
    messages = [f.get("message") for f in root.iter("failure")]
    assert any("evil\\x00\\x07\\x1b[2J\\ufffe\\u202e</failure>]]>&amp;" in m for m in messages), messages


def test_xml_text_escapes_what_xml_1_0_forbids() -> None:
    from scanner.report.junit import xml_text

    assert xml_text("a\x00b\x1fc\x7f\ud800\uffff") == "a\\x00b\\x1fc\\x7f\\ud800\\uffff"
    assert xml_text("::stop-commands::x") == "\\x3a:stop-commands::x"
    assert xml_text("##[group]") == "##\\x5bgroup]"


def test_output_file_suffix_picks_junit(run_cli, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / ".env").write_text("AIRFLOW_CONN_WH=postgresql://etl:Zq9vT3xLw8Rk2Hn5@db.internal/wh\n")
    out = tmp_path / "report.xml"
    run = run_cli("scan", str(tmp_path / "src"), "--no-cache", "--no-repo-config", "-o", out)
    assert run.exit_code == 1
    root = _valid(out.read_text("utf-8"))
    assert root.tag == "testsuites" and int(root.get("failures")) >= 1
