"""The engine: declarative rules, evaluated over the resource graph."""
