"""A rule's documentation for the terminal (`airguard rules show ID`) and for docs/rules/*.md."""

from __future__ import annotations

from scanner.engine.rule import Rule


def render_rule(rule: Rule) -> str:
    lines = [f"{rule.id} {rule.name}: {rule.title}", "",
             f"Severity: {rule.severity.value}   Confidence: {rule.confidence.value}   Resource: {rule.resource}"]
    if rule.tags:
        lines.append(f"Tags: {', '.join(rule.tags)}")
    lines += ["", "What it does", _indent(rule.docs.what), "", "Why is this bad?", _indent(rule.docs.why),
              "", "How to fix", _indent(rule.docs.fix)]
    if rule.docs.bad:
        lines += ["", "Example", _indent(rule.docs.bad)]
    if rule.docs.good:
        lines += ["", "Use instead", _indent(rule.docs.good)]
    if rule.parameters:
        lines += ["", "Parameters"]
        for name, parameter in rule.parameters.items():
            profiles = "".join(f", {p}: {v}" for p, v in parameter.profiles.items())
            lines.append(f"  {name} (default: {parameter.default}{profiles}) - {parameter.description}")
    if rule.compliance:
        from scanner.compliance.frameworks import FRAMEWORKS

        lines += ["", "Compliance", *[f"  {framework.title}: {', '.join(rule.compliance[key])}"
                                      for key, framework in FRAMEWORKS.items() if key in rule.compliance]]
    if rule.references:
        lines += ["", "References", *[f"  {ref}" for ref in rule.references]]
    if rule.resource.startswith("aws."):
        lines += ["", "An AWS resource has no line to comment: accept current findings with a baseline",
                  "(`airguard baseline`), or turn the rule off with `ignore = [\"" + rule.id + "\"]` in the config.", ""]
    else:
        lines += ["", "Suppress one occurrence with a comment on the line or the line above:",
                  f"  # airguard: ignore[{rule.id}] <why this is acceptable>", ""]
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" if line else "" for line in text.strip().splitlines())


def render_markdown(rule: Rule) -> str:
    from scanner.report.sarif import rule_help_markdown

    header = (f"# {rule.id} `{rule.name}`\n\n| severity | confidence | resource |\n|---|---|---|\n"
              f"| {rule.severity.value} | {rule.confidence.value} | `{rule.resource}` |\n\n")
    body = rule_help_markdown(rule).split("\n", 2)[2]
    params = ""
    if rule.parameters:
        params = "\n### Parameters\n\n| name | default | profiles | description |\n|---|---|---|---|\n" + "".join(
            f"| `{n}` | `{p.default}` | {', '.join(f'{k}: `{v}`' for k, v in p.profiles.items()) or '-'} "
            f"| {p.description} |\n" for n, p in rule.parameters.items())
    return header + body + params
