"""Every resource type a rule may name, with what it describes (kept for old imports: the registry in
`scanner.resources` is the contract)."""

from __future__ import annotations

from scanner.resources import REGISTRY

RESOURCE_TYPES: dict[str, str] = REGISTRY.descriptions()
