# shellcheck shell=bash
# The one library every script sources: where the repository and the cache are, logging, a usage
# text per command, named steps that say on failure which one failed and where its log is, long
# commands with a heartbeat, background processes in their own process groups, ports, and waiting
# for HTTP. Domain libraries beside it (local-stack.sh, kube-api.sh) build on it.

# A failing command inside $(...) fails the script too.
shopt -s inherit_errexit

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export REPO_ROOT

# Builds, downloads, run directories and generated secrets live here, outside the work tree.
CACHE_DIR=${OAUTH2_DEMO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/oauth2-demo}
export CACHE_DIR

log() { echo "INFO - $*" >&2; }
warn() { echo "WARN - $*" >&2; }
die() {
  echo "ERROR - $*" >&2
  exit 1
}

# --- usage ----------------------------------------------------------------------------------------

# The command's header comment (from its second line to the first line that is not a comment) is its
# one usage text: --help prints it and exits 0, bad usage prints it to stderr and exits 2.
usage() {
  awk 'NR == 1 { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' "$0"
}

BAD_USAGE=false
bad_usage() { # [MESSAGE]
  [[ -z "${1:-}" ]] || echo "ERROR - $1" >&2
  usage >&2
  BAD_USAGE=true
  exit 2
}

# answer_help ARGS...: prints the usage text and exits 0 when the arguments ask for it.
answer_help() {
  local arg
  for arg in "$@"; do
    if [[ "$arg" == -h || "$arg" == --help ]]; then
      usage
      exit 0
    fi
  done
}

# --- steps and what happens on exit ---------------------------------------------------------------

STEP=""
STEP_LOG=""
EXIT_COMMANDS=()
# "<milliseconds since the script started> <step>" per step, for timings (see print_timeline).
STEP_TIMELINE=()
SCRIPT_STARTED_MS=$(date +%s%3N)

# step DESCRIPTION [LOG]: what the script does now, and the file its output goes to; both are named
# again should the script fail before the next step.
step() {
  STEP=$1
  STEP_LOG=${2:-}
  STEP_TIMELINE+=("$(($(date +%s%3N) - SCRIPT_STARTED_MS)) $STEP")
  log "$STEP${STEP_LOG:+ (log: $STEP_LOG)}"
}

