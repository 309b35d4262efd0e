"""Every resource type a rule may name, with what it describes. Collectors emit only these."""

from __future__ import annotations

RESOURCE_TYPES: dict[str, str] = {
    "airflow.connection": "An Airflow connection, wherever it is defined (env var, export file, settings, DAG code).",
    "airflow.config": "Airflow settings read from one place (airflow.cfg, AIRFLOW__* env vars, Helm `config:`).",
    "airflow.dag": "A DAG found in DAG code.",
    "airflow.task": "A task of a DAG.",
    "airflow.dag_file": "A DAG file and what loading or parsing it reported.",
    "code.credential": "A credential written in code (AWS key, password in a driver call, SQL, shell).",
    "code.assume_role": "An STS AssumeRole call written in code.",
    "airguard.suppression": "An inline `airguard: ignore[...]` comment.",
    "aws.rds.cluster": "An Aurora/RDS DB cluster.",
    "aws.rds.instance": "An RDS DB instance.",
    "aws.rds.subnet_group": "An RDS DB subnet group.",
    "aws.rds.proxy": "An RDS proxy.",
    "aws.rds.cluster_endpoint": "A custom Aurora cluster endpoint.",
    "aws.ec2.vpc": "A VPC.",
    "aws.ec2.subnet": "A subnet, with the route table it uses.",
    "aws.ec2.route_table": "A route table.",
    "aws.ec2.security_group": "A security group and its rules.",
    "aws.iam.role": "An IAM role with its trust and permission policies.",
    "aws.iam.user": "An IAM user with its access keys.",
    "aws.iam.policy": "A managed IAM policy.",
    "aws.secretsmanager.secret": "A Secrets Manager secret (metadata and rotation only; never its value).",
    "aws.cloudtrail.trail": "A CloudTrail trail with its status.",
    "aws.cloudtrail.account": "The CloudTrail set-up of an account as a whole.",
    "aws.mwaa.environment": "An Amazon MWAA environment.",
}
