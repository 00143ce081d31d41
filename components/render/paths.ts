/** Where ha-kubernetes puts things on a host. One place, used by renderers and components. */

const K8S = "/etc/kubernetes";
const KPKI = `${K8S}/pki`;
const ETCD_PKI = "/etc/etcd/pki";

export const PATHS = {
    bin: {
        dir: "/usr/local/bin",
        etcd: "/usr/local/bin/etcd",
        etcdctl: "/usr/local/bin/etcdctl",
        kubeApiserver: "/usr/local/bin/kube-apiserver",
        kubeControllerManager: "/usr/local/bin/kube-controller-manager",
        kubeScheduler: "/usr/local/bin/kube-scheduler",
        kubelet: "/usr/local/bin/kubelet",
        kubeProxy: "/usr/local/bin/kube-proxy",
        kubectl: "/usr/local/bin/kubectl",
        flanneld: "/usr/local/bin/flanneld",
        flannel: "/usr/local/bin/flannel",
    },
    etcd: {
        env: "/etc/etcd/etcd.env",
        pkiDir: ETCD_PKI,
        ca: `${ETCD_PKI}/ca.crt`,
        serverCert: `${ETCD_PKI}/server.crt`,
        serverKey: `${ETCD_PKI}/server.key`,
        peerCert: `${ETCD_PKI}/peer.crt`,
        peerKey: `${ETCD_PKI}/peer.key`,
        healthcheckCert: `${ETCD_PKI}/healthcheck-client.crt`,
        healthcheckKey: `${ETCD_PKI}/healthcheck-client.key`,
        dataDir: "/var/lib/etcd",
    },
    kubernetes: {
        dir: K8S,
        pkiDir: KPKI,
        ca: `${KPKI}/ca.crt`,
        apiserverCert: `${KPKI}/apiserver.crt`,
        apiserverKey: `${KPKI}/apiserver.key`,
        apiserverEtcdClientCert: `${KPKI}/apiserver-etcd-client.crt`,
        apiserverEtcdClientKey: `${KPKI}/apiserver-etcd-client.key`,
        etcdCa: `${KPKI}/etcd-ca.crt`,
        apiserverKubeletClientCert: `${KPKI}/apiserver-kubelet-client.crt`,
        apiserverKubeletClientKey: `${KPKI}/apiserver-kubelet-client.key`,
        frontProxyCa: `${KPKI}/front-proxy-ca.crt`,
        frontProxyClientCert: `${KPKI}/front-proxy-client.crt`,
        frontProxyClientKey: `${KPKI}/front-proxy-client.key`,
        serviceAccountPublicKey: `${KPKI}/sa.pub`,
        serviceAccountKey: `${KPKI}/sa.key`,
        apiserverEnv: `${K8S}/kube-apiserver.env`,
        controllerManagerEnv: `${K8S}/kube-controller-manager.env`,
        schedulerEnv: `${K8S}/kube-scheduler.env`,
        controllerManagerKubeconfig: `${K8S}/controller-manager.kubeconfig`,
        schedulerKubeconfig: `${K8S}/scheduler.kubeconfig`,
        adminKubeconfig: `${K8S}/admin.kubeconfig`,
        schedulerConfig: `${K8S}/kube-scheduler.yaml`,
        encryptionConfig: `${K8S}/encryption-config.yaml`,
        auditPolicy: `${K8S}/audit-policy.yaml`,
        auditLogDir: "/var/log/kubernetes",
        auditLog: "/var/log/kubernetes/audit.log",
    },
    node: {
        kubeletDir: "/var/lib/kubelet",
        kubeletConfig: "/var/lib/kubelet/config.yaml",
        kubeletKubeconfig: "/var/lib/kubelet/kubeconfig",
        kubeletCert: "/var/lib/kubelet/pki/kubelet.crt",
        kubeletKey: "/var/lib/kubelet/pki/kubelet.key",
        kubeletEnv: `${K8S}/kubelet.env`,
        kubeProxyDir: "/var/lib/kube-proxy",
        kubeProxyConfig: "/var/lib/kube-proxy/config.yaml",
        kubeProxyKubeconfig: "/var/lib/kube-proxy/kubeconfig",
        kubeProxyEnv: `${K8S}/kube-proxy.env`,
        containerdConfig: "/etc/containerd/config.toml",
        containerdRegistryDir: "/etc/containerd/certs.d",
        containerdSocket: "unix:///run/containerd/containerd.sock",
        cniBinDir: "/usr/lib/cni",
        cniConfDir: "/etc/cni/net.d",
        cniConflist: "/etc/cni/net.d/10-ha-kubernetes.conflist",
        cniLoopback: "/etc/cni/net.d/99-loopback.conf",
        podRoutesEnv: "/etc/ha-kubernetes/pod-routes.env",
        podRoutesScript: "/usr/local/lib/ha-kubernetes/pod-routes.sh",
        flannelConfDir: "/etc/kube-flannel",
        flannelNetConf: "/etc/kube-flannel/net-conf.json",
        flanneldEnv: `${K8S}/flanneld.env`,
        flanneldKubeconfig: `${K8S}/flanneld.kubeconfig`,
        sysctl: "/etc/sysctl.d/90-ha-kubernetes.conf",
    },
    lb: {
        haproxyConfig: "/etc/haproxy/haproxy.cfg",
        keepalivedConfig: "/etc/keepalived/keepalived.conf",
        keepalivedCheckScript: "/etc/keepalived/check_apiserver.sh",
        nginxConfig: "/etc/nginx/nginx.conf",
    },
    /** A systemd unit file we own. */
    unit: (name: string): string => `/etc/systemd/system/${name}.service`,
} as const;

// ---------------------------------------------------------------------------------------------
// Added by the node/load-balancer renderers helper (appended; everything above is the
// control-plane renderers helper's). Node paths missing from PATHS.node.
// ---------------------------------------------------------------------------------------------
export const NODE_EXTRA_PATHS = {
    /** Kernel modules loaded at boot (renderModulesLoadConf). */
    modulesLoad: "/etc/modules-load.d/ha-kubernetes.conf",
    /** containerd registry CA beside hosts.toml: `${registryHostsDir(server)}/ca.crt`. */
    registryCaFileName: "ca.crt",
} as const;
