"""Trees shaped to blow up one stage: many configurations in one folder are one deployment, linked in space
linear in its size (a relation per pair of 15,000 `.env` files was 225 million edges)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from scanner.config import Config
from scanner.model import Resource, ResourceGraph
from scanner.scan import run_scan
from tests.conftest import REPO, run_process


def _resource(name: str) -> Resource:
    return Resource(id=name, type="airflow.config", name=name)


def test_a_group_relates_each_member_to_the_others_both_ways_in_order() -> None:
    graph = ResourceGraph()
    for name in ("a", "b", "c", "d"):
        graph.add(_resource(name))
    graph.relate("b", "peers", "d")                    # a pair related on its own comes first, once
    graph.relate_group("peers", ["a", "b", "c", "b"])
    assert [r.id for r in graph.follow(graph.get("b"), "peers")] == ["d", "a", "c"]
    assert [r.id for r in graph.follow(graph.get("a"), "peers")] == ["b", "c"]
    assert [r.id for r in graph.incoming(graph.get("c"), "peers")] == ["a", "b"]
    assert [r.id for r in graph.incoming(graph.get("d"), "peers")] == ["b"]
    assert graph.follow(graph.get("d"), "peers") == []
    assert graph.relations_of(graph.get("a")) == {"peers": ["b", "c"]}
    assert graph.to_json()["groups"] == [["peers", ["a", "b", "c"]]]
    with pytest.raises(ValueError):
        graph.relate_group("peers", ["c", "d"])        # one group per resource and relation


def test_thousands_of_configs_in_one_folder_are_one_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRGUARD_CACHE_DIR", "")
    root = tmp_path / "repo"
    root.mkdir()
    count = 3000
    for number in range(count):
        (root / f"deploy{number:04d}.env").write_text("AIRFLOW__CORE__LOAD_EXAMPLES=False\n")
    result = run_scan([root], Config(), root, jobs=1)
    configs = result.graph.of_type("airflow.config")
    assert len(configs) == count
    assert all("peers" not in relations for relations in result.graph._relations.values())  # no edge per pair
    assert len(result.graph.follow(configs[-1], "peers")) == count - 1
    assert [(f.rule_id, f.location.path if f.location else None) for f in result.findings
            if f.rule_id == "AG201"] == [("AG201", "deploy0000.env")]             # one deployment, reported once


def test_a_keyed_relation_reaches_what_each_pair_would_in_the_same_order() -> None:
    graph = ResourceGraph()
    for name in ("t1", "t2", "c1", "c2", "c3"):
        graph.add(_resource(name))
    graph.relate("t1", "uses", "c3")                   # a pair related on its own comes first
    graph.relate_by_key("uses", "used_by", [("t1", ["b", "a", "b", 7, ["x"]]), ("t2", ["a"]), ("c1", ["a"])],
                        [("c1", "a"), ("c2", "b"), ("c3", "a"), ("c2", None)])
    ids = lambda resources: [r.id for r in resources]
    assert ids(graph.follow(graph.get("t1"), "uses")) == ["c3", "c2", "c1"]
    assert ids(graph.follow(graph.get("c1"), "uses")) == ["c3"]                 # never itself
    assert ids(graph.follow(graph.get("c3"), "used_by")) == ["t1", "t2", "c1"]
    assert ids(graph.incoming(graph.get("c3"), "uses")) == ["t1", "t2", "c1"]
    assert ids(graph.incoming(graph.get("t2"), "used_by")) == ["c1", "c3"]
    assert graph.follow(graph.get("t2"), "used_by") == []
    assert graph.relations_of(graph.get("c2")) == {"used_by": ["t1"]}
    with pytest.raises(ValueError):
        graph.relate_by_key("uses", "other", [], [])


def test_thousands_of_tasks_naming_a_conn_id_defined_thousands_of_times_stay_linear(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRGUARD_CACHE_DIR", "")
    root = tmp_path / "repo"
    (root / "dags").mkdir(parents=True)
    count = 1500
    for number in range(count):
        (root / f"p{number}").mkdir()
        (root / f"p{number}" / ".env").write_text(
            f"AIRFLOW_CONN_WAREHOUSE=postgresql://u@h{number}.example.com:5432/dw\n")
        (root / "dags" / f"d{number}.py").write_text(
            "from airflow.providers.postgres.operators.postgres import PostgresOperator\n"
            f't = PostgresOperator(task_id="t{number}", postgres_conn_id="warehouse", sql="select 1")\n')
    result = run_scan([root], Config(), root, jobs=1)
    graph = result.graph
    tasks, connections = graph.of_type("airflow.task"), graph.of_type("airflow.connection")
    assert (len(tasks), len(connections)) == (count, count)
    assert sum(len(relations) for relations in graph._relations.values()) == 0      # no edge per pair
    assert len(graph.follow(tasks[0], "uses")) == len(graph.follow(connections[-1], "used_by")) == count


def test_a_finding_lists_at_most_100_related_locations_and_counts_the_rest(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "dags").mkdir(parents=True)
    for number in range(130):
        (root / f"p{number:03d}").mkdir()
        (root / f"p{number:03d}" / ".env").write_text(
            "AIRFLOW_CONN_WAREHOUSE='{\"conn_type\": \"postgres\", \"host\": \"h.example.com\", "
            "\"extra\": {\"iam\": \"yes\"}}'\n")
        (root / "dags" / f"d{number:03d}.py").write_text(
            "from airflow.providers.postgres.operators.postgres import PostgresOperator\n"
            f't = PostgresOperator(task_id="t{number}", postgres_conn_id="warehouse", sql="select 1")\n')
    ran = run_process("scan", ".", "-f", "json", "--no-cache", cwd=root)
    report = ran.json()
    jsonschema.validate(report, json.loads((REPO / "scanner/schemas/report.schema.json").read_text()))
    first = next(f for f in report["findings"] if f["rule_id"] == "AG107" and f["location"]["path"] == "p000/.env")
    assert len(first["related_locations"]) == 100 and first["related_omitted"] == 30
    assert first["related_locations"][0]["path"] == "dags/d000.py"
    sarif = run_process("scan", ".", "-f", "sarif", "--no-cache", cwd=root).json()
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "AG107")
    assert len(result["relatedLocations"]) == 99 and result["properties"]["relatedLocationsOmitted"] == 31
    assert result["message"]["text"].endswith(", and 31 more (1 in the JSON report))")
    text = run_process("scan", ".", "--no-cache", cwd=root).stdout
    assert "↳ and 30 more" in text
