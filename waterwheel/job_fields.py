"""The job document's fields, in the order the stored definition keeps them
(the original's field order).

Outside ``waterwheel.jobdoc``, whose package imports jsonschema and PyYAML:
the Airflow translation writes its triggers in this order too, and it also
runs in the compat runner's image, which has neither.
"""

JOB_KEYS = ("uuid", "project", "name", "description", "paused", "triggers", "tasks")
TRIGGER_KEYS = ("name", "start", "end", "period", "cron", "offset", "catchup")
TASK_KEYS = (
    "name",
    "docker",
    "depends",
    "depends_failure",
    "threshold",
    "retry",
    "timeout",
    "queue",
    "trigger_rule",
    "skip_exit_code",
    "fail_exit_code",
    "project_stash_write",
)
DOCKER_KEYS = ("image", "args", "env", "command")
RETRY_KEYS = ("max_attempts", "delay", "backoff", "max_delay")
