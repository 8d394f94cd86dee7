# shellcheck shell=bash
# etcd and kube-apiserver as processes on loopback (built from Go modules by scripts/build/build-tools),
# with RBAC and the ServiceAccount token API as in a cluster: where scripts/demo keeps the app's
# ConfigMap, and what scripts/test/e2e-gitops and bench/run test against. No controller or kubelet
# runs: objects are stored and watched, nothing is scheduled.
# Source scripts/lib/common.sh and scripts/versions.env first, and set KUBE_DIR (keys, etcd's data,
# kubeconfigs), ETCD_PORT, ETCD_PEER_PORT and APISERVER_PORT.

ETCD_BIN="$CACHE_DIR/tools/etcd-$ETCD_VERSION/etcd"
KUBE_APISERVER_BIN="$CACHE_DIR/tools/kube-apiserver-$KUBERNETES_VERSION/kube-apiserver"
APP_NAMESPACE=oauth2-demo
APP_SERVICE_ACCOUNT=oauth2-demo
APP_OVERLAY=gitops/oauth2-demo/overlays/local

# use_api_harness DIR: the real-API harness of scripts/test/e2e-gitops and bench/run (etcd,
# kube-apiserver and the service as processes), its files in DIR (RUN, PROCESS_DIR, KUBE_DIR), on ports
# apart from the local stack's, so it runs beside it.
# shellcheck disable=SC2034 # read by the harnesses and by this library
use_api_harness() {
  RUN=$1 PROCESS_DIR=$1 KUBE_DIR=$1
  ETCD_PORT=23790 ETCD_PEER_PORT=23800 APISERVER_PORT=16443
  SERVICE_PORT=18155 MANAGEMENT_PORT=19155
}

# kubectl as the API server's admin (the user's kubeconfig for it).
k() {
  kubectl --kubeconfig "$KUBE_DIR/kubeconfig" "$@"
}

# write_kubeconfig FILE USER TOKEN [NAMESPACE]: a kubeconfig for this API server. It serves a
# certificate it made itself, on loopback only: not verified.
write_kubeconfig() {
  (
    umask 077
    cat >"$1" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
  - name: local
    cluster:
      server: https://127.0.0.1:$APISERVER_PORT
      insecure-skip-tls-verify: true
users:
  - name: $2
    user:
      token: $3
contexts:
  - name: local
    context: {cluster: local, user: $2, namespace: ${4:-default}}
current-context: local
KUBECONFIG
  )
}

# A new, empty API server: its ServiceAccount signing key, an admin token, the admin kubeconfig.
prepare_kube_api() {
  rm -rf "$KUBE_DIR/pki" "$KUBE_DIR/etcd"
  mkdir -p "$KUBE_DIR/pki" "$KUBE_DIR/etcd"
  openssl genrsa -out "$KUBE_DIR/pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$KUBE_DIR/pki/sa.key" -pubout -out "$KUBE_DIR/pki/sa.pub" 2>/dev/null
  local admin_token
  admin_token=$(random_secret 24)
  (umask 077 && echo "$admin_token,admin,admin,\"system:masters\"" >"$KUBE_DIR/pki/tokens.csv")
  write_kubeconfig "$KUBE_DIR/kubeconfig" admin "$admin_token" "$APP_NAMESPACE"
}

start_etcd() {
  start_process etcd "$ETCD_BIN" --data-dir "$KUBE_DIR/etcd" --unsafe-no-fsync \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "default=http://127.0.0.1:$ETCD_PEER_PORT"
}

# RBAC and the ServiceAccount token API as in a cluster; PodSecurity admission is on by default.
start_kube_apiserver() {
  start_process kube-apiserver "$KUBE_APISERVER_BIN" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
    --cert-dir "$KUBE_DIR/pki" --token-auth-file "$KUBE_DIR/pki/tokens.csv" \
    --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$KUBE_DIR/pki/sa.pub" --service-account-signing-key-file "$KUBE_DIR/pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16
}

