resource "aws_iam_role" "etl" {
  name               = "etl"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [] })
  # ruleid: AG507
  max_session_duration = 43200
}

resource "aws_iam_role" "reports" {
  name               = "reports"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [] })
  # ok: AG507
  max_session_duration = 3600
}
