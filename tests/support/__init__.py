"""Test harness shared by the test folders (local stand-ins for AWS); never shipped in the wheel."""
