"""Whether a YAML/JSON file is infrastructure as code, judged from its text alone.

Every YAML and JSON config file of a scan is asked; few are templates or plans. These tests live apart from the
collectors (`cloudformation`, `plan`), which import the IaC mapping, the resource registry and its TypedDicts
(`dataclasses` and `typing_extensions` with them: ~1 MB of bytecode), so a tree without IaC never loads those, in
the scan's process nor in each worker process.
"""

from __future__ import annotations

import re

# a template's resources typed ``AWS::Service::Kind`` (searched only where "Resources" is in the head)
_AWS_TYPE = re.compile(r"""["']?Type["']?\s*:\s*["']?AWS::[A-Za-z0-9]+::""")


def looks_like_plan(text: str) -> bool:
    """A Terraform plan (`terraform show -json`): a format version near the start, and resource changes or
    planned values."""
    head = text[:4096]
    return '"format_version"' in head and ('"resource_changes"' in text or '"planned_values"' in text)


def looks_like_template(text: str) -> bool:
    """A CloudFormation template: a format version, or resources typed ``AWS::...`` (first 64 KB)."""
    head = text[:65536]
    return "AWSTemplateFormatVersion" in head or ("Resources" in head and _AWS_TYPE.search(head) is not None)
