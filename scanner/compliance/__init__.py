"""Compliance frameworks: which controls each rule checks, and the per-control summary of a scan."""
