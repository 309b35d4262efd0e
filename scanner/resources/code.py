"""What code analysis finds (credentials, AssumeRole calls, modules read across files) and inline
suppression comments."""

# Annotations evaluated at import (no `from __future__ import annotations`): see README.md, Start-up.

from typing_extensions import TypedDict

from scanner.resources.common import Redacted
from scanner.resources.names import ASSUME_ROLE, CREDENTIAL, CROSS_MODULE, SUPPRESSION
from scanner.resources.registry import REGISTRY, ResourceType


class CredentialAttributes(TypedDict):
    kind: str  # aws-access-key-id, password, token, private-key, ...
    via: str  # how it is written (a driver call, SQL, a shell command, a dict key)
    value: Redacted


class AssumeRoleAttributes(TypedDict):
    duration_seconds: int | None
    role_arn: str | None


class CrossModuleAttributes(TypedDict):
    modules: list[list[str | int]]  # [module, import level] pairs whose values this file reads


class SuppressionAttributes(TypedDict):
    rules: list[str]
    reason: str
    has_reason: bool
    next_line: bool  # ignore-next-line


REGISTRY.register(ResourceType(
    CREDENTIAL, "A credential written in code (AWS key, password in a driver call, SQL, shell).", CredentialAttributes))
REGISTRY.register(ResourceType(ASSUME_ROLE, "An STS AssumeRole call written in code.", AssumeRoleAttributes))
REGISTRY.register(ResourceType(
    CROSS_MODULE, "The other modules of the scan a DAG file reads values from (for the file cache).",
    CrossModuleAttributes))
REGISTRY.register(ResourceType(SUPPRESSION, "An inline `airguard: ignore[...]` comment.", SuppressionAttributes))
