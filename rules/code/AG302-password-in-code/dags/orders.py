import os

# ruleid: AG302
DB_PASSWORD = "s3cr3t-in-git-42"
# ok: AG302
DB_PASSWORD_FROM_ENV = os.environ["DB_PASSWORD"]
