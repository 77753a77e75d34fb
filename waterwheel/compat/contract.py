"""What the translator, the runner and the scheduler agree on.

* Runner tasks carry ``skip_exit_code`` = SKIP_EXIT_CODE: the runner exits
  with it when the Airflow task is skipped.
* Runner tasks carry ``fail_exit_code`` = FAIL_EXIT_CODE: the runner exits
  with it when the Airflow task fails without retry (AirflowFailException,
  AirflowSensorTimeout), and the scheduler schedules no retry.
* Runner tasks carry ``project_stash_write`` = [stash.VARIABLE_PREFIX]: their
  Variable.set writes the project stash under it, and nothing else there.
* A branch task writes its decision to the job stash key
  ``stashkeys.DECISION_PREFIX + <task name>`` of its trigger time, then exits 0.
* A manual trigger stores its conf (a JSON object, ``{}`` when none was
  given) under the job stash key ``stashkeys.CONF_KEY`` of the new trigger
  time; the runner reads the run as manual when that key exists.
* The translator passes the flavour, the timing (schedule.py) and the DAG
  folder to the runner in its task's environment.
"""

SKIP_EXIT_CODE = 99
FAIL_EXIT_CODE = 98
ENV_VERSION = "WATERWHEEL_AIRFLOW_VERSION"
ENV_TIMING = "WATERWHEEL_AIRFLOW_TIMING"
ENV_DAGS_FOLDER = "AIRFLOW__CORE__DAGS_FOLDER"
