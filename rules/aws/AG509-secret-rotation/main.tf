# Secrets Manager secrets in Terraform: one without rotation, one rotated every 30 days.
# ruleid: AG509
resource "aws_secretsmanager_secret" "db" {
  name = "orders/db"
}

# ok: AG509
resource "aws_secretsmanager_secret" "rotated" {
  name = "orders/rotated"
}

resource "aws_secretsmanager_secret_rotation" "rotated" {
  secret_id           = aws_secretsmanager_secret.rotated.id
  rotation_lambda_arn = "arn:aws:lambda:eu-west-1:123456789012:function:rotate"
  rotation_rules {
    automatically_after_days = 30
  }
}
