from airflow.operators.bash import BashOperator

# ruleid: AG303
dump = BashOperator(task_id="dump", bash_command="PGPASSWORD=hunter2-literal pg_dump -h db -U etl orders")
# ok: AG303
dump_ok = BashOperator(task_id="dump_ok", bash_command="pg_dump -h db -U etl orders")
