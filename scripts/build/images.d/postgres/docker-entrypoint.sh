#!/bin/bash
# The entrypoint of the PostgreSQL image that scripts/build/images builds from Debian's server
# package, honouring the part of the official image's contract that our StatefulSet relies on
# (scripts/build/images.md): POSTGRES_USER (default postgres), POSTGRES_PASSWORD (required, unless
# POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_DB (default: the user's name), POSTGRES_INITDB_ARGS,
# POSTGRES_HOST_AUTH_METHOD (default scram-sha-256) and PGDATA. An empty PGDATA is initialised, then
# the server runs, listening on every address (port 5432, or PGPORT).
#
# Usage: docker-entrypoint.sh postgres [OPTION...]   (or only OPTIONs; any other command is run as is)
# As root it prepares PGDATA and the socket directory for the postgres user (uid 999) and runs as that
# user; as any user with a passwd entry (the Pod's runAsUser 999) it runs as itself.
set -o errexit -o nounset -o pipefail

export PGDATA=${PGDATA:-/var/lib/postgresql/data}
SOCKET_DIR=/var/run/postgresql

log() { echo "entrypoint: $*" >&2; }

# As root: PGDATA and the socket directory belong to postgres, then this script runs again as it.
drop_root() {
  mkdir -p "$PGDATA" "$SOCKET_DIR"
  chmod 00700 "$PGDATA"
  chmod 03775 "$SOCKET_DIR"
  # Only what is not postgres's already: a large PGDATA is not walked on every start.
  find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
  chown postgres:postgres "$SOCKET_DIR"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
}

# An empty PGDATA becomes a cluster whose superuser is POSTGRES_USER with POSTGRES_PASSWORD, that
# admits every other host by that password, with POSTGRES_DB created.
initialise() {
  local user=${POSTGRES_USER:-postgres} auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
  local database=${POSTGRES_DB:-${POSTGRES_USER:-postgres}}
  if [[ -z "${POSTGRES_PASSWORD:-}" && "$auth" != trust ]]; then
    log "PGDATA ($PGDATA) is empty and POSTGRES_PASSWORD is not set: set it (or POSTGRES_HOST_AUTH_METHOD=trust)"
    exit 1
  fi
  log "initialising $PGDATA for $user, database $database"
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS holds several arguments, as in the official image
  initdb --username="$user" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD:-}") \
    --encoding=UTF8 --locale=C.UTF-8 ${POSTGRES_INITDB_ARGS:-}
  printf '\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"
  if [[ "$database" != postgres ]]; then
    # Single-user mode: no server, no socket, no port during the initialisation.
    postgres --single -D "$PGDATA" postgres >/dev/null <<<"CREATE DATABASE \"${database//\"/\"\"}\""
  fi
  log "initialised"
}

# Kubernetes stops a container with the image's stop signal; the official image's is SIGINT
# (PostgreSQL's fast shutdown: it ends the sessions, where SIGTERM waits for every client to leave).
# crane cannot set an image's stop signal, so this shell turns SIGTERM into SIGINT.
run_server() {
  "$@" &
  local server=$! status=0
  trap 'kill -INT "$server" 2>/dev/null || true' TERM INT
  trap 'kill -QUIT "$server" 2>/dev/null || true' QUIT
  # A signal ends `wait` early; the server's own exit status is the last wait's.
  while kill -0 "$server" 2>/dev/null; do
    wait "$server" || true
  done
  wait "$server" || status=$?
  exit "$status"
}

main() {
  if [[ "${1:-}" == -* ]]; then
    set -- postgres "$@"
  fi
  if [[ "${1:-}" != postgres ]]; then
    exec "$@"
  fi
  if ((EUID == 0)); then
    drop_root "$@"
  fi
  mkdir -p "$PGDATA"
  chmod 00700 "$PGDATA" 2>/dev/null || true
  if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
    initialise
  fi
  run_server "$@"
}

main "$@"
