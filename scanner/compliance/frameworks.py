"""The compliance frameworks a rule's `compliance:` block may name, and how each format writes a control.

A rule lists a control only when one of its findings honestly means the control is not met for that
resource (an unencrypted cluster fails RDS.27 and CIS 2.3.1); a finding never means a control passes.
"""

from __future__ import annotations


class Framework:
    """One compliance framework: its key, its title and how Security Hub and the reports write its controls.
    (A plain class, read-only by convention: the text report of every scan with findings imports this module,
    and a dataclass costs ~3M instructions to create.)"""

    __slots__ = ("key", "requirement", "separator", "title", "url")

    def __init__(self, key: str, title: str, requirement: str, separator: str, url: str) -> None:
        self.key = key  # the rule file's key and the CLI's name: `airguard compliance aws-fsbp`
        self.title = title  # shown in reports
        self.requirement = requirement  # ASFF Compliance.RelatedRequirements prefix, the way Security Hub writes them
        self.separator = separator  # between the prefix and the control id
        self.url = url


FRAMEWORKS: dict[str, Framework] = {f.key: f for f in (
    Framework("cis-aws", "CIS AWS Foundations Benchmark v3.0.0", "CIS AWS Foundations Benchmark v3.0.0", "/",
              "https://www.cisecurity.org/benchmark/amazon_web_services"),
    Framework("aws-fsbp", "AWS Foundational Security Best Practices",
              "AWS Foundational Security Best Practices v1.0.0", "/",
              "https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html"),
    Framework("soc2", "SOC 2 Trust Services Criteria (2017)", "SOC 2", " ",
              "https://www.aicpa-cima.com/resources/download/2017-trust-services-criteria-with-revised-points-of-focus-2022"),
    Framework("nist-800-53", "NIST SP 800-53 Rev. 5", "NIST.800-53.r5", " ",
              "https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final"),
)}


def ordered(compliance: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(framework key, control id) pairs, frameworks in FRAMEWORKS order, controls as the rule lists them."""
    return [(key, control) for key in FRAMEWORKS for control in compliance.get(key, [])]


def compliance_tags(compliance: dict[str, list[str]]) -> list[str]:
    """`compliance/aws-fsbp/RDS.10`: the tag form (SARIF `properties.tags`, JUnit properties)."""
    return [f"compliance/{key}/{control}" for key, control in ordered(compliance)]


def related_requirements(compliance: dict[str, list[str]]) -> list[str]:
    """`NIST.800-53.r5 AC-6`, `CIS AWS Foundations Benchmark v3.0.0/1.4`: the form Security Hub's own
    findings use in `Compliance.RelatedRequirements`."""
    return [f"{FRAMEWORKS[key].requirement}{FRAMEWORKS[key].separator}{control}"
            for key, control in ordered(compliance)]


def short_labels(compliance: dict[str, list[str]]) -> list[str]:
    """`aws-fsbp RDS.10`: the compact form text and Markdown reports show."""
    return [f"{key} {control}" for key, control in ordered(compliance)]


def control_sort_key(control: str) -> tuple[object, ...]:
    """Natural order: RDS.2 before RDS.10, AC-6 before AC-12, 1.4 before 1.14, IA-5 before IA-5(7)."""
    import re

    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", control))
