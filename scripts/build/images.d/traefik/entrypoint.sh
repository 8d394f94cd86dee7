#!/bin/sh
# The entrypoint of the Traefik image that scripts/build/images builds, as the official image's: options
# alone (`--entryPoints.web.address=:8000`, the Helm chart's args) and Traefik's own subcommands
# (`version`, `healthcheck`) go to traefik; any other command runs as is.
set -o errexit

case ${1:-} in
  -*) set -- traefik "$@" ;;
esac

if [ -n "${1:-}" ] && [ "$1" != traefik ] && traefik "$1" --help >/dev/null 2>&1; then
  set -- traefik "$@"
fi

exec "$@"
