"""Markdown output: counts, top findings with line links, escaping, redaction, size limit, notices."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.test_redaction import PLANTED

PLANTED_IN_DEMO = PLANTED
BAD = "AIRFLOW_CONN_ORDERS=postgres://u:Markdown-Pw-77@orders.cluster-abc.us-east-1.rds.amazonaws.com/db\n"


@pytest.fixture
def github_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/dags")
    monkeypatch.setenv("GITHUB_SHA", "0123abc")


def test_counts_and_line_links_in_github(run_cli, tmp_path: Path, github_env: None) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "prod.env").write_text("# header\n" + BAD)
    result = run_cli("scan", ".", "-f", "markdown", cwd=tmp_path)
    assert result.exit_code == 1
    out = result.stdout
    assert "| 🔴 high | 2 |" in out and "| 🟣 critical | 0 |" in out
    assert ("| 🔴 | `AG101` | [prod.env:2](https://github.com/acme/dags/blob/0123abc/prod.env#L2) | "
            "Connection 'orders' (postgres) has a literal password written in env config |") in out
    assert "Markdown-Pw-77" not in out


def test_plain_paths_outside_github_and_top_n(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_SHA", raising=False)
    (tmp_path / ".git").mkdir()
    (tmp_path / "prod.env").write_text(BAD)
    out = run_cli("scan", ".", "-f", "markdown", "--top", "1", cwd=tmp_path).stdout
    assert "### Top findings (first 1 of 2)" in out
    assert "| 🔴 | `AG101` | `prod.env:1` |" in out
    top = out.split("### Top findings")[1].split("\n### ")[0]          # the table, not the sections after it
    assert "AG102" not in top


UNENCRYPTED_RULE = """
id: XY900
name: cluster-unencrypted
title: Aurora cluster storage is not encrypted
severity: medium
confidence: high
resource: aws.rds.cluster
condition: {key: storage_encrypted, op: is, value: false}
message: "Cluster '{name}' stores data unencrypted"
docs: {what: "Finds unencrypted Aurora clusters.", why: "Data at rest is readable.", fix: "Encrypt the storage with KMS."}
tests:
  fail: [{attributes: {storage_encrypted: false}}]
  pass: [{attributes: {storage_encrypted: true}}]
"""


def test_aws_findings_show_the_arn_and_partial_notices(run_cli, tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "xy900.yaml").write_text(UNENCRYPTED_RULE)
    result = run_cli("scan", "--aws-snapshot", "fixtures/aws/snapshot-v1.json", "--rules", tmp_path / "rules",
                     "-f", "markdown")
    assert result.exit_code == 1
    # the snapshot is in the repository: the cluster's line in it, and its ARN
    assert re.search(r"\| 🟠 \| `XY900` \| `fixtures/aws/snapshot-v1\.json:\d+` "
                     r"`arn:aws:rds:eu-west-1:123456789012:cluster:legacy` \| "
                     r"Cluster 'legacy' stores data unencrypted \|", result.stdout)
    assert "### Not scanned (partial result)" in result.stdout
    assert "cloudtrail:DescribeTrails" in result.stdout


def test_demo_markdown_is_redacted(run_cli) -> None:
    out = run_cli("scan", "fixtures/demo", "fixtures/collectors", "-f", "markdown", "--top", "500").stdout
    assert out.count("\n| ") > 30
    assert [s for s in PLANTED if s in out] == []


def test_escape_blocks_markdown_and_html() -> None:
    from scanner.report.markdown import escape

    assert escape("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert escape("a|b\n[x](http://e) *y* `z`") == "a\\|b \\[x\\](http://e) \\*y\\* \\`z\\`"


def test_summary_stays_under_github_limit(run_cli, tmp_path: Path) -> None:
    from scanner.report.markdown import MAX_BYTES

    (tmp_path / ".git").mkdir()
    lines = [f"AIRFLOW_CONN_{'C' * 800}{i}=postgres://u:Pw-{i}-xx@h{i}.cluster-abc.us-east-1.rds.amazonaws.com/d"
             for i in range(1500)]
    (tmp_path / "many.env").write_text("\n".join(lines) + "\n")
    out = run_cli("scan", ".", "-f", "markdown", "--top", "5000", cwd=tmp_path).stdout
    assert len(out.encode()) <= MAX_BYTES
    assert "more (summary size limit)" in out


def test_many_read_errors_stay_under_the_limit_too(run_cli, tmp_path: Path) -> None:
    from scanner.report.markdown import MAX_BYTES

    (tmp_path / ".git").mkdir()
    broken = tmp_path / ("b" * 150)
    broken.mkdir()
    for i in range(4000):
        (broken / f"{'x' * 120}{i}.json").write_text("{")
    out = run_cli("scan", ".", "-f", "markdown", "--top", "100000", cwd=tmp_path).stdout
    assert len(out.encode()) <= MAX_BYTES
    assert "### Not scanned (partial result)" in out and "more (summary size limit)" in out


def test_one_scan_writes_several_reports(run_cli, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "prod.env").write_text(BAD)
    result = run_cli("scan", ".", "-f", "text", "--report", "sarif=out/a.sarif", "--report", "markdown=out/a.md",
                     "--report", "json=out/a.json", cwd=tmp_path)
    assert result.exit_code == 1
    assert json.loads((tmp_path / "out/a.sarif").read_text())["version"] == "2.1.0"
    assert "| 🔴 high | 2 |" in (tmp_path / "out/a.md").read_text()
    assert json.loads((tmp_path / "out/a.json").read_text())["summary"]["findings"] == 2
    with pytest.raises(SystemExit) as usage_error:
        run_cli("scan", ".", "--report", "xml=a.xml", cwd=tmp_path)
    assert usage_error.value.code == 2
