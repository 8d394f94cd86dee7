# shellcheck shell=bash
# Sourced after scripts/demo by the e2e scripts that run a second "Pod" beside the local stack: its
# sidecar is OAuth2-Proxy with the sidecar's options file on POD_PROXY_PORT, in front of whatever
# listens on POD_SERVICE_PORT; sessions come from a login through the stack's own proxy.

POD_PROXY_PORT=${POD_PROXY_PORT:-4181}

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
