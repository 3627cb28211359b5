# Sourced by scripts/*.sh: create .venv if needed and install the locked versions (requirements/*.lock)
# with uv, then empreinte itself in editable mode. Says what it does; does nothing when up to date.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
case "$1" in
  *test*) lock=requirements/test.lock ;;
  *) lock=requirements/serve.lock ;;
esac
say() { printf 'empreinte setup: %s\n' "$*" >&2; }
# pip warns about this machine's local index folders for every package: keep its real messages only.
quiet_pip() { python -m pip "$@" --disable-pip-version-check -q 2>&1 | { grep -v '^WARNING: Location' || true; } >&2; return "${PIPESTATUS[0]}"; }
if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $("$PY" --version 2>&1)"
  "$PY" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
stamp=".venv/.installed-$(cat pyproject.toml "$lock" | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  t0=$SECONDS
  if [ ! -x .venv/bin/uv ]; then
    say "installing the uv installer into .venv"
    quiet_pip install uv
  fi
  case "$1" in
    *test*)
      # A CPU build of torch for the integration tests; pip, not uv, sees the machine's local wheel.
      # Installed first: the lock leaves torch out (requirements/excludes.txt), and its packages
      # that need torch (lightning, accelerate) are installed without resolving it again.
      if ! python -c 'import torch' 2>/dev/null; then
        say "installing torch (CPU) with pip"
        quiet_pip install "torch==2.13.0" \
          || say "warning: torch (CPU) not installed; torch tests will skip"
      fi ;;
  esac
  say "installing $(grep -c '==' "$lock") locked packages from $lock"
  uv pip install --quiet --no-deps -r "$lock"
  uv pip install --quiet --no-deps -e .
  touch "$stamp"
  say "ready in $((SECONDS - t0)) s"
fi
