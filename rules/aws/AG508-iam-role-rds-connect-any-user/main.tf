# Roles allowed rds-db:connect: as any database user (a wildcard user) and as one named user.
resource "aws_iam_role" "worker" {
  name               = "airflow-worker"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [] })
}

resource "aws_iam_role_policy" "connect_any" {
  name = "rds-connect-any"
  role = aws_iam_role.worker.id
  # ruleid: AG508
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "rds-db:connect", Resource = "arn:aws:rds-db:eu-west-1:123456789012:dbuser:*/*" }] })
}

resource "aws_iam_role" "reports" {
  name               = "reports"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [] })
}

resource "aws_iam_role_policy" "connect_one" {
  name = "rds-connect-one"
  role = aws_iam_role.reports.id
  # ok: AG508
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "rds-db:connect", Resource = "arn:aws:rds-db:eu-west-1:123456789012:dbuser:cluster-ABC/reports" }] })
}
