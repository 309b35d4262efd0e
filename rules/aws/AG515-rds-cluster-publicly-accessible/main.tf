resource "aws_rds_cluster" "reports" {
  cluster_identifier = "reports"
  engine             = "mysql"
  # ruleid: AG515
  publicly_accessible = true
}

resource "aws_rds_cluster" "orders" {
  cluster_identifier = "orders"
  engine             = "mysql"
  # ok: AG515
  publicly_accessible = false
}
