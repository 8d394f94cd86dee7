# shellcheck shell=bash
# A single-node Kubernetes cluster from real parts, run as processes on this machine (scripts/node):
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler, containerd (Debian, CRI) + runc,
# kubelet, kube-proxy (iptables), kube-router's NetworkPolicy controller (iptables + ipset, as k3s
# embeds it) and the CNI bridge/host-local/portmap/loopback plugins (Debian's
# containernetworking-plugins). The Kubernetes programs are built from k8s.io/kubernetes by
# scripts/build/build-tools; kubeadm makes the certificates and kubeconfigs (offline: the `certs` and
# `kubeconfig` phases only read its config file). Everything it writes lives under NODE_DIR; images come
# from the local registry (127.0.0.1:5001) through containerd's registry mirrors; up starts it when
# none answers, and down stops it then.
# Source scripts/lib/common.sh and scripts/versions.env first.

# shellcheck source=scripts/lib/kube-api.sh
source "$REPO_ROOT/scripts/lib/kube-api.sh"
# shellcheck source=scripts/lib/registry.sh
source "$REPO_ROOT/scripts/lib/registry.sh"
# shellcheck source=scripts/lib/cluster.sh
source "$REPO_ROOT/scripts/lib/cluster.sh"
# shellcheck source=scripts/lib/node-workers.sh
source "$REPO_ROOT/scripts/lib/node-workers.sh"

# There while the registry runs because the node's up started it.
NODE_REGISTRY_MARK="$CACHE_DIR/node-started-the-registry"
# kube-api.sh's etcd and kubectl helpers keep their files here.
KUBE_DIR="$NODE_DIR"
PROCESS_DIR="$NODE_DIR/run"
KUBE_BIN_DIR="$CACHE_DIR/tools"

NODE_NAME=oauth2-demo-node
# The node's address (NODE_IP, scripts/lib/cluster.sh) is a second address on the loopback interface,
# so that the API server, the kubelet and NodePorts listen on an address that exists only on this
# machine (127.0.0.0/8 cannot be a Service's endpoint, and the host's own address would expose them to
# its network; this kernel has no dummy interfaces). Pods reach it through their gateway, the bridge.
NODE_INTERFACE=lo
# k3s's ranges, so that what the local environment states for k3d (gitops/environments/local: the
# ingress network) holds on the node too. Neither is routed by this host (check_cidrs_are_free).
POD_CIDR=10.42.0.0/16
# Each node's Pods take a /24 of POD_CIDR: the first node 10.42.0.0/24, node N 10.42.<N-1>.0/24
# (scripts/lib/node-workers.sh).
NODE_POD_SUBNET=10.42.0.0/24
SERVICE_CIDR=10.43.0.0/16
CLUSTER_DNS=10.43.0.10
CNI_BRIDGE=cni0
CNI_NETWORK=oauth2-demo-node
CNI_BIN_DIR=/usr/lib/cni
NODE_APISERVER_PORT=26443
ETCD_PORT=22379
ETCD_PEER_PORT=22380
# What kube-api.sh's etcd helper reads.
APISERVER_PORT=$NODE_APISERVER_PORT
REGISTRY_MIRROR="http://$REGISTRY_ON_HOST"
# The registries whose names our manifests and the upstream install files use, and the k3d
# registry's name the local overlay uses (scripts/lib/cluster.sh): containerd resolves each through
# the local registry, so no manifest changes for the node.
MIRRORED_REGISTRIES=(docker.io quay.io registry.k8s.io ghcr.io public.ecr.aws "$REGISTRY_IN_CLUSTER")

CONTAINERD_DIR="$NODE_DIR/containerd"
CONTAINERD_SOCK="$CONTAINERD_DIR/containerd.sock"
PKI_DIR="$NODE_DIR/pki"
KUBECONFIG_DIR="$NODE_DIR/kubeconfigs"

kube_bin() { # NAME: the binary scripts/build/build-tools made
  echo "$KUBE_BIN_DIR/$1-$KUBERNETES_VERSION/$1"
}

node_ctr() {
  ctr --address "$CONTAINERD_SOCK" --namespace k8s.io "$@"
}

# --- prerequisites --------------------------------------------------------------------------------

# install_node_packages: the Debian programs the node runs and that its checks call (iptables-save
# lists its chains before anything else of the node exists).
install_node_packages() {
  ((EUID == 0)) || die "the node runs containers: run as root"
  apt_install containerd runc containernetworking-plugins iptables ipset conntrack jq gettext-base socat
}

node_preflight() {
  install_node_packages
  local tool
  for tool in kubelet kube-controller-manager kube-scheduler kube-proxy kubeadm kube-apiserver; do
    [[ -x "$(kube_bin "$tool")" ]] || "$REPO_ROOT/scripts/build/build-tools" "$tool"
  done
  [[ -x "$ETCD_BIN" ]] || "$REPO_ROOT/scripts/build/build-tools" etcd
  [[ -x "$KUBE_ROUTER_BIN" ]] || "$REPO_ROOT/scripts/build/build-tools" kube-router
  require_cmd kubectl "install kubectl (see kubernetes.io/docs/tasks/tools)"
  # Every image comes from the local registry: one is started unless one answers (and goes with the
  # node), and the pause image every Pod needs is built into it (seconds when it is there).
  start_registry
  if $REGISTRY_STARTED; then
    touch "$NODE_REGISTRY_MARK"
  fi
  "$REPO_ROOT/scripts/build/images" pause coredns traefik local-path-provisioner busybox metrics-server
  require_free_ports "another node or program uses it" "$NODE_APISERVER_PORT" "$ETCD_PORT" "$ETCD_PEER_PORT" \
    10248 10249 10250 10256 10257 10259
}

# The Pod and Service ranges and the node's address must not be routed by this host already.
check_cidrs_are_free() {
  local cidr
  for cidr in "$POD_CIDR" "$SERVICE_CIDR" "$NODE_IP/32"; do
    [[ -z "$(ip route show to match "$cidr" | grep -v '^default' || true)" ]] ||
      die "$cidr is routed on this host already ($(ip route show to match "$cidr" | grep -v '^default' | head -1)); a node left over? scripts/node down"
  done
}

