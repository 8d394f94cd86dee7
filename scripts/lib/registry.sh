# shellcheck shell=bash
# The local OCI registry that images built on this machine are pushed to and a cluster on it pulls
# from: Debian's docker-registry (distribution 2.8) on 127.0.0.1:5001, the address scripts/ship
# pushes to, its storage in the cache. It runs in its own process group, like the local stack's
# processes, and outlives the script that started it until stop_registry. Also: where an upstream
# image name lives in it (registry_name), and which images a kustomization names (rendered_images,
# service_image). Source scripts/lib/common.sh first.

REGISTRY_ADDRESS=127.0.0.1:5001
REGISTRY_DIR="$CACHE_DIR/registry"
# shellcheck disable=SC2034 # read by the scripts that start the registry
REGISTRY_STARTED=false

# registry_is_running: true while a registry answers on REGISTRY_ADDRESS (ours, or k3d's).
registry_is_running() {
  curl --silent --fail --output /dev/null --max-time 2 "http://$REGISTRY_ADDRESS/v2/"
}

# start_registry: starts the registry unless one answers already; REGISTRY_STARTED says whether this
# call started it (a script stops only what it started).
start_registry() {
  REGISTRY_STARTED=false
  if registry_is_running; then
    log "the registry on $REGISTRY_ADDRESS is running"
    return
  fi
  port_is_free "${REGISTRY_ADDRESS##*:}" ||
    die "$REGISTRY_ADDRESS is taken by something that is not a registry: $(ss -ltnp "sport = :${REGISTRY_ADDRESS##*:}" | tail -n +2)"
  apt_install docker-registry
  # The process helpers keep the registry's pid and log here.
  local PROCESS_DIR=$REGISTRY_DIR
  mkdir -p "$REGISTRY_DIR/storage"
  write_registry_config "$REGISTRY_DIR/config.yml"
  step "starting the registry on $REGISTRY_ADDRESS (storage: $REGISTRY_DIR/storage)" "$(process_log registry)"
  rm -f "$REGISTRY_DIR/started"
  start_process registry docker-registry serve "$REGISTRY_DIR/config.yml"
  wait_for_http registry "http://$REGISTRY_ADDRESS/v2/" 30 registry
  # shellcheck disable=SC2034
  REGISTRY_STARTED=true
}

# stop_registry: stops the registry this machine's scripts started (not one that k3d runs).
stop_registry() {
  # shellcheck disable=SC2034 # the process helpers read it
  local PROCESS_DIR=$REGISTRY_DIR
  process_running registry || return 0
  log "stopping the registry on $REGISTRY_ADDRESS"
  stop_process registry
}

# write_registry_config FILE: no authentication, on loopback only; deleting tags and manifests is
# allowed so that a harness can remove what it pushed.
write_registry_config() {
  cat >"$1" <<CONFIG
version: 0.1
log:
  level: info
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR/storage
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDRESS
  headers:
    X-Content-Type-Options: [nosniff]
CONFIG
}

# registry_name IMAGE: where IMAGE (an upstream name such as quay.io/keycloak/keycloak:26.7.3 or
# postgres:17.6-bookworm) lives in the local registry: its repository path without the registry
# host, Docker Hub's "library/" included, so that a containerd mirror for that host finds it.
registry_name() {
  local image=$1 first=${1%%/*}
  if [[ "$image" != */* ]]; then
    image=library/$image
  elif [[ "$first" == *.* || "$first" == *:* || "$first" == localhost ]]; then
    image=${image#*/}
    [[ "$first" != docker.io || "$image" == */* ]] || image=library/$image
  fi
  echo "$REGISTRY_ADDRESS/$image"
}

# rendered_images KUSTOMIZATION_DIR: every image the rendered tree names, once each.
rendered_images() {
  kubectl kustomize "$1" | sed -n 's/^ *image: *//p' | sort -u
}

# service_image: the service's image as gitops/oauth2-demo/overlays/local names it.
service_image() {
  local image
  image=$(rendered_images "$REPO_ROOT/gitops/oauth2-demo/overlays/local" | grep '/oauth2-demo-service:')
  [[ -n "$image" && "$image" != *$'\n'* ]] || die "gitops/oauth2-demo/overlays/local names no single oauth2-demo-service image"
  echo "$image"
}
