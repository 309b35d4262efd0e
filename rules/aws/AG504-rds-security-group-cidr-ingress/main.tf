# Security groups of an Aurora cluster: one admits the world, one an office range, one only another group.
resource "aws_rds_cluster" "orders" {
  cluster_identifier     = "orders"
  engine                 = "aurora-postgresql"
  vpc_security_group_ids = [aws_security_group.world.id, aws_security_group.office.id, aws_security_group.app_only.id]
}

resource "aws_security_group" "world" {
  name   = "db-world"
  vpc_id = "vpc-1"
  # ok: AG504
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "office" {
  name   = "db-office"
  vpc_id = "vpc-1"
  # ruleid: AG504
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["192.168.10.0/24"]
  }
}

resource "aws_security_group" "app_only" {
  name   = "db-app-only"
  vpc_id = "vpc-1"
  # ok: AG504
  ingress {
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = ["sg-0123456789abcdef0"]
  }
}
