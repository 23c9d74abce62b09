#!/usr/bin/env bash
# Installs (if needed) and starts Debian's PostgreSQL on loopback, with a role that may create the
# databases the tests make. Prints the URL for WAIVER_TEST_DATABASE_URL on its last line.
set -euo pipefail

if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /usr/lib/postgresql/*/bin/postgres 2>/dev/null)" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | grep -q "^$version main"; then
  pg_createcluster "$version" main >&2
fi
pg_ctlcluster "$version" main start >&2 || true
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p 5432 >&2

su postgres -c "psql -q -v ON_ERROR_STOP=1" >&2 <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'waiver_ci') THEN
    CREATE ROLE waiver_ci LOGIN CREATEDB PASSWORD 'waiver_ci';
  END IF;
END $$;
SQL
su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'waiver_ci'\"" | grep -q 1 ||
  su postgres -c "createdb -O waiver_ci waiver_ci" >&2
echo "postgres://waiver_ci:waiver_ci@127.0.0.1:5432/waiver_ci"
