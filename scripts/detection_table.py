#!/usr/bin/env python3
"""Detection quality on the labelled corpus of realistic projects: airguard against its peers.

The corpus (`fixtures/realistic/`, see its README.md) labels lines in the files' own comment syntax:
`# expect: AG101, AG102` (rule ids airguard should report on that line) or `# ok` (a tricky clean line
that must not be flagged); a sidecar `<file>.expect` holds `LINE: AG101` / `LINE: ok` for files
that cannot carry comments (JSON, airflow.cfg, Dockerfile, JSON inside YAML block scalars).
Every unlabelled line is clean too.

Each tool runs once on the same files:
  airguard        python -m scanner scan CORPUS -f json --fail-on none --no-cache
  detect-secrets  detect-secrets scan --all-files            (cwd inside the corpus)
  bandit          bandit -r . -f json -t B105,B106,B107      (hard-coded password string/argument/default)
  ruff            ruff check --select S105,S106,S107 --output-format json

Scoring is by line: a labelled problem line is found when the tool reports anything on it; a finding
on a line labelled ok or on an unlabelled line is a false alarm. Peers are scored only on the files
they scan (bandit and ruff: *.py), so their recall is given on those files and on the whole corpus.
For airguard the rule ids are scored too: each (rule id, file, line) label must be reported.
Project-level rules that have no line of their own (AG201, "no secrets backend anywhere in the
scan") are left out of the scoring.

Usage: python scripts/detection_table.py [--corpus DIR] [--tools BIN_DIR] [--no-peers]
                                         [--json FILE] [--write-readme]
  --tools BIN_DIR  folder holding detect-secrets, bandit and ruff (e.g. a venv's bin:
                   python3 -m venv /tmp/peers && /tmp/peers/bin/pip install bandit detect-secrets ruff);
                   without it they are looked up on PATH. A missing tool is reported, not fatal.
  --write-readme   replace the text between <!-- detection-table:start --> and
                   <!-- detection-table:end --> in README.md with the summary table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "fixtures" / "realistic"
README = REPO / "README.md"
START_MARK = "<!-- detection-table:start -->"
END_MARK = "<!-- detection-table:end -->"

# Rules with no line of their own: judged over the whole scan, not scored line by line.
UNSCORED_RULES = frozenset({"AG201"})
# Files of the corpus that are not part of it: its documentation and the sidecar label files.
NOT_CORPUS = ("README.md",)
SIDECAR_SUFFIX = ".expect"

RULE_ID = r"[A-Z][A-Z0-9]*"
INLINE_LABEL = re.compile(rf"#\s*(?:expect:\s*(?P<ids>{RULE_ID}(?:\s*,\s*{RULE_ID})*)|(?P<ok>ok))\s*$")
SIDECAR_LINE = re.compile(rf"^\s*(?P<line>\d+)\s*:\s*(?:(?P<ok>ok)|(?P<ids>{RULE_ID}(?:\s*,\s*{RULE_ID})*))\s*$")

BANDIT_TESTS = "B105,B106,B107"
RUFF_RULES = "S105,S106,S107"


class LabelError(ValueError):
    """A label that cannot be right: a sidecar line out of range or blank, or two labels disagreeing."""


Key = tuple[str, int]  # (path relative to the corpus, 1-based line)


@dataclass
class Labels:
    """Every labelled line of the corpus: rule ids for a problem line, an empty set for an ok line."""

    by_line: dict[Key, frozenset[str]]
    files: list[str]

    @property
    def problems(self) -> dict[Key, frozenset[str]]:
        return {k: v for k, v in self.by_line.items() if v}

    @property
    def ok_lines(self) -> set[Key]:
        return {k for k, v in self.by_line.items() if not v}

    def triples(self) -> set[tuple[str, str, int]]:
        """(rule id, path, line) for every rule expected on every problem line."""
        return {(rule, path, line) for (path, line), rules in self.problems.items() for rule in rules}


def corpus_files(corpus: Path = CORPUS) -> list[str]:
    """Paths (relative, posix) of the corpus files: everything but README.md and the sidecars."""
    files = []
    for path in sorted(corpus.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(corpus).as_posix()
        if rel in NOT_CORPUS or rel.endswith(SIDECAR_SUFFIX):
            continue
        files.append(rel)
    return files


def _ids(text: str) -> frozenset[str]:
    return frozenset(part.strip() for part in text.split(","))


def load_labels(corpus: Path = CORPUS) -> Labels:
    by_line: dict[Key, frozenset[str]] = {}
    files = corpus_files(corpus)
    for rel in files:
        lines = (corpus / rel).read_text(encoding="utf-8", errors="replace").splitlines()
        for number, text in enumerate(lines, 1):
            match = INLINE_LABEL.search(text)
            if match:
                by_line[(rel, number)] = frozenset() if match["ok"] else _ids(match["ids"])
        sidecar = corpus / (rel + SIDECAR_SUFFIX)
        if not sidecar.exists():
            continue
        for raw in sidecar.read_text(encoding="utf-8").splitlines():
            if not raw.strip() or raw.lstrip().startswith("#"):
                continue
            match = SIDECAR_LINE.match(raw)
            if not match:
                raise LabelError(f"{rel}{SIDECAR_SUFFIX}: cannot read label line {raw!r}")
            number = int(match["line"])
            if not 1 <= number <= len(lines) or not lines[number - 1].strip():
                raise LabelError(f"{rel}{SIDECAR_SUFFIX}: line {number} is blank or past the end of {rel}")
            value = frozenset() if match["ok"] else _ids(match["ids"])
            if (rel, number) in by_line and by_line[(rel, number)] != value:
                raise LabelError(f"{rel}:{number}: the inline label and the sidecar label disagree")
            by_line[(rel, number)] = value
    for sidecar in corpus.rglob("*" + SIDECAR_SUFFIX):
        target = sidecar.with_name(sidecar.name[: -len(SIDECAR_SUFFIX)])
        if not target.is_file():
            raise LabelError(f"{sidecar.relative_to(corpus)} labels a file that does not exist")
    return Labels(by_line, files)


# ---------------------------------------------------------------------------------------------- tools


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    rule: str


@dataclass
class ToolRun:
    name: str
    version: str = ""
    findings: list[Finding] = field(default_factory=list)
    scope: str = "all files"
    in_scope: object = None  # callable(path) -> bool; None = every corpus file
    missing: str = ""  # why the tool did not run
    notices: list[str] = field(default_factory=list)

    def covers(self, path: str) -> bool:
        return self.in_scope is None or self.in_scope(path)


def _relative(reported: str, corpus: Path, cwd: Path) -> str | None:
    """A reported path as a corpus-relative posix path, or None when it is outside the corpus."""
    candidates = [Path(reported)] if os.path.isabs(reported) else [cwd / reported, REPO / reported, corpus / reported]
    for candidate in candidates:
        try:
            resolved = candidate.resolve()
            rel = resolved.relative_to(corpus.resolve())
        except (ValueError, OSError):
            continue
        if resolved.exists():
            return rel.as_posix()
    return None


def airguard_report(corpus: Path = CORPUS, python: str = sys.executable, env: dict[str, str] | None = None) -> dict:
    """Run airguard on the corpus as a user would; the JSON report."""
    completed = subprocess.run(
        [python, "-m", "scanner", "scan", str(corpus), "-f", "json", "--fail-on", "none", "--no-cache"],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False,
        env=None if env is None else {**os.environ, **env})
    if completed.returncode not in (0, 1, 3) or not completed.stdout.strip():
        raise RuntimeError(f"airguard failed (exit {completed.returncode}): {completed.stderr.strip()[-2000:]}")
    return json.loads(completed.stdout)


def airguard_findings(report: dict, corpus: Path = CORPUS) -> list[Finding]:
    findings = []
    for item in report.get("findings", []):
        location = item.get("location")
        if not location or item.get("rule_id") in UNSCORED_RULES or item.get("suppression"):
            continue
        rel = _relative(location["path"], corpus, REPO)
        if rel is not None:
            findings.append(Finding(rel, int(location["start_line"]), item["rule_id"]))
    return findings


def run_airguard(corpus: Path) -> ToolRun:
    report = airguard_report(corpus)
    run = ToolRun("airguard", version=str(report.get("tool", {}).get("version", "")),
                  findings=airguard_findings(report, corpus))
    for error in report.get("errors", []):
        rel = _relative(error["path"], corpus, REPO) if error.get("path") else None
        where = f"{rel}:{error.get('line')}" if rel and error.get("line") else (rel or error.get("path") or "-")
        run.notices.append(f"{error.get('level', 'error')} {error.get('kind', '')} {where}: {error.get('message', '')}")
    unscored = sum(1 for f in report.get("findings", []) if f.get("rule_id") in UNSCORED_RULES)
    if unscored:
        run.notices.append(f"{unscored} finding(s) of project-level rules {sorted(UNSCORED_RULES)} not scored")
    return run


def _tool(name: str, tools: Path | None) -> str | None:
    if tools is not None:
        candidate = tools / name
        return str(candidate) if candidate.is_file() and os.access(candidate, os.X_OK) else None
    return shutil.which(name)


def _version(executable: str) -> str:
    try:
        out = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=60, check=False)
    except OSError:
        return ""
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0].split()[-1] if text else ""


def _missing(name: str, tools: Path | None) -> ToolRun:
    where = f"in {tools}" if tools is not None else "on PATH (pass --tools DIR)"
    return ToolRun(name, missing=f"{name} not found {where}; install the peers with: python3 -m venv /tmp/peers "
                                 "&& /tmp/peers/bin/pip install bandit detect-secrets ruff")


def _is_python(path: str) -> bool:
    return path.endswith(".py")


def run_detect_secrets(corpus: Path, tools: Path | None) -> ToolRun:
    exe = _tool("detect-secrets", tools)
    if exe is None:
        return _missing("detect-secrets", tools)
    completed = subprocess.run([exe, "scan", "--all-files"], cwd=corpus, capture_output=True, text=True,
                               timeout=600, check=False)
    if completed.returncode != 0:
        return ToolRun("detect-secrets", missing=f"detect-secrets failed: {completed.stderr.strip()[-500:]}")
    data = json.loads(completed.stdout)
    findings = []
    for filename, secrets in data.get("results", {}).items():
        rel = _relative(filename, corpus, corpus)
        if rel is None:
            continue
        findings.extend(Finding(rel, int(s["line_number"]), s.get("type", "secret")) for s in secrets)
    return ToolRun("detect-secrets", version=str(data.get("version", "")) or _version(exe), findings=findings)


def run_bandit(corpus: Path, tools: Path | None) -> ToolRun:
    exe = _tool("bandit", tools)
    if exe is None:
        return _missing("bandit", tools)
    completed = subprocess.run([exe, "-r", ".", "-f", "json", "-q", "-t", BANDIT_TESTS], cwd=corpus,
                               capture_output=True, text=True, timeout=600, check=False)
    if completed.returncode not in (0, 1) or not completed.stdout.strip():
        return ToolRun("bandit", missing=f"bandit failed: {completed.stderr.strip()[-500:]}")
    data = json.loads(completed.stdout)
    findings = []
    for result in data.get("results", []):
        rel = _relative(result["filename"], corpus, corpus)
        if rel is not None:
            findings.append(Finding(rel, int(result["line_number"]), result.get("test_id", "bandit")))
    run = ToolRun("bandit", version=_version(exe), findings=findings, scope="*.py", in_scope=_is_python)
    run.notices.extend(f"error {e.get('filename')}: {e.get('reason')}" for e in data.get("errors", []))
    return run


def run_ruff(corpus: Path, tools: Path | None) -> ToolRun:
    exe = _tool("ruff", tools)
    if exe is None:
        return _missing("ruff", tools)
    completed = subprocess.run([exe, "check", "--isolated", "--no-cache", "--exit-zero", "--select", RUFF_RULES,
                                "--output-format", "json", "."], cwd=corpus, capture_output=True, text=True,
                               timeout=600, check=False)
    if completed.returncode != 0:
        return ToolRun("ruff", missing=f"ruff failed: {completed.stderr.strip()[-500:]}")
    findings = []
    for result in json.loads(completed.stdout or "[]"):
        rel = _relative(result["filename"], corpus, corpus)
        if rel is not None and result.get("code"):
            findings.append(Finding(rel, int(result["location"]["row"]), result["code"]))
    return ToolRun("ruff", version=_version(exe), findings=findings, scope="*.py", in_scope=_is_python)


# -------------------------------------------------------------------------------------------- scoring


@dataclass
class Score:
    tool: ToolRun
    labelled: int  # problem lines in the files the tool scans
    labelled_all: int  # problem lines in the whole corpus
    found: list[Key]
    missed: list[Key]
    false_ok: list[Key]  # findings on lines labelled ok
    false_unlabelled: list[Key]  # findings on unlabelled lines
    # airguard only: the rule ids
    triples_expected: int = 0
    triples_matched: int = 0
    triples_missed: list[tuple[str, str, int]] = field(default_factory=list)
    triples_extra: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def false_alarms(self) -> int:
        return len(self.false_ok) + len(self.false_unlabelled)

    @property
    def recall(self) -> float:
        return len(self.found) / self.labelled if self.labelled else 0.0

    @property
    def recall_all(self) -> float:
        return len(self.found) / self.labelled_all if self.labelled_all else 0.0

    @property
    def precision(self) -> float:
        flagged = len(self.found) + self.false_alarms
        return len(self.found) / flagged if flagged else 1.0


def score(labels: Labels, run: ToolRun, rules: bool = False) -> Score:
    problems = labels.problems
    ok_lines = labels.ok_lines
    flagged: dict[Key, set[str]] = defaultdict(set)
    for finding in run.findings:
        if run.covers(finding.path):
            flagged[(finding.path, finding.line)].add(finding.rule)
    in_scope = sorted(k for k in problems if run.covers(k[0]))
    found = [k for k in in_scope if k in flagged]
    missed = [k for k in in_scope if k not in flagged]
    false_ok = sorted(k for k in flagged if k in ok_lines)
    false_unlabelled = sorted(k for k in flagged if k not in problems and k not in ok_lines)
    result = Score(run, len(in_scope), len(problems), found, missed, false_ok, false_unlabelled)
    if rules:
        expected = labels.triples()
        actual = {(f.rule, f.path, f.line) for f in run.findings}
        result.triples_expected = len(expected)
        result.triples_matched = len(expected & actual)
        result.triples_missed = sorted(expected - actual, key=lambda t: (t[1], t[2], t[0]))
        result.triples_extra = sorted(actual - expected, key=lambda t: (t[1], t[2], t[0]))
    return result


# --------------------------------------------------------------------------------------------- output


def _pct(value: float) -> str:
    return f"{100 * value:.0f} %"


def summary_table(labels: Labels, scores: list[Score]) -> str:
    problems = labels.problems
    rows = [
        (f"Corpus: `fixtures/realistic/`, {len(labels.files)} files, {len(problems)} labelled problem lines "
         f"({len(labels.triples())} expected rule findings), {len(labels.ok_lines)} lines labelled clean."),
        "",
        "| tool | scans | problem lines found | recall | false alarms (ok lines + unlabelled) | precision |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for s in scores:
        name = f"{s.tool.name} {s.tool.version}".strip()
        if s.tool.missing:
            rows.append(f"| {name} | not run: {s.tool.missing.split(';')[0]} | | | | |")
            continue
        recall = _pct(s.recall)
        found = f"{len(s.found)}/{s.labelled}"
        if s.labelled != s.labelled_all:
            recall += f" ({_pct(s.recall_all)} of all {s.labelled_all})"
        rows.append(f"| {name} | {s.tool.scope} | {found} | {recall} | {s.false_alarms} "
                    f"({len(s.false_ok)} + {len(s.false_unlabelled)}) | {_pct(s.precision)} |")
        if s.triples_expected:
            rows.append(f"| {s.tool.name}, exact rule id | {s.tool.scope} | {s.triples_matched}/{s.triples_expected} "
                        f"| {_pct(s.triples_matched / s.triples_expected)} | {len(s.triples_extra)} unexpected "
                        f"(rule, line) | |")
    return "\n".join(rows) + "\n"


def class_table(labels: Labels, scores: list[Score]) -> str:
    """Recall per problem class (labelled rule id) for every tool that ran."""
    ran = [s for s in scores if not s.tool.missing]
    classes: dict[str, list[Key]] = defaultdict(list)
    for key, rules in labels.problems.items():
        for rule in rules:
            classes[rule].append(key)
    head = "| class | labelled | " + " | ".join(s.tool.name for s in ran) + " |"
    rows = [head, "|---|---:|" + "---:|" * len(ran)]
    for rule in sorted(classes):
        keys = classes[rule]
        cells = []
        for s in ran:
            found = set(s.found)
            cells.append(f"{sum(1 for k in keys if k in found)}")
        rows.append(f"| {rule} | {len(keys)} | " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def _source(corpus: Path, path: str, line: int, width: int = 110) -> str:
    try:
        text = (corpus / path).read_text(encoding="utf-8", errors="replace").splitlines()[line - 1].strip()
    except (OSError, IndexError):
        return ""
    text = INLINE_LABEL.sub("", text).rstrip()
    return text if len(text) <= width else text[: width - 1] + "…"


def airguard_details(corpus: Path, labels: Labels, s: Score) -> str:
    out = ["", "airguard misses by class (labelled rule id; a line counts as missed when nothing is reported on it):"]
    missed_lines = set(s.missed)
    by_class: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for rule, path, line in s.triples_missed:
        by_class[rule].append((rule, path, line))
    if not by_class:
        out.append("  none")
    for rule in sorted(by_class):
        entries = by_class[rule]
        out.append(f"  {rule}: {len(entries)} missed")
        for _, path, line in entries:
            label = ", ".join(sorted(labels.by_line[(path, line)]))
            reported = sorted({f.rule for f in s.tool.findings if (f.path, f.line) == (path, line)})
            how = "nothing on the line" if (path, line) in missed_lines else f"line reported as {', '.join(reported)}"
            out.append(f"    {path}:{line}  [{label}] {how}  | {_source(corpus, path, line)}")
    out.append("")
    out.append("airguard false alarms (findings not labelled on their line), by reported rule:")
    extra_by_rule: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for rule, path, line in s.triples_extra:
        extra_by_rule[rule].append((rule, path, line))
    if not extra_by_rule:
        out.append("  none")
    for rule in sorted(extra_by_rule):
        out.append(f"  {rule}: {len(extra_by_rule[rule])}")
        for _, path, line in extra_by_rule[rule]:
            kind = labels.by_line.get((path, line))
            what = "ok line" if kind == frozenset() else ("unlabelled line" if kind is None
                                                           else "problem line labelled " + ", ".join(sorted(kind)))
            out.append(f"    {path}:{line}  ({what})  | {_source(corpus, path, line)}")
    if s.tool.notices:
        out.append("")
        out.append("airguard notices:")
        out.extend(f"  {n}" for n in s.tool.notices)
    return "\n".join(out) + "\n"


def peer_details(corpus: Path, s: Score) -> str:
    if s.tool.missing:
        return f"\n{s.tool.name}: {s.tool.missing}\n"
    out = ["", f"{s.tool.name} false alarms: {s.false_alarms}"]
    for path, line in s.false_ok + s.false_unlabelled:
        rules = sorted({f.rule for f in s.tool.findings if (f.path, f.line) == (path, line)})
        out.append(f"    {path}:{line}  ({', '.join(rules)})  | {_source(corpus, path, line)}")
    return "\n".join(out) + "\n"


def write_readme(text: str, readme: Path = README) -> None:
    content = readme.read_text(encoding="utf-8")
    start, end = content.find(START_MARK), content.find(END_MARK)
    if start < 0 or end < start:
        raise SystemExit(f"{readme}: markers {START_MARK} ... {END_MARK} not found")
    content = content[: start + len(START_MARK)] + "\n" + text + content[end:]
    readme.write_text(content, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--tools", type=Path, default=None, help="bin folder holding detect-secrets, bandit, ruff")
    parser.add_argument("--no-peers", action="store_true", help="run airguard only")
    parser.add_argument("--json", type=Path, default=None, help="also write the scores as JSON to this file")
    parser.add_argument("--write-readme", action="store_true", help="put the table between the README markers")
    args = parser.parse_args(argv)
    corpus = args.corpus.resolve()
    tools = args.tools.resolve() if args.tools else None

    labels = load_labels(corpus)
    runs = [run_airguard(corpus)]
    if not args.no_peers:
        runs += [run_detect_secrets(corpus, tools), run_bandit(corpus, tools), run_ruff(corpus, tools)]
    scores = [score(labels, run, rules=(run.name == "airguard")) for run in runs]

    table = summary_table(labels, scores) + "\nFound per problem class (labelled problem lines):\n\n" + class_table(labels, scores)
    print(table)
    print(airguard_details(corpus, labels, scores[0]))
    for s in scores[1:]:
        print(peer_details(corpus, s))
    if args.json:
        args.json.write_text(json.dumps([{
            "tool": s.tool.name, "version": s.tool.version, "missing": s.tool.missing, "scope": s.tool.scope,
            "labelled": s.labelled, "labelled_all": s.labelled_all, "found": len(s.found),
            "false_alarms_ok": len(s.false_ok), "false_alarms_unlabelled": len(s.false_unlabelled),
            "precision": round(s.precision, 4), "recall": round(s.recall, 4),
            "missed": [f"{p}:{n}" for p, n in s.missed],
            "false_alarms": [f"{p}:{n}" for p, n in s.false_ok + s.false_unlabelled],
        } for s in scores], indent=2) + "\n", encoding="utf-8")
    if args.write_readme:
        write_readme(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
