"""Helper module next to the DAG files; not a DAG file itself (no mention of the words)."""

GREETING = "hello from a helper"


def make_command(text: str) -> str:
    return f"echo {text}"
