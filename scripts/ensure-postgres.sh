#!/usr/bin/env bash
# Reach a PostgreSQL server on 127.0.0.1 (start the local cluster, or install one), create the test database,
# and print its SQLAlchemy URL. Honours an existing CONTESTAPP_TEST_DATABASE_URL.
set -euo pipefail
if [ -n "${CONTESTAPP_TEST_DATABASE_URL:-}" ]; then
  echo "$CONTESTAPP_TEST_DATABASE_URL"; exit 0
fi
DB=${CONTESTAPP_TEST_DB_NAME:-contestapp_test}
PGUSER_=${PGUSER:-postgres}
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
if ! ready; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "Installing PostgreSQL" >&2
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  $sudo pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
  for _ in $(seq 1 30); do ready && break; sleep 1; done
  ready || { echo "PostgreSQL did not start" >&2; exit 1; }
fi
psql_() {
  if psql -h 127.0.0.1 -U "$PGUSER_" -d postgres -tAc "SELECT 1" >/dev/null 2>&1; then
    psql -h 127.0.0.1 -U "$PGUSER_" -d postgres "$@"
  else  # peer authentication only: go through the postgres system user
    $sudo -u postgres psql -d postgres "$@"
  fi
}
if ! psql -h 127.0.0.1 -U "$PGUSER_" -d postgres -tAc "SELECT 1" >/dev/null 2>&1; then
  # a fresh Debian cluster asks for passwords on TCP: give the postgres role one for the tests
  $sudo -u postgres psql -q -c "ALTER USER postgres PASSWORD 'postgres'" >&2
  export PGPASSWORD=postgres
  AUTH="postgres:postgres"
else
  AUTH="$PGUSER_"
fi
exists=$(psql_ -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" 2>/dev/null || true)
[ "$exists" = 1 ] || psql_ -q -c "CREATE DATABASE $DB" >&2
echo "postgresql+psycopg://$AUTH@127.0.0.1:5432/$DB"
