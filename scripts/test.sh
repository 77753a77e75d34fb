#!/bin/sh
# The test command: installs Waterwheel with its test dependencies, starts the
# services the tests use, checks the code with ruff, then runs pytest.
# Arguments go to pytest (e.g. scripts/test.sh -k scheduler).
set -eu
cd "$(dirname "$0")/.."
python3 -m pip install -q -e '.[test]'
scripts/services.sh
python3 -m ruff check .
python3 -m ruff format --check .
exec python3 -m pytest "$@"
