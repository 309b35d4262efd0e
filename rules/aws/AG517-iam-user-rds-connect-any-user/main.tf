# Users allowed rds-db:connect: as any database user (an inline policy, and a managed policy of this stack
# attached to the user) and as one named user.
resource "aws_iam_user" "etl" {
  name = "legacy-etl"
}

resource "aws_iam_user_policy" "connect_any" {
  name = "rds-connect-any"
  user = aws_iam_user.etl.name
  # ruleid: AG517
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "rds-db:connect", Resource = "arn:aws:rds-db:eu-west-1:123456789012:dbuser:*/*" }] })
}

resource "aws_iam_policy" "connect_wildcard" {
  name = "rds-connect-wildcard"
  # ruleid: AG517
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "rds-db:*", Resource = "*" }] })
}

resource "aws_iam_user" "analyst" {
  name = "analyst"
}

resource "aws_iam_user_policy_attachment" "analyst_wildcard" {
  user       = aws_iam_user.analyst.name
  policy_arn = aws_iam_policy.connect_wildcard.arn
}

resource "aws_iam_user" "reports" {
  name = "reports"
}

resource "aws_iam_user_policy" "connect_one" {
  name = "rds-connect-one"
  user = aws_iam_user.reports.name
  # ok: AG517
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "rds-db:connect", Resource = "arn:aws:rds-db:eu-west-1:123456789012:dbuser:cluster-ABC/reports" }] })
}
