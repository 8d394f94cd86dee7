# shellcheck shell=bash
# Sourced after scripts/demo by the e2e scripts that run a second "Pod" beside the local stack: its
# sidecar is OAuth2-Proxy with the sidecar's options file on POD_PROXY_PORT, in front of whatever
# listens on POD_SERVICE_PORT; sessions come from a login through the stack's own proxy.

POD_PROXY_PORT=${POD_PROXY_PORT:-4181}

# pod_preflight PORT...: loads the running stack's secrets and checks that the Pod's ports are free.
pod_preflight() {
  [[ -f "$RUN_DIR/secrets.env" ]] || die "the local stack is not running: scripts/demo start"
  # shellcheck source=/dev/null
  source "$RUN_DIR/secrets.env"
  local port
  for port in "$@"; do
    port_is_free "$port" || die "port $port is in use"
  done
}

# stop_pod_processes SIGNAL: signals whatever start_process started as pod-*; an EXIT trap.
stop_pod_processes() {
  local pid_file
  for pid_file in "$RUN_DIR"/pod-*.pid; do
    [[ -f "$pid_file" ]] || continue
    kill "-$1" "$(cat "$pid_file")" 2>/dev/null || true
    rm -f "$pid_file"
  done
}

# A session cookie of john's, by logging in through the stack's proxy as a browser would.
login_cookie() {
  local jar="$WORK_DIR/cookies" page action
  rm -f "$jar"
  page=$(curl --silent --fail --location --cookie "$jar" --cookie-jar "$jar" \
    "http://127.0.0.1:$PROXY_PORT/oauth2/start?rd=%2Fitems%2F1")
  action=$(grep -o 'action="[^"]*"' <<<"$page" | head -n 1 | sed -e 's/^action="//' -e 's/"$//' -e 's/&amp;/\&/g')
  [[ -n "$action" ]] || die "no login form on Keycloak's page"
  curl --silent --fail --location --cookie "$jar" --cookie-jar "$jar" --output /dev/null \
    --data-urlencode "username=john@gefyra.dev" --data-urlencode "password=john@gefyra.dev" "$action"
  awk '$6 == "_oauth2_demo" { print $7 }' "$jar"
}

# start_pod_proxy BINARY: the sidecar, as scripts/demo starts the stack's proxy, upstream POD_SERVICE_PORT.
start_pod_proxy() {
  local proxy_binary=$1
  OAUTH2_PROXY_HTTP_ADDRESS="127.0.0.1:$POD_PROXY_PORT" \
    OAUTH2_PROXY_OIDC_ISSUER_URL="$ISSUER" \
    OAUTH2_PROXY_REDIRECT_URL="http://127.0.0.1:$PROXY_PORT/oauth2/callback" \
    OAUTH2_PROXY_WHITELIST_DOMAINS="127.0.0.1:$KEYCLOAK_PORT" \
    OAUTH2_PROXY_COOKIE_SECURE=false \
    OAUTH2_PROXY_CLIENT_SECRET="$CLIENT_SECRET" \
    OAUTH2_PROXY_COOKIE_SECRET="$COOKIE_SECRET" \
    start_process pod-proxy "$proxy_binary" --config="$PROXY_CONFIG" --upstream="http://127.0.0.1:$POD_SERVICE_PORT"
  wait_for_http "the Pod's proxy" "http://127.0.0.1:$POD_PROXY_PORT/ping" 30 "$RUN_DIR/pod-proxy.log"
}
