echo "script for {{ ds }} by $GREETING ({{ dag.dag_id }})"
