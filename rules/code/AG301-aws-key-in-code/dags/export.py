import boto3

s3 = boto3.client(
    "s3",
    # ruleid: AG301
    aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
    # ruleid: AG301
    aws_secret_access_key="wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY",
)
# ok: AG301
s3_role = boto3.client("s3")