# --- host network ---------------------------------------------------------------------------------

# The sysctls the node needs, with their previous values kept so that down restores them.
set_node_sysctls() {
  local key file="$NODE_DIR/sysctls.before"
  [[ -f "$file" ]] || for key in net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables; do
    echo "$key=$(sysctl -n "$key")" >>"$file"
  done
  sysctl -q -w net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1
}

restore_node_sysctls() {
  local file="$NODE_DIR/sysctls.before" setting
  [[ -f "$file" ]] || return 0
  while IFS= read -r setting; do
    sysctl -q -w "$setting" || warn "could not restore $setting"
  done <"$file"
}

add_node_address() {
  ip addr replace "$NODE_IP/32" dev "$NODE_INTERFACE"
}

node_address_exists() {
  [[ -n "$(ip -o addr show dev "$NODE_INTERFACE" to "$NODE_IP/32")" ]]
}

# Pods reach the nodes and each other, and nothing beyond this machine: what they would forward
# through any other interface than the bridge or a link to another node is dropped. The rule sits in
# the mangle table's FORWARD, which every forwarded packet passes before the filter table's, where
# kube-router and kube-proxy accept what their rules allow. (A CNI-* chain: down removes it.)
# isolate_pods [INTERFACE]...: the links to the other nodes, which Pods may use.
POD_ISOLATION_CHAIN=CNI-OAUTH2-DEMO-ISOLATION
POD_ISOLATION_TABLE=mangle
isolate_pods() {
  local table=(iptables -t "$POD_ISOLATION_TABLE") interface
  "${table[@]}" -N "$POD_ISOLATION_CHAIN" 2>/dev/null || "${table[@]}" -F "$POD_ISOLATION_CHAIN"
  for interface in "$@"; do
    "${table[@]}" -A "$POD_ISOLATION_CHAIN" -s "$POD_CIDR" -o "$interface" -j RETURN
  done
  "${table[@]}" -A "$POD_ISOLATION_CHAIN" -s "$POD_CIDR" ! -o "$CNI_BRIDGE" -j DROP
  "${table[@]}" -C FORWARD -j "$POD_ISOLATION_CHAIN" 2>/dev/null || "${table[@]}" -I FORWARD 1 -j "$POD_ISOLATION_CHAIN"
}

# This host's connections to a Service's address that kube-proxy has not written a rule for yet (the
# API server checks an aggregated API's Service as soon as it exists) would follow the default route
# off this machine, and whatever answers there would hold the connection. Refused here instead, so
# the caller retries once the rule is in: the filter table's OUTPUT sees a packet after kube-proxy's
# DNAT, so only those still addressed to SERVICE_CIDR match. (A CNI-* chain: down removes it.)
SERVICE_GUARD_CHAIN=CNI-OAUTH2-DEMO-SERVICES
guard_service_addresses() {
  iptables -N "$SERVICE_GUARD_CHAIN" 2>/dev/null || iptables -F "$SERVICE_GUARD_CHAIN"
  iptables -A "$SERVICE_GUARD_CHAIN" -d "$SERVICE_CIDR" -j REJECT --reject-with icmp-net-unreachable
  iptables -C OUTPUT -j "$SERVICE_GUARD_CHAIN" 2>/dev/null || iptables -A OUTPUT -j "$SERVICE_GUARD_CHAIN"
}

# The iptables chains that exist before the node starts: down removes only the KUBE-*/CNI-* chains
# that are not in this list.
record_preexisting_chains() {
  [[ -f "$NODE_DIR/chains.before" ]] || list_node_chains >"$NODE_DIR/chains.before"
}

# The command prefix that runs iptables and ipset in another node's network namespace (in_worker_net);
# empty: this host's, the first node's.
IN_NODE_NET=()

# list_node_chains: "<iptables|ip6tables> <table> <chain>" of every KUBE-* and CNI-* chain.
list_node_chains() {
  local cmd table
  for cmd in iptables ip6tables; do
    for table in filter nat mangle; do
      "${IN_NODE_NET[@]}" "$cmd-save" -t "$table" 2>/dev/null | sed -n "s/^:\(\(KUBE\|CNI\)-[^ ]*\) .*/$cmd $table \1/p"
    done
  done
}

# remove_node_chains: deletes the chains the node made (not those recorded before it started).
remove_node_chains() {
  local created
  created=$(list_node_chains | { grep -vxF -f "$NODE_DIR/chains.before" || true; })
  [[ -z "$created" ]] || remove_chains "$created"
}

# remove_chains LINES: for each "<iptables|ip6tables> <table> <chain>", the rules that jump to the
# chain, then the chain.
remove_chains() {
  local cmd table chain rule
  while read -r cmd table chain; do
    while IFS= read -r rule; do
      # iptables-save prints each rule as its -A command, comments quoted: the same words with -D
      # delete it (xargs splits them as a shell would).
      xargs "${IN_NODE_NET[@]}" "$cmd" -t "$table" <<<"${rule/#-A /-D }" 2>/dev/null || true
    done < <("${IN_NODE_NET[@]}" "$cmd-save" -t "$table" | grep -E -- "^-A .* -j $chain( |$)" || true)
  done <<<"$1"
  while read -r cmd table chain; do
    "${IN_NODE_NET[@]}" "$cmd" -t "$table" -F "$chain" 2>/dev/null || true
  done <<<"$1"
  while read -r cmd table chain; do
    "${IN_NODE_NET[@]}" "$cmd" -t "$table" -X "$chain" 2>/dev/null || warn "could not delete $cmd -t $table chain $chain"
  done <<<"$1"
}