# print_timeline: when each step started and how long it took, in seconds, up to now.
print_timeline() {
  local now i start next
  now=$(($(date +%s%3N) - SCRIPT_STARTED_MS))
  for ((i = 0; i < ${#STEP_TIMELINE[@]}; i++)); do
    start=${STEP_TIMELINE[i]%% *}
    next=$now
    ((i + 1 == ${#STEP_TIMELINE[@]})) || next=${STEP_TIMELINE[i + 1]%% *}
    awk -v s="$start" -v d="$((next - start))" -v name="${STEP_TIMELINE[i]#* }" \
      'BEGIN { printf "%7.1f s  +%6.1f s  %s\n", s / 1000, d / 1000, name }'
  done
  awk -v s="$now" 'BEGIN { printf "%7.1f s  total\n", s / 1000 }'
}

# on_exit FUNCTION: calls FUNCTION when the script exits, in reverse order of registration, after
# the failure report; EXIT_STATUS holds the script's exit status then, and a FUNCTION whose cleanup
# failed may set it (the script exits with it).
EXIT_STATUS=0
on_exit() {
  EXIT_COMMANDS+=("$1")
}

# result_line FIELD=VALUE...: from an EXIT hook, the RESULT line when the run passed; when it failed,
# the figures measured so far go to stderr marked unproven, never as a RESULT line.
result_line() {
  if ((EXIT_STATUS == 0)); then
    echo "RESULT $*"
  else
    warn "no RESULT: the run failed; figures so far, unproven: $*"
  fi
}

# A failure names the step and its log, and prints the log's end; Ctrl-C (130) is not a failure.
_report_and_clean_up() {
  local status=$?
  trap - EXIT
  set +o errexit
  if ((status != 0 && status != 130)) && ! $BAD_USAGE; then
    echo "ERROR - $(basename "$0") failed (exit $status) while ${STEP:-starting}" >&2
    if [[ -n "$STEP_LOG" && -s "$STEP_LOG" ]]; then
      echo "ERROR - the step's log is $STEP_LOG; its last lines:" >&2
      tail -n 25 "$STEP_LOG" | sed 's/^/    /' >&2
    elif [[ -n "$STEP_LOG" ]]; then
      echo "ERROR - the step's log $STEP_LOG is empty or missing" >&2
    fi
  fi
  # shellcheck disable=SC2034 # read by the EXIT hooks
  EXIT_STATUS=$status
  local i
  for ((i = ${#EXIT_COMMANDS[@]} - 1; i >= 0; i--)); do
    "${EXIT_COMMANDS[i]}"
  done
  exit "$EXIT_STATUS"
}
trap _report_and_clean_up EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run_logged LOG COMMAND...: runs COMMAND with its output in LOG, printing every 15 s how long it has
# run and its latest log line, so a long build or download is never silent.
run_logged() {
  local log_file=$1 started=$SECONDS status=0 heartbeat
  shift
  mkdir -p "$(dirname "$log_file")"
  : >"$log_file"
  (
    while sleep 15 >/dev/null 2>&1; do
      local last
      last=$(latest_line "$log_file")
      log "  ... $((SECONDS - started)) s${last:+, latest: $last}"
    done
  ) &
  heartbeat=$!
  "$@" >>"$log_file" 2>&1 </dev/null || status=$?
  kill "$heartbeat" 2>/dev/null || true
  wait "$heartbeat" 2>/dev/null || true
  return "$status"
}

# --- tools ----------------------------------------------------------------------------------------

# require_cmd NAME HOW_TO_GET_IT
require_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed: $2"
}

# find_browser: headless Chromium and its chromedriver for the browser tests (E2E_CHROMIUM,
# E2E_CHROMEDRIVER, which the ITs read).
find_browser() {
  local chromium chromedriver
  chromium=$(command -v chromium || command -v chromium-browser) ||
    die "no Chromium: apt-get install chromium chromium-driver"
  chromedriver=$(command -v chromedriver) || die "no chromedriver: apt-get install chromium-driver"
  export E2E_CHROMIUM=$chromium E2E_CHROMEDRIVER=$chromedriver
  log "browser: $("$chromium" --version 2>/dev/null), $("$chromedriver" --version 2>/dev/null | cut -d' ' -f1-2)"
}

APT_UPDATED=false

# apt_install PACKAGE...: installs from Debian what is not installed yet (as root; otherwise it fails
# naming the packages to install).
apt_install() {
  local missing=() package
  for package in "$@"; do
    dpkg-query --show --showformat='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  ((${#missing[@]} == 0)) && return
  ((EUID == 0)) || die "missing Debian packages: sudo apt-get install ${missing[*]}"
  log "installing ${missing[*]} from Debian"
  if ! $APT_UPDATED; then
    apt-get update -qq >/dev/null
    APT_UPDATED=true
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Points JAVA_HOME at a JDK new enough for the build (see scripts/build/find-jdk).
use_jdk() {
  JAVA_HOME=$("$REPO_ROOT/scripts/build/find-jdk" 21) || exit 1
  export JAVA_HOME
  PATH="$JAVA_HOME/bin:$PATH"
}

# random_secret BYTES: that many random bytes, base64url without padding.
random_secret() {
  head -c "$1" /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'
}

now_ms() {
  date +%s%3N
}

percentile() { # P VALUES...
  local p=$1
  shift
  printf '%s\n' "$@" | sort -n | awk -v p="$p" '{ v[NR] = $1 } END { i = int((p / 100) * NR + 0.999999); if (i < 1) i = 1; print v[i] }'
}

# --- ports and HTTP -------------------------------------------------------------------------------

# port_is_free PORT: true when nothing listens on 127.0.0.1:PORT.
port_is_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# require_free_ports HINT PORT...: fails naming every busy port.
require_free_ports() {
  local hint=$1 port busy=()
  shift
  for port in "$@"; do
    port_is_free "$port" || busy+=("$port")
  done
  ((${#busy[@]} == 0)) || die "port(s) ${busy[*]} on 127.0.0.1 are in use: $hint"
}

# wait_for_http NAME URL SECONDS [PROCESS]: polls URL until it answers 2xx. Every 15 s it says how
# long it has waited and the latest line of PROCESS's log; it fails at once, with the end of that
# log, when PROCESS exits, and after SECONDS.
wait_for_http() {
  local name=$1 url=$2 seconds=$3 process=${4:-} started=$SECONDS next=15 log_file=""
  [[ -z "$process" ]] || log_file=$(process_log "$process")
  while ! curl --silent --fail --output /dev/null --max-time 2 "$url"; do
    if [[ -n "$process" ]] && ! process_running "$process"; then
      print_log_end "$log_file"
      die "$name exited before it was ready (log: $log_file)"
    fi
    if ((SECONDS - started >= seconds)); then
      [[ -z "$log_file" ]] || print_log_end "$log_file"
      die "$name not ready after $seconds s${log_file:+ (log: $log_file)}"
    fi
    if ((SECONDS - started >= next)); then
      local last=""
      [[ -z "$log_file" ]] || last=$(latest_line "$log_file")
      log "  ... waiting for $name: $((SECONDS - started)) s${last:+, latest: $last}"
      next=$((next + 15))
    fi
    sleep 0.2
  done
  log "$name ready after $((SECONDS - started)) s"
}

# wait_for_port NAME PORT SECONDS [PROCESS]: waits until something listens on 127.0.0.1:PORT, for a
# server that must not see a probe request (one that records every request it gets); fails when
# PROCESS exits first, or after SECONDS.
wait_for_port() {
  local name=$1 port=$2 seconds=$3 process=${4:-} started=$SECONDS
  while port_is_free "$port"; do
    if [[ -n "$process" ]] && ! process_running "$process"; then
      print_log_end "$(process_log "$process")"
      die "$name exited before it listened on 127.0.0.1:$port (log: $(process_log "$process"))"
    fi
    ((SECONDS - started < seconds)) || die "$name not listening on 127.0.0.1:$port after $seconds s"
    sleep 0.1
  done
  log "$name listening on 127.0.0.1:$port after $((SECONDS - started)) s"
}

# latest_line LOG: its last line, without colours, cut to fit a progress line.
latest_line() {
  tail -n 1 "$1" 2>/dev/null | sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' -e 's/\r//g' | cut -c 1-110 || true
}

# print_log_end LOG [LINES]
print_log_end() {
  [[ -s "$1" ]] || return 0
  warn "last lines of $1:"
  tail -n "${2:-25}" "$1" | sed 's/^/    /' >&2
}

# --- background processes -------------------------------------------------------------------------
# Each runs in its own process group (setsid), so stopping it stops its children too (kc.sh starts
# Keycloak's java). PROCESS_DIR, set by the script, holds logs/NAME.log, pids/NAME and the start order.

PROCESS_DIR=${PROCESS_DIR:-}

process_log() { echo "$PROCESS_DIR/logs/$1.log"; }

process_pid() {
  cat "$PROCESS_DIR/pids/$1" 2>/dev/null
}

# process_running NAME: true while any process of NAME's group is alive. Right after start_process the
# group may not exist yet (setsid has not run in the child): the process itself counts then.
process_running() {
  local pid
  pid=$(process_pid "$1") || return 1
  kill -0 -- "-$pid" 2>/dev/null || kill -0 "$pid" 2>/dev/null
}

# in_root ROOT USERSPEC: sets IN_ROOT to the command prefix that runs a command in the root filesystem
# ROOT (an unpacked image), chrooted as USERSPEC (uid:gid), with /proc and /dev mounted in a mount
# namespace of its own, so that they go with its last process. Needs root.
IN_ROOT=()
in_root() {
  mkdir -p "$1/proc" "$1/dev" "$1/tmp"
  # shellcheck disable=SC2016,SC2034 # the inner shell expands them; the caller reads IN_ROOT
  IN_ROOT=(unshare --mount --propagation private -- /bin/sh -c '
    root=$1; userspec=$2; shift 2
    mount -t proc proc "$root/proc" && mount --rbind /dev "$root/dev" &&
      exec chroot --userspec="$userspec" "$root" "$@"' sh "$1" "$2")
}

# start_process NAME COMMAND...: runs COMMAND in the background, in a new process group.
start_process() {
  local name=$1
  shift
  [[ -n "$PROCESS_DIR" ]] || die "start_process: PROCESS_DIR is not set"
  mkdir -p "$PROCESS_DIR/logs" "$PROCESS_DIR/pids"
  setsid "$@" >"$(process_log "$name")" 2>&1 </dev/null &
  echo $! >"$PROCESS_DIR/pids/$name"
  echo "$name" >>"$PROCESS_DIR/started"
}

# stop_process NAME [SIGNAL] [SECONDS]: signals NAME's process group (default TERM) and waits until
# every process of it is gone; after SECONDS (default 30) it sends KILL. NAME's exit status, when
# this shell started it, lands in PROCESS_EXIT_STATUS (127 otherwise).
# shellcheck disable=SC2034 # read by the scripts that stop their own children
PROCESS_EXIT_STATUS=0
stop_process() {
  local name=$1 signal=${2:-TERM} seconds=${3:-30} pid deadline
  PROCESS_EXIT_STATUS=127
  pid=$(process_pid "$name") || return 0
  kill "-$signal" -- "-$pid" 2>/dev/null || true
  deadline=$((SECONDS + seconds))
  while kill -0 -- "-$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      warn "$name (process group $pid) still running $seconds s after SIG$signal: sending SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || true
      deadline=$((SECONDS + 10))
    fi
    sleep 0.1
  done
  # shellcheck disable=SC2034 # read by the scripts that stop their own children
  PROCESS_EXIT_STATUS=0
  # shellcheck disable=SC2034
  wait "$pid" 2>/dev/null || PROCESS_EXIT_STATUS=$?
  rm -f "$PROCESS_DIR/pids/$name"
}

# stop_processes [SIGNAL]: stops everything started under PROCESS_DIR, the last started first.
stop_processes() {
  [[ -n "$PROCESS_DIR" && -f "$PROCESS_DIR/started" ]] || return 0
  local name
  while IFS= read -r name; do
    stop_process "$name" "${1:-TERM}"
  done < <(tac "$PROCESS_DIR/started")
  rm -f "$PROCESS_DIR/started"
}

# print_process_logs [LINES]: the end of every log under PROCESS_DIR, for a failure report.
print_process_logs() {
  local log_file
  for log_file in "$PROCESS_DIR"/logs/*.log; do
    print_log_end "$log_file" "${1:-20}"
  done
}
