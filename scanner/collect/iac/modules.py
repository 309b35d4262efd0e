"""Registry modules expanded into the resources they create, from their documented inputs and defaults.

``terraform-aws-modules/rds-aurora/aws`` (v8-v10): an ``aws_rds_cluster`` named ``name`` (identifier = name),
one ``aws_rds_cluster_instance`` per ``instances`` entry, a security group (``create_security_group``,
default true) with ``security_group_rules`` (v8/v9: ``cidr_blocks``, ``source_security_group_id``; type
ingress and the cluster port by default) or ``security_group_ingress_rules`` (v10: ``cidr_ipv4``,
``referenced_security_group_id``), a DB subnet group when ``create_db_subnet_group``. The module's own
defaults apply: ``storage_encrypted`` true, IAM authentication and public access off.

``terraform-aws-modules/security-group/aws`` (and its ``//modules/<service>`` presets): a group with
``ingress_cidr_blocks`` x ``ingress_rules``, ``ingress_with_cidr_blocks``,
``ingress_with_source_security_group_id`` and the ``computed_`` variants (those are unknown by design).

Every expanded resource points at the module block, and each attribute at the input that sets it.
"""

from __future__ import annotations

from typing import Any

from scanner.collect.iac.build import Native
from scanner.collect.iac.values import Ref, Unknown, as_list
from scanner.model import FileLocation

AURORA = "terraform-aws-modules/rds-aurora/aws"
SECURITY_GROUP = "terraform-aws-modules/security-group/aws"
# The named rules of the security-group module that a database group uses (from_port, to_port, protocol).
NAMED_RULES = {
    "postgresql-tcp": (5432, 5432, "tcp"), "mysql-tcp": (3306, 3306, "tcp"), "mssql-tcp": (1433, 1433, "tcp"),
    "oracle-db-tcp": (1521, 1521, "tcp"), "redshift-tcp": (5439, 5439, "tcp"), "https-443-tcp": (443, 443, "tcp"),
    "http-80-tcp": (80, 80, "tcp"), "ssh-tcp": (22, 22, "tcp"), "all-all": (-1, -1, "-1"),
    "all-tcp": (0, 65535, "tcp"), "all-icmp": (-1, -1, "icmp"),
}
PRESETS = {"postgresql": ["postgresql-tcp"], "mysql": ["mysql-tcp"], "mssql": ["mssql-tcp"],
           "oracle-db": ["oracle-db-tcp"], "redshift": ["redshift-tcp"]}
ENGINE_PORTS = {"aurora-postgresql": 5432, "postgres": 5432, "aurora-mysql": 3306, "aurora": 3306, "mysql": 3306}


def expand(source: str, prefix: str, inputs: dict[str, Any], where: FileLocation,
           lines: dict[str, FileLocation]) -> list[Native]:
    base = source.split("?", 1)[0]
    if base.startswith(AURORA):
        return _aurora(prefix, inputs, where, lines)
    if base.startswith(SECURITY_GROUP):
        preset = base.split("//modules/", 1)[1].strip("/") if "//modules/" in base else ""
        return [_security_group_module(prefix + "aws_security_group.this", inputs, where, lines,
                                       PRESETS.get(preset, []))]
    return []


def _pick(inputs: dict[str, Any], lines: dict[str, FileLocation], mapping: dict[str, str]) -> tuple[
        dict[str, Any], dict[str, FileLocation]]:
    properties, where = {}, {}
    for module_input, resource_attribute in mapping.items():
        if module_input in inputs:
            properties[resource_attribute] = inputs[module_input]
            if module_input in lines:
                where[resource_attribute] = lines[module_input]
    return properties, where


