"""CloudFormation templates (YAML with short tags, JSON) and CDK output (``cdk.out/*.template.json``).

Intrinsic functions are evaluated where the template alone decides them: ``Ref`` of a parameter is its
``Default`` (no default: unknown), ``Ref``/``Fn::GetAtt`` of a resource is a relation (`Ref`), ``Fn::Sub``,
``Fn::Join``, ``Fn::Select``, ``Fn::Split`` and ``Fn::FindInMap`` when their inputs are known. Conditions
(``Fn::If``), pseudo parameters (``AWS::Region``...), ``Fn::ImportValue``, ``Fn::GetAZs`` are unknown. A
CDK template names each resource by its construct path (``aws:cdk:path`` metadata).

Properties are renamed into the Terraform shapes `scanner.collect.iac.mapping` reads (`RENAMES`), so both
sources share one mapping to registry resources.
"""

from __future__ import annotations

import re
from typing import Any

from scanner.collect.iac.build import Native, Stack, finish
from scanner.collect.iac.mapping import Mapper
from scanner.collect.iac.values import Ref, Unknown
from scanner.context import ScanContext
from scanner.doctree import DocumentError, Node, parse_json
from scanner.model import FileLocation, Resource
from scanner.source import SourceFile

_SUB = re.compile(r"\$\{([^}!{][^}{]*)\}")  # no "{" inside: one scan per "${", linear
MAX_TEXT = 100_000


def collect(ctx: ScanContext, source: SourceFile, yaml_syntax: bool) -> list[Resource]:
    """The template's resources (DocumentError when it does not parse)."""
    if yaml_syntax:
        from scanner.collect.iac.cfn_yaml import parse

        document = parse(source.text)
    else:
        document = parse_json(source.text)
    if not isinstance(document.value, dict) or not isinstance(_get(document, "Resources"), dict):
        return []
    return finish(_Template(source.path, document, yaml_syntax).stack())


def _get(node: Node | None, key: str) -> Any:
    if node is None or not isinstance(node.value, dict):
        return None
    child = node.value.get(key)
    return child.value if child is not None else None


