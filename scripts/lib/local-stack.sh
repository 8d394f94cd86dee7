# shellcheck shell=bash
# The local stack's pieces, shared by scripts/demo and the harnesses that use the running stack:
# Keycloak from its Maven Central distribution, OAuth2-Proxy go-installed at the pinned version, the
# service jar, a proxy with the sidecar's options file, a login scripted as a browser does it, and the
# realm settings a harness changes for a while through Keycloak's admin API.
# Source scripts/lib/common.sh and scripts/versions.env first; builds log under $PROCESS_DIR/logs.

KEYCLOAK_PORT=${KEYCLOAK_PORT:-8180}
PROXY_PORT=${PROXY_PORT:-4180}
SERVICE_PORT=${SERVICE_PORT:-8155}
MANAGEMENT_PORT=${MANAGEMENT_PORT:-9155}

# What the running stack keeps: pids, logs, its throwaway secrets, the kubeconfigs.
STACK_DIR="$CACHE_DIR/demo"
REALM_FILE="$REPO_ROOT/gitops/keycloak/base/realm/demo-realm.json"
# The demo users (demo-only passwords: each user's password is its user name) exist in the local
# overlay only, beside the realm.
USERS_FILE="$REPO_ROOT/gitops/keycloak/overlays/local/realm/demo-users-0.json"
PROXY_CONFIG="$REPO_ROOT/gitops/oauth2-demo/base/oauth2-proxy.cfg"
KEYCLOAK_HOME="$CACHE_DIR/keycloak-$KEYCLOAK_VERSION"
ISSUER="http://127.0.0.1:$KEYCLOAK_PORT/realms/demo"
SESSION_COOKIE=_oauth2_demo
# Keycloak's bootstrap admin on this machine (dev mode only; demo-only credentials).
STACK_ADMIN_USER="admin"
STACK_ADMIN_PASSWORD="admin"

# --- builds and downloads (each once, then from the cache) ----------------------------------------

install_keycloak() {
  [[ -x "$KEYCLOAK_HOME/bin/kc.sh" ]] && return
  step "fetching Keycloak $KEYCLOAK_VERSION from Maven Central (once, about 200 MB)" "$PROCESS_DIR/logs/fetch-keycloak.log"
  mkdir -p "$CACHE_DIR"
  local staging
  staging=$(mktemp -d "$CACHE_DIR/.keycloak.XXXXXX")
  unpack_keycloak_dist "$staging" "$STEP_LOG"
  mv "$staging/keycloak-$KEYCLOAK_VERSION" "$KEYCLOAK_HOME"
  rm -rf "$staging"
}

# unpack_keycloak_dist DIR LOG: Keycloak's distribution, as released to Maven Central, unpacked into
# DIR/keycloak-$KEYCLOAK_VERSION (downloaded once into the local Maven repository). Also the content
# of the Keycloak image (scripts/build/images), which must not carry what a run of the local stack
# left in KEYCLOAK_HOME.
unpack_keycloak_dist() {
  run_logged "$2" "$REPO_ROOT/mvnw" --batch-mode --non-recursive --file "$REPO_ROOT/pom.xml" \
    dependency:unpack -Dartifact="$KEYCLOAK_DIST" -DoutputDirectory="$1" -Dmdep.overWriteReleases=true
}

# is_pinned_oauth2_proxy BINARY: release builds print their version; go-installed ones carry it in
# their build info instead.
is_pinned_oauth2_proxy() {
  "$1" --version 2>&1 | grep -qF "oauth2-proxy $OAUTH2_PROXY_VERSION" ||
    go version -m "$1" 2>/dev/null | grep -qE "^[[:space:]]+mod[[:space:]]+github.com/oauth2-proxy/oauth2-proxy/v7[[:space:]]+${OAUTH2_PROXY_VERSION}[[:space:]]"
}