def _aurora(prefix: str, inputs: dict[str, Any], where: FileLocation, lines: dict[str, FileLocation]) -> list[Native]:
    if inputs.get("create") is False or inputs.get("create_cluster") is False:
        return []
    cluster_key = prefix + "aws_rds_cluster.this"
    properties, attribute_lines = _pick(inputs, lines, {
        "name": "cluster_identifier", "cluster_identifier": "cluster_identifier", "engine": "engine",
        "engine_version": "engine_version", "engine_mode": "engine_mode", "port": "port",
        "iam_database_authentication_enabled": "iam_database_authentication_enabled",
        "storage_encrypted": "storage_encrypted", "kms_key_id": "kms_key_id",
        "deletion_protection": "deletion_protection", "backup_retention_period": "backup_retention_period",
        "master_username": "master_username", "enabled_cloudwatch_logs_exports": "enabled_cloudwatch_logs_exports",
        "tags": "tags"})
    properties.setdefault("storage_encrypted", True)
    groups: list[Any] = []
    if inputs.get("create_security_group", True) is not False:
        groups.append(Ref(prefix + "aws_security_group.this", "id"))
    extra_groups = as_list(inputs.get("vpc_security_group_ids"))
    groups += extra_groups if isinstance(extra_groups, list) else [extra_groups]
    properties["vpc_security_group_ids"] = groups
    for key in ("vpc_security_group_ids", "security_group_rules", "security_group_ingress_rules"):
        if key in lines:
            attribute_lines["vpc_security_group_ids"] = lines[key]
            break
    subnet_group_key = prefix + "aws_db_subnet_group.this"
    natives: list[Native] = []
    if inputs.get("create_db_subnet_group") is True:
        properties["db_subnet_group_name"] = Ref(subnet_group_key, "name")
        group_properties, group_lines = _pick(inputs, lines, {"subnets": "subnet_ids"})
        group_properties["name"] = inputs.get("db_subnet_group_name", inputs.get("name"))
        natives.append(Native("aws_db_subnet_group", subnet_group_key, where, group_properties, group_lines))
    elif "db_subnet_group_name" in inputs:
        properties["db_subnet_group_name"] = inputs["db_subnet_group_name"]
        if "db_subnet_group_name" in lines:
            attribute_lines["db_subnet_group_name"] = lines["db_subnet_group_name"]
    natives.insert(0, Native("aws_rds_cluster", cluster_key, where, properties, attribute_lines))
    engine = inputs.get("engine", "aurora")
    port = inputs.get("port", ENGINE_PORTS.get(engine if isinstance(engine, str) else "", 5432))
    instances = inputs.get("instances", {})
    instance_lines = {k: v for k, v in lines.items() if k in ("instances", "publicly_accessible")}
    if isinstance(instances, Unknown):
        instances = {}
    for name, settings in (instances.items() if isinstance(instances, dict) else []):
        settings = settings if isinstance(settings, dict) else {}
        identifier = settings.get("identifier")
        if identifier is None and isinstance(inputs.get("name"), str):
            identifier = f"{inputs['name']}-{name}"
        natives.append(Native("aws_rds_cluster_instance", f"{prefix}aws_rds_cluster_instance.this[\"{name}\"]", where,
                              {"identifier": identifier, "cluster_identifier": Ref(cluster_key, "id"),
                               "engine": engine,
                               "instance_class": settings.get("instance_class", inputs.get("instance_class")),
                               "publicly_accessible": settings.get("publicly_accessible",
                                                                   inputs.get("publicly_accessible", False))},
                              {"publicly_accessible": instance_lines.get("publicly_accessible",
                                                                         instance_lines.get("instances", where))}))
    if inputs.get("create_security_group", True) is not False:
        natives.append(_aurora_group(prefix + "aws_security_group.this", inputs, where, lines, port))
    return natives


