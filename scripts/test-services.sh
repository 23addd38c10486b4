#!/usr/bin/env bash
# `make test-services`: the same pytest suite on real services. Installs PostgreSQL and Redis
# if absent, starts them and an SMTP sink (tests/mail.py) on free loopback ports, runs pytest
# with DATABASE_URL / REDIS_URL / EMAIL_URL pointing at them (tests/conftest.py starts a real
# Celery worker on pytest-django's test database), stops everything it started and returns
# pytest's status. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}

log() { echo "test-services: $*" >&2; }

# --- Install what is missing ----------------------------------------------------------------
postgres_bin() {
  # The newest installed server's binaries (Debian keeps them off PATH).
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

missing=()
[ -n "$(postgres_bin)" ] && [ -x "$(postgres_bin)/initdb" ] || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  bash scripts/apt-install.sh "${missing[@]}"
fi
PG_BIN=$(postgres_bin)

# --- A private directory for data, logs, sockets and the mail sink ------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tessera-services.XXXXXX")
chmod 755 "$WORK"  # the postgres user must reach its data directory inside it
mkdir -p "$WORK/mail" "$WORK/pids"

as_postgres() {
  # initdb and pg_ctl refuse to run as root.
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

SINK_PID=""
REDIS_CLI=()
PG_STARTED=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # When cancelled, whatever reads our output (tee, CI) may be gone already: a write must not
  # kill this script (SIGPIPE) before it has stopped the servers.
  trap '' PIPE
  # Celery workers the test session started (and did not get to stop) record their pids here.
  for pidfile in "$WORK"/pids/*.pid; do
    [ -f "$pidfile" ] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null || true
  if [ ${#REDIS_CLI[@]} -gt 0 ]; then
    "${REDIS_CLI[@]}" shutdown nosave >/dev/null 2>&1 || true
  fi
  if [ -n "$PG_STARTED" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$WORK/pg" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK/pg"
  if [ "$status" = 0 ]; then
    rm -rf "$WORK"
  else
    log "exit status $status; logs kept in $WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Output piped to a reader that was cancelled with us (tee): exit through the clean-up too.
trap 'exit 141' PIPE

read -r PG_PORT REDIS_PORT SMTP_PORT < <("$PYTHON" - <<'EOF'
import socket

# Hold all three sockets open while choosing, so the ports differ.
sockets = [socket.socket() for _ in range(3)]
for sock in sockets:
    sock.bind(("127.0.0.1", 0))
print(*(sock.getsockname()[1] for sock in sockets))
for sock in sockets:
    sock.close()
EOF
)

wait_for_port() {  # name port
  for _ in $(seq 1 100); do
    if "$PYTHON" -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 0.2)" \
      "$2" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  log "$1 did not start on port $2"
  return 1
}

# --- PostgreSQL: a throwaway cluster, password auth, durability off for speed --------------
PG_PASSWORD=$("$PYTHON" -c "import secrets; print(secrets.token_hex(16))")
mkdir "$WORK/pg" "$WORK/pg-log"
printf '%s\n' "$PG_PASSWORD" > "$WORK/pg.pw"
chmod 600 "$WORK/pg.pw"
if [ "$(id -u)" = 0 ]; then chown postgres: "$WORK/pg" "$WORK/pg-log" "$WORK/pg.pw"; fi
as_postgres "$PG_BIN/initdb" -D "$WORK/pg" -U tessera --pwfile="$WORK/pg.pw" \
  --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$WORK/initdb.log" 2>&1 \
  || { cat "$WORK/initdb.log" >&2; exit 1; }
PG_STARTED=1
as_postgres "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg-log/postgresql.log" -w -t 60 start -o \
  "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $WORK/pg -c fsync=off -c synchronous_commit=off \
   -c full_page_writes=off -c max_connections=200" >/dev/null
PGPASSWORD=$PG_PASSWORD "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U tessera tessera

# --- Redis: config in a file so a test can stop and restart the very same server ----------
cat > "$WORK/redis.conf" <<EOF
bind 127.0.0.1
port $REDIS_PORT
daemonize yes
pidfile $WORK/redis.pid
logfile $WORK/redis.log
dir $WORK
save ""
appendonly no
EOF
redis-server "$WORK/redis.conf"
REDIS_CLI=(redis-cli -h 127.0.0.1 -p "$REDIS_PORT")
wait_for_port redis "$REDIS_PORT"

# --- SMTP sink: every message accepted becomes one file in $WORK/mail ---------------------
"$PYTHON" -m tests.mail --port "$SMTP_PORT" --directory "$WORK/mail" >"$WORK/smtp-sink.log" 2>&1 &
SINK_PID=$!
wait_for_port smtp-sink "$SMTP_PORT"

export DATABASE_URL="postgres://tessera:$PG_PASSWORD@127.0.0.1:$PG_PORT/tessera"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export EMAIL_URL="smtp://127.0.0.1:$SMTP_PORT"
export TESSERA_MAIL_SINK_DIR="$WORK/mail"
export TESSERA_REDIS_CONF="$WORK/redis.conf"
export TESSERA_SERVICES_DIR="$WORK"
export TESSERA_OUTBOX_SWEEP_SECONDS=5
# Text messages to a file the tests read (tests/sms.py), from the worker and pytest alike.
export SMS_SENDER=file
export SMS_FILE_PATH="$WORK/sms.jsonl"
log "PostgreSQL :$PG_PORT, Redis :$REDIS_PORT, SMTP sink :$SMTP_PORT, work dir $WORK"

set +e
"$PYTHON" -m pytest -q -p no:randomly "$@"
status=$?
set -e
exit "$status"
