"""The name of every registered resource type, apart from the domain modules that register them.

The linkers (`link_airflow`, `link_aws`, `link_iac`) name the types they read from here: the link step of
every scan loads them, and importing a domain module (`airflow`, `rds`, `iam`...) also defines its attribute
models (TypedDicts, ~1/10 of a small scan's start-up), which only validation and the registry's readers need.
The domain modules import their names from here too (and keep them importable from themselves).
"""

from __future__ import annotations

# airflow
CONNECTION = "airflow.connection"
CONFIG = "airflow.config"
DAG = "airflow.dag"
TASK = "airflow.task"
DAG_FILE = "airflow.dag_file"

# code
CREDENTIAL = "code.credential"
ASSUME_ROLE = "code.assume_role"
CROSS_MODULE = "code.cross_module"
SUPPRESSION = "airguard.suppression"

# rds
CLUSTER = "aws.rds.cluster"
INSTANCE = "aws.rds.instance"
SUBNET_GROUP = "aws.rds.subnet_group"
PROXY = "aws.rds.proxy"
CLUSTER_ENDPOINT = "aws.rds.cluster_endpoint"

# ec2
VPC = "aws.ec2.vpc"
SUBNET = "aws.ec2.subnet"
ROUTE_TABLE = "aws.ec2.route_table"
SECURITY_GROUP = "aws.ec2.security_group"

# iam
ROLE = "aws.iam.role"
USER = "aws.iam.user"
POLICY = "aws.iam.policy"

# secretsmanager, cloudtrail, mwaa
SECRET = "aws.secretsmanager.secret"
TRAIL = "aws.cloudtrail.trail"
ACCOUNT = "aws.cloudtrail.account"
ENVIRONMENT = "aws.mwaa.environment"
