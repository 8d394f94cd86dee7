# shellcheck shell=bash
# What a staging cluster on this machine runs under the product, as a platform team provides it in
# production (scripts/platform): cert-manager with the staging CA's ClusterIssuer, the Sealed Secrets
# controller, and the ingress controller sending plain http to https. scripts/cluster-up --env staging
# installs it after Argo CD. Source scripts/lib/common.sh, scripts/versions.env and
# scripts/lib/cluster.sh first; kubectl points at the cluster.

PLATFORM_DIR="$REPO_ROOT/scripts/platform"
# The node's Traefik (scripts/node.d/traefik.yaml) serves TLS on this port of 127.0.0.1.
HTTPS_PORT=8443

# platform_kustomization NAME CRD_DIRECTORY: scripts/platform/NAME copied into the cache with the
# CRDs of the module its controller is built from (the release the controller speaks), as crds/.
platform_kustomization() {
  local name=$1 crds=$2 dir="$CACHE_DIR/platform/$1"
  rm -rf "$dir"
  mkdir -p "$dir/crds"
  cp "$PLATFORM_DIR/$name"/*.yaml "$dir/"
  cp "$crds"/*.yaml "$dir/crds/"
  (cd "$dir/crds" && printf 'resources:\n' >kustomization.yaml.new &&
    for file in *.yaml; do printf '  - %s\n' "$file"; done >>kustomization.yaml.new &&
    mv kustomization.yaml.new kustomization.yaml)
  echo "$dir"
}

# apply_platform DIR DEPLOYMENT...: renders DIR with the image pins filled in, applies it (CRDs
# first) and waits for each Deployment (namespace/name) to be available.
apply_platform() {
  local dir=$1 rendered deployment
  shift
  rendered="$dir.rendered.yaml"
  # shellcheck disable=SC2016 # envsubst's list of the variables it may fill in
  kubectl kustomize "$dir" | envsubst '${CERT_MANAGER_CONTROLLER_IMAGE} ${SEALED_SECRETS_CONTROLLER_IMAGE}' >"$rendered"
  apply_crds_first "$rendered"
  for deployment in "$@"; do
    kubectl -n "${deployment%/*}" rollout status "deployment/${deployment#*/}" --timeout=300s >/dev/null ||
      die "${deployment} did not become available: kubectl -n ${deployment%/*} describe deployment ${deployment#*/}"
  done
}

install_cert_manager() {
  local module dir
  module=$(module_dir "github.com/cert-manager/cert-manager@$CERT_MANAGER_VERSION")
  dir=$(platform_kustomization cert-manager "$module/deploy/crds")
  export CERT_MANAGER_CONTROLLER_IMAGE
  apply_platform "$dir" cert-manager/cert-manager
  log "cert-manager $CERT_MANAGER_VERSION's controllers run ($CERT_MANAGER_CONTROLLER_IMAGE)"
}

install_sealed_secrets() {
  local module dir
  module=$(module_dir "github.com/bitnami-labs/sealed-secrets@$SEALED_SECRETS_VERSION")
  dir=$(platform_kustomization sealed-secrets "$module/helm/sealed-secrets/crds")
  export SEALED_SECRETS_CONTROLLER_IMAGE
  apply_platform "$dir" kube-system/sealed-secrets-controller
  log "the Sealed Secrets controller runs ($SEALED_SECRETS_CONTROLLER_IMAGE)"
}

# The root certificate and the ClusterIssuer staging's Ingresses name; Ready once cert-manager has
# issued the root.
install_staging_ca() {
  kubectl apply -k "$PLATFORM_DIR/staging-ca" >/dev/null
  kubectl wait --for condition=Ready --timeout=120s clusterissuer/staging-ca >/dev/null ||
    die "ClusterIssuer staging-ca is not Ready: kubectl describe clusterissuer staging-ca; kubectl -n cert-manager logs deploy/cert-manager"
  log "ClusterIssuer staging-ca is Ready (its root: kubectl -n cert-manager get secret staging-root-ca -o jsonpath='{.data.ca\\.crt}' | base64 -d)"
}

# The node's Traefik sends http to https, as production's ingress controller does for a host with TLS.
redirect_http_to_https() {
  local args
  args=$(kubectl -n kube-system get daemonset traefik -o jsonpath='{.spec.template.spec.containers[0].args}')
  [[ "$args" != *"redirections.entryPoint.to=websecure"* ]] || return 0
  kubectl -n kube-system patch daemonset traefik --type json -p '[
    {"op": "add", "path": "/spec/template/spec/containers/0/args/-", "value": "--entryPoints.web.http.redirections.entryPoint.to=websecure"},
    {"op": "add", "path": "/spec/template/spec/containers/0/args/-", "value": "--entryPoints.web.http.redirections.entryPoint.scheme=https"}]' >/dev/null
  kubectl -n kube-system rollout status daemonset/traefik --timeout=120s >/dev/null
  log "Traefik sends http://…:8080 to https://…:$HTTPS_PORT"
}

install_staging_platform() {
  step "installing the staging platform: cert-manager, the staging CA, Sealed Secrets, http to https"
  install_cert_manager
  install_staging_ca
  install_sealed_secrets
  redirect_http_to_https
}
