# shellcheck shell=bash
# Shared by the scripts in this folder: logging, failing, tool checks, and where the repository is.

# A failing command inside $(...) fails the script too.
shopt -s inherit_errexit

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export REPO_ROOT

log() { echo "INFO - $*" >&2; }
warn() { echo "WARN - $*" >&2; }
die() {
  echo "ERROR - $*" >&2
  exit 1
}

# require_cmd NAME HOW_TO_GET_IT
require_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed: $2"
}

# Points JAVA_HOME at a JDK new enough for the build (see scripts/find-jdk).
use_jdk() {
  JAVA_HOME=$("$REPO_ROOT/scripts/find-jdk" 21) || exit 1
  export JAVA_HOME
  PATH="$JAVA_HOME/bin:$PATH"
}

# random_secret BYTES: that many random bytes, base64url without padding.
random_secret() {
  head -c "$1" /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'
}

# wait_for_http NAME URL SECONDS LOG: polls URL until it answers 2xx, printing progress; on timeout
# prints the end of LOG and fails.
wait_for_http() {
  local name=$1 url=$2 seconds=$3 log_file=$4 started=$SECONDS
  while ! curl --silent --fail --output /dev/null --max-time 2 "$url"; do
    if ((SECONDS - started >= seconds)); then
      echo >&2
      warn "$name not ready after $seconds s; last lines of $log_file:"
      tail -n 40 "$log_file" >&2 || true
      return 1
    fi
    if (((SECONDS - started) % 5 == 0)); then
      printf '.' >&2
    fi
    sleep 1
  done
  log "$name ready after $((SECONDS - started)) s"
}

# port_is_free PORT: true when nothing listens on 127.0.0.1:PORT.
port_is_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Builds, downloads, generated secrets and the local git remote live here, outside the work tree.
CACHE_DIR=${OAUTH2_DEMO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/oauth2-demo}
export CACHE_DIR

# Used by the scripts that source this file.
# shellcheck disable=SC2034
CLUSTER_NAME=oauth2-demo
# The git remote that scripts/cluster-up serves to the cluster, and its name in your clone.
# shellcheck disable=SC2034
CLUSTER_REMOTE=cluster
GIT_DAEMON_PORT=${GIT_DAEMON_PORT:-9418}
# scripts/ship pushes here; Pods pull the same registry as REGISTRY_IN_CLUSTER (scripts/k3d/cluster.yaml).
# shellcheck disable=SC2034
REGISTRY_ON_HOST=127.0.0.1:5001
# shellcheck disable=SC2034
REGISTRY_IN_CLUSTER=k3d-registry.oauth2-demo.localhost:5001
