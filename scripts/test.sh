#!/usr/bin/env bash
# Set up a fresh machine and run every check: lint, types, and the test suite on SQLite and PostgreSQL.
# Extra arguments go to pytest (for example: scripts/test.sh tests/agi -x).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
scripts/ensure-postgres.sh
.venv/bin/ruff check ivr tests bench
.venv/bin/ruff format --check ivr tests bench
.venv/bin/mypy
.venv/bin/pytest "$@"
