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

# environment_url KEY [ENVIRONMENT]: a URL of an environment (default: local), from the one file that
# states it.
environment_url() {
  sed -n "s/^  $1: //p" "$REPO_ROOT/gitops/environments/${2:-local}/environment.yaml"
}

# The environment the cluster's Applications sync (argocd/repo/repo.yaml, set by scripts/cluster-up).
deployed_environment() {
  sed -n 's/^  overlay: //p' "$REPO_ROOT/argocd/repo/repo.yaml"
}

# commit_if_changed MESSAGE PATH...: commits PATHs (relative to the repository) when they changed.
commit_if_changed() {
  local message=$1
  shift
  (cd "$REPO_ROOT" && git add -- "$@")
  if git -C "$REPO_ROOT" diff --cached --quiet -- "$@"; then
    return 0
  fi
  git -C "$REPO_ROOT" commit --quiet -m "$message" -- "$@"
  log "committed: $message"
}

# Staging's one place for digests (gitops/environments/staging/images).
STAGING_IMAGES_FILE=gitops/environments/staging/images/kustomization.yaml

# set_staging_image NAME TAG DIGEST: staging runs NAME (production's image name) by DIGEST; TAG is
# production's, or what scripts/ship pushed.
set_staging_image() {
  python3 - "$REPO_ROOT/$STAGING_IMAGES_FILE" "$@" <<'IMAGES'
import sys, yaml
path, name, tag, digest = sys.argv[1:]
text = open(path, encoding="utf-8").read()
header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
component = yaml.safe_load(text)
images = [image for image in component.get("images") or [] if image["name"] != name]
images.append({"name": name, "newTag": tag, "digest": digest})
component["images"] = sorted(images, key=lambda entry: entry["name"])
with open(path, "w", encoding="utf-8") as out:
    out.write(header + yaml.safe_dump(component, sort_keys=False))
IMAGES
}

# curl_to_ingress DIR [ENVIRONMENT [CA_FILE]]: curl (a .curlrc of its own in DIR) resolves the
# environment's hosts (default: local) to the Ingress on 127.0.0.1, as there may be no DNS for them,
# and trusts CA_FILE alone for https; unset CURL_HOME to undo.
curl_to_ingress() {
  local app_url keycloak_url
  app_url=$(environment_url appUrl "${2:-local}")
  keycloak_url=$(environment_url keycloakUrl "${2:-local}")
  mkdir -p "$1"
  printf 'resolve = "%s:127.0.0.1"\n' "${app_url#*://}" "${keycloak_url#*://}" >"$1/.curlrc"
  [[ -z "${3:-}" ]] || printf 'cacert = "%s"\ncapath = "%s"\n' "$3" "$1/no-other-authorities" >>"$1/.curlrc"
  mkdir -p "$1/no-other-authorities"
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

# apply_crds_first RENDERED: applies a rendered file's Namespaces and CRDs on their own, waits until
# each CRD is established, then applies everything: kubectl maps every object it is given to a
# resource before it applies any, and a custom object has no mapping until its CRD exists (a label
# selector filters only after that mapping). Server-side: upstream CRDs are too large for a
# client-side apply's annotation.
apply_crds_first() {
  local rendered=$1
  kinds_only "$rendered" Namespace CustomResourceDefinition | kubectl apply --server-side --force-conflicts -f - >/dev/null
  # shellcheck disable=SC2046 # one name per word
  wait_for_crds_established 60 $(kinds_only "$rendered" CustomResourceDefinition | sed -n 's/^  name: //p')
  kubectl apply --server-side --force-conflicts -f "$rendered" >/dev/null
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
