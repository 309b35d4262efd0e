# ok: AG401
"""A DAG file that imports: no finding anywhere in it (a marker on line 1 marks the whole-file line)."""

from datetime import datetime

from airflow.sdk import DAG

with DAG("imports_fine", start_date=datetime(2024, 1, 1), schedule=None):
    settings = {"retries": 1}
    # ok: AG401
    retries = settings["retries"]