# Sets OAUTH2_PROXY_BIN: from PATH if it is the pinned version, else go-installed into the cache.
build_oauth2_proxy() {
  local on_path
  if on_path=$(command -v oauth2-proxy 2>/dev/null) && is_pinned_oauth2_proxy "$on_path"; then
    OAUTH2_PROXY_BIN=$on_path
    return
  fi
  OAUTH2_PROXY_BIN="$CACHE_DIR/bin/oauth2-proxy"
  [[ -x "$OAUTH2_PROXY_BIN" ]] && is_pinned_oauth2_proxy "$OAUTH2_PROXY_BIN" && return
  require_cmd go "OAuth2-Proxy $OAUTH2_PROXY_VERSION is not on PATH, and Go builds it: install Go (go.dev/doc/install), or put oauth2-proxy $OAUTH2_PROXY_VERSION on PATH"
  step "building OAuth2-Proxy $OAUTH2_PROXY_VERSION with go install (once; minutes on a small machine)" "$PROCESS_DIR/logs/build-oauth2-proxy.log"
  mkdir -p "$CACHE_DIR/bin"
  # -v names each package as it is compiled: the heartbeat shows how far the build is.
  GOBIN="$CACHE_DIR/bin" run_logged "$STEP_LOG" go install -v "$OAUTH2_PROXY_MODULE"
}

# Sets SERVICE_JAR, building it when it is missing or older than the service's sources.
build_service_jar() {
  SERVICE_JAR=$(find_service_jar)
  if [[ -n "$SERVICE_JAR" ]] &&
    [[ -z $(find "$REPO_ROOT/service/src/main" "$REPO_ROOT/service/pom.xml" "$REPO_ROOT/pom.xml" -newer "$SERVICE_JAR" -print -quit) ]]; then
    return
  fi
  step "building the service jar with Maven (the first build downloads its dependencies: minutes)" "$PROCESS_DIR/logs/build-service.log"
  run_logged "$STEP_LOG" "$REPO_ROOT/mvnw" --batch-mode --file "$REPO_ROOT/pom.xml" --projects service --also-make \
    package -Dmaven.test.skip=true
  SERVICE_JAR=$(find_service_jar)
  [[ -n "$SERVICE_JAR" ]] || die "Maven built no jar under service/target"
}

# find_service_jar: the executable jar under service/target, or nothing (also when there is no target/).
find_service_jar() {
  [[ -d "$REPO_ROOT/service/target" ]] || return 0
  find "$REPO_ROOT/service/target" -maxdepth 1 -name 'oauth2-demo-service-*.jar' ! -name '*-plain.jar' | head -n 1
}

# --- the stack's processes ------------------------------------------------------------------------

# Throwaway secrets for one run of the stack; the e2e scripts read them from here.
make_stack_secrets() {
  (
    umask 077
    cat >"$STACK_DIR/secrets.env" <<VALUES
CLIENT_SECRET=$(random_secret 32)
COOKIE_SECRET=$(random_secret 32)
VALUES
  )
  load_stack_secrets
}

# Loads the running stack's secrets (the e2e scripts run beside the stack scripts/demo started).
load_stack_secrets() {
  [[ -f "$STACK_DIR/secrets.env" ]] || die "the local stack is not running: scripts/demo start"
  # shellcheck source=/dev/null
  source "$STACK_DIR/secrets.env"
}

start_keycloak() {
  # Starts clean each time: a fresh dev database, and the realm file as it is now.
  rm -rf "$KEYCLOAK_HOME/data"
  mkdir -p "$KEYCLOAK_HOME/data/import"
  cp "$REALM_FILE" "$USERS_FILE" "$KEYCLOAK_HOME/data/import/"
  # OAUTH2_DEMO_URL: where the realm lets Keycloak send the browser back, as each environment sets it.
  # OAUTH2_DEMO_DIRECT_GRANTS: the password grant the e2e tests take tokens with (off in every cluster).
  KC_BOOTSTRAP_ADMIN_USERNAME=$STACK_ADMIN_USER KC_BOOTSTRAP_ADMIN_PASSWORD=$STACK_ADMIN_PASSWORD \
    OAUTH2_DEMO_CLIENT_SECRET="$CLIENT_SECRET" OAUTH2_DEMO_URL="http://127.0.0.1:$PROXY_PORT" \
    OAUTH2_DEMO_DIRECT_GRANTS=true \
    start_process keycloak "$KEYCLOAK_HOME/bin/kc.sh" start-dev --import-realm \
    --http-host=127.0.0.1 --http-port="$KEYCLOAK_PORT" --hostname="http://127.0.0.1:$KEYCLOAK_PORT"
}

