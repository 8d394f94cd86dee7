# shellcheck shell=bash
# The node's further nodes (scripts/node up --nodes N): node 2..N join the first node's control plane,
# each with its own kubelet, containerd, kube-proxy and kube-router, run in a network namespace of
# its own so that each has its own address, ports (10250, 10256, ...), bridge, iptables and ipsets, as
# a machine of its own would. A veth pair joins it to this host, which routes between the nodes:
#
#   node 1 (this host's namespace)            node N (network namespace oauth2-demo-node-N)
#   10.243.0.1 on lo, cni0 10.42.0.0/24  ──veth o2d-node-N ── eth0 10.243.0.N, cni0 10.42.<N-1>.0/24
#
# Each kubelet keeps its Pods' cgroups under a cgroup root of its own (/ for node 1, /oauth2-demo-node-N
# for the others): two kubelets under one /kubepods remove each other's Pods' cgroups. Everything of
# node N lives under NODE_DIR/node-N; its processes are in the first node's PROCESS_DIR, named
# <program>-N, so that down stops them with the rest.
# Source scripts/lib/node.sh first.

NODE_COUNT_FILE="$NODE_DIR/nodes"
MAX_NODES=8

node_count() {
  cat "$NODE_COUNT_FILE" 2>/dev/null || echo 1
}

worker_name() { echo "$NODE_NAME-$1"; }
worker_ip() { echo "10.243.0.$1"; }
worker_pod_subnet() { echo "10.42.$(($1 - 1)).0/24"; }
worker_netns() { echo "$NODE_NAME-$1"; }
worker_link() { echo "o2d-node-$1"; }
worker_dir() { echo "$NODE_DIR/node-$1"; }
worker_cgroup_root() { echo "/$NODE_NAME-$1"; }

# in_worker N COMMAND...: COMMAND in node N's network namespace (the host's mount namespace: the
# kubelet's volume mounts must be seen by containerd's runc, as on one machine).
in_worker() {
  local n=$1
  shift
  nsenter --net="/run/netns/$(worker_netns "$n")" -- "$@"
}

worker_ctr() { # N ARGS...
  local n=$1
  shift
  ctr --address "$(worker_dir "$n")/containerd/containerd.sock" --namespace k8s.io "$@"
}

# check_node_count N
check_node_count() {
  if [[ ! "$1" =~ ^[1-9][0-9]*$ ]] || (($1 > MAX_NODES)); then
    bad_usage "--nodes is a number from 1 to $MAX_NODES, not '$1'"
  fi
}

# --- network --------------------------------------------------------------------------------------

# add_worker_network N: the namespace, the veth pair and the routes both ways.
add_worker_network() {
  local n=$1 netns link ip
  netns=$(worker_netns "$n") link=$(worker_link "$n") ip=$(worker_ip "$n")
  ip netns add "$netns"
  ip link add "$link" type veth peer name eth0 netns "$netns"
  ip link set "$link" up
  ip route add "$ip/32" dev "$link" src "$NODE_IP"
  ip route add "$(worker_pod_subnet "$n")" via "$ip" dev "$link"
  in_worker "$n" ip link set lo up
  in_worker "$n" ip addr add "$ip/32" dev eth0
  in_worker "$n" ip link set eth0 up
  in_worker "$n" ip route add "$NODE_IP/32" dev eth0 src "$ip"
  in_worker "$n" ip route add default via "$NODE_IP" dev eth0 src "$ip"
  # Per namespace: forwarding for its Pods, and its bridge's traffic through its iptables (kube-proxy,
  # kube-router's policies).
  in_worker "$n" sysctl -q -w net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1
}

worker_links() {
  local n
  for ((n = 2; n <= $(node_count); n++)); do
    worker_link "$n"
  done
}

# --- the registry ---------------------------------------------------------------------------------

# Every node pulls from the local registry on 127.0.0.1:5001 (containerd's mirrors), which listens on
# this host's loopback only. Node N's 127.0.0.1 is its own: a relay there forwards to a Unix socket
# (files are shared by all nodes), and one on the host forwards that socket to the registry — so the
# registry stays unreachable from any network, Pods' included.
REGISTRY_RELAY_SOCKET="$NODE_DIR/registry.sock"

start_registry_relays() { # N
  if ! process_running registry-relay; then
    rm -f "$REGISTRY_RELAY_SOCKET"
    start_process registry-relay socat "UNIX-LISTEN:$REGISTRY_RELAY_SOCKET,fork,mode=600" "TCP:$REGISTRY_ON_HOST"
  fi
  start_process "registry-relay-$1" nsenter --net="/run/netns/$(worker_netns "$1")" -- \
    socat "TCP-LISTEN:${REGISTRY_ON_HOST##*:},bind=${REGISTRY_ON_HOST%:*},fork,reuseaddr" "UNIX-CONNECT:$REGISTRY_RELAY_SOCKET"
  local started=$SECONDS
  until in_worker "$1" curl -sf "http://$REGISTRY_ON_HOST/v2/" >/dev/null; do
    ((SECONDS - started < 10)) || die "node $1 does not reach the registry through its relay (logs: $(process_log registry-relay), $(process_log "registry-relay-$1"))"
    sleep 0.2
  done
}