class _Template:
    def __init__(self, path: str, document: Node, yaml_syntax: bool = True) -> None:
        self.path = path
        self.document = document
        self.yaml_syntax = yaml_syntax
        self.resources: dict[str, Node] = document.value["Resources"].value
        self.parameters: dict[str, Any] = {}
        for name, node in (_get(document, "Parameters") or {}).items():
            default = node.value.get("Default") if isinstance(node.value, dict) else None
            self.parameters[name] = plain(default) if default is not None else Unknown(
                f"parameter {name} has no default")
        self.mappings = plain(document.value["Mappings"]) if "Mappings" in document.value else {}
        self.work = 0

    def stack(self) -> Stack:
        mapper = Mapper(Stack(origin=self.path, region=None))
        for logical_id, node in self.resources.items():
            if not isinstance(node.value, dict):
                continue
            resource_type = _get(node, "Type")
            native_type, rename = RENAMES.get(resource_type if isinstance(resource_type, str) else "", (None, None))
            if native_type is None or rename is None:
                continue
            properties_node = node.value.get("Properties")
            properties: dict[str, Any] = {}
            lines: dict[str, FileLocation] = {}
            for name, child in (properties_node.value.items() if properties_node is not None
                                and isinstance(properties_node.value, dict) else []):
                properties[name] = self.value(child)
                lines[name] = FileLocation(path=self.path, start_line=child.line, start_column=child.column)
            if native_type == "aws_db_instance" and properties.get("DBClusterIdentifier") is not None:
                native_type = "aws_rds_cluster_instance"
            renamed, renamed_lines = rename(properties, lines)
            label = _cdk_path(node)
            line = _key_line(self.document, logical_id, node) if self.yaml_syntax else node.line
            location = FileLocation(path=self.path, start_line=line)
            mapper.add(Native(native_type, logical_id, location, renamed, renamed_lines, label=label))
        return mapper.finish()

    # ------------------------------------------------------------------ intrinsics
    def value(self, node: Node, depth: int = 0) -> Any:
        self.work += 1
        if self.work > 1_000_000 or depth > 64:
            return Unknown("template evaluation budget spent")
        value = node.value
        if isinstance(value, list):
            return [self.value(item, depth + 1) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (name, argument), = value.items()
            if name == "Ref" or name.startswith("Fn::") or name == "Condition":
                return self.intrinsic(name, argument, depth + 1)
        return {key: self.value(child, depth + 1) for key, child in value.items()}

    def intrinsic(self, name: str, argument: Node, depth: int) -> Any:
        if name == "Ref":
            target = argument.value
            if not isinstance(target, str):
                return Unknown("Ref of a non-name")
            if target in self.parameters:
                return self.parameters[target]
            if target in self.resources:
                return Ref(target)
            return Unknown(f"{target} is known at deploy time")
        if name == "Fn::GetAtt":
            parts = self.value(argument, depth)
            if isinstance(parts, str):
                parts = parts.split(".", 1)
            if isinstance(parts, list) and len(parts) == 2 and parts[0] in self.resources \
                    and isinstance(parts[1], str):
                return Ref(parts[0], parts[1])
            return Unknown("Fn::GetAtt of an unknown resource")
        if name == "Fn::Sub":
            return self.sub(argument, depth)
        if name == "Fn::Join":
            parts = self.value(argument, depth)
            if isinstance(parts, list) and len(parts) == 2 and isinstance(parts[0], str) and isinstance(parts[1], list):
                return _join(parts[0], parts[1])
            return _unknown_in(parts, "Fn::Join of unknown values")
        if name == "Fn::Select":
            parts = self.value(argument, depth)
            if isinstance(parts, list) and len(parts) == 2 and isinstance(parts[1], list):
                index = parts[0]
                if isinstance(index, str) and index.isdigit():
                    index = int(index)
                if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(parts[1]):
                    return parts[1][index]
            return _unknown_in(parts, "Fn::Select of unknown values")
        if name == "Fn::Split":
            parts = self.value(argument, depth)
            if isinstance(parts, list) and len(parts) == 2 and all(isinstance(p, str) for p in parts) and parts[0]:
                return parts[1].split(parts[0])
            return _unknown_in(parts, "Fn::Split of unknown values")
        if name == "Fn::FindInMap":
            parts = self.value(argument, depth)
            if isinstance(parts, list) and len(parts) >= 3 and all(isinstance(p, str) for p in parts[:3]):
                found = self.mappings.get(parts[0], {}).get(parts[1], {}) if isinstance(self.mappings, dict) else {}
                if isinstance(found, dict) and parts[2] in found:
                    return found[parts[2]]
            return _unknown_in(parts, "Fn::FindInMap of unknown keys")
        if name == "Fn::If":
            return Unknown("a condition (Fn::If) is decided at deploy time")
        if name == "Fn::Base64":
            return Unknown("Fn::Base64")
        return Unknown(f"{name} is decided at deploy time")

    def sub(self, argument: Node, depth: int) -> Any:
        variables: dict[str, Any] = {}
        template = argument.value
        if isinstance(template, list) and template:
            if len(template) > 1 and isinstance(template[1].value, dict):
                variables = {k: self.value(v, depth) for k, v in template[1].value.items()}
            template = template[0].value
        if not isinstance(template, str):
            return Unknown("Fn::Sub of a non-string")
        pieces: list[str] = []
        position = 0
        for match in _SUB.finditer(template):
            pieces.append(template[position:match.start()])
            position = match.end()
            name = match.group(1).strip()
            if name in variables:
                value = variables[name]
            elif "." in name and name.split(".", 1)[0] in self.resources:
                value = Ref(*name.split(".", 1))
            elif name in self.parameters:
                value = self.parameters[name]
            elif name in self.resources:
                value = Ref(name)
            else:
                return Unknown(f"${{{name}}} is known at deploy time")
            if isinstance(value, Ref):
                value = value.placeholder()
            if isinstance(value, Unknown):
                return value
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                return Unknown("Fn::Sub of a non-string")
            pieces.append(str(value))
        pieces.append(template[position:])
        text = "".join(pieces).replace("${!", "${")
        return text if len(text) <= MAX_TEXT else Unknown("string too long")


def _join(separator: str, items: list[Any]) -> Any:
    texts = []
    for item in items:
        if isinstance(item, Ref):
            item = item.placeholder()
        if isinstance(item, Unknown):
            return item
        if not isinstance(item, (str, int, float)) or isinstance(item, bool):
            return Unknown("Fn::Join of a non-string")
        texts.append(str(item))
    text = separator.join(texts)
    return text if len(text) <= MAX_TEXT else Unknown("string too long")


def _unknown_in(value: Any, why: str) -> Unknown:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, list):
        for item in value:
            if isinstance(item, Unknown):
                return item
    return Unknown(why)


