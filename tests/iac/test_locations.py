"""The AWS rules name the attribute a finding lands on (`location:`): an IaC finding points at the line that sets
it, an AWS finding is unchanged (no file line, same fingerprint as before the key existed)."""

from __future__ import annotations

import copy

from scanner.engine.evaluate import fingerprint
from scanner.engine.loader import load_rules
from scanner.model import AwsIdentity, FileLocation, Resource, Source
from tests.resources.rule_paths import rule_problems

LOCATED = {"AG501": "iam_database_authentication_enabled", "AG502": "publicly_accessible", "AG503": "subnet_ids",
           "AG504": "ingress", "AG505": "ingress", "AG506": "storage_encrypted", "AG507": "max_session_duration",
           "AG508": "statements", "AG509": "rotation_enabled", "AG511": "webserver_access_mode",
           "AG512": "subnet_ids", "AG514": "iam_database_authentication_enabled", "AG515": "publicly_accessible",
           "AG516": "storage_encrypted", "AG517": "statements"}


def test_aws_rules_name_the_attribute_that_an_iac_file_sets() -> None:
    rules = {r.id: r for r in load_rules()}
    assert {rule_id: rules[rule_id].location for rule_id in LOCATED} == LOCATED
    assert [p for rule_id in LOCATED for p in rule_problems(rules[rule_id])] == []


def test_an_aws_finding_keeps_its_fingerprint_and_an_iac_finding_names_the_attribute() -> None:
    rule = next(r for r in load_rules() if r.id == "AG501")
    unlocated = copy.copy(rule)
    unlocated.location = None
    aws = Resource(id="arn:aws:rds:eu-west-1:123456789012:cluster:orders", type="aws.rds.cluster", name="orders",
                   source=Source(aws=AwsIdentity(arn="arn:aws:rds:eu-west-1:123456789012:cluster:orders")))
    assert aws.location_for(rule.location) is None
    assert fingerprint(rule, aws, None, 1) == fingerprint(unlocated, aws, None, 1)
    where = FileLocation(path="main.tf", start_line=10)
    iac = Resource(id="aws.rds.cluster:.:aws_rds_cluster.orders", type="aws.rds.cluster", name="orders",
                   source=Source(file=where),
                   locations={"iam_database_authentication_enabled": FileLocation(path="main.tf", start_line=14)})
    assert iac.location_for(rule.location).start_line == 14
    assert fingerprint(rule, iac, where, 1) != fingerprint(unlocated, iac, where, 1)
