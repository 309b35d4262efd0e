"""A DAG whose tasks depend on each other in a circle, and one whose tasks run in a line."""

from datetime import datetime

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

# ruleid: AG402
with DAG("circular", start_date=datetime(2024, 1, 1), schedule=None):
    first = EmptyOperator(task_id="first")
    second = EmptyOperator(task_id="second")
    first >> second >> first