def plain(node: Node) -> Any:
    return node.plain()


def _cdk_path(node: Node) -> str | None:
    metadata = _get(node, "Metadata")
    if isinstance(metadata, dict) and "aws:cdk:path" in metadata:
        path = metadata["aws:cdk:path"].value
        if isinstance(path, str):
            return path.removesuffix("/Resource")
    return None


def _key_line(document: Node, logical_id: str, node: Node) -> int:
    """The line of a resource's logical id: its value starts on the next line in block YAML (in JSON the
    value's ``{`` is on the key's line)."""
    return max(node.line - 1, 1) if isinstance(node.value, dict) and node.column > 1 and \
        document.value["Resources"].line < node.line else node.line


# ---------------------------------------------------------------------- renames into Terraform shapes
def _renamer(mapping: dict[str, str], nested: dict[str, Any] | None = None) -> Any:
    def rename(properties: dict[str, Any], lines: dict[str, FileLocation]) -> tuple[dict[str, Any],
                                                                                     dict[str, FileLocation]]:
        renamed: dict[str, Any] = {}
        where: dict[str, FileLocation] = {}
        for source_name, value in properties.items():
            target = mapping.get(source_name)
            if target is None:
                continue
            if nested and source_name in nested:
                value = nested[source_name](value)
            renamed[target] = value
            if source_name in lines:
                where[target] = lines[source_name]
        return renamed, where
    return rename


def _ingress(value: Any) -> Any:
    if isinstance(value, Unknown) or not isinstance(value, list):
        return value
    return [_rule(item) if isinstance(item, dict) else item for item in value]


def _rule(item: dict[str, Any]) -> dict[str, Any]:
    return {"protocol": item.get("IpProtocol", "-1"), "from_port": item.get("FromPort"),
            "to_port": item.get("ToPort"), "cidr_blocks": item.get("CidrIp"),
            "ipv6_cidr_blocks": item.get("CidrIpv6"),
            "source_security_group_id": item.get("SourceSecurityGroupId",
                                                 item.get("DestinationSecurityGroupId")),
            "prefix_list_ids": item.get("SourcePrefixListId", item.get("DestinationPrefixListId")),
            "description": item.get("Description"),
            "security_group_id": item.get("GroupId"), "type": None}


def _rule_resource(direction: str) -> Any:
    def rename(properties: dict[str, Any], lines: dict[str, FileLocation]) -> tuple[dict[str, Any],
                                                                                    dict[str, FileLocation]]:
        rule = _rule(properties)
        rule["type"] = direction
        return rule, {}
    return rename


