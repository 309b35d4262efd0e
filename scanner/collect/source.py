"""Moved to `scanner.source` (the shared core); importable from here as before."""

from __future__ import annotations

from scanner.source import SourceFile, Span

__all__ = ["SourceFile", "Span"]