def _aurora_group(key: str, inputs: dict[str, Any], where: FileLocation, lines: dict[str, FileLocation],
                  port: Any) -> Native:
    ingress: list[dict[str, Any]] = []
    egress: list[dict[str, Any]] = []
    properties: dict[str, Any] = {"name": inputs.get("security_group_name", inputs.get("name")),
                                  "description": inputs.get("security_group_description"),
                                  "vpc_id": inputs.get("vpc_id"), "ingress": ingress, "egress": egress}
    group_lines = {"ingress": lines.get("security_group_rules", lines.get("security_group_ingress_rules", where))}
    for name in ("security_group_rules", "security_group_ingress_rules", "security_group_egress_rules"):
        rules = inputs.get(name)
        if isinstance(rules, Unknown):
            properties["ingress"] = rules
            return Native("aws_security_group", key, where, properties, group_lines)
        for rule in (rules.values() if isinstance(rules, dict) else []):
            if not isinstance(rule, dict):
                continue
            direction = "egress" if name.endswith("egress_rules") else rule.get("type", "ingress")
            (egress if direction == "egress" else ingress).append({
                "protocol": rule.get("protocol", rule.get("ip_protocol", "tcp")),
                "from_port": rule.get("from_port", port), "to_port": rule.get("to_port", port),
                "cidr_blocks": rule.get("cidr_blocks", rule.get("cidr_ipv4")),
                "ipv6_cidr_blocks": rule.get("ipv6_cidr_blocks", rule.get("cidr_ipv6")),
                "prefix_list_ids": rule.get("prefix_list_ids", rule.get("prefix_list_id")),
                "source_security_group_id": rule.get("source_security_group_id",
                                                     rule.get("referenced_security_group_id")),
                "description": rule.get("description")})
    return Native("aws_security_group", key, where, properties, group_lines)


def _split_cidrs(value: Any) -> Any:
    """The module takes ``cidr_blocks = "10.0.0.0/16,10.1.0.0/16"`` (one comma-separated string) in its maps."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _security_group_module(key: str, inputs: dict[str, Any], where: FileLocation, lines: dict[str, FileLocation],
                           preset: list[str]) -> Native:
    ingress: list[Any] = []
    properties: dict[str, Any] = {"name": inputs.get("name"), "description": inputs.get("description"),
                                  "vpc_id": inputs.get("vpc_id"), "ingress": ingress, "egress": []}
    first = next((lines[k] for k in ("ingress_rules", "ingress_with_cidr_blocks", "ingress_cidr_blocks",
                                     "ingress_with_source_security_group_id") if k in lines), where)
    native = Native("aws_security_group", key, where, properties, {"ingress": first})
    cidrs = inputs.get("ingress_cidr_blocks", [])
    ipv6 = inputs.get("ingress_ipv6_cidr_blocks", [])
    names = inputs.get("ingress_rules", preset if inputs.get("create_auto_ingress_with_self", True) else [])
    if any(isinstance(v, Unknown) for v in (cidrs, ipv6, names)):
        properties["ingress"] = next(v for v in (cidrs, ipv6, names) if isinstance(v, Unknown))
        return native
    for name in names if isinstance(names, list) else []:
        ports = NAMED_RULES.get(str(name))
        if ports is None:
            properties["ingress"] = Unknown(f"named rule {str(name)[:40]!r} is not known")
            return native
        if cidrs or ipv6:
            ingress.append({"from_port": ports[0], "to_port": ports[1], "protocol": ports[2],
                            "cidr_blocks": cidrs, "ipv6_cidr_blocks": ipv6})
    for name in ("ingress_with_cidr_blocks", "ingress_with_ipv6_cidr_blocks", "ingress_with_source_security_group_id",
                 "ingress_with_self"):
        entries = inputs.get(name, [])
        if isinstance(entries, Unknown):
            properties["ingress"] = entries
            return native
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict):
                continue
            ports = NAMED_RULES.get(str(entry.get("rule")), (entry.get("from_port"), entry.get("to_port"),
                                                              entry.get("protocol", "tcp")))
            rule = {"from_port": ports[0], "to_port": ports[1], "protocol": ports[2],
                    "description": entry.get("description")}
            if name == "ingress_with_cidr_blocks":
                rule["cidr_blocks"] = _split_cidrs(entry.get("cidr_blocks", cidrs))
            elif name == "ingress_with_ipv6_cidr_blocks":
                rule["ipv6_cidr_blocks"] = _split_cidrs(entry.get("ipv6_cidr_blocks", ipv6))
            elif name == "ingress_with_source_security_group_id":
                rule["source_security_group_id"] = entry.get("source_security_group_id")
            else:
                rule["self"] = True
            ingress.append(rule)
    for name in ("computed_ingress_rules", "computed_ingress_with_cidr_blocks",
                 "computed_ingress_with_source_security_group_id"):
        if inputs.get(name):
            properties["ingress"] = Unknown(f"{name} are known after apply")
            return native
    return native
