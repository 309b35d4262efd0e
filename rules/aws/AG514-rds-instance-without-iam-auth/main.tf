resource "aws_db_instance" "reports" {
  identifier     = "reports"
  engine         = "postgres"
  instance_class = "db.t3.medium"
  # ruleid: AG514
  iam_database_authentication_enabled = false
}

resource "aws_db_instance" "orders" {
  identifier     = "orders"
  engine         = "postgres"
  instance_class = "db.t3.medium"
  # ok: AG514
  iam_database_authentication_enabled = true
}