# remove_pod_networks: the network namespaces of the node's Pods, the veths, and the bridge. (CNI DEL
# removes them when a Pod stops normally; this is for a node that did not.) A Pod's namespace is one
# whose eth0 is a veth on the node's bridge, or a containerd "cni-*" one left with nothing but its
# loopback: CNI DEL ran, but containerd was stopped before it removed the sandbox.
remove_pod_networks() {
  local netns
  while read -r netns; do
    [[ -n "$netns" ]] || continue
    if is_node_pod_netns "$netns"; then
      ip netns delete "$netns" || warn "could not delete network namespace $netns"
    fi
  done < <(ip netns list | awk '{ print $1 }')
  if ip link show "$CNI_BRIDGE" >/dev/null 2>&1; then
    local veth
    for veth in $(ip -o link show master "$CNI_BRIDGE" | awk -F ': ' '{ sub(/@.*/, "", $2); print $2 }'); do
      ip link delete "$veth" 2>/dev/null || true
    done
    ip link delete "$CNI_BRIDGE"
  fi
  ! node_address_exists || ip addr delete "$NODE_IP/32" dev "$NODE_INTERFACE"
}

is_node_pod_netns() {
  local links peer
  # A namespace deleted meanwhile has no links: nothing to do.
  links=$(ip -n "$1" -o link show 2>/dev/null || true)
  [[ -n "$links" ]] || return 1
  if [[ "$1" == cni-* ]] && ! grep -qv '^[0-9]*: lo:' <<<"$links"; then
    return 0
  fi
  # The Pod's eth0 is "eth0@ifN", N the index of its host-side veth.
  peer=$(sed -n 's/^[0-9]*: eth0@if\([0-9]*\):.*/\1/p' <<<"$links")
  [[ -n "$peer" ]] && ip link show "$CNI_BRIDGE" >/dev/null 2>&1 &&
    grep -q "^$peer:" <<<"$(ip -o link show master "$CNI_BRIDGE")"
}

