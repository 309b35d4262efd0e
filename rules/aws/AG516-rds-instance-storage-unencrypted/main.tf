resource "aws_db_instance" "reports" {
  identifier     = "reports"
  engine         = "postgres"
  instance_class = "db.t3.medium"
  # ruleid: AG516
  storage_encrypted = false
}

resource "aws_db_instance" "orders" {
  identifier     = "orders"
  engine         = "postgres"
  instance_class = "db.t3.medium"
  # ok: AG516
  storage_encrypted = true
}
