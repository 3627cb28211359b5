#!/usr/bin/env bash
# The test command: lint, type-check, and the whole test suite (SQLite, PostgreSQL, browser).
source "$(dirname "$0")/_venv.sh" all,test
ruff check src tests benchmarks scripts
ruff format --check src tests benchmarks scripts
mypy --strict src/
pytest -q "$@"