# start_service NAME PORT MANAGEMENT_PORT [ARG...]: the jar in jwks mode against the local Keycloak.
start_service() {
  local name=$1 port=$2 management_port=$3
  shift 3
  start_process "$name" "$JAVA_HOME/bin/java" -jar "$SERVICE_JAR" --server.port="$port" \
    --management.server.port="$management_port" --management.server.address=127.0.0.1 \
    --token.jwk-set-uri="$ISSUER/protocol/openid-connect/certs" --token.issuer="$ISSUER" "$@"
}

# start_proxy NAME PORT UPSTREAM_PORT: OAuth2-Proxy with the sidecar's options file; what differs on
# this machine comes from OAUTH2_PROXY_* variables, as the overlays set them in the cluster. Its
# sign-out ends the Keycloak session too (backend logout with the session's ID token).
start_proxy() {
  local name=$1 port=$2 upstream_port=$3
  OAUTH2_PROXY_HTTP_ADDRESS="127.0.0.1:$port" \
    OAUTH2_PROXY_OIDC_ISSUER_URL="$ISSUER" \
    OAUTH2_PROXY_REDIRECT_URL="http://127.0.0.1:$PROXY_PORT/oauth2/callback" \
    OAUTH2_PROXY_WHITELIST_DOMAINS="127.0.0.1:$KEYCLOAK_PORT" \
    OAUTH2_PROXY_BACKEND_LOGOUT_URL="$ISSUER/protocol/openid-connect/logout?id_token_hint={id_token}" \
    OAUTH2_PROXY_COOKIE_SECURE=false \
    OAUTH2_PROXY_CLIENT_SECRET="$CLIENT_SECRET" \
    OAUTH2_PROXY_COOKIE_SECRET="$COOKIE_SECRET" \
    start_process "$name" "$OAUTH2_PROXY_BIN" --config="$PROXY_CONFIG" --upstream="http://127.0.0.1:$upstream_port"
}

# --- a Pod of its own, beside the stack (the e2e-* harnesses) --------------------------------------
# A harness that runs its own Pod (the service behind the sidecar's proxy, as processes, on
# POD_SERVICE_PORT, POD_MANAGEMENT_PORT and POD_PROXY_PORT) beside the running stack, whose Keycloak
# and secrets it uses; its files under WORK_DIR.

prepare_pod_harness() {
  use_jdk
  load_stack_secrets
  require_free_ports "set POD_SERVICE_PORT / POD_MANAGEMENT_PORT / POD_PROXY_PORT" \
    "$POD_SERVICE_PORT" "$POD_MANAGEMENT_PORT" "$POD_PROXY_PORT"
  rm -rf "$WORK_DIR"
  mkdir -p "$WORK_DIR/logs"
}

# wait_for_pod: until the Pod's proxy answers and its service is ready, as the kubelet's probes wait.
wait_for_pod() {
  wait_for_http "the Pod's proxy" "http://127.0.0.1:$POD_PROXY_PORT/ping" 30 pod-proxy
  wait_for_http "the Pod's service" "http://127.0.0.1:$POD_MANAGEMENT_PORT/actuator/health/readiness" 180 pod-service
}

# --- a browser's login, with curl ------------------------------------------------------------------
# curl sends Keycloak's Secure cookies back to http://127.0.0.1 as a browser does: both treat loopback
# as a secure context, so the local stack's plain-http login works as it does over https.

