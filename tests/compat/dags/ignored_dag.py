"""Listed in .airflowignore: never imported (it would fail)."""

raise RuntimeError("this DAG file must be ignored")
