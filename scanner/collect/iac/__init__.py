"""Infrastructure as code: Terraform (HCL and plan JSON), CloudFormation (YAML/JSON) and CDK output.

Each source becomes the same registry resources the AWS collectors emit (`scanner.collect.iac.build`), with
file:line locations, so the AG5xx/AG6xx rules judge an Aurora cluster before it exists. Entry points for the
file collectors:

- `collect_terraform(ctx, source)`: a ``.tf``/``.tfvars`` file's parsed record (the MWAA options reader of
  `scanner.collect.terraform` runs beside it); `assemble` turns the records of each directory into resources
  once every file is read.
- `collect_structured(ctx, source, kind)`: a YAML/JSON file that is a CloudFormation template (a CDK
  ``*.template.json`` is one) or a Terraform plan, judged by its content; [] otherwise.
"""

from __future__ import annotations

from scanner.context import ScanContext
from scanner.model import Resource
from scanner.source import SourceFile


def collect_terraform(ctx: ScanContext, source: SourceFile) -> list[Resource]:
    """A ``.tf``/``.tfvars`` file's parsed record; a syntax error is one notice and no record."""
    from scanner.collect.iac.terraform import file_record
    from scanner.doctree import DocumentError

    try:
        return [file_record(ctx, source)]
    except DocumentError as exc:
        ctx.notice("parse-error", f"Terraform file not read: {exc.message}", source.path, exc.line, exc.column)
        return []


def collect_structured(ctx: ScanContext, source: SourceFile, kind: str) -> list[Resource]:
    """The IaC resources of a YAML/JSON file (run after its structured collector parsed it)."""
    from scanner.collect.iac.sniff import looks_like_plan, looks_like_template

    if kind == "json" and looks_like_plan(source.text):
        from scanner.collect.iac import plan

        return plan.collect(ctx, source)
    if kind in ("yaml", "json") and looks_like_template(source.text):
        from scanner.collect.iac import cloudformation

        return cloudformation.collect_file(ctx, source, yaml_syntax=kind == "yaml")
    return []


def assemble(ctx: ScanContext, resources: list[Resource]) -> list[Resource]:
    """Terraform file records -> the resources of their directories (see `scanner.collect.iac.terraform`)."""
    if not any(r.type == "iac.terraform.file" for r in resources):
        return resources
    from scanner.collect.iac.terraform import assemble as assemble_terraform

    return assemble_terraform(ctx, resources)
