"""A DAG whose tasks run one after the other: no cycle."""

from datetime import datetime

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

# ok: AG402
with DAG("in_a_line", start_date=datetime(2024, 1, 1), schedule=None):
    first = EmptyOperator(task_id="first")
    second = EmptyOperator(task_id="second")
    first >> second
