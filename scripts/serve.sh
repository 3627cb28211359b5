#!/usr/bin/env bash
# The main job: the observatory on an SQLite file in the user data dir, migrated and seeded on first start.
source "$(dirname "$0")/_venv.sh" all
exec empreinte serve "$@"
