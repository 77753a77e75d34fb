"""Job-stash keys with a meaning to Waterwheel itself: what a task and the
scheduler tell each other through the stash of a trigger time. Free of
dependencies, as the Airflow runner imports it inside task images."""

# A branching task writes ``{"followed": [task names]}``, or a short-circuit
# ``{"skip_downstream": "all" | "direct"}``, under ``_decision.<task name>``
# before it exits 0; the scheduler skips the tasks it did not follow.
DECISION_PREFIX = "_decision."
# A manual run keeps its conf (a JSON object) here, for its tasks to read.
CONF_KEY = "_conf"
