#!/bin/sh
# The entrypoint of the Redis image that scripts/build/images builds from Debian's redis-server,
# honouring the part of the official image's contract that Argo CD's install.yaml relies on
# (scripts/build/images.md): options alone (`--save '' --requirepass x`) go to redis-server; with no
# configuration file named, protected mode is off, as the official image builds redis-server; started
# as root, /data goes to the redis user (uid 999) and the server runs as it.
#
# Usage: docker-entrypoint.sh redis-server [CONFIG_FILE] [OPTION...]   (or only OPTIONs or a
# CONFIG_FILE ending in .conf; any other command is run as is)
set -o errexit -o nounset

case ${1:-} in
  -* | *.conf) set -- redis-server "$@" ;;
esac

if [ "${1:-}" = redis-server ]; then
  shift
  # The official image's redis-server defaults to protected mode off (its Dockerfile patches it); a
  # configuration file, or a later option, still decides.
  case ${1:-} in
    -* | '') set -- redis-server --protected-mode no "$@" ;;
    *) set -- redis-server "$@" ;;
  esac
  if [ "$(id -u)" = 0 ]; then
    find . \! -user redis -exec chown redis '{}' +
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi

exec "$@"
