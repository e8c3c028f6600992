#!/usr/bin/env bash
# A throwaway PostgreSQL 15 to rehearse against: TLS with a self-signed certificate made by
# openssl, a non-superuser application role owning the target database, a free loopback port.
#
#   eval "$(scripts/throwaway-postgres.sh start)"   # exports EVPACK_TARGET and PGPASSWORD
#   evpack rehearse snapshots/demo-local.json --target "$EVPACK_TARGET"
#   scripts/throwaway-postgres.sh stop
#
# The folder is $EVPACK_PG_DIR (default /tmp/evpack-throwaway-postgres); stop removes it.
set -euo pipefail

dir=${EVPACK_PG_DIR:-/tmp/evpack-throwaway-postgres}
bin=/usr/lib/postgresql/15/bin
as_postgres=()
[ "$(id -u)" -eq 0 ] && as_postgres=(runuser -u postgres --)

case "${1:-}" in
  start)
    if [ ! -x "$bin/initdb" ]; then
      echo "throwaway-postgres: PostgreSQL 15 is missing; install Debian's postgresql (make test's set-up does)" >&2
      exit 1
    fi
    if [ -d "$dir" ]; then "$0" stop >/dev/null 2>&1 || true; fi
    mkdir -p "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/server.key" -out "$dir/server.crt" -days 7 \
      -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 >/dev/null 2>&1
    chmod 600 "$dir/server.key"
    [ "$(id -u)" -eq 0 ] && chown -R postgres "$dir"
    "${as_postgres[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >/dev/null
    printf 'local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n' | "${as_postgres[@]}" tee "$dir/data/pg_hba.conf" >/dev/null
    "${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w start \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key" >/dev/null
    psql=("${as_postgres[@]}" "$bin/psql" -X -q -h "$dir" -p "$port" -U postgres -v ON_ERROR_STOP=1)
    "${psql[@]}" -c "create role evpack_app login password '$password'"
    "${psql[@]}" -c "create database evpack_target owner evpack_app"
    echo "$port" > "$dir/port"
    echo "export EVPACK_TARGET='postgres://evpack_app@127.0.0.1:$port/evpack_target'"
    echo "export PGPASSWORD='$password'"
    echo "throwaway-postgres: PostgreSQL 15 with TLS on 127.0.0.1:$port (certificate $dir/server.crt); stop it with $0 stop" >&2
    ;;
  stop)
    if [ -d "$dir/data" ]; then "${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true; fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
