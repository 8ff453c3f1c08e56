#!/usr/bin/env bash
# The test suite runs against PostgreSQL as well as SQLite: start the local cluster if it is down.
set -euo pipefail
host=${IVR_TEST_PG_HOST:-127.0.0.1}
port=${IVR_TEST_PG_PORT:-5432}
ready() { pg_isready -q -h "$host" -p "$port" 2>/dev/null; }
ready && exit 0
if command -v pg_ctlcluster >/dev/null && [[ -d /etc/postgresql ]]; then
  echo "ensure-postgres: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
fi
for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
echo "ensure-postgres: PostgreSQL is not reachable on $host:$port" >&2
exit 1
