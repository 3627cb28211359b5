#!/usr/bin/env bash
# Refresh the lock files that scripts/_venv.sh, .ci/run and the README's commands install from.
# User installs from PyPI keep the ranges in pyproject.toml; the locks pin what we test.
#   scripts/lock.sh            re-resolve within the current pins (keeps versions where possible)
#   scripts/lock.sh --upgrade  take the newest versions the ranges allow
set -euo pipefail
cd "$(dirname "$0")/.."
command -v uv >/dev/null 2>&1 || python3 -m pip install -q uv
args=(--python-version 3.11 --quiet --no-header --annotation-style line --excludes requirements/excludes.txt)
[ "${1:-}" = "--upgrade" ] && args+=(--upgrade)
# The test lock is the superset; the serve lock is constrained by it so the two never disagree.
uv pip compile pyproject.toml --extra all --extra test "${args[@]}" -o requirements/test.lock
uv pip compile pyproject.toml --extra all -c requirements/test.lock "${args[@]}" -o requirements/serve.lock
echo "locked: $(grep -c '==' requirements/test.lock) packages for tests, $(grep -c '==' requirements/serve.lock) for serve"