# Two paths outside NODE_DIR that neither the kubelet nor containerd 1.6 lets one move: libcni's
# result cache (entries named after the network, and the loopback entry of the same sandbox) and the
# kubelet's device-plugin socket. Parent directories go only when empty (others may use them).
CNI_CACHE_DIR=/var/lib/cni/results
DEVICE_PLUGIN_DIR=/var/lib/kubelet/device-plugins
remove_files_outside_node_dir() {
  local result id
  for result in "$CNI_CACHE_DIR/$CNI_NETWORK"-*; do
    [[ -e "$result" ]] || continue
    id=${result#"$CNI_CACHE_DIR/$CNI_NETWORK"-}
    id=${id%%-*}
    rm -f "$result" "$CNI_CACHE_DIR/cni-loopback-$id"-*
  done
  rm -f "$DEVICE_PLUGIN_DIR/kubelet.sock" "$DEVICE_PLUGIN_DIR/kubelet_internal_checkpoint"
  rmdir "$CNI_CACHE_DIR" /var/lib/cni "$DEVICE_PLUGIN_DIR" /var/lib/kubelet 2>/dev/null || true
}

# unmount_node_dir: every mount under NODE_DIR (containerd's rootfs and shm, the kubelet's volumes),
# deepest first.
unmount_node_dir() {
  local target
  while IFS= read -r target; do
    umount "$target" 2>/dev/null || umount --lazy "$target" || warn "could not unmount $target"
  done < <(awk -v dir="$NODE_DIR/" 'index($2, dir) == 1 { print $2 }' /proc/self/mounts | sort -r)
}

# remove_cgroup_tree PATH: the cgroups a kubelet made (cgroupfs driver: PATH in each controller's
# hierarchy, /kubepods for the first node), innermost first; they are empty once the containers are
# gone.
remove_cgroup_tree() {
  local dir
  for dir in /sys/fs/cgroup/*"$1"; do
    [[ -d "$dir" ]] || continue
    find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || warn "some cgroups under $dir are still in use"
  done
}

# --- configuration files --------------------------------------------------------------------------

write_kubeadm_config() {
  cat >"$NODE_DIR/kubeadm.yaml" <<CONFIG
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: $NODE_IP
  bindPort: $NODE_APISERVER_PORT
nodeRegistration:
  name: $NODE_NAME
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: $KUBERNETES_VERSION
clusterName: $NODE_NAME
certificatesDir: $PKI_DIR
controlPlaneEndpoint: $NODE_IP:$NODE_APISERVER_PORT
networking:
  dnsDomain: cluster.local
  podSubnet: $POD_CIDR
  serviceSubnet: $SERVICE_CIDR
apiServer:
  certSANs: [127.0.0.1, localhost]
etcd:
  external:
    endpoints: [http://127.0.0.1:$ETCD_PORT]
CONFIG
}

# Certificates and kubeconfigs for every component, by kubeadm's own phases (no network needed).
make_certificates() {
  [[ -f "$KUBECONFIG_DIR/kube-proxy.conf" ]] && return
  step "making certificates and kubeconfigs with kubeadm" "$NODE_DIR/logs/kubeadm.log"
  write_kubeadm_config
  mkdir -p "$PKI_DIR" "$KUBECONFIG_DIR"
  run_logged "$STEP_LOG" "$(kube_bin kubeadm)" init phase certs all --config "$NODE_DIR/kubeadm.yaml"
  run_logged "$NODE_DIR/logs/kubeadm-kubeconfig.log" "$(kube_bin kubeadm)" init phase kubeconfig all \
    --config "$NODE_DIR/kubeadm.yaml" --kubeconfig-dir "$KUBECONFIG_DIR"
  # kube-proxy authenticates as the user the built-in system:node-proxier binding names.
  "$(kube_bin kubeadm)" kubeconfig user --config "$NODE_DIR/kubeadm.yaml" --client-name system:kube-proxy \
    >"$KUBECONFIG_DIR/kube-proxy.conf.partial" 2>>"$NODE_DIR/logs/kubeadm-kubeconfig.log"
  mv "$KUBECONFIG_DIR/kube-proxy.conf.partial" "$KUBECONFIG_DIR/kube-proxy.conf"
  chmod 600 "$KUBECONFIG_DIR"/*.conf
}

# write_containerd_config DIR CNI_DIR: a containerd with its root, state, socket and runc root under
# DIR, its Pods' network from the CNI configuration in CNI_DIR/net.d.
write_containerd_config() {
  local containerd_dir=$1 registry dir
  mkdir -p "$containerd_dir/certs.d"
  for registry in "${MIRRORED_REGISTRIES[@]}"; do
    dir="$containerd_dir/certs.d/$registry"
    mkdir -p "$dir"
    cat >"$dir/hosts.toml" <<HOSTS
# Every image of $registry is pulled from the local registry (same repository path and tag).
server = "https://$registry"

[host."$REGISTRY_MIRROR"]
  capabilities = ["pull", "resolve"]
HOSTS
  done
  cat >"$containerd_dir/config.toml" <<CONFIG
version = 2
root = "$containerd_dir/root"
state = "$containerd_dir/state"

[grpc]
  address = "$containerd_dir/containerd.sock"

[ttrpc]
  address = "$containerd_dir/containerd.sock.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "$containerd_dir/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # This VM refuses to lower a process's oom_score_adj, even for root: without this every sandbox
  # fails with runc's "can't get final child's PID from pipe: EOF".
  restrict_oom_score_adj = true

  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        # The kubelet uses the cgroupfs driver (no systemd here); both must agree.
        SystemdCgroup = false
        Root = "$containerd_dir/runc"

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN_DIR"
    conf_dir = "$2/net.d"

  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$containerd_dir/certs.d"
CONFIG
}

# bridge + host-local + portmap; containerd adds the loopback plugin for each Pod's lo itself.
# No masquerading (and isolate_pods): Pods reach the node and each other, nothing beyond this machine.
# write_cni_config DIR NETWORK BRIDGE SUBNET: one node's Pod network, its addresses from SUBNET (its
# part of POD_CIDR).
write_cni_config() {
  local dir=$1 network=$2 bridge=$3 subnet=$4
  mkdir -p "$dir/net.d" "$dir/ipam"
  cat >"$dir/net.d/10-oauth2-demo.conflist" <<CONFIG
{
  "cniVersion": "1.0.0",
  "name": "$network",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$bridge",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$dir/ipam",
        "ranges": [[{ "subnet": "$subnet" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
CONFIG
}

# write_kubelet_config DIR IP CONTAINERD_DIR CGROUP_ROOT: a kubelet serving on IP, its Pods in
# containerd's under CONTAINERD_DIR and in cgroups under CGROUP_ROOT (two kubelets sharing one would
# remove each other's Pods' cgroups).
write_kubelet_config() {
  local dir=$1 ip=$2 containerd_dir=$3 cgroup_root=$4
  mkdir -p "$dir"
  cat >"$dir/config.yaml" <<CONFIG
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $ip
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
containerRuntimeEndpoint: unix://$containerd_dir/containerd.sock
cgroupRoot: $cgroup_root
# No systemd on this machine; this VM has no swap, and a swap elsewhere must not stop the node.
cgroupDriver: cgroupfs
failSwapOn: false
clusterDNS: [$CLUSTER_DNS]
clusterDomain: cluster.local
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI_DIR/ca.crt}
authorization:
  mode: Webhook
podLogsDir: $dir/pod-logs
volumePluginDir: $dir/volume-plugins
serializeImagePulls: false
# A developer's disk is often fuller than a server's: evict only when it is really full.
evictionHard:
  memory.available: 100Mi
  nodefs.available: 2%
  imagefs.available: 2%
  nodefs.inodesFree: 2%
CONFIG
}

# write_kube_proxy_config DIR NAME IP
write_kube_proxy_config() {
  local dir=$1 name=$2 ip=$3
  mkdir -p "$dir"
  cat >"$dir/config.yaml" <<CONFIG
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection:
  kubeconfig: $KUBECONFIG_DIR/kube-proxy.conf
hostnameOverride: $name
clusterCIDR: $POD_CIDR
bindAddress: $ip
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# NodePorts only on the node's own address, never on the host's network.
nodePortAddresses: [$ip/32]
iptables:
  localhostNodePorts: false
# Leave the host's conntrack table size alone.
conntrack:
  maxPerCore: 0
CONFIG
}

# --- processes ------------------------------------------------------------------------------------

start_node_apiserver() {
  start_process kube-apiserver "$(kube_bin kube-apiserver)" \
    --advertise-address "$NODE_IP" --bind-address "$NODE_IP" --secure-port "$NODE_APISERVER_PORT" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --allow-privileged=true \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --client-ca-file "$PKI_DIR/ca.crt" \
    --tls-cert-file "$PKI_DIR/apiserver.crt" --tls-private-key-file "$PKI_DIR/apiserver.key" \
    --kubelet-client-certificate "$PKI_DIR/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$PKI_DIR/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types InternalIP \
    --proxy-client-cert-file "$PKI_DIR/front-proxy-client.crt" --proxy-client-key-file "$PKI_DIR/front-proxy-client.key" \
    --requestheader-client-ca-file "$PKI_DIR/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
    --requestheader-extra-headers-prefix X-Remote-Extra- --requestheader-group-headers X-Remote-Group \
    --requestheader-username-headers X-Remote-User \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$PKI_DIR/sa.pub" --service-account-signing-key-file "$PKI_DIR/sa.key" \
    --service-cluster-ip-range "$SERVICE_CIDR"
}

start_controller_manager() {
  local conf="$KUBECONFIG_DIR/controller-manager.conf"
  start_process kube-controller-manager "$(kube_bin kube-controller-manager)" \
    --kubeconfig "$conf" --authentication-kubeconfig "$conf" --authorization-kubeconfig "$conf" \
    --bind-address 127.0.0.1 --cluster-name "$NODE_NAME" \
    --client-ca-file "$PKI_DIR/ca.crt" --requestheader-client-ca-file "$PKI_DIR/front-proxy-ca.crt" \
    --cluster-signing-cert-file "$PKI_DIR/ca.crt" --cluster-signing-key-file "$PKI_DIR/ca.key" \
    --root-ca-file "$PKI_DIR/ca.crt" --service-account-private-key-file "$PKI_DIR/sa.key" \
    --use-service-account-credentials=true \
    --service-cluster-ip-range "$SERVICE_CIDR" --cluster-cidr "$POD_CIDR" --allocate-node-cidrs=false
}

start_scheduler() {
  local conf="$KUBECONFIG_DIR/scheduler.conf"
  start_process kube-scheduler "$(kube_bin kube-scheduler)" \
    --kubeconfig "$conf" --authentication-kubeconfig "$conf" --authorization-kubeconfig "$conf" \
    --bind-address 127.0.0.1
}

# The node processes below start in the network namespace IN_NODE_NET enters (this host's when empty);
# without arguments, the first node's.

# start_containerd [PROCESS DIR]: the containerd configured under DIR, until it answers.
start_containerd() {
  local name=${1:-containerd} dir=${2:-$CONTAINERD_DIR}
  start_process "$name" "${IN_NODE_NET[@]}" containerd --config "$dir/config.toml"
  wait_for_containerd "$name" "$dir/containerd.sock"
}

# wait_for_containerd NAME SOCKET: until the containerd started as NAME answers on SOCKET.
wait_for_containerd() {
  local started=$SECONDS
  until ctr --address "$2" version >/dev/null 2>&1; do
    process_running "$1" || die "$1 exited (log: $(process_log "$1"))"
    ((SECONDS - started < 30)) || die "$1 not ready after 30 s (log: $(process_log "$1"))"
    sleep 0.2
  done
}

# start_kubelet [PROCESS DIR KUBECONFIG NODE IP]: the kubelet configured under DIR (write_kubelet_config).
start_kubelet() {
  local name=${1:-kubelet} dir=${2:-$NODE_DIR/kubelet} kubeconfig=${3:-$KUBECONFIG_DIR/kubelet.conf}
  start_process "$name" "${IN_NODE_NET[@]}" "$(kube_bin kubelet)" \
    --config "$dir/config.yaml" --kubeconfig "$kubeconfig" --root-dir "$dir/root" --cert-dir "$dir/pki" \
    --hostname-override "${4:-$NODE_NAME}" --node-ip "${5:-$NODE_IP}"
}

# start_kube_proxy [PROCESS DIR]
start_kube_proxy() {
  start_process "${1:-kube-proxy}" "${IN_NODE_NET[@]}" "$(kube_bin kube-proxy)" --config "${2:-$NODE_DIR/kube-proxy}/config.yaml"
}

# --- the NetworkPolicy engine ---------------------------------------------------------------------
# kube-router's network-policy controller alone (no routing, no service proxy: the bridge routes and
# kube-proxy proxies), as k3s runs it: a chain per Pod that a NetworkPolicy selects, fed by ipsets of
# the admitted peers, and a REJECT for the rest. Connections from the node itself (kubelet probes,
# host ports) are let through by design. Without Debian's ipset it would enforce nothing, silently:
# install_node_packages installs it and the start waits for its chains.
KUBE_ROUTER_BIN="$KUBE_BIN_DIR/kube-router-$KUBE_ROUTER_VERSION/kube-router"
# Its chains (KUBE-* all: down removes them with kube-proxy's) and ipsets.
POLICY_ENGINE_CHAINS='^KUBE-(ROUTER-|NWPLCY-|POD-FW-)'
POLICY_ENGINE_SETS='^(inet6:)?(KUBE-SRC-|KUBE-DST-|TMP-)'

# start_policy_engine [PROCESS NODE]
start_policy_engine() {
  start_process "${1:-kube-router}" "${IN_NODE_NET[@]}" "$KUBE_ROUTER_BIN" --kubeconfig "$KUBECONFIG_DIR/admin.conf" \
    --hostname-override "${2:-$NODE_NAME}" --run-firewall=true --run-router=false --run-service-proxy=false \
    --enable-cni=false --enable-ipv4=true --enable-ipv6=false --service-cluster-ip-range "$SERVICE_CIDR" \
    --health-port 0 --metrics-port 0
}

# wait_for_policy_engine SECONDS [PROCESS]: until kube-router has put its chains in the path of the
# Pods' traffic and, when NetworkPolicies exist, written a chain for them. (Its health port would
# listen on every address of the machine: it is off.)
wait_for_policy_engine() {
  local name=${2:-kube-router} started=$SECONDS
  until policy_engine_enforces; do
    process_running "$name" || die "$name exited (log: $(process_log "$name"))"
    ((SECONDS - started < $1)) || die "$name's NetworkPolicy chains not in place after $1 s (log: $(process_log "$name"))"
    sleep 0.5
  done
  log "NetworkPolicies enforced by $name ($KUBE_ROUTER_VERSION) after $((SECONDS - started)) s"
}

policy_engine_enforces() {
  local rules
  rules=$("${IN_NODE_NET[@]}" iptables-save -t filter)
  grep -q -- '^-A FORWARD .*-j KUBE-ROUTER-FORWARD' <<<"$rules" || return 1
  [[ -z "$(k get networkpolicies --all-namespaces -o name 2>/dev/null)" ]] ||
    grep -q '^:KUBE-NWPLCY-[A-Z0-9]\{16\} ' <<<"$rules"
}

# remove_policy_engine_rules: kube-router's chains, the rules that jump to them, and its ipsets: what
# it leaves when it stops (it keeps enforcing through them). kube-router's own --cleanup-config is not
# used: it also flushes every IPVS service of the host.
remove_policy_engine_rules() {
  local chains set
  chains=$(list_node_chains | awk -v pattern="$POLICY_ENGINE_CHAINS" '$3 ~ pattern')
  [[ -z "$chains" ]] || remove_chains "$chains"
  for set in $("${IN_NODE_NET[@]}" ipset list -n 2>/dev/null | grep -E "$POLICY_ENGINE_SETS" || true); do
    "${IN_NODE_NET[@]}" ipset destroy "$set" 2>/dev/null || warn "could not destroy ipset $set"
  done
}

# stop_policy_engine / start_policy_engine_again: the engine out of the Pods' path and back, for the
# probe's control (scripts/test/network-policies).
stop_policy_engine() {
  stop_process kube-router
  remove_policy_engine_rules
  stop_workers_policy_engines
}

start_policy_engine_again() {
  process_running kube-router || start_policy_engine
  wait_for_policy_engine 60
  start_workers_policy_engines
}

# The group kubeadm puts its admin (admin.conf) and the API server's kubelet client in is bound to
# cluster-admin by `kubeadm init`; without kubeadm init, this does it (as the system:masters admin).
bind_cluster_admins() {
  kubectl --kubeconfig "$KUBECONFIG_DIR/super-admin.conf" create clusterrolebinding kubeadm:cluster-admins \
    --clusterrole cluster-admin --group kubeadm:cluster-admins --dry-run=client -o yaml |
    kubectl --kubeconfig "$KUBECONFIG_DIR/super-admin.conf" apply -f - >/dev/null
  cp "$KUBECONFIG_DIR/admin.conf" "$NODE_DIR/kubeconfig"
}

# wait_for_node_ready SECONDS
wait_for_node_ready() {
  wait_for_named_node_ready "$NODE_NAME" kubelet "$1"
}

# wait_for_named_node_ready NODE KUBELET SECONDS: until Node NODE is Ready (KUBELET: its kubelet's
# process name).
wait_for_named_node_ready() {
  local node=$1 kubelet=$2 started=$SECONDS
  until [[ $(k get node "$node" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == True ]]; do
    process_running "$kubelet" || die "the kubelet of $node exited (log: $(process_log "$kubelet"))"
    if ((SECONDS - started >= $3)); then
      print_log_end "$(process_log "$kubelet")"
      die "node $node not Ready after $3 s (log: $(process_log "$kubelet"))"
    fi
    sleep 0.5
  done
  log "node $node Ready after $((SECONDS - started)) s"
}

node_is_up() {
  [[ -f "$PROCESS_DIR/started" ]] && process_running kubelet
}

# remove_containers: kills and deletes every container containerd still runs (its shims outlive it,
# each in a session of its own); a containerd that was killed is started again to do it, since it
# unmounts what it mounted.
remove_containers() {
  [[ -f "$CONTAINERD_DIR/config.toml" ]] || return 0
  if ! process_running containerd; then
    [[ -n "$(pgrep -f -- "-address $CONTAINERD_SOCK" || true)" ]] || return 0
    log "containerd is not running but its containers are: starting it to remove them"
    start_containerd
  fi
  local task
  for task in $(node_ctr tasks list --quiet 2>/dev/null); do
    node_ctr tasks kill --signal SIGKILL "$task" >/dev/null 2>&1 || true
  done
  for task in $(node_ctr tasks list --quiet 2>/dev/null); do
    node_ctr tasks delete --force "$task" >/dev/null 2>&1 || warn "could not delete the task of container $task"
  done
}

# kill_cgroup_processes PATH: whatever still runs in a kubelet's cgroups (/kubepods for the first
# node; a last resort: the processes there are the node's containers by construction).
kill_cgroup_processes() {
  local procs
  [[ -d "/sys/fs/cgroup/pids$1" ]] || return 0
  procs=$(find "/sys/fs/cgroup/pids$1" -name cgroup.procs -exec cat {} + 2>/dev/null || true)
  [[ -z "$procs" ]] && return 0
  warn "killing processes left in the cgroups under $1: $(echo "$procs" | tr '\n' ' ')"
  # shellcheck disable=SC2086 # one pid per word
  kill -KILL $procs 2>/dev/null || true
  sleep 1
}

# --- what k3s ships: cluster DNS, ingress, storage ------------------------------------------------

ADDONS_SOURCE="$REPO_ROOT/scripts/node.d"
NODE_STORAGE_DIR="$NODE_DIR/storage"

# render_addons DIR: scripts/node.d with the node's values filled in, and upstream's
# local-path-storage.yaml from the module the provisioner is built from.
render_addons() {
  local dir=$1 file
  rm -rf "$dir"
  mkdir -p "$dir"
  export NODE_IP NODE_NAME NODE_STORAGE_DIR TRAEFIK_IMAGE LOCAL_PATH_PROVISIONER_VERSION LOCAL_PATH_HELPER_IMAGE METRICS_SERVER_VERSION
  (cd "$ADDONS_SOURCE" && find . -type f) | while IFS= read -r file; do
    mkdir -p "$dir/$(dirname "$file")"
    # Only these names: the files hold shell-like text ($VOL_DIR) that must stay as it is.
    # shellcheck disable=SC2016 # envsubst's list of names, not an expansion
    envsubst '${NODE_IP} ${NODE_NAME} ${NODE_STORAGE_DIR} ${TRAEFIK_IMAGE} ${LOCAL_PATH_PROVISIONER_VERSION} ${LOCAL_PATH_HELPER_IMAGE} ${METRICS_SERVER_VERSION}' \
      <"$ADDONS_SOURCE/$file" >"$dir/$file"
  done
  cp "$(module_dir "github.com/rancher/local-path-provisioner@$LOCAL_PATH_PROVISIONER_VERSION")/deploy/local-path-storage.yaml" \
    "$dir/local-path/"
}

# install_addons: CoreDNS (kubeadm's addon phase, then our Corefile), Traefik, local-path-provisioner
# and metrics-server, and waits until each runs (metrics-server: until metrics.k8s.io is served).
install_addons() {
  local dir="$NODE_DIR/addons" log="$NODE_DIR/logs/addons.log"
  step "installing CoreDNS, Traefik (127.0.0.1:8080), local-path-provisioner and metrics-server" "$log"
  render_addons "$dir"
  mkdir -p "$NODE_STORAGE_DIR"
  run_logged "$log" "$(kube_bin kubeadm)" init phase addon coredns --config "$NODE_DIR/kubeadm.yaml" \
    --kubeconfig "$NODE_DIR/kubeconfig"
  {
    k -n kube-system create configmap coredns --from-file=Corefile="$dir/coredns/Corefile" --dry-run=client -o yaml |
      k replace -f -
    k apply -f "$dir/traefik.yaml"
    k apply -k "$dir/local-path"
    k apply -k "$dir/metrics-server"
  } >>"$log" 2>&1 || die "could not install the node's add-ons (log: $log)"
  scale_addons_to_nodes
  local rollout
  for rollout in kube-system/deployment/coredns kube-system/daemonset/traefik local-path-storage/deployment/local-path-provisioner \
    kube-system/deployment/metrics-server; do
    k -n "${rollout%%/*}" rollout status "${rollout#*/}" --timeout=180s >>"$log" 2>&1 ||
      die "${rollout#*/} did not become ready (log: $log; kubectl -n ${rollout%%/*} describe ${rollout#*/})"
  done
  # Ready means it has scraped the kubelets; Available, that the apiserver reaches it (aggregation).
  k wait --for=condition=Available apiservice/v1beta1.metrics.k8s.io --timeout=60s >>"$log" 2>&1 ||
    die "metrics.k8s.io is not served (log: $log; kubectl describe apiservice v1beta1.metrics.k8s.io)"
}

