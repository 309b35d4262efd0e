resource "aws_rds_cluster" "reports" {
  cluster_identifier = "reports"
  engine             = "aurora-postgresql"
  # ruleid: AG506
  storage_encrypted = false
}

resource "aws_rds_cluster" "orders" {
  cluster_identifier = "orders"
  engine             = "aurora-postgresql"
  # ok: AG506
  storage_encrypted = true
}
