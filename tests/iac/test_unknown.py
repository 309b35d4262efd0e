"""Values unknown before apply: a rule that needs one gives a not-evaluated notice, never a pass or a finding."""

from __future__ import annotations

from pathlib import Path

from scanner.collect.iac import collect_structured
from scanner.collect.source import SourceFile
from scanner.context import ScanContext
from scanner.engine.evaluate import evaluate
from scanner.engine.link import link
from scanner.engine.loader import load_rules
from scanner.model import ResourceGraph

REPO = Path(__file__).resolve().parents[2]


def test_unknown_iam_flag_is_not_evaluated_and_known_values_are_judged() -> None:
    path = REPO / "fixtures" / "iac" / "cloudformation" / "aurora-bad.yaml"
    ctx = ScanContext(root=path.parent)
    source = SourceFile(path=path.name, absolute=path, text=path.read_text())
    ctx.sources[path.name] = source
    graph = ResourceGraph()
    graph.add_all(collect_structured(ctx, source, "yaml"))
    link(graph)
    rules = [r for r in load_rules() if r.id in ("AG501", "AG502", "AG505", "AG506")]
    findings = evaluate(graph, rules, ctx)
    assert sorted((f.rule_id, f.location.path, f.location.start_line) for f in findings if f.location) == [
        ("AG502", "aurora-bad.yaml", 52), ("AG505", "aurora-bad.yaml", 21), ("AG506", "aurora-bad.yaml", 41)]
    notices = [(n.kind, n.rule_id, n.path, n.line, n.level) for n in ctx.notices]
    assert notices == [("not-evaluated", "AG501", "aurora-bad.yaml", 42, "warning")]  # the property's line
    assert "iam_database_authentication_enabled is not known before apply" in ctx.notices[0].message
