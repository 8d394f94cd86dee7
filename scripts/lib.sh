# shellcheck shell=bash
# Shared by the scripts in this folder: logging, failing, tool checks, and where the repository is.

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

# port_is_free PORT: true when nothing listens on 127.0.0.1:PORT.
port_is_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
