"""A deliberately bad and a good account for the AWS rules (boto3 straight to moto; MWAA as server bodies)."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from tests.aws.mwaa_server import environment
from tests.aws.seed import TRUST_EC2

REGION = "eu-west-1"
ACCOUNT = "123456789012"


def _network(ec2: Any) -> dict[str, str]:
    """A VPC with one public subnet (route table to an IGW) and two private subnets."""
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = {}
    for name, cidr, zone in (("public", "10.9.1.0/24", "eu-west-1a"), ("private_a", "10.9.2.0/24", "eu-west-1b"),
                             ("private_b", "10.9.3.0/24", "eu-west-1c")):
        subnets[name] = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnets["public"])
    workers = ec2.create_security_group(GroupName="workers", Description="airflow workers", VpcId=vpc)["GroupId"]
    return {"vpc": vpc, "workers_sg": workers, **subnets}


def _ingress(ec2: Any, group: str, **source: Any) -> None:
    ec2.authorize_security_group_ingress(
        GroupId=group, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, **source}])


def _policy(action: str, resource: str) -> str:
    return json.dumps({"Version": "2012-10-17",
                       "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]})


def _trail(s3: Any, cloudtrail: Any, multi_region: bool) -> None:
    s3.create_bucket(Bucket="audit-logs", CreateBucketConfiguration={"LocationConstraint": REGION})
    cloudtrail.create_trail(Name="audit", S3BucketName="audit-logs", IsMultiRegionTrail=multi_region)
    cloudtrail.start_logging(Name="audit")


def bad_account(client: Any) -> dict[str, Any]:
    """Every AWS rule but the root-key one has something to find; `client(service, region)` makes clients."""
    ec2, rds = client("ec2", REGION), client("rds", REGION)
    net = _network(ec2)
    open_sg = ec2.create_security_group(GroupName="db-open", Description="db", VpcId=net["vpc"])["GroupId"]
    _ingress(ec2, open_sg, IpRanges=[{"CidrIp": "0.0.0.0/0"}])
    cidr_sg = ec2.create_security_group(GroupName="db-cidr", Description="db", VpcId=net["vpc"])["GroupId"]
    _ingress(ec2, cidr_sg, IpRanges=[{"CidrIp": "10.9.0.0/16"}])
    rds.create_db_subnet_group(DBSubnetGroupName="db-public", DBSubnetGroupDescription="with a public subnet",
                               SubnetIds=[net["public"], net["private_a"]])
    rds.create_db_cluster(DBClusterIdentifier="bad-cluster", Engine="aurora-postgresql", MasterUsername="airflow",
                          MasterUserPassword="not-a-real-password", DBSubnetGroupName="db-public",
                          VpcSecurityGroupIds=[open_sg, cidr_sg], StorageEncrypted=False)
    rds.create_db_instance(DBInstanceIdentifier="bad-cluster-1", DBClusterIdentifier="bad-cluster",
                           Engine="aurora-postgresql", DBInstanceClass="db.r6g.large", PubliclyAccessible=True,
                           DBSubnetGroupName="db-public")
    rds.create_db_instance(DBInstanceIdentifier="bad-standalone", Engine="postgres", DBInstanceClass="db.t3.micro",
                           MasterUsername="airflow", MasterUserPassword="not-a-real-password", AllocatedStorage=20,
                           DBSubnetGroupName="db-public", VpcSecurityGroupIds=[cidr_sg], PubliclyAccessible=False,
                           StorageEncrypted=False)
    iam = client("iam", "us-east-1")
    iam.create_role(RoleName="bad-worker", AssumeRolePolicyDocument=json.dumps(TRUST_EC2), MaxSessionDuration=43200)
    iam.put_role_policy(RoleName="bad-worker", PolicyName="db", PolicyDocument=_policy("rds-db:connect", "*"))
    iam.create_user(UserName="bad-user")
    iam.put_user_policy(UserName="bad-user", PolicyName="db", PolicyDocument=_policy(
        "rds-db:*", f"arn:aws:rds-db:{REGION}:{ACCOUNT}:dbuser:cluster-ABC/*"))
    iam.create_access_key(UserName="bad-user")
    client("secretsmanager", REGION).create_secret(Name="airflow/connections/bad", SecretString="do-not-read-me")
    _trail(client("s3", REGION), client("cloudtrail", REGION), multi_region=False)
    return {**net, "open_sg": open_sg, "cidr_sg": cidr_sg,
            "mwaa": [environment("bad-env", WebserverAccessMode="PUBLIC_ONLY", NetworkConfiguration={
                "SubnetIds": [net["public"], net["private_a"]], "SecurityGroupIds": [net["workers_sg"]]})]}


def good_account(client: Any) -> dict[str, Any]:
    """The same deployment done right: no AWS rule finds anything."""
    ec2, rds = client("ec2", REGION), client("rds", REGION)
    net = _network(ec2)
    db_sg = ec2.create_security_group(GroupName="db", Description="db", VpcId=net["vpc"])["GroupId"]
    _ingress(ec2, db_sg, UserIdGroupPairs=[{"GroupId": net["workers_sg"]}])
    rds.create_db_subnet_group(DBSubnetGroupName="db-private", DBSubnetGroupDescription="private only",
                               SubnetIds=[net["private_a"], net["private_b"]])
    cluster = rds.create_db_cluster(
        DBClusterIdentifier="good-cluster", Engine="aurora-postgresql", MasterUsername="airflow",
        MasterUserPassword="not-a-real-password", DBSubnetGroupName="db-private", VpcSecurityGroupIds=[db_sg],
        StorageEncrypted=True, EnableIAMDatabaseAuthentication=True)["DBCluster"]
    rds.create_db_instance(DBInstanceIdentifier="good-cluster-1", DBClusterIdentifier="good-cluster",
                           Engine="aurora-postgresql", DBInstanceClass="db.r6g.large", PubliclyAccessible=False,
                           DBSubnetGroupName="db-private")
    iam = client("iam", "us-east-1")
    iam.create_role(RoleName="good-worker", AssumeRolePolicyDocument=json.dumps(TRUST_EC2), MaxSessionDuration=3600)
    iam.put_role_policy(RoleName="good-worker", PolicyName="db", PolicyDocument=_policy(
        "rds-db:connect", f"arn:aws:rds-db:{REGION}:{ACCOUNT}:dbuser:{cluster['DbClusterResourceId']}/airflow"))
    secrets = client("secretsmanager", REGION)
    secret = secrets.create_secret(Name="airflow/connections/good", SecretString="do-not-read-me")
    # moto turns rotation on, then fails to invoke the (absent) Lambda: the rotation stays on
    with contextlib.suppress(Exception):
        secrets.rotate_secret(SecretId=secret["ARN"], RotationRules={"AutomaticallyAfterDays": 30},
                              RotationLambdaARN=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:rotate",
                              RotateImmediately=False)
    _trail(client("s3", REGION), client("cloudtrail", REGION), multi_region=True)
    return {**net, "db_sg": db_sg,
            "mwaa": [environment("good-env", NetworkConfiguration={
                "SubnetIds": [net["private_a"], net["private_b"]], "SecurityGroupIds": [net["workers_sg"]]})]}
