"""JSON report written in pieces: the same bytes as one `json.dumps`, no `##[` split, errors before writing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.model import FileLocation
from scanner.records import replace
from scanner.report import ReportOptions, chunked_renderer, json_report
from scanner.report.json_report import dumps, render, render_chunks, report_json
from scanner.result import ScanResult
from scanner.scan import run_scan
from tests.conftest import REPO, run_process


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    import os

    os.environ.setdefault("AIRGUARD_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    paths = [REPO / "fixtures" / "demo", REPO / "fixtures" / "collectors"]
    return run_scan(paths, Config(), REPO)


@pytest.mark.parametrize("per_piece", [json_report.FINDINGS_PER_PIECE, 1, 7])
def test_pieces_join_to_one_dumps(demo: ScanResult, per_piece: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_report, "FINDINGS_PER_PIECE", per_piece)
    options = ReportOptions(fail_on="low")
    pieces = list(render_chunks(demo, options))
    assert len(pieces) == -(-len(demo.findings) // per_piece) + 2 and len(demo.findings) > 40
    whole = dumps(report_json(demo, "low")) + "\n"
    assert "".join(pieces) == whole == render(demo, options)
    assert "".join(chunked_renderer("json")(demo, options)) == whole
    assert json.loads(whole)["findings"][0]["rule_id"] == demo.findings[0].rule_id


def test_no_findings_and_a_workflow_command_in_a_message(demo: ScanResult) -> None:
    empty = ScanResult(findings=[], notices=[], rules=demo.rules, stats=demo.stats, graph=demo.graph, ctx=demo.ctx,
                       parameters=demo.parameters)
    assert "".join(render_chunks(empty, ReportOptions())) == dumps(report_json(empty, "low")) + "\n"
    odd = replace(demo.findings[0], message="##[error]x ##", title="[##[warning]")
    planted = ScanResult(findings=[odd, odd], notices=[], rules=demo.rules, stats=demo.stats, graph=demo.graph,
                         ctx=demo.ctx, parameters=demo.parameters)
    text = "".join(render_chunks(planted, ReportOptions()))
    assert "##[" not in text
    assert text == dumps(report_json(planted, "low")) + "\n"
    assert json.loads(text)["findings"][1]["message"] == "##[error]x ##"


def test_pretty_is_one_indented_piece(demo: ScanResult) -> None:
    [piece] = list(render_chunks(demo, ReportOptions(pretty=True)))
    assert piece == dumps(report_json(demo, "low"), pretty=True) + "\n"


def test_a_report_that_cannot_be_made_leaves_the_output_file_alone(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("AIRFLOW_CONN_WH=postgresql://etl:Zq9vT3xLw8Rk2Hn5@db.internal:5432/wh\n")
    out = tmp_path / "report.json"
    out.write_text("previous report\n")
    ran = run_process("scan", str(tmp_path / ".env"), "-f", "asff", "-o", str(out), "--no-cache",
                      "--no-repo-config", env={"AWS_REGION": "", "AWS_DEFAULT_REGION": ""})
    assert ran.exit_code == 2, ran.stderr
    assert "ASFF needs the Security Hub region" in ran.stderr
    assert out.read_text() == "previous report\n"


def test_related_locations_written_once_per_list_read_as_written_each_time(demo: ScanResult) -> None:
    """A list of related locations shared by findings (the same objects) is encoded once and written for each;
    an equal list of other objects, and one differing only in a label, are written as their own."""
    places = [FileLocation("dags/a.py", 3, 5, 4, 9), FileLocation("dags/b.py", 7)]
    labels = ["used_by: airflow.task 'a'", "used_by: airflow.task '##[b'"]
    first = replace(demo.findings[0], related=places, related_labels=labels, related_omitted=2)
    shared = replace(demo.findings[1], related=list(places), related_labels=list(labels))
    equal = replace(demo.findings[2], related=[replace(place) for place in places],
                    related_labels=["".join(label) for label in labels])
    other = replace(demo.findings[3], related=places, related_labels=[labels[0], "used_by: airflow.task 'c'"])
    none = replace(demo.findings[4], related=[], related_labels=[])
    planted = ScanResult(findings=[first, shared, equal, other, none, first], notices=[], rules=demo.rules,
                         stats=demo.stats, graph=demo.graph, ctx=demo.ctx, parameters=demo.parameters)
    text = "".join(render_chunks(planted, ReportOptions()))
    assert text == dumps(report_json(planted, "low")) + "\n"
    written = json.loads(text)["findings"]
    assert [len(f["related_locations"]) for f in written] == [2, 2, 2, 2, 0, 2]
    assert written[3]["related_locations"][1]["label"] == "used_by: airflow.task 'c'"
    assert written[0]["related_locations"][1]["label"] == "used_by: airflow.task '##[b'" and "##[" not in text
