/**
 * Where ha-kubernetes puts things on a host: the fixed host layout contract, in one place, used by
 * renderers and components. Plain constants, no logic beyond joining paths.
 */

const BIN = "/usr/local/bin";
const K8S = "/etc/kubernetes";
const KPKI = `${K8S}/pki`;
const ETCD_PKI = "/etc/etcd/pki";
const KUBELET = "/var/lib/kubelet";
const KUBE_PROXY = "/var/lib/kube-proxy";
const CNI_CONF = "/etc/cni/net.d";

/** systemd unit names (without `.service`) of the services ha-kubernetes installs. */
export const UNITS = {
    etcd: "etcd",
    apiserver: "kube-apiserver",
    controllerManager: "kube-controller-manager",
    scheduler: "kube-scheduler",
    kubelet: "kubelet",
    kubeProxy: "kube-proxy",
    flanneld: "flanneld",
    podRoutes: "ha-kubernetes-pod-routes",
} as const;

export const PATHS = {
    /** Binaries ha-kubernetes installs (Debian packages such as containerd or haproxy use their own). */
    bin: {
        dir: BIN,
        etcd: `${BIN}/etcd`,
        etcdctl: `${BIN}/etcdctl`,
        etcdutl: `${BIN}/etcdutl`,
        etcdRestore: "/usr/local/sbin/ha-kubernetes-etcd-restore",
        etcdSnapshot: "/usr/local/sbin/ha-kubernetes-etcd-snapshot",
        kubeApiserver: `${BIN}/kube-apiserver`,
        kubeControllerManager: `${BIN}/kube-controller-manager`,
        kubeScheduler: `${BIN}/kube-scheduler`,
        kubelet: `${BIN}/kubelet`,
        kubeProxy: `${BIN}/kube-proxy`,
        kubectl: `${BIN}/kubectl`,
        flanneld: `${BIN}/flanneld`,
        /** The flannel CNI plugin as shipped; installed into the CNI bin dir on nodes. */
        flannel: `${BIN}/flannel`,
    },
    etcd: {
        dir: "/etc/etcd",
        /** ETCD_* EnvironmentFile of the etcd unit. */
        env: "/etc/etcd/etcd.env",
        pkiDir: ETCD_PKI,
        /** The etcd CA: trusted for client and peer certificates. */
        ca: `${ETCD_PKI}/ca.crt`,
        serverCert: `${ETCD_PKI}/server.crt`,
        serverKey: `${ETCD_PKI}/server.key`,
        peerCert: `${ETCD_PKI}/peer.crt`,
        peerKey: `${ETCD_PKI}/peer.key`,
        /** Client certificate etcdctl uses for health checks on the member itself. */
        healthcheckCert: `${ETCD_PKI}/healthcheck-client.crt`,
        healthcheckKey: `${ETCD_PKI}/healthcheck-client.key`,
        dataDir: "/var/lib/etcd",
        /** The etcd user's copies of the CA, serving and peer certificates and keys, made at each start (gone when etcd stops). */
        runPkiDir: "/run/etcd/pki",
        /** Declares the etcd system user (systemd-sysusers). */
        sysusers: "/etc/sysusers.d/ha-kubernetes-etcd.conf",
        /** Snapshots taken before every restart of a running member (the newest few are kept). */
        snapshotDir: "/var/lib/etcd-snapshots",
        /** Scheduled snapshots (etcd-snapshot.timer), kept apart from the pre-restart ones. */
        scheduledSnapshotDir: "/var/lib/etcd-snapshots/scheduled",
        /** The scheduled snapshots' timer (its service is PATHS.unit("etcd-snapshot")). */
        snapshotTimer: "/etc/systemd/system/etcd-snapshot.timer",
    },
    kubernetes: {
        dir: K8S,
        pkiDir: KPKI,
        /** Cluster CA certificate (masters and nodes). Its key never leaves Pulumi state. */
        ca: `${KPKI}/ca.crt`,
        apiserverCert: `${KPKI}/apiserver.crt`,
        apiserverKey: `${KPKI}/apiserver.key`,
        apiserverEtcdClientCert: `${KPKI}/apiserver-etcd-client.crt`,
        apiserverEtcdClientKey: `${KPKI}/apiserver-etcd-client.key`,
        /** The etcd CA, as the apiserver sees it. */
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
        /** ha-kubernetes' own kubeconfig (its operator credential, not the exported admin one): the providers' kubectl on the masters. */
        adminKubeconfig: `${K8S}/admin.kubeconfig`,
        /** KubeSchedulerConfiguration. */
        schedulerConfig: `${K8S}/kube-scheduler.yaml`,
        /** EncryptionConfiguration: holds key material, mode 0600. */
        encryptionConfig: `${K8S}/encryption-config.yaml`,
        auditPolicy: `${K8S}/audit-policy.yaml`,
        /** AuthenticationConfiguration: anonymous requests only to the health endpoints. */
        authenticationConfig: `${K8S}/authentication-config.yaml`,
        /** AdmissionConfiguration: Pod Security Admission defaults. */
        admissionConfig: `${K8S}/admission-config.yaml`,
        auditLogDir: "/var/log/kubernetes",
        auditLog: "/var/log/kubernetes/audit.log",
    },
    node: {
        kubeletDir: KUBELET,
        kubeletConfig: `${KUBELET}/config.yaml`,
        kubeletKubeconfig: `${KUBELET}/kubeconfig`,
        kubeletPkiDir: `${KUBELET}/pki`,
        kubeletCert: `${KUBELET}/pki/kubelet.crt`,
        kubeletKey: `${KUBELET}/pki/kubelet.key`,
        kubeletEnv: `${K8S}/kubelet.env`,
        kubeProxyDir: KUBE_PROXY,
        kubeProxyConfig: `${KUBE_PROXY}/config.yaml`,
        kubeProxyKubeconfig: `${KUBE_PROXY}/kubeconfig`,
        kubeProxyEnv: `${K8S}/kube-proxy.env`,
        containerdConfig: "/etc/containerd/config.toml",
        /** containerd `config_path`: one `<registry-host>/hosts.toml` (+ ca.crt) per registry. */
        containerdRegistryDir: "/etc/containerd/certs.d",
        containerdSocket: "unix:///run/containerd/containerd.sock",
        /** CNI plugins as Debian's containernetworking-plugins installs them (the default). */
        cniBinDir: "/usr/lib/cni",
        /** CNI plugins where upstream release tarballs put them. */
        cniBinDirUpstream: "/opt/cni/bin",
        cniConfDir: CNI_CONF,
        cniConflist: `${CNI_CONF}/10-ha-kubernetes.conflist`,
        cniLoopback: `${CNI_CONF}/99-loopback.conf`,
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
    /** kube-bench's `--config` for this layout (components/render/kubeBenchConfig.ts; README "Security"). */
    kubeBenchConfig: "/etc/ha-kubernetes/kube-bench.yaml",
    /** The file of a systemd unit we own, e.g. `PATHS.unit(UNITS.etcd)`. Throws on a bad name. */
    unit: (name: string): string => {
        if (!/^[A-Za-z0-9][A-Za-z0-9_.@-]*$/.test(name) || name.endsWith(".service")) throw new Error(`bad systemd unit name: ${name}`);
        return `/etc/systemd/system/${name}.service`;
    },
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