# scale_addons_to_nodes: a CoreDNS replica per node (kubeadm's Deployment prefers them on different
# nodes), so that a drain or the loss of one node leaves the cluster's names answered.
scale_addons_to_nodes() {
  k -n kube-system scale deployment coredns --replicas "$(node_count)" >/dev/null
}

# --- checks (scripts/test/node, scripts/test/cluster-node) ---------------------------------------

# node_pods_ready: "<ready>/<all>" over every namespace; node_restarts: the sum of every container's restarts.
node_pods_ready() {
  k get pods -A -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' |
    awk '$1 == "True" { r++ } { n++ } END { printf "%d/%d\n", r, n }'
}

node_restarts() {
  k get pods -A -o jsonpath='{range .items[*]}{range .status.initContainerStatuses[*]}{.restartCount}{"\n"}{end}{range .status.containerStatuses[*]}{.restartCount}{"\n"}{end}{end}' |
    awk '{ s += $1 } END { print s + 0 }'
}

# node_restart_report: for every container that restarted, why its last run ended (reason, exit code,
# when), the Pod's Warning Events (a failed probe shows there) and the last lines that run logged, so a
# restart seen once in CI can be explained from CI's log alone.
node_restart_report() {
  local namespace pod container count
  # shellcheck disable=SC2016 # a Go template, not shell
  while read -r namespace pod container count; do
    ((count > 0)) || continue
    echo "--- $namespace/$pod, container $container, restarted $count time(s); its last run ended:"
    k -n "$namespace" get pod "$pod" \
      -o jsonpath="{.status.containerStatuses[?(@.name==\"$container\")].lastState.terminated}{'\n'}" || true
    k -n "$namespace" get events --field-selector "involvedObject.name=$pod,type=Warning" \
      -o custom-columns=LAST:.lastTimestamp,REASON:.reason,MESSAGE:.message --no-headers | tail -n 10 || true
    k -n "$namespace" logs "$pod" -c "$container" --previous --tail=40 || true
  done < <(k get pods -A -o go-template='{{range .items}}{{$pod := .}}{{range .status.containerStatuses}}{{$pod.metadata.namespace}} {{$pod.metadata.name}} {{.name}} {{.restartCount}}{{"\n"}}{{end}}{{end}}')
}

