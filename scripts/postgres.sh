#!/usr/bin/env bash
# Makes a local PostgreSQL 15 ready for the tests, idempotently: installs it if missing, starts
# the cluster, and creates the `dailyx` role (allowed to create the per-test databases) and the
# `dailyx_test` database. Prints nothing but progress; the URL is in scripts/lib.sh.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "==> installing PostgreSQL"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql
fi

version=$(pg_lsclusters -h | awk 'NR==1 {print $1}')
cluster=$(pg_lsclusters -h | awk 'NR==1 {print $2}')
if [ -z "$version" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -1)
  cluster=main
  $SUDO pg_createcluster "$version" "$cluster"
fi
if ! pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1==v && $2==c {print $4}' | grep -q online; then
  echo "==> starting PostgreSQL $version/$cluster"
  $SUDO pg_ctlcluster "$version" "$cluster" start
fi

psql_admin() { (cd / && as_postgres psql -v ON_ERROR_STOP=1 -qtA "$@"); }
for _ in $(seq 1 50); do psql_admin -c 'select 1' >/dev/null 2>&1 && break; sleep 0.2; done
if [ "$(psql_admin -c "select 1 from pg_roles where rolname = 'dailyx'")" != "1" ]; then
  psql_admin -c "create role dailyx login createdb password 'dailyx'"
fi
if [ "$(psql_admin -c "select 1 from pg_database where datname = 'dailyx_test'")" != "1" ]; then
  psql_admin -c "create database dailyx_test owner dailyx"
fi
