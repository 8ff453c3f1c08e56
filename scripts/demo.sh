#!/usr/bin/env bash
# Set up a fresh machine and run the switch with the demo call plan on the embedded SQLite database.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/ivr serve --demo "$@"
