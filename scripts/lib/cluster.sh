# shellcheck shell=bash
# Names the cluster commands share (scripts/cluster-up, scripts/cluster-down, scripts/ship): the k3d
# cluster, the git remote served to it, and its image registry. Source scripts/lib/common.sh first.

# shellcheck disable=SC2034 # used by the commands that source this file
CLUSTER_NAME=oauth2-demo
# The git remote that scripts/cluster-up serves to the cluster, and its name in your clone.
# shellcheck disable=SC2034
CLUSTER_REMOTE=cluster
# shellcheck disable=SC2034
GIT_DAEMON_PORT=${GIT_DAEMON_PORT:-9418}
# What the git daemon serves, and the repository in it that Argo CD reads (and a push lands in).
GIT_DIR_SERVED="$CACHE_DIR/git"
# shellcheck disable=SC2034
SERVED_REPO="$GIT_DIR_SERVED/oauth2-demo.git"
# scripts/ship pushes here; Pods pull the same registry as REGISTRY_IN_CLUSTER (scripts/k3d/cluster.yaml).
# shellcheck disable=SC2034
REGISTRY_ON_HOST=127.0.0.1:5001
# shellcheck disable=SC2034
REGISTRY_IN_CLUSTER=k3d-registry.oauth2-demo.localhost:5001

# The cluster runtime scripts/cluster-up made the cluster with: k3d (the default) or node (scripts/node,
# no Docker). Kept in a file so that scripts/ship and scripts/cluster-down act on the same one.
CLUSTER_RUNTIME_FILE="$CACHE_DIR/cluster-runtime"
# shellcheck disable=SC2034
NODE_DIR="$CACHE_DIR/node"
# shellcheck disable=SC2034
NODE_KUBECONFIG="$NODE_DIR/kubeconfig"
# The node's address: where its Pods reach this machine (host.k3d.internal in its cluster DNS).
# shellcheck disable=SC2034
NODE_IP=10.243.0.1

# environment_url KEY: a URL of the local environment, from the one file that states it.
environment_url() {
  sed -n "s/^  $1: //p" "$REPO_ROOT/gitops/environments/local/environment.yaml"
}

# curl_to_ingress DIR: curl (a .curlrc of its own in DIR) resolves the local environment's hosts to the
# Ingress on 127.0.0.1, as there may be no DNS for them; unset CURL_HOME to undo.
curl_to_ingress() {
  local app_url keycloak_url
  app_url=$(environment_url appUrl)
  keycloak_url=$(environment_url keycloakUrl)
  mkdir -p "$1"
  printf 'resolve = "%s:127.0.0.1"\n' "${app_url#http://}" "${keycloak_url#http://}" >"$1/.curlrc"
  export CURL_HOME=$1
}

# module_dir MODULE@VERSION: where the Go module cache holds a module's files (downloaded once; the
# node's add-ons and Argo CD's install.yaml are read from the modules their images are built from).
module_dir() {
  (cd "$CACHE_DIR" && go mod download -json "$1") | jq -r .Dir
}

# cluster_runtime: the runtime of the cluster scripts/cluster-up made last (k3d when none).
cluster_runtime() {
  if [[ -f "$CLUSTER_RUNTIME_FILE" ]]; then
    cat "$CLUSTER_RUNTIME_FILE"
  else
    echo k3d
  fi
}

# use_cluster_kubeconfig RUNTIME: points kubectl (and what this script starts) at that cluster.
use_cluster_kubeconfig() {
  case $1 in
    node) export KUBECONFIG=$NODE_KUBECONFIG ;;
    k3d) kubectl config use-context "k3d-$CLUSTER_NAME" >/dev/null ;;
  esac
}

# kinds_only FILE KIND...: the documents of a rendered multi-document YAML file (kubectl kustomize's
# output: documents split by "---", each with its top-level "kind:") whose kind is one of KIND.
kinds_only() {
  local file=$1
  shift
  awk -v kinds=" $* " '
    function flush() { if (doc != "" && index(kinds, " " kind " ")) printf "---\n%s", doc; doc = ""; kind = "" }
    /^---$/ { flush(); next }
    /^kind: / { kind = $2 }
    { doc = doc $0 "\n" }
    END { flush() }
  ' "$file"
}

# wait_for_crds_established SECONDS CRD...: until each named CRD says Established. (kubectl wait fails
# at once on a CRD created a moment ago, before it has any status condition.)
wait_for_crds_established() {
  local seconds=$1 started=$SECONDS crd
  shift
  for crd in "$@"; do
    until [[ $(kubectl get crd "$crd" -o jsonpath='{.status.conditions[?(@.type=="Established")].status}' 2>/dev/null) == True ]]; do
      ((SECONDS - started < seconds)) || die "CRD $crd not established after $seconds s"
      sleep 0.5
    done
  done
}
