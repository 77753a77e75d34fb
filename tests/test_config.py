"""Settings from WATERWHEEL_* variables."""

import pytest

from waterwheel.config import ConfigError, Settings


def test_defaults_are_the_originals():
    settings = Settings.from_env({})
    assert settings.amqp_addr == "amqp://127.0.0.1:5672/%2f"
    assert settings.server_addr == "http://127.0.0.1:8080/"
    assert (settings.max_tasks, settings.task_engine) == (8, "docker")
    assert (settings.requeue_interval, settings.task_heartbeat) == (300, 60)
    assert settings.default_task_timeout == 4 * 3600
    assert settings.db_url.startswith("sqlite:///")


def test_variables_are_parsed_by_kind():
    settings = Settings.from_env(
        {
            "WATERWHEEL_MAX_TASKS": "3",
            "WATERWHEEL_NO_AUTHZ": "true",
            "WATERWHEEL_TASK_HEARTBEAT": "1m 30s",
            "WATERWHEEL_WORKER_QUEUES": "gpu, default",
        }
    )
    assert settings.max_tasks == 3
    assert settings.no_authz is True
    assert settings.task_heartbeat == 90
    assert settings.worker_queues == ("gpu", "default")


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("WATERWHEEL_MAX_TASKS", "many", "invalid literal"),
        ("WATERWHEEL_JSON_LOG", "maybe", "expected true or false"),
        ("WATERWHEEL_REQUEUE_INTERVAL", "5", "time unit needed"),
    ],
)
def test_bad_values_name_the_variable(name, value, reason):
    with pytest.raises(ConfigError, match=f"{name}: .*{reason}"):
        Settings.from_env({name: value})


def test_to_env_round_trips():
    settings = Settings(hmac_secret="s", task_heartbeat=2, worker_queues=("a", "b"), json_log=True)
    assert Settings.from_env(settings.to_env()) == settings