# browse JAR URL: GET, following redirects and keeping cookies in JAR; prints the last page.
browse() {
  curl --silent --fail --location --max-time 20 --cookie "$1" --cookie-jar "$1" "$2"
}

# is_login_page PAGE: true when PAGE is Keycloak's login form.
is_login_page() {
  grep -q 'action="[^"]*/login-actions/authenticate' <<<"$1"
}

# sign_in JAR USER PAGE [PASSWORD]: submits Keycloak's login form in PAGE as USER (default password:
# the user name, as the demo users have it), following redirects; prints the page it lands on.
sign_in() {
  local jar=$1 user=$2 page=$3 password=${4:-$2} action
  action=$(grep -o 'action="[^"]*/login-actions/authenticate[^"]*"' <<<"$page" | head -n 1 |
    sed -e 's/^action="//' -e 's/"$//' -e 's/&amp;/\&/g' || true)
  [[ -n "$action" ]] || die "no Keycloak login form on the page: $(head -c 300 <<<"$page")"
  curl --silent --fail --location --max-time 20 --cookie "$jar" --cookie-jar "$jar" \
    --data-urlencode "username=$user" --data-urlencode "password=$password" "$action"
}

# log_in JAR [USER]: logs USER (default john) in through the stack's proxy in a new cookie jar.
log_in() {
  local jar=$1 user=${2:-john@gefyra.dev} page
  rm -f "$jar"
  page=$(browse "$jar" "http://127.0.0.1:$PROXY_PORT/oauth2/start?rd=%2Fitems%2F1")
  sign_in "$jar" "$user" "$page" >/dev/null
}

# login_cookie JAR [USER]: logs USER in (see log_in); prints the proxy's session cookie, for a session
# that fits in one cookie (john's does).
login_cookie() {
  log_in "$@"
  session_cookie "$1"
}

session_cookie() { # JAR
  awk -v name="$SESSION_COOKIE" '$6 == name { print $7 }' "$1"
}

# login_cookie_header JAR [USER]: logs USER in (see log_in); prints the session as a Cookie header's
# value, also when the proxy split it into numbered cookies (a session over 4 KB, such as jane's).
login_cookie_header() {
  log_in "$@"
  awk -v name="$SESSION_COOKIE" '$6 == name || $6 ~ ("^" name "_[0-9]+$") {
    printf "%s%s=%s", separator, $6, $7
    separator = "; "
  }' "$1"
}

# --- the demo realm's settings, through Keycloak's admin API --------------------------------------

keycloak_admin_token() {
  curl --silent --fail --max-time 10 --data grant_type=password --data client_id=admin-cli \
    --data-urlencode "username=$STACK_ADMIN_USER" --data-urlencode "password=$STACK_ADMIN_PASSWORD" \
    "http://127.0.0.1:$KEYCLOAK_PORT/realms/master/protocol/openid-connect/token" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

# realm_setting NAME: the demo realm's NAME as Keycloak applies it (defaults included), in JSON.
realm_setting() {
  local token
  token=$(keycloak_admin_token)
  curl --silent --fail --max-time 10 --header "Authorization: Bearer $token" \
    "http://127.0.0.1:$KEYCLOAK_PORT/admin/realms/demo" |
    python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)[sys.argv[1]]))' "$1"
}

# set_realm_setting NAME VALUE: sets the demo realm's NAME to VALUE (JSON); the others stay as they are.
set_realm_setting() {
  local token body
  token=$(keycloak_admin_token)
  body=$(python3 -c 'import json, sys; print(json.dumps({sys.argv[1]: json.loads(sys.argv[2])}))' "$1" "$2")
  curl --silent --fail --max-time 10 --request PUT --header "Authorization: Bearer $token" \
    --header "Content-Type: application/json" --data "$body" \
    "http://127.0.0.1:$KEYCLOAK_PORT/admin/realms/demo" >/dev/null
}
