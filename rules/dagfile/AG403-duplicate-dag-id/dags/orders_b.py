"""A copy of orders_a.py that kept the same DAG id: Airflow ignores this file's DAG."""

from datetime import datetime

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

# ruleid: AG403
with DAG("orders_daily", start_date=datetime(2024, 1, 1), schedule="@hourly"):
    EmptyOperator(task_id="start")
