resource "aws_db_instance" "reports" {
  identifier     = "reports"
  engine         = "postgres"
  instance_class = "db.t3.medium"
  # ruleid: AG502
  publicly_accessible = true
}

resource "aws_db_instance" "orders" {
  identifier     = "orders"
  engine         = "postgres"
  instance_class = "db.t3.medium"
  # ok: AG502
  publicly_accessible = false
}
