"""A DAG file that raises when Airflow imports it: the finding is at the line the traceback names."""

from datetime import datetime

from airflow.sdk import DAG

with DAG("broken_import", start_date=datetime(2024, 1, 1), schedule=None):
    settings = {"retries": 1}
    # ruleid: AG401
    retries = settings["retry_count"]
