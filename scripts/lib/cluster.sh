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
# scripts/ship pushes here; Pods pull the same registry as REGISTRY_IN_CLUSTER (scripts/k3d/cluster.yaml).
# shellcheck disable=SC2034
REGISTRY_ON_HOST=127.0.0.1:5001
# shellcheck disable=SC2034
REGISTRY_IN_CLUSTER=k3d-registry.oauth2-demo.localhost:5001
