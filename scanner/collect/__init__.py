"""Collectors: turn inputs (files, AWS) into resources. They know nothing of rules."""