# --- cgroups --------------------------------------------------------------------------------------

# The hierarchies of this machine's cgroup v1 controllers (and the named systemd one): each needs
# the cgroup root for the kubelet to accept it.
cgroup_hierarchies() {
  local dir
  for dir in /sys/fs/cgroup/*/; do
    [[ -f "$dir/cgroup.procs" ]] && echo "${dir%/}"
  done
}

make_worker_cgroup_root() {
  local root hierarchy
  root=$(worker_cgroup_root "$1")
  while IFS= read -r hierarchy; do
    mkdir -p "$hierarchy$root"
    # A new cpuset has no CPUs and no memory nodes until given its parent's.
    if [[ -f "$hierarchy$root/cpuset.cpus" ]]; then
      cat "$hierarchy/cpuset.cpus" >"$hierarchy$root/cpuset.cpus"
      cat "$hierarchy/cpuset.mems" >"$hierarchy$root/cpuset.mems"
    fi
  done < <(cgroup_hierarchies)
}

# --- configuration --------------------------------------------------------------------------------

# make_worker_kubeconfig N: the kubelet's client certificate (system:node:<name> in system:nodes,
# what the Node authorizer and NodeRestriction expect), signed by the cluster's CA as kubeadm's own
# phases do for the first node.
make_worker_kubeconfig() {
  local dir
  dir=$(worker_dir "$1")
  "$(kube_bin kubeadm)" kubeconfig user --config "$NODE_DIR/kubeadm.yaml" \
    --client-name "system:node:$(worker_name "$1")" --org system:nodes \
    >"$dir/kubelet.conf.partial" 2>>"$dir/logs/kubeadm.log"
  mv "$dir/kubelet.conf.partial" "$dir/kubelet.conf"
  chmod 600 "$dir/kubelet.conf"
}

# --- up and down ----------------------------------------------------------------------------------

# worker_up N: node N from nothing until its Node is Ready.
worker_up() {
  local n=$1 name dir ip
  name=$(worker_name "$n") dir=$(worker_dir "$n") ip=$(worker_ip "$n")
  step "node $n ($name): namespace $(worker_netns "$n"), $ip, Pods $(worker_pod_subnet "$n"), cgroup root $(worker_cgroup_root "$n")"
  mkdir -p "$dir/logs"
  add_worker_network "$n"
  make_worker_cgroup_root "$n"
  make_worker_kubeconfig "$n"
  write_containerd_config "$dir/containerd" "$dir/cni"
  write_cni_config "$dir/cni" "$CNI_NETWORK-$n" "$CNI_BRIDGE" "$(worker_pod_subnet "$n")"
  write_kubelet_config "$dir/kubelet" "$ip" "$dir/containerd" "$(worker_cgroup_root "$n")"
  write_kube_proxy_config "$dir/kube-proxy" "$name" "$ip"
  start_worker_processes "$n"
}

# start_worker_processes N: the registry relay, containerd, the kubelet, kube-proxy and kube-router
# of node N in its namespace, until its Node is Ready and its policy chains are in place.
# shellcheck disable=SC2034 # IN_NODE_NET: read by scripts/lib/node.sh's process and iptables helpers
start_worker_processes() {
  local n=$1 name dir
  name=$(worker_name "$n") dir=$(worker_dir "$n")
  start_registry_relays "$n"
  IN_NODE_NET=(nsenter --net="/run/netns/$(worker_netns "$n")" --)
  start_containerd "containerd-$n" "$dir/containerd"
  start_kubelet "kubelet-$n" "$dir/kubelet" "$dir/kubelet.conf" "$name" "$(worker_ip "$n")"
  start_kube_proxy "kube-proxy-$n" "$dir/kube-proxy"
  wait_for_named_node_ready "$name" "kubelet-$n" 180
  start_worker_policy_engine "$n"
  IN_NODE_NET=()
}

# shellcheck disable=SC2034 # IN_NODE_NET: read by scripts/lib/node.sh's process and iptables helpers
start_worker_policy_engine() { # N
  IN_NODE_NET=(nsenter --net="/run/netns/$(worker_netns "$1")" --)
  start_policy_engine "kube-router-$1" "$(worker_name "$1")"
  wait_for_policy_engine 60 "kube-router-$1"
  IN_NODE_NET=()
}

# stop_workers_policy_engines / start_workers_policy_engines: kube-router of nodes 2..N out of their
# Pods' path (its chains and ipsets removed in each node's namespace) and back, for the probe's
# control (scripts/test/network-policies).
# shellcheck disable=SC2034 # IN_NODE_NET: read by scripts/lib/node.sh's iptables helpers
stop_workers_policy_engines() {
  local n
  for ((n = 2; n <= $(node_count); n++)); do
    stop_process "kube-router-$n"
    IN_NODE_NET=(nsenter --net="/run/netns/$(worker_netns "$n")" --)
    remove_policy_engine_rules
    IN_NODE_NET=()
  done
}

start_workers_policy_engines() {
  local n
  for ((n = 2; n <= $(node_count); n++)); do
    process_running "kube-router-$n" || start_worker_policy_engine "$n"
  done
}

# lose_worker N: node N as a machine that lost its power: every process of it killed at once (its
# containers, their shims, containerd, the kubelet, kube-proxy, kube-router), and its link to the
# others down, so that what is sent to its Pods is lost without an answer.
lose_worker() {
  local n=$1 name pids
  for name in kube-router kube-proxy kubelet containerd registry-relay; do
    pids+=" $(process_pid "$name-$n" || true)"
  done
  pids+=" $(pgrep -f -- "-address $(worker_dir "$n")/containerd/containerd.sock" || true)"
  pids+=" $(find "/sys/fs/cgroup/pids$(worker_cgroup_root "$n")" -name cgroup.procs -exec cat {} + 2>/dev/null || true)"
  # shellcheck disable=SC2086 # one pid per word
  kill -KILL $pids 2>/dev/null || true
  ip link set "$(worker_link "$n")" down
}

# restore_worker N: node N back after lose_worker, with what was on its disk (its containers are
# gone; the kubelet removes the Pods the cluster deleted meanwhile and starts its DaemonSets' again).
restore_worker() {
  local n=$1 name
  for name in kube-router kube-proxy kubelet containerd registry-relay; do
    ! process_running "$name-$n" || die "node $n is not lost: $name-$n runs"
  done
  ip link set "$(worker_link "$n")" up
  ip route replace "$(worker_ip "$n")/32" dev "$(worker_link "$n")" src "$NODE_IP"
  ip route replace "$(worker_pod_subnet "$n")" via "$(worker_ip "$n")" dev "$(worker_link "$n")"
  start_worker_processes "$n"
}

# workers_up COUNT: nodes 2..COUNT (those not up yet), then the first node's Pods may reach them.
workers_up() {
  local count=$1 n
  for ((n = $(node_count) + 1; n <= count; n++)); do
    worker_up "$n"
    echo "$n" >"$NODE_COUNT_FILE"
  done
  # shellcheck disable=SC2046 # one interface per word
  isolate_pods $(worker_links)
}

# worker_pods_stopped: no container left in any further node's containerd.
worker_containers_left() {
  local n
  for ((n = 2; n <= $(node_count); n++)); do
    [[ -n "$(worker_ctr "$n" tasks list --quiet 2>/dev/null)" ]] && return 0
  done
  return 1
}

# worker_down N: its containers, the processes left in its cgroups, its network namespace (its veth
# and routes go with it) and cgroups. Its processes are stopped with the first node's
# (stop_processes); the files go with NODE_DIR.
worker_down() {
  local n=$1 dir task
  dir=$(worker_dir "$n")
  if [[ -S "$dir/containerd/containerd.sock" ]] && process_running "containerd-$n"; then
    for task in $(worker_ctr "$n" tasks list --quiet 2>/dev/null); do
      worker_ctr "$n" tasks kill --signal SIGKILL "$task" >/dev/null 2>&1 || true
    done
    for task in $(worker_ctr "$n" tasks list --quiet 2>/dev/null); do
      worker_ctr "$n" tasks delete --force "$task" >/dev/null 2>&1 || warn "could not delete the task of container $task on node $n"
    done
  fi
  stop_process "kube-router-$n"
  stop_process "kube-proxy-$n"
  stop_process "kubelet-$n"
  stop_process "containerd-$n"
  stop_process "registry-relay-$n"
  kill_cgroup_processes "$(worker_cgroup_root "$n")"
  ip netns delete "$(worker_netns "$n")" 2>/dev/null || true
  remove_cgroup_tree "$(worker_cgroup_root "$n")"
}

# workers_down: every further node, last first (also those of an up that failed half-way).
workers_down() {
  local n
  for ((n = MAX_NODES; n >= 2; n--)); do
    if [[ -e "/run/netns/$(worker_netns "$n")" || -d "$(worker_dir "$n")" ]]; then
      worker_down "$n"
    fi
  done
  rm -f "$NODE_COUNT_FILE"
}

# workers_left: what of any further node is still there (for check_down_is_clean).
workers_left() {
  local n hierarchy
  for ((n = 2; n <= MAX_NODES; n++)); do
    [[ ! -e "/run/netns/$(worker_netns "$n")" ]] || echo "network namespace $(worker_netns "$n")"
    ! ip link show "$(worker_link "$n")" >/dev/null 2>&1 || echo "interface $(worker_link "$n")"
    while IFS= read -r hierarchy; do
      [[ ! -d "$hierarchy$(worker_cgroup_root "$n")" ]] || echo "cgroup $hierarchy$(worker_cgroup_root "$n")"
    done < <(cgroup_hierarchies)
  done
}
