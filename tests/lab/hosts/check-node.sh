#!/bin/bash
# Runs inside a lab host (`lab.sh check` copies it to /usr/local/sbin/lab-check-node and runs it
# over ssh): checks what a Kubernetes node needs from this environment, then, when lab.sh left a
# kubelet and the lab images in /var/lib/lab-check, runs a standalone kubelet (no apiserver) with
# its own containerd instance and two static pods (host network, and pod network through the CNI
# bridge plugin). Uses its own directories, sockets and names only, and removes everything it
# created. Exit status: number of failed checks (0 = all passed).
# Variants (environment): LAB_CHECK_CGROUP_DRIVER=cgroupfs|systemd, LAB_CHECK_CGROUP_ROOT=/x
# (default /<host>/labchk-pods; "" = the kubelet's default), LAB_CHECK_RESTRICT_OOM=true|false.
set -u
W=/var/lib/lab-check
HOST="$(cat /etc/hostname)"
FAILS=0
ok() { echo "  ok    $*"; }
bad() { echo "  FAIL  $*"; FAILS=$((FAILS + 1)); }
info() { echo "  info  $*"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds
check() {
    local d="$1" out; shift
    if out="$("$@" 2>&1)"; then ok "$d"; else bad "$d: $(echo "$out" | tail -n1)"; fi
}
# sysctl_rw KEY: can this host write the setting (writes its current value back)?
sysctl_rw() {
    local k="$1" f="/proc/sys/${1//.//}" v
    if [ ! -e "$f" ]; then info "$k: absent"; return 1; fi
    v="$(cat "$f")"
    if (echo "$v" > "$f") 2>/dev/null; then info "$k = $v (writable)"; else info "$k = $v (read-only)"; return 1; fi
}

echo "== $HOST: kernel $(uname -r), $(findmnt -no FSTYPE /sys/fs/cgroup) at /sys/fs/cgroup, PID 1 $(cat /proc/1/comm)"

echo "-- kernel features (built in or loaded on the lab machine; hosts cannot load modules)"
for m in overlay bridge br_netfilter veth vxlan nf_conntrack nf_nat iptable_nat nf_tables ip_vs ip_vs_rr xt_conntrack xt_MASQUERADE; do
    if [ -d "/sys/module/$m" ]; then ok "module $m present"; else info "module $m not present"; fi
done
check "overlay filesystem available" grep -qw overlay /proc/filesystems
if modprobe -q ip_vs 2>/dev/null; then info "modprobe works"; else info "modprobe does not work in the host (no module loading)"; fi

echo "-- sysctls (network ones are per network namespace)"
sysctl_rw net.ipv4.ip_forward && ok "net.ipv4.ip_forward writable" || bad "net.ipv4.ip_forward not writable"
sysctl_rw net.ipv6.conf.all.forwarding || true
sysctl_rw net.bridge.bridge-nf-call-iptables && ok "bridge-nf-call-iptables writable" || bad "net.bridge.bridge-nf-call-iptables missing or read-only"
sysctl_rw net.bridge.bridge-nf-call-ip6tables || true
sysctl_rw net.ipv4.conf.all.route_localnet || true
sysctl_rw net.netfilter.nf_conntrack_max || info "=> kube-proxy must not set nf_conntrack_max (conntrack.maxPerCore: 0)"
sysctl_rw net.netfilter.nf_conntrack_tcp_timeout_established || true
sysctl_rw net.netfilter.nf_conntrack_tcp_timeout_close_wait || true
sysctl_rw net.ipv4.vs.conntrack || true
for kv in vm.overcommit_memory=1 vm.panic_on_oom=0 kernel.panic=10 kernel.panic_on_oops=1 kernel.keys.root_maxkeys=1000000 kernel.keys.root_maxbytes=25000000; do
    k="${kv%%=*}"; want="${kv#*=}"; have="$(cat "/proc/sys/${k//.//}" 2>/dev/null)"
    if [ "$have" = "$want" ]; then ok "$k = $want (as the kubelet requires)"; else bad "$k = $have, the kubelet requires $want (lab.sh sets it on the lab machine)"; fi
done
check "/proc/sys/kernel is read-only (expected)" sh -c '! (cat /proc/sys/kernel/panic > /proc/sys/kernel/panic) 2>/dev/null'

echo "-- links"
check "bridge link (CNI bridge)" sh -c 'ip link add labchk0 type bridge && ip link set labchk0 up && ip link del labchk0'
check "veth pair" sh -c 'ip link add labchk1 type veth peer name labchk2 && ip link del labchk1'
check "vxlan link on host0 (flannel vxlan, port 8472)" sh -c 'ip link add labchk3 type vxlan id 42 dev host0 dstport 8472 && ip link set labchk3 up && ip link del labchk3'
check "network namespaces" sh -c 'ip netns add labchk && ip netns exec labchk ip link set lo up && ip netns del labchk'

echo "-- packet filtering"
info "iptables is $(readlink -f "$(command -v iptables)") ($(iptables --version 2>&1))"
check "iptables-nft nat chain + rule" sh -c 'iptables-nft -t nat -N LABCHK && iptables-nft -t nat -A LABCHK -p tcp --dport 1 -j DNAT --to-destination 127.0.0.1:2 && iptables-nft -t nat -F LABCHK && iptables-nft -t nat -X LABCHK'
check "iptables-nft filter + conntrack match" sh -c 'iptables-nft -N LABCHK && iptables-nft -A LABCHK -m conntrack --ctstate INVALID -j DROP && iptables-nft -F LABCHK && iptables-nft -X LABCHK'
check "ip6tables-nft nat chain" sh -c 'ip6tables-nft -t nat -N LABCHK && ip6tables-nft -t nat -X LABCHK'
if command -v iptables-legacy >/dev/null; then
    # in a throwaway network namespace: legacy tables, once there, stay for the namespace's life
    check "iptables-legacy nat chain" sh -c 'ip netns add labchk-legacy && ip netns exec labchk-legacy sh -c "iptables-legacy -t nat -N LABCHK && iptables-legacy -t nat -X LABCHK"; rc=$?; ip netns del labchk-legacy; exit $rc'
fi
check "nft table (kube-proxy nftables mode)" sh -c 'nft add table ip labchk && nft add chain ip labchk c "{ type nat hook output priority -100 ; }" && nft delete table ip labchk'
check "ipset (kube-proxy ipvs mode)" sh -c 'ipset create labchk hash:ip && ipset destroy labchk'
if ipvsadm -A -t 10.96.250.250:80 -s rr 2>/dev/null; then ipvsadm -D -t 10.96.250.250:80; ok "IPVS virtual server (kube-proxy ipvs mode)"
else info "no IPVS in this kernel (and no module loading): kube-proxy's ipvs mode cannot run here"; fi
check "conntrack table readable" sh -c 'conntrack -C >/dev/null'

echo "-- cgroups"
for c in /sys/fs/cgroup/*/; do
    c="${c%/}"; [ "$(stat -f -c %T "$c")" = cgroup2fs ] && continue
    check "$(basename "$c"): can create a cgroup" sh -c "mkdir '$c/labchk' && rmdir '$c/labchk'"
done
check "/dev/kmsg exists (kubelet OOM watcher)" test -e /dev/kmsg
info "root mount propagation: $(findmnt -no PROPAGATION /)"
info "swap: $(tail -n +2 /proc/swaps | wc -l) device(s)"

echo "-- containerd (Debian's) and runc"
check "containerd and runc installed" sh -c 'containerd --version && runc --version'
check "containerd.service is disabled (product starts it)" sh -c '[ "$(systemctl is-enabled containerd)" = disabled ]'

[ -x "$W/kubelet" ] && [ -s "$W/pause.tar" ] && [ -s "$W/testapp.tar" ] || { echo "-- no kubelet in $W: kubelet test skipped"; echo "== $HOST: $FAILS failed"; exit "$FAILS"; }

echo "-- standalone kubelet with a containerd of its own ($("$W/kubelet" --version))"
S=/run/lab-check
mkdir -p "$S" "$W/manifests" "$W/cni"
DRIVER="${LAB_CHECK_CGROUP_DRIVER:-cgroupfs}"
CGROOT="${LAB_CHECK_CGROUP_ROOT-/$HOST/labchk-pods}"   # "" = the kubelet's default (/)
fwd="$(cat /proc/sys/net/ipv4/ip_forward)"
# the kubelet's own iptables chains (KUBE-FIREWALL, canaries) and the rules jumping to them
drop_kube_chains() {
    local ipt t
    for ipt in iptables ip6tables; do
        for t in filter nat mangle; do
            $ipt -t $t -S 2>/dev/null | awk '/^-A / && / -j KUBE-/ {sub(/^-A/, "-D"); print}' | while read -r r; do eval "$ipt -t $t $r"; done
            $ipt -t $t -S 2>/dev/null | awk '/^-N KUBE-/ {print $2}' | while read -r c; do $ipt -t $t -F "$c"; done
            $ipt -t $t -S 2>/dev/null | awk '/^-N KUBE-/ {print $2}' | while read -r c; do $ipt -t $t -X "$c"; done
        done
    done 2>/dev/null
}
cleanup() {
    systemctl stop lab-check-kubelet.service 2>/dev/null
    # pods go with the kubelet's manifests: stop them through CRI-less ctr, then the runtime
    if [ -S "$S/containerd.sock" ]; then
        for t in $(ctr -a "$S/containerd.sock" -n k8s.io tasks ls -q 2>/dev/null); do ctr -a "$S/containerd.sock" -n k8s.io tasks kill -s KILL "$t" >/dev/null 2>&1; done
        sleep 1
        for t in $(ctr -a "$S/containerd.sock" -n k8s.io tasks ls -q 2>/dev/null); do ctr -a "$S/containerd.sock" -n k8s.io tasks delete -f "$t" >/dev/null 2>&1; done
        for c in $(ctr -a "$S/containerd.sock" -n k8s.io containers ls -q 2>/dev/null); do ctr -a "$S/containerd.sock" -n k8s.io containers delete "$c" >/dev/null 2>&1; done
    fi
    systemctl stop lab-check-containerd.service 2>/dev/null
    drop_kube_chains
    echo "$fwd" > /proc/sys/net/ipv4/ip_forward
    iptables -t nat -D OUTPUT -d 10.96.250.1/32 -p tcp --dport 80 -j LABCHK 2>/dev/null
    iptables -t nat -F LABCHK 2>/dev/null; iptables -t nat -X LABCHK 2>/dev/null
    ip route del 10.96.250.1/32 2>/dev/null
    for m in $(awk -v w="$W" -v s="$S" 'index($2, w "/") == 1 || index($2, s "/") == 1 {print $2}' /proc/mounts | sort -r); do umount -l "$m" 2>/dev/null; done
    ip link del labcni0 2>/dev/null
    for ns in $(ip netns list 2>/dev/null | awk '/^cni-/ {print $1}'); do ip netns del "$ns" 2>/dev/null; done
    iptables -t nat -S 2>/dev/null | awk '/CNI-/ && /^-A POSTROUTING/ {sub(/^-A/, "-D"); print}' | while read -r r; do eval "iptables -t nat $r" 2>/dev/null; done
    iptables -t nat -S 2>/dev/null | awk '/^-N CNI-/ {print $2}' | while read -r c; do iptables -t nat -F "$c"; iptables -t nat -X "$c"; done 2>/dev/null
    for c in /sys/fs/cgroup/*"$CGROOT"/kubepods* /sys/fs/cgroup/*/"$HOST"/labchk-pods; do [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null; done
    rm -rf "$S" "$W/containerd" "$W/kubelet-root" /var/lib/cni/networks/labchk /var/lib/cni/results/labchk-* 2>/dev/null
}
trap cleanup EXIT
cat > "$W/containerd.toml" <<EOF
version = 2
root = "$W/containerd"
state = "$S/containerd"
[grpc]
  address = "$S/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "ha-kubernetes.local/pause:3.10"
  # the lab machine itself lacks CAP_SYS_RESOURCE: nobody may lower an oom_score_adj, and runc
  # fails to start a pod sandbox (oom_score_adj -998) unless CRI clamps it
  restrict_oom_score_adj = ${LAB_CHECK_RESTRICT_OOM:-true}
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = $([ "$DRIVER" = systemd ] && echo true || echo false)
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$W/cni"
EOF
cat > "$W/cni/10-labchk.conflist" <<'EOF'
{ "cniVersion": "0.4.0", "name": "labchk", "plugins": [
  { "type": "bridge", "bridge": "labcni0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
    "ipam": { "type": "host-local", "ranges": [[{ "subnet": "10.250.0.0/24" }]], "routes": [{ "dst": "0.0.0.0/0" }] } },
  { "type": "portmap", "capabilities": { "portMappings": true } } ] }
EOF
check "containerd (own instance) starts" systemd-run --unit=lab-check-containerd --collect -p Delegate=yes /usr/bin/containerd --config "$W/containerd.toml"
for i in $(seq 1 50); do ctr -a "$S/containerd.sock" version >/dev/null 2>&1 && break; sleep 0.2; done
CTR="ctr -a $S/containerd.sock -n k8s.io"
check "overlayfs snapshotter loaded" sh -c "ctr -a $S/containerd.sock plugins ls | awk '\$2 == \"overlayfs\" && \$NF == \"ok\" {f = 1} END {exit !f}'"
check "CRI plugin loaded" sh -c "ctr -a $S/containerd.sock plugins ls | awk '\$2 == \"cri\" && \$NF == \"ok\" {f = 1} END {exit !f}'"
check "import pause image" $CTR images import --all-platforms "$W/pause.tar"
check "import testapp image" $CTR images import --all-platforms "$W/testapp.tar"
check "run a container with ctr (overlayfs + runc)" $CTR run --rm ha-kubernetes.local/testapp:1.0 labchk-ctr /bin/busybox echo hello

cat > "$W/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication: { anonymous: { enabled: false }, webhook: { enabled: false } }
authorization: { mode: AlwaysAllow }
containerRuntimeEndpoint: unix://$S/containerd.sock
staticPodPath: $W/manifests
cgroupDriver: $DRIVER
$([ -n "$CGROOT" ] && echo "cgroupRoot: $CGROOT")
failCgroupV1: false
failSwapOn: false
readOnlyPort: 0
port: 10260
healthzPort: 10268
EOF
[ "$CGROOT" = "/$HOST/labchk-pods" ] && for c in /sys/fs/cgroup/*/"$HOST"; do [ "$(stat -f -c %T "$c")" = cgroup2fs ] || mkdir -p "$c/labchk-pods"; done
[ -f "/sys/fs/cgroup/cpuset/$HOST/labchk-pods/cpuset.cpus" ] && { cat "/sys/fs/cgroup/cpuset/$HOST/cpuset.cpus" > "/sys/fs/cgroup/cpuset/$HOST/labchk-pods/cpuset.cpus"; cat "/sys/fs/cgroup/cpuset/$HOST/cpuset.mems" > "/sys/fs/cgroup/cpuset/$HOST/labchk-pods/cpuset.mems"; }
cat > "$W/manifests/hostnet.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata: { name: labchk-hostnet, namespace: default }
spec:
  hostNetwork: true
  containers:
    - { name: web, image: ha-kubernetes.local/testapp:1.0, imagePullPolicy: Never, command: ["/bin/busybox", "httpd", "-f", "-p", "18080", "-h", "/www"] }
EOF
cat > "$W/manifests/podnet.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata: { name: labchk-podnet, namespace: default }
spec:
  containers:
    - { name: web, image: ha-kubernetes.local/testapp:1.0, imagePullPolicy: Never, resources: { limits: { memory: 64Mi, cpu: 200m } } }
EOF
info "kubelet: cgroupDriver $DRIVER, cgroupRoot ${CGROOT:-/ (default)}; containerd: SystemdCgroup $([ "$DRIVER" = systemd ] && echo true || echo false), restrict_oom_score_adj ${LAB_CHECK_RESTRICT_OOM:-true}"
check "kubelet starts" systemd-run --unit=lab-check-kubelet --collect -p Delegate=yes "$W/kubelet" --config="$W/kubelet.yaml" --root-dir="$W/kubelet-root" --hostname-override="$HOST" --node-ip="$(ip -4 -o addr show dev host0 | awk '{print $4}' | cut -d/ -f1 | head -n1)" --v=1
running=""
for i in $(seq 1 120); do
    running="$($CTR tasks ls 2>/dev/null | awk '$3 == "RUNNING"' | wc -l)"
    [ "$running" -ge 4 ] && break
    systemctl is-active -q lab-check-kubelet.service || break
    sleep 0.5
done
if [ "${running:-0}" -ge 4 ]; then ok "static pods running: $running runc tasks (2 sandboxes + 2 containers) after $((i / 2))s"; else
    bad "static pods not running ($running RUNNING tasks); kubelet log:"
    journalctl -u lab-check-kubelet.service --no-pager -q | grep -E ' E[0-9]{4} |rror' | tail -n 15 | sed 's/^/        /'
fi
check "kubelet healthz" curl -sf http://127.0.0.1:10268/healthz
echo "        $($CTR containers ls | tail -n +2 | wc -l) containers, tasks:"; $CTR tasks ls | sed 's/^/        /'
check "host-network pod answers on :18080" curl -sf -m 3 -o /dev/null http://127.0.0.1:18080/
podip=""
for i in $(seq 1 20); do podip="$(cat /var/lib/cni/networks/labchk/last_reserved_ip.0 2>/dev/null)"; [ -n "$podip" ] && break; sleep 0.5; done
if [ -n "$podip" ]; then
    check "pod-network pod ($podip, CNI bridge labcni0) answers on :8080" curl -sf -m 3 -o /dev/null "http://$podip:8080/"
    # what kube-proxy's iptables mode does for a ClusterIP, from the host itself (needs a route)
    ip route add 10.96.250.1/32 dev labcni0 2>/dev/null
    iptables -t nat -N LABCHK && iptables -t nat -A LABCHK -p tcp -j DNAT --to-destination "$podip:8080" \
        && iptables -t nat -A OUTPUT -d 10.96.250.1/32 -p tcp --dport 80 -j LABCHK
    check "iptables DNAT of a service-like IP to the pod" curl -sf -m 3 -o /dev/null http://10.96.250.1/
else bad "no pod IP from the CNI bridge plugin"; fi
pod_cg="$(find /sys/fs/cgroup/memory"$CGROOT"/kubepods* -maxdepth 3 -type d -name '*pod*' 2>/dev/null | head -n1)"
[ -n "$pod_cg" ] && info "pod cgroups: ${pod_cg#/sys/fs/cgroup/memory} (in each controller)"
lim="$(find /sys/fs/cgroup/memory"$CGROOT"/kubepods* -path '*pod*' -name memory.limit_in_bytes -exec grep -lx 67108864 {} + 2>/dev/null | head -n1)"
[ -n "$lim" ] && ok "pod memory limit applied (64Mi: ${lim#/sys/fs/cgroup/memory})" || bad "pod memory limit (64Mi) not found in memory cgroups"
cpu_q="$(find /sys/fs/cgroup/cpu"$CGROOT"/kubepods* -path '*pod*' -name cpu.cfs_quota_us -exec grep -lx 20000 {} + 2>/dev/null | head -n1)"
[ -n "$cpu_q" ] && ok "pod cpu limit applied (200m = cfs_quota 20000)" || bad "pod cpu limit (200m) not found in cpu cgroups"
echo "== $HOST: $FAILS failed"
exit "$FAILS"
