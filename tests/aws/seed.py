"""Seed moto with the resources the collectors must find (boto3 straight to moto, not via the proxy)."""

from __future__ import annotations

import json
from typing import Any

REGION = "eu-west-1"


def network(ec2: Any) -> dict[str, str]:
    """A VPC with a public subnet (explicit route table to an IGW), a private subnet (main table, no
    default route), a NAT-routed subnet, and security groups with CIDR and SG-sourced ingress."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="eu-west-1a")["Subnet"][
        "SubnetId"
    ]
    private = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24", AvailabilityZone="eu-west-1b")["Subnet"][
        "SubnetId"
    ]
    natted = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.3.0/24", AvailabilityZone="eu-west-1c")["Subnet"][
        "SubnetId"
    ]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public_table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=public_table, SubnetId=public)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    nat_table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=nat_table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.associate_route_table(RouteTableId=nat_table, SubnetId=natted)
    main_table = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
    )
    app = ec2.create_security_group(GroupName="app", Description="airflow workers", VpcId=vpc)["GroupId"]
    db = ec2.create_security_group(GroupName="db", Description="aurora", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=db,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "anyone"}],
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            },
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "UserIdGroupPairs": [{"GroupId": app, "Description": "workers"}],
            },
        ],
    )
    ec2.authorize_security_group_ingress(
        GroupId=app,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]},
        ],
    )
    return {
        "vpc": vpc,
        "public": public,
        "private": private,
        "natted": natted,
        "igw": igw,
        "nat": nat,
        "public_table": public_table,
        "nat_table": nat_table,
        "main_table": main_table["RouteTables"][0]["RouteTableId"],
        "app_sg": app,
        "db_sg": db,
    }


def databases(rds: Any, net: dict[str, str]) -> dict[str, Any]:
    """An IAM-auth encrypted cluster with a public instance, a password-only cluster, and a proxy."""
    rds.create_db_subnet_group(
        DBSubnetGroupName="airflow-db",
        DBSubnetGroupDescription="aurora subnets",
        SubnetIds=[net["private"], net["natted"]],
    )
    iam_cluster = rds.create_db_cluster(
        DBClusterIdentifier="orders",
        Engine="aurora-postgresql",
        MasterUsername="airflow",
        MasterUserPassword="not-a-real-password",
        EnableIAMDatabaseAuthentication=True,
        StorageEncrypted=True,
        DBSubnetGroupName="airflow-db",
        VpcSecurityGroupIds=[net["db_sg"]],
    )["DBCluster"]
    password_cluster = rds.create_db_cluster(
        DBClusterIdentifier="legacy",
        Engine="aurora-mysql",
        MasterUsername="admin",
        MasterUserPassword="not-a-real-password",
        DBSubnetGroupName="airflow-db",
        VpcSecurityGroupIds=[net["db_sg"]],
    )["DBCluster"]
    instance = rds.create_db_instance(
        DBInstanceIdentifier="orders-1",
        DBClusterIdentifier="orders",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
        PubliclyAccessible=True,
        DBSubnetGroupName="airflow-db",
    )["DBInstance"]
    proxy = rds.create_db_proxy(
        DBProxyName="orders-proxy",
        EngineFamily="POSTGRESQL",
        RoleArn="arn:aws:iam::123456789012:role/proxy-role",
        Auth=[
            {
                "AuthScheme": "SECRETS",
                "IAMAuth": "REQUIRED",
                "SecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db-AbCdEf",
            }
        ],
        VpcSubnetIds=[net["private"], net["natted"]],
        VpcSecurityGroupIds=[net["db_sg"]],
        RequireTLS=True,
    )["DBProxy"]
    rds.register_db_proxy_targets(DBProxyName="orders-proxy", DBClusterIdentifiers=["orders"])
    return {
        "iam_cluster": iam_cluster,
        "password_cluster": password_cluster,
        "instance": instance,
        "proxy": proxy,
    }


TRUST_EC2 = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
DB_CONNECT = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "rds-db:connect",
            "Resource": "arn:aws:rds-db:eu-west-1:123456789012:dbuser:cluster-ABC/airflow",
        }
    ],
}
READ_SECRETS = {
    "Version": "2012-10-17",
    "Statement": {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": "*"},
}


def identities(iam: Any) -> dict[str, Any]:
    """A worker role (12 h sessions, inline rds-db:connect, a customer managed policy), a group and
    users with and without access keys."""
    iam.create_role(
        RoleName="airflow-worker",
        Path="/airflow/",
        AssumeRolePolicyDocument=json.dumps(TRUST_EC2),
        MaxSessionDuration=43200,
        Tags=[{"Key": "team", "Value": "data"}],
    )
    iam.put_role_policy(
        RoleName="airflow-worker", PolicyName="db-connect", PolicyDocument=json.dumps(DB_CONNECT)
    )
    policy_arn = iam.create_policy(
        PolicyName="read-secrets", PolicyDocument=json.dumps(READ_SECRETS), Description="secrets for DAGs"
    )["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="airflow-worker", PolicyArn=policy_arn)
    iam.create_role(RoleName="short", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    iam.create_group(GroupName="deployers")
    iam.put_group_policy(
        GroupName="deployers",
        PolicyName="deploy",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}],
            }
        ),
    )
    iam.create_user(UserName="ci")
    iam.add_user_to_group(GroupName="deployers", UserName="ci")
    iam.attach_user_policy(UserName="ci", PolicyArn=policy_arn)
    key = iam.create_access_key(UserName="ci")["AccessKey"]
    iam.create_user(UserName="nokeys")
    return {"policy_arn": policy_arn, "ci_key": key}


def secrets_and_trails(secretsmanager: Any, s3: Any, cloudtrail: Any) -> dict[str, Any]:
    plain = secretsmanager.create_secret(
        Name="airflow/connections/orders", SecretString="do-not-read-me", Description="orders db"
    )
    rotated = secretsmanager.create_secret(
        Name="airflow/connections/legacy", SecretString="do-not-read-me-either"
    )
    try:  # moto turns rotation on, then fails to invoke the (absent) Lambda: the rotation stays on
        secretsmanager.rotate_secret(
            SecretId=rotated["ARN"],
            RotationLambdaARN="arn:aws:lambda:eu-west-1:123456789012:function:rotate",
            RotationRules={"AutomaticallyAfterDays": 30},
            RotateImmediately=False,
        )
    except Exception:  # noqa: BLE001, S110 - moto versions differ here; the seed goes on
        pass
    s3.create_bucket(Bucket="audit-trail", CreateBucketConfiguration={"LocationConstraint": REGION})
    cloudtrail.create_trail(Name="org-trail", S3BucketName="audit-trail", IsMultiRegionTrail=True)
    cloudtrail.start_logging(Name="org-trail")
    cloudtrail.create_trail(Name="quiet", S3BucketName="audit-trail")
    return {"plain": plain, "rotated": rotated}