# check_down_is_clean CHAINS_BEFORE: after down, no process, mount, interface, chain or file of the
# node is left (CHAINS_BEFORE: list_node_chains before the node came up).
check_down_is_clean() {
  local leftovers=()
  [[ ! -e "$NODE_DIR" ]] || leftovers+=("$NODE_DIR")
  ! grep -q " $NODE_DIR/" /proc/self/mounts || leftovers+=("mounts under $NODE_DIR")
  ! ip link show "$CNI_BRIDGE" >/dev/null 2>&1 || leftovers+=("$CNI_BRIDGE")
  ! node_address_exists || leftovers+=("$NODE_IP on $NODE_INTERFACE")
  [[ -z "$(ip -o link show type veth | grep "master $CNI_BRIDGE" || true)" ]] || leftovers+=("veths on $CNI_BRIDGE")
  local netns
  for netns in $(ip netns list | awk '{ print $1 }'); do
    ! is_node_pod_netns "$netns" || leftovers+=("network namespace $netns")
  done
  [[ -z "$(pgrep -f "$NODE_DIR/" || true)" ]] || leftovers+=("processes: $(pgrep -af "$NODE_DIR/" | cut -c 1-80 | tr '\n' ';')")
  [[ -z "$(find "$CNI_CACHE_DIR" -name "$CNI_NETWORK-*" 2>/dev/null)" ]] || leftovers+=("CNI results in $CNI_CACHE_DIR")
  [[ ! -e "$DEVICE_PLUGIN_DIR/kubelet.sock" ]] || leftovers+=("$DEVICE_PLUGIN_DIR/kubelet.sock")
  local chains
  chains=$(list_node_chains | { grep -vxF -f "$1" || true; })
  [[ -z "$chains" ]] || leftovers+=("iptables chains: $(echo "$chains" | tr '\n' ',')")
  local sets
  sets=$(ipset list -n 2>/dev/null | grep -E "$POLICY_ENGINE_SETS" || true)
  [[ -z "$sets" ]] || leftovers+=("ipsets: $(echo "$sets" | tr '\n' ',')")
  local worker_leftovers
  worker_leftovers=$(workers_left)
  [[ -z "$worker_leftovers" ]] || leftovers+=("$(echo "$worker_leftovers" | tr '\n' ';')")
  ((${#leftovers[@]} == 0)) || die "down left: ${leftovers[*]}"
  log "down removed every process, mount, interface, iptables chain and file of the node"
}

# --- up, down, status -----------------------------------------------------------------------------

# A failed up leaves nothing running: its logs are kept in NODE_FAILED_LOGS, then down runs.
NODE_FAILED_LOGS="$CACHE_DIR/node-failed-logs"
take_down_failed_node() {
  ((EXIT_STATUS != 0)) || return 0
  if [[ -d "$PROCESS_DIR/logs" ]]; then
    rm -rf "$NODE_FAILED_LOGS"
    cp -r "$PROCESS_DIR/logs" "$NODE_FAILED_LOGS"
    warn "up failed: the node's logs are kept in $NODE_FAILED_LOGS; taking the node down"
  fi
  node_down
}

# node_up [COUNT]: the first node, then nodes 2..COUNT (default 1); on a running cluster, adds the
# nodes it lacks.
node_up() {
  local count=${1:-1}
  if node_is_up; then
    log "the node is up already (kubeconfig: $NODE_DIR/kubeconfig)"
    wait_for_node_ready 120
    (($(node_count) <= count)) ||
      die "the cluster has $(node_count) nodes, more than the $count asked for: scripts/node down first"
    if (($(node_count) < count)); then
      workers_up "$count"
      scale_addons_to_nodes
    fi
    return
  fi
  node_preflight
  check_cidrs_are_free
  on_exit take_down_failed_node
  rm -rf "$NODE_FAILED_LOGS"
  mkdir -p "$NODE_DIR/logs"
  record_preexisting_chains
  step "preparing the host network: $NODE_IP on $NODE_INTERFACE, ip_forward, bridge netfilter, Pods kept in"
  set_node_sysctls
  add_node_address
  isolate_pods
  guard_service_addresses
  make_certificates
  write_containerd_config "$CONTAINERD_DIR" "$NODE_DIR/cni"
  write_cni_config "$NODE_DIR/cni" "$CNI_NETWORK" "$CNI_BRIDGE" "$NODE_POD_SUBNET"
  write_kubelet_config "$NODE_DIR/kubelet" "$NODE_IP" "$CONTAINERD_DIR" /
  write_kube_proxy_config "$NODE_DIR/kube-proxy" "$NODE_NAME" "$NODE_IP"
  step "starting etcd" "$(process_log etcd)"
  start_etcd
  wait_for_http etcd "http://127.0.0.1:$ETCD_PORT/health" 30 etcd
  step "starting kube-apiserver $KUBERNETES_VERSION on https://$NODE_IP:$NODE_APISERVER_PORT" "$(process_log kube-apiserver)"
  start_node_apiserver
  cp "$KUBECONFIG_DIR/super-admin.conf" "$NODE_DIR/kubeconfig"
  wait_for_kube_apiserver 120
  bind_cluster_admins
  step "starting kube-controller-manager and kube-scheduler" "$(process_log kube-controller-manager)"
  start_controller_manager
  start_scheduler
  step "starting containerd (registry mirrors → $REGISTRY_MIRROR)" "$(process_log containerd)"
  start_containerd
  step "starting the kubelet and kube-proxy" "$(process_log kubelet)"
  start_kubelet
  start_kube_proxy
  wait_for_node_ready 180
  # It reads its node's addresses from the Node object, which the kubelet has registered now; no
  # Pod has started yet (the add-ons come next).
  step "starting kube-router's NetworkPolicy controller $KUBE_ROUTER_VERSION" "$(process_log kube-router)"
  start_policy_engine
  wait_for_policy_engine 60
  workers_up "$count"
  install_addons
  log "the cluster is up, $(node_count) node(s): export KUBECONFIG=$NODE_DIR/kubeconfig"
}

# Pods first (while the kubelet can still stop them: CNI DEL removes their network), then the rest.
node_down() {
  if [[ -f "$PROCESS_DIR/started" ]]; then
    if process_running kubelet && k get --raw /readyz >/dev/null 2>&1; then
      step "stopping every Pod through the kubelet"
      stop_process kube-controller-manager
      stop_process kube-scheduler
      k delete pods --all --all-namespaces --wait=false >/dev/null 2>&1 || true
      local started=$SECONDS
      while { [[ -n "$(node_ctr tasks list --quiet 2>/dev/null)" ]] || worker_containers_left; } &&
        ((SECONDS - started < 90)); do
        sleep 1
      done
    fi
    step "stopping the node's processes"
    workers_down
    stop_process kube-proxy
    stop_process kubelet
    remove_containers
    stop_processes
  fi
  workers_down
  kill_cgroup_processes /kubepods
  step "removing the node's mounts, network and iptables chains"
  unmount_node_dir
  remove_pod_networks
  # Only after an up of ours: kube-proxy --cleanup removes any kube-proxy's rules.
  if [[ -f "$NODE_DIR/chains.before" ]]; then
    "$(kube_bin kube-proxy)" --cleanup >/dev/null 2>&1 || true
    remove_node_chains
    remove_policy_engine_rules
  fi
  remove_cgroup_tree /kubepods
  remove_files_outside_node_dir
  restore_node_sysctls
  step "removing $NODE_DIR"
  rm -rf "$NODE_DIR"
  if [[ -f "$NODE_REGISTRY_MARK" ]]; then
    stop_registry
    rm -f "$NODE_REGISTRY_MARK"
  fi
}

node_status() {
  local name
  if [[ ! -f "$PROCESS_DIR/started" ]]; then
    log "the node is down"
    return 0
  fi
  while IFS= read -r name; do
    if process_running "$name"; then
      echo "$name running (pid $(process_pid "$name"), log $(process_log "$name"))"
    else
      echo "$name NOT running (log $(process_log "$name"))"
    fi
  done <"$PROCESS_DIR/started"
  k get nodes -o wide
}
