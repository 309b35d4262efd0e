# MWAA environments: one with its Airflow UI on the internet, one reachable only inside the VPC.
resource "aws_mwaa_environment" "public" {
  name               = "public"
  execution_role_arn = "arn:aws:iam::123456789012:role/mwaa"
  source_bucket_arn  = "arn:aws:s3:::dags"
  dag_s3_path        = "dags/"
  # ruleid: AG511
  webserver_access_mode = "PUBLIC_ONLY"
  network_configuration {
    security_group_ids = ["sg-0123456789abcdef0"]
    subnet_ids         = ["subnet-0aaa", "subnet-0bbb"]
  }
}

resource "aws_mwaa_environment" "private" {
  name               = "private"
  execution_role_arn = "arn:aws:iam::123456789012:role/mwaa"
  source_bucket_arn  = "arn:aws:s3:::dags"
  dag_s3_path        = "dags/"
  # ok: AG511
  webserver_access_mode = "PRIVATE_ONLY"
  network_configuration {
    security_group_ids = ["sg-0123456789abcdef0"]
    subnet_ids         = ["subnet-0aaa", "subnet-0bbb"]
  }
}