def _policies(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    return [{"name": p.get("PolicyName"), "policy": p.get("PolicyDocument")} if isinstance(p, dict) else p
            for p in value]


def _one(value: Any) -> Any:
    return [value] if isinstance(value, dict) else value


def _rotation_rules(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    return [{"automatically_after_days": value.get("AutomaticallyAfterDays"),
             "schedule_expression": value.get("ScheduleExpression"), "duration": value.get("Duration")}]


def _auth(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    return [{"auth_scheme": a.get("AuthScheme"), "iam_auth": a.get("IAMAuth"), "secret_arn": a.get("SecretArn"),
             "client_password_auth_type": a.get("ClientPasswordAuthType"), "description": a.get("Description")}
            if isinstance(a, dict) else a for a in value]


def _network(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    return [{"subnet_ids": value.get("SubnetIds"), "security_group_ids": value.get("SecurityGroupIds")}]


def _target_group(properties: dict[str, Any], lines: dict[str, FileLocation]) -> tuple[dict[str, Any], dict[
        str, FileLocation]]:
    return {"db_proxy_name": properties.get("DBProxyName"),
            "db_cluster_identifier": properties.get("DBClusterIdentifiers"),
            "db_instance_identifier": properties.get("DBInstanceIdentifiers")}, {}


def _route_table_association(properties: dict[str, Any], lines: dict[str, FileLocation]) -> tuple[
        dict[str, Any], dict[str, FileLocation]]:
    return {"subnet_id": properties.get("SubnetId"), "route_table_id": properties.get("RouteTableId")}, {}


_CLUSTER = {"DBClusterIdentifier": "cluster_identifier", "Engine": "engine", "EngineVersion": "engine_version",
            "EngineMode": "engine_mode", "Port": "port",
            "EnableIAMDatabaseAuthentication": "iam_database_authentication_enabled",
            "StorageEncrypted": "storage_encrypted", "KmsKeyId": "kms_key_id",
            "PubliclyAccessible": "publicly_accessible", "DeletionProtection": "deletion_protection",
            "BackupRetentionPeriod": "backup_retention_period", "MasterUsername": "master_username",
            "EnableCloudwatchLogsExports": "enabled_cloudwatch_logs_exports",
            "VpcSecurityGroupIds": "vpc_security_group_ids", "DBSubnetGroupName": "db_subnet_group_name",
            "Tags": "tags"}
_INSTANCE = {"DBInstanceIdentifier": "identifier", "DBClusterIdentifier": "cluster_identifier", "Engine": "engine",
             "EngineVersion": "engine_version", "DBInstanceClass": "instance_class",
             "PubliclyAccessible": "publicly_accessible", "StorageEncrypted": "storage_encrypted",
             "EnableIAMDatabaseAuthentication": "iam_database_authentication_enabled",
             "VPCSecurityGroups": "vpc_security_group_ids", "MultiAZ": "multi_az", "KmsKeyId": "kms_key_id",
             "DeletionProtection": "deletion_protection", "DBSubnetGroupName": "db_subnet_group_name",
             "Tags": "tags"}

RENAMES: dict[str, tuple[str, Any]] = {
    "AWS::RDS::DBCluster": ("aws_rds_cluster", _renamer(_CLUSTER)),
    "AWS::RDS::DBInstance": ("aws_db_instance", _renamer(_INSTANCE)),
    "AWS::RDS::DBSubnetGroup": ("aws_db_subnet_group", _renamer(
        {"DBSubnetGroupName": "name", "DBSubnetGroupDescription": "description", "SubnetIds": "subnet_ids"})),
    "AWS::RDS::DBProxy": ("aws_db_proxy", _renamer(
        {"DBProxyName": "name", "EngineFamily": "engine_family", "RequireTLS": "require_tls", "RoleArn": "role_arn",
         "VpcSubnetIds": "vpc_subnet_ids", "VpcSecurityGroupIds": "vpc_security_group_ids", "Auth": "auth",
         "DebugLogging": "debug_logging", "IdleClientTimeout": "idle_client_timeout"}, {"Auth": _auth})),
    "AWS::RDS::DBProxyTargetGroup": ("aws_db_proxy_target", _target_group),
    "AWS::RDS::DBClusterEndpoint": ("aws_rds_cluster_endpoint", _renamer(
        {"DBClusterEndpointIdentifier": "cluster_endpoint_identifier", "DBClusterIdentifier": "cluster_identifier",
         "EndpointType": "custom_endpoint_type", "StaticMembers": "static_members",
         "ExcludedMembers": "excluded_members"})),
    "AWS::EC2::SecurityGroup": ("aws_security_group", _renamer(
        {"GroupName": "name", "GroupDescription": "description", "VpcId": "vpc_id", "Tags": "tags",
         "SecurityGroupIngress": "ingress", "SecurityGroupEgress": "egress"},
        {"SecurityGroupIngress": _ingress, "SecurityGroupEgress": _ingress})),
    "AWS::EC2::SecurityGroupIngress": ("aws_security_group_rule", _rule_resource("ingress")),
    "AWS::EC2::SecurityGroupEgress": ("aws_security_group_rule", _rule_resource("egress")),
    "AWS::EC2::Subnet": ("aws_subnet", _renamer(
        {"VpcId": "vpc_id", "CidrBlock": "cidr_block", "AvailabilityZone": "availability_zone",
         "MapPublicIpOnLaunch": "map_public_ip_on_launch", "Tags": "tags"})),
    "AWS::EC2::RouteTable": ("aws_route_table", _renamer({"VpcId": "vpc_id", "Tags": "tags"})),
    "AWS::EC2::Route": ("aws_route", _renamer(
        {"RouteTableId": "route_table_id", "DestinationCidrBlock": "destination_cidr_block",
         "DestinationIpv6CidrBlock": "destination_ipv6_cidr_block", "GatewayId": "gateway_id",
         "NatGatewayId": "nat_gateway_id", "TransitGatewayId": "transit_gateway_id",
         "VpcPeeringConnectionId": "vpc_peering_connection_id"})),
    "AWS::EC2::SubnetRouteTableAssociation": ("aws_route_table_association", _route_table_association),
    "AWS::EC2::InternetGateway": ("aws_internet_gateway", _renamer({})),
    "AWS::EC2::NatGateway": ("aws_nat_gateway", _renamer({})),
    "AWS::IAM::Role": ("aws_iam_role", _renamer(
        {"RoleName": "name", "Path": "path", "AssumeRolePolicyDocument": "assume_role_policy",
         "MaxSessionDuration": "max_session_duration", "Description": "description", "Policies": "inline_policy",
         "ManagedPolicyArns": "managed_policy_arns", "Tags": "tags"}, {"Policies": _policies})),
    "AWS::IAM::Policy": ("aws_iam_policy_attachment", _renamer(
        {"PolicyName": "name", "PolicyDocument": "policy", "Roles": "roles"})),
    "AWS::IAM::RolePolicy": ("aws_iam_role_policy", _renamer(
        {"PolicyName": "name", "PolicyDocument": "policy", "RoleName": "role"})),
    "AWS::SecretsManager::Secret": ("aws_secretsmanager_secret", _renamer(
        {"Name": "name", "Description": "description", "KmsKeyId": "kms_key_id", "Tags": "tags"})),
    "AWS::SecretsManager::RotationSchedule": ("aws_secretsmanager_secret_rotation", _renamer(
        {"SecretId": "secret_id", "RotationLambdaARN": "rotation_lambda_arn", "RotationRules": "rotation_rules"},
        {"RotationRules": _rotation_rules})),
    "AWS::CloudTrail::Trail": ("aws_cloudtrail", _renamer(
        {"TrailName": "name", "IsMultiRegionTrail": "is_multi_region_trail", "IsLogging": "enable_logging",
         "IncludeGlobalServiceEvents": "include_global_service_events",
         "EnableLogFileValidation": "enable_log_file_validation", "S3BucketName": "s3_bucket_name",
         "KMSKeyId": "kms_key_id", "IsOrganizationTrail": "is_organization_trail"})),
    "AWS::MWAA::Environment": ("aws_mwaa_environment", _renamer(
        {"Name": "name", "WebserverAccessMode": "webserver_access_mode", "ExecutionRoleArn": "execution_role_arn",
         "NetworkConfiguration": "network_configuration", "AirflowVersion": "airflow_version",
         "EnvironmentClass": "environment_class", "AirflowConfigurationOptions": "airflow_configuration_options"},
        {"NetworkConfiguration": _network})),
}


def collect_file(ctx: ScanContext, source: SourceFile, yaml_syntax: bool) -> list[Resource]:
    """`collect`, with a template that does not parse as one notice (the structured collector, which reads
    the same file, reports YAML/JSON syntax errors)."""
    try:
        return collect(ctx, source, yaml_syntax)
    except DocumentError as exc:
        ctx.notice("parse-error", f"CloudFormation template not read: {exc.message}", source.path, exc.line,
                   exc.column)
        return []
