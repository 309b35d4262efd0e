resource "aws_rds_cluster" "reports" {
  cluster_identifier = "reports"
  engine             = "aurora-postgresql"
  # ruleid: AG501
  iam_database_authentication_enabled = false
}

resource "aws_rds_cluster" "orders" {
  cluster_identifier = "orders"
  engine             = "aurora-postgresql"
  # ok: AG501
  iam_database_authentication_enabled = true
}
