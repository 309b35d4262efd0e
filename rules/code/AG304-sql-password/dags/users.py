from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

# ruleid: AG304
make_user = SQLExecuteQueryOperator(task_id="mk_user", sql="CREATE USER etl WITH PASSWORD 'hunter22-literal'")
# ok: AG304
grant = SQLExecuteQueryOperator(task_id="grant", sql="GRANT SELECT ON orders TO etl")
