# Sourced by scripts/*.sh: create .venv if needed and install empreinte with the given extras.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
stamp=".venv/.installed-$1-$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  python -m pip install -q --upgrade pip
  python -m pip install -q -e ".[$1]"
  case "$1" in
    *test*) python -m pip install -q "torch==2.13.0" || echo "warning: torch (CPU) not installed; torch tests will skip" ;;
  esac
  touch "$stamp"
fi
