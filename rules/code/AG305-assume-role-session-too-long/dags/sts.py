import boto3

sts = boto3.client("sts")
# ruleid: AG305
long_session = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/etl", RoleSessionName="etl", DurationSeconds=43200)
# ok: AG305
short_session = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/etl", RoleSessionName="etl", DurationSeconds=900)