# etcd, then kube-apiserver, each waited for.
start_kube_api() {
  start_etcd
  wait_for_http etcd "http://127.0.0.1:$ETCD_PORT/health" 30 etcd
  start_kube_apiserver
  wait_for_kube_apiserver 90
}

wait_for_kube_apiserver() { # SECONDS
  local started=$SECONDS
  until k get --raw /readyz >/dev/null 2>&1; do
    if ! process_running kube-apiserver; then
      print_log_end "$(process_log kube-apiserver)"
      die "kube-apiserver exited (log: $(process_log kube-apiserver))"
    fi
    if ((SECONDS - started >= $1)); then
      print_log_end "$(process_log kube-apiserver)"
      die "kube-apiserver not ready after $1 s (log: $(process_log kube-apiserver))"
    fi
    sleep 0.2
  done
  log "kube-apiserver $KUBERNETES_VERSION ready after $((SECONDS - started)) s"
}

# The app's Namespace, ServiceAccount, Role, RoleBinding and ConfigMaps, as the local overlay renders
# them: the objects Argo CD would sync, not copies. (The Deployment and the rest need a kubelet.)
apply_app_objects() {
  local rendered="$KUBE_DIR/app-objects.yaml"
  kubectl kustomize "$REPO_ROOT/$APP_OVERLAY" >"$rendered"
  # kubectl prints each object as "<kind><TAB><the object as one line of JSON>"; kustomize lists the
  # Namespace first, so the namespaced objects find theirs.
  k create --dry-run=client -f "$rendered" -o jsonpath='{.kind}{"\t"}{@}{"\n"}' |
    awk -F '\t' '$1 ~ /^(Namespace|ServiceAccount|Role|RoleBinding|ConfigMap)$/ { print $2 }' |
    k apply -f - >/dev/null
  k -n "$APP_NAMESPACE" get configmap oauth2-demo >/dev/null || die "$APP_OVERLAY renders no ConfigMap oauth2-demo"
}

# write_service_account_kubeconfig FILE: a kubeconfig that holds only a token of the app's
# ServiceAccount (TokenRequest API), after checking that its Role lets it watch ConfigMaps, and no more.
write_service_account_kubeconfig() {
  local file=$1 token as="system:serviceaccount:$APP_NAMESPACE:$APP_SERVICE_ACCOUNT"
  [[ $(k auth can-i watch configmaps -n "$APP_NAMESPACE" --as "$as") == yes ]] ||
    die "the Role in $APP_OVERLAY does not let the service watch ConfigMaps"
  [[ $(k auth can-i get secrets -n "$APP_NAMESPACE" --as "$as" || true) == no ]] ||
    die "the Role in $APP_OVERLAY grants Secrets"
  token=$(k -n "$APP_NAMESPACE" create token "$APP_SERVICE_ACCOUNT" --duration=24h)
  write_kubeconfig "$file" "$APP_SERVICE_ACCOUNT" "$token" "$APP_NAMESPACE"
}

# apply_mapping FIELD [CLAIM]: the app's ConfigMap with a one-field mapping.
apply_mapping() {
  k -n "$APP_NAMESPACE" create configmap oauth2-demo --dry-run=client -o yaml \
    --from-literal=application.yaml="$(printf 'claims:\n  mapping:\n    - field: %s\n      claim: %s\n' "$1" "${2:-email}")" |
    k apply -f - >/dev/null
}

# wait_for_field URL FIELD DEADLINE_MS: prints the milliseconds until URL's answer names FIELD.
wait_for_field() {
  local url=$1 field=$2 deadline=$3 started
  started=$(now_ms)
  until [[ $(curl --silent --max-time 2 "$url" || true) == *"\"$field\""* ]]; do
    (($(now_ms) - started < deadline)) || return 1
    sleep 0.01
  done
  echo $(($(now_ms) - started))
}
