import { EtcdScheduledSnapshotsArgs } from "./etcdPlan";
import { HostsEntry } from "./render/hostsEntries";
import * as pulumi from "@pulumi/pulumi";
import { EncryptionSettings } from "../lib/encryptionConfig";
import type { Become } from "../lib/shell";
import type { PodSecuritySpec } from "./render/admissionConfig";

/** What a host does in the cluster. A host may have several roles. */
export type Role = "master" | "etcd" | "worker" | "lb";
export const ROLES: readonly Role[] = ["master", "etcd", "worker", "lb"];

export type LoadBalancerMode = "haproxy-keepalived" | "nginx" | "external";
export const LB_MODES: readonly LoadBalancerMode[] = ["haproxy-keepalived", "nginx", "external"];

export type EtcdTopology = "stacked" | "dedicated";
export type PodNetworkMode = "bridge" | "flannel" | "none";
export type ArtifactSourceKind = "download" | "local";

/** How Pulumi reaches a host over SSH. */
export interface SshArgs {
    /** Login user. Default `root`. */
    readonly user?: string;
    /**
     * How a login user other than root runs every command and file write as root: `sudo`
     * (passwordless: the user needs `NOPASSWD` in sudoers; the preflight checks `sudo -n true`).
     * Default: none — the login user must be root.
     */
    readonly become?: Become;
    /** SSH port. Default 22. */
    readonly port?: number;
    /** PEM/OpenSSH private key (keep it in secret config). One of `privateKey`/`privateKeyPath` is required. */
    readonly privateKey?: pulumi.Input<string>;
    /** Path of a private key file on the machine that runs Pulumi (`~` expanded); read at program start. */
    readonly privateKeyPath?: string;
    /** Optional jump host every connection goes through. */
    readonly bastion?: BastionArgs;
}

export interface BastionArgs {
    readonly address: string;
    /** Default 22. */
    readonly port?: number;
    /** Default: the host's SSH user. */
    readonly user?: string;
    /** Default: the host's SSH key. */
    readonly privateKey?: pulumi.Input<string>;
    readonly privateKeyPath?: string;
    /** Its SSH host key (`<type> <base64>`, its /etc/ssh/ssh_host_*_key.pub). Default: trusted on first use, then required. */
    readonly hostKey?: string;
}

/** A Kubernetes taint for a node. */
export interface TaintArgs {
    readonly key: string;
    readonly value?: string;
    readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/**
 * One existing Linux host. `name` is the stable key: it names Pulumi resources, the etcd
 * member and the Kubernetes node, so never rename a host in place.
 */
export interface HostArgs {
    /** Stable key, lower-case DNS label (`[a-z0-9-]`, ≤ 63). */
    readonly name: string;
    /** IPv4 address on the host network; every component listens on / advertises it. */
    readonly address: string;
    readonly roles: readonly Role[];
    /** Per-host SSH overrides (user, become, port, key, bastion). */
    readonly ssh?: SshArgs;
    /**
     * The host's SSH host key (`<type> <base64>`, as in its /etc/ssh/ssh_host_ed25519_key.pub):
     * every connection requires it. Default: trusted on first use (the first `pulumi up` records
     * the key the host presents, every later connection requires that one).
     */
    readonly sshHostKey?: string;
    /** Node labels (workers). */
    readonly labels?: Readonly<Record<string, string>>;
    /** Node taints (workers). */
    readonly taints?: readonly TaintArgs[];
    /** Pin this worker's pod CIDR (bridge mode). Default: the next free block in declaration order. */
    readonly podCidr?: string;
    /** KubeletConfiguration fields for this worker only, over `nodes.kubeletExtraConfig`. */
    readonly kubeletExtraConfig?: Readonly<Record<string, unknown>>;
}

export interface VersionsArgs {
    /** Kubernetes version, `1.MINOR.PATCH` (no leading `v`). */
    readonly kubernetes: string;
    /** etcd version, `3.MINOR.PATCH`. */
    readonly etcd: string;
}

export interface NetworkArgs {
    /** Service ClusterIP range. Default `10.96.0.0/12`. */
    readonly serviceCidr?: string;
    /** Cluster pod range. Default `10.244.0.0/16`. */
    readonly podCidr?: string;
    /** Prefix length of each node's pod block. Default 24. */
    readonly nodeCidrMaskSize?: number;
    /** Host network in CIDR form; the VIP must lie inside it. Default: derived from the masters' /24. */
    readonly hostCidr?: string;
    /**
     * `bridge` (CNI bridge + static routes computed by Pulumi), `flannel`, or `none` (no pod
     * network from ha-kubernetes: bring your CNI, e.g. Calico or Cilium, in `addons.manifests`;
     * the controller-manager allocates node pod CIDRs). Default `bridge`.
     */
    readonly podNetwork?: PodNetworkMode;
    /** flannel backend. Default `vxlan`. */
    readonly flannelBackend?: "vxlan" | "host-gw";
    /** Cluster DNS domain. Default `cluster.local`. */
    readonly clusterDomain?: string;
    /** Cluster DNS service IP given to kubelets. Default: the 10th address of `serviceCidr`. */
    readonly clusterDns?: string;
}

/** The cluster's API load balancer (`ClusterArgs.loadBalancer`); the LoadBalancer component takes `LoadBalancerArgs`. */
export interface ClusterLoadBalancerArgs {
    /** Default `haproxy-keepalived`. */
    readonly mode?: LoadBalancerMode;
    /** Virtual IP held by keepalived (mode haproxy-keepalived). */
    readonly vip?: string;
    /** Port clients use at the LB. Default 8443 for haproxy-keepalived (it shares the masters with the apiserver), 6443 otherwise. */
    readonly port?: number;
    /** Network interface keepalived manages on the masters. Default `eth0`. */
    readonly interface?: string;
    /** VRRP virtual router id, 1–255. Default 51. */
    readonly virtualRouterId?: number;
    /** mode external: address (IP or DNS name) of your own load balancer. */
    readonly address?: string;
    /** haproxy/nginx connection limit (haproxy needs about twice as many file descriptors). Default 20000. */
    readonly maxConnections?: number;
}

export interface EtcdArgs {
    /** `stacked` (etcd on every master) or `dedicated` (hosts with role etcd). Default `stacked`. */
    readonly topology?: EtcdTopology;
    /** Client port. Default 2379. */
    readonly clientPort?: number;
    /** Peer port. Default 2380. */
    readonly peerPort?: number;
    /** Keep /var/lib/etcd on `pulumi destroy`. Default true. */
    readonly keepDataOnDestroy?: boolean;
    /** Allow a single, non-HA member (throw-away labs only). Default false. */
    readonly allowSingleMember?: boolean;
    /**
     * A directory on the machine running Pulumi: the snapshot each member takes before it restarts
     * is copied into `<dir>/<member>/` (0700/0600, sha256-checked, newest 5 kept). Relative to the
     * program's directory. Default: none (snapshots stay on the hosts).
     */
    readonly snapshotCopyDirectory?: string;
    /**
     * Scheduled snapshots: a systemd timer on each member saves one every `intervalMinutes` into
     * /var/lib/etcd-snapshots/scheduled, keeping the newest `keep`. Default: on, 360 min, 12 kept.
     */
    readonly scheduledSnapshots?: EtcdScheduledSnapshotsArgs;
}

/**
 * Where hosts get the Debian packages ha-kubernetes installs (containerd, haproxy, …):
 * - `host` (default): the host's own apt sources, as its administrator set them;
 * - `mirror`: only this archive (a Debian mirror, a local or air-gapped copy); the host's own
 *   sources are not read and not changed.
 */
export type PackagesArgs = { readonly source?: "host" } | PackageMirrorArgs;

export interface PackageMirrorArgs {
    readonly source: "mirror";
    /** `http://` or `https://` URL of the archive root (the directory holding `dists/`). */
    readonly url: string;
    /** Suite. Default: each host's own release codename (`bookworm`, `trixie`). */
    readonly suite?: string;
    /** Archive components. Default `[main]`. */
    readonly components?: readonly string[];
    /**
     * Armored OpenPGP public key (`-----BEGIN PGP PUBLIC KEY BLOCK-----`) the archive's InRelease
     * is signed with. Default: the keys the host's apt trusts (Debian's archive keyring), as for a
     * plain Debian mirror. Unsigned archives are refused.
     */
    readonly signedBy?: string;
    /** File holding `signedBy` on the machine that runs Pulumi (`~` expanded); read at program start. */
    readonly signedByPath?: string;
}

export interface ArtifactsArgs {
    /** `download` (hosts fetch from `baseUrl`) or `local` (Pulumi uploads files from `directory`). Default `download`. */
    readonly source?: ArtifactSourceKind;
    /** download: URL prefix; each binary is `${baseUrl}/${name}`. `{version}` / `{etcdVersion}` are substituted. */
    readonly baseUrl?: string;
    /** local: directory on the Pulumi machine holding the binaries (flat). */
    readonly directory?: string;
    /** sha256 of each binary. Required for download; for local, read from `${directory}/SHA256SUMS` when absent. */
    readonly sha256?: Readonly<Record<string, string>>;
}

export interface RegistryArgs {
    /** Registry name as used in image references, `host[:port]`. */
    readonly server: string;
    /** Endpoint containerd pulls from, e.g. `https://10.0.0.5:5000`. Default `https://${server}`. */
    readonly endpoint?: string;
    /** PEM CA (one or more certificates) that signed the registry's certificate. Give it here or in `caPemPath`. */
    readonly caPem?: pulumi.Input<string>;
    /** File holding `caPem` on the machine that runs Pulumi (`~` expanded); read at program start. */
    readonly caPemPath?: string;
    readonly username?: string;
    /** Keep it in secret config. */
    readonly password?: pulumi.Input<string>;
}

export interface CertificatesArgs {
    /** Validity of CAs, hours. Default 87600 (10 years). */
    readonly caValidityHours?: number;
    /** Validity of leaf certificates, hours. Default 8760 (1 year). */
    readonly validityHours?: number;
    /** Re-issue leaf certificates this many hours before expiry (on the next `pulumi up`). Default 720 (30 days). */
    readonly earlyRenewalHours?: number;
    /**
     * Renew now: any short value (`[A-Za-z0-9._:-]`, e.g. a date); setting or changing it re-issues
     * every leaf key and certificate on the next `pulumi up` and rolls the services one host at a
     * time. The CAs stay. Default unset.
     */
    readonly renewal?: string;
}

export interface NodeArgs {
    /** kubelet/containerd cgroup driver. Default `systemd`. */
    readonly cgroupDriver?: "systemd" | "cgroupfs";
    /** Pod sandbox (pause) image reference. Default: containerd's built-in default; set it when air-gapped. */
    readonly sandboxImage?: string;
    /** kube-proxy mode. Default `iptables`. */
    readonly proxyMode?: "iptables" | "ipvs" | "nftables";
    /** kube-proxy conntrack maxPerCore; 0 leaves the kernel value (needed in containers). Default: kube-proxy's. */
    readonly conntrackMaxPerCore?: number;
    /** Extra KubeletConfiguration fields (security settings cannot be overridden). */
    readonly kubeletExtraConfig?: Readonly<Record<string, unknown>>;
    /**
     * Kernel modules every node loads at boot (modules-load.d), which the preflight requires loaded
     * or loadable. Default ["overlay", "br_netfilter"] (containerd's overlayfs; iptables sees
     * bridged pod traffic).
     */
    readonly kernelModules?: readonly string[];
    /** Clamp containers' oom_score_adj (nodes without CAP_SYS_RESOURCE, e.g. in containers). Default false. */
    readonly restrictOomScoreAdj?: boolean;
    /**
     * Container image archives (tar files on the machine running Pulumi, OCI layout or `docker
     * save`) imported into containerd on every node before the kubelet starts: pause, CoreDNS and
     * anything else air-gapped nodes must not pull. Relative to the program's directory. Default none.
     */
    readonly imageArchives?: readonly string[];
    /**
     * Names every node resolves without DNS: `{address, names}` lines ha-kubernetes keeps in a
     * block of its own in each node's /etc/hosts (the rest of the file stays the host's), written
     * before anything is installed and drift-detected; e.g. a private registry known by name only.
     * Default none (the file is not touched).
     */
    readonly extraHosts?: readonly HostsEntry[];
}

/** Cluster DNS (CoreDNS), applied through the API. */
export interface CoreDnsArgs {
    /** `false`: no cluster DNS from ha-kubernetes (bring your own). Default true. */
    readonly enabled?: boolean;
    /** Image. Default `<addons.imageRepository>/coredns/coredns:v1.13.1`, or `coredns/coredns:1.13.1` (the CoreDNS project's) without an image repository. */
    readonly image?: string;
    /** Replicas, spread over nodes. Default 2. */
    readonly replicas?: number;
    /** Resolvers for names outside the cluster: IPv4[:port] or a resolv.conf path. Default `["/etc/resolv.conf"]` (each node's). `[]`: cluster names only. */
    readonly upstreams?: readonly string[];
    /** Answer cache, seconds. Default 30. */
    readonly cacheSeconds?: number;
}

/** metrics-server: the `metrics.k8s.io` API (`kubectl top`, HorizontalPodAutoscaler). */
export interface MetricsServerArgs {
    /** Image. Default `<addons.imageRepository>/metrics-server/metrics-server:v0.8.0`; without an image repository it must be set. */
    readonly image?: string;
    /** Replicas, spread over nodes, with a disruption budget when 2 or more. Default 2. */
    readonly replicas?: number;
    /** Seconds between scrapes of the kubelets, at least 10. Default 15. */
    readonly resolutionSeconds?: number;
}

/** Kubernetes objects ha-kubernetes applies through the API after the control plane's gate. */
export interface AddonsArgs {
    /**
     * Registry host[:port] and path the add-on images come from, laid out as the Kubernetes
     * project's registry is (`<repository>/coredns/coredns:v1.13.1`,
     * `<repository>/metrics-server/metrics-server:v0.8.0`): your mirror, when air-gapped. Default none.
     */
    readonly imageRepository?: string;
    readonly coredns?: CoreDnsArgs;
    /** metrics-server with its serving certificate from the cluster CA: `true` or settings. Default `false`. */
    readonly metricsServer?: boolean | MetricsServerArgs;
    /**
     * Your own manifest files (YAML, several documents each; on the machine running Pulumi,
     * relative to the program's directory), applied through the API after the control plane's
     * gate, each object drift-detected like the product's own: a CNI with `network.podNetwork:
     * none`, operators, policies. Namespaces and CRDs of the same files go first. Default none.
     */
    readonly manifests?: readonly string[];
}

/** Control-plane settings; changing one rolls the masters one at a time. */
export interface ControlPlaneSettingsArgs {
    /** Further kube-apiserver flags (name without dashes → value); security-critical flags are refused. Default none. */
    readonly apiserverExtraArgs?: Readonly<Record<string, string>>;
    /** Days rotated audit logs are kept. Default 30. */
    readonly auditLogMaxAgeDays?: number;
    /** NodePort range "first-last". Default "30000-32767". */
    readonly serviceNodePortRange?: string;
    /**
     * Pod Security Admission defaults for namespaces without their own labels: `enforce`, `warn`,
     * `audit` (privileged | baseline | restricted) and `exemptNamespaces`. Default: baseline
     * enforced, restricted warned and audited, kube-system exempt.
     */
    readonly podSecurity?: PodSecuritySpec;
    /**
     * Encryption at rest of API resources in etcd: `provider` (secretbox | aesgcm | aescbc; default
     * secretbox), `key` (the current key's name, default "key1": a new name makes a new random key
     * and rotates to it in the same `pulumi up`, the API answering throughout) and `resources`
     * (explicit names, default ["secrets"]).
     */
    readonly encryption?: EncryptionSettings;
    /**
     * The group (certificate O) of the exported admin kubeconfig (the `kubeconfig` output, user
     * `ha-kubernetes-admin`), made cluster-admin by the ClusterRoleBinding
     * `ha-kubernetes:cluster-admins`: deleting that binding revokes every admin kubeconfig at
     * once; changing the group re-issues the admin certificate in the new group and re-points
     * the binding, which revokes those issued for the old one. Not `system:masters` nor any
     * `system:` group. Default `ha-kubernetes:cluster-admins`.
     */
    readonly adminGroup?: string;
    /**
     * Offer the break-glass kubeconfig (user `ha-kubernetes-break-glass` in `system:masters`,
     * which no RBAC change revokes; it lives only in the Pulumi state, on no host) as the secret
     * output `breakGlassKubeconfig`. Default false.
     */
    readonly exportBreakGlassKubeconfig?: boolean;
}
/**
 * How a change to running nodes rolls (etcd members and masters always roll one at a time; new
 * hosts always install in parallel).
 */
export interface RolloutArgs {
    /**
     * Nodes restarted at once: a count (at least 1) or a percentage of the nodes ("25%", rounded
     * down, at least 1). Each batch waits for the previous batch's Ready gates. Default 1.
     */
    readonly maxUnavailable?: number | string;
    /**
     * Cordon each running node and evict its pods through the API (DaemonSets aside, disruption
     * budgets honoured, `timeoutSec` of the gates) before its restart; uncordon it after its Ready
     * gate. A node that is not Ready is only cordoned. `false`: restart in place. Default true.
     */
    readonly drain?: boolean;
}

/**
 * What the preflight requires of every host before anything is changed (besides SSH, root,
 * systemd, a supported architecture and OS release, cgroup v2 and the roles' kernel modules and
 * free ports, which always apply).
 */
export interface PreflightArgs {
    /** Let nodes run with swap on (the kubelet then gets `failSwapOn: false`). Default false. */
    readonly allowSwap?: boolean;
    /** Memory floor of every host, in MiB. Default by role: master 1700, etcd 1024, worker 1024, lb 256. */
    readonly minMemoryMiB?: number;
    /** Free space under /var/lib of every host, in MiB. Default by role: 2048 (lb 256). */
    readonly minVarLibFreeMiB?: number;
    /** Largest clock difference between hosts, in milliseconds. Default 2000. */
    readonly maxClockSkewMs?: number;
}

/** The whole cluster, as read from stack configuration. */
export interface ClusterArgs {
    /** Cluster name (kubeconfig, etcd token). Lower-case DNS label. */
    readonly clusterName: string;
    readonly hosts: readonly HostArgs[];
    /** SSH defaults for every host. */
    readonly ssh: SshArgs;
    readonly versions: VersionsArgs;
    readonly network?: NetworkArgs;
    readonly loadBalancer?: ClusterLoadBalancerArgs;
    readonly etcd?: EtcdArgs;
    readonly artifacts?: ArtifactsArgs;
    readonly registry?: RegistryArgs;
    readonly certificates?: CertificatesArgs;
    readonly nodes?: NodeArgs;
    readonly controlPlane?: ControlPlaneSettingsArgs;
    readonly addons?: AddonsArgs;
    readonly rollout?: RolloutArgs;
    readonly preflight?: PreflightArgs;
    /** Where hosts get Debian packages. Default: their own apt sources. */
    readonly packages?: PackagesArgs;
    /**
     * Not a stack setting: the hosts that ran before this update (the program passes what its last
     * update reported, `installedHostsOfLastUpdate()`). Hosts among them roll (see `rollout`);
     * every other host installs and starts in parallel. Default: every host counts as running.
     */
    readonly runningHosts?: readonly string[];
    /**
     * Not a stack setting: the SSH host keys every connection requires, by `address:port` (the
     * program passes what `verifiedSshHostKeys()` checked: the pinned keys, those its last
     * update recorded, and new hosts' keys on first use). Pinned keys (`hosts[].sshHostKey`,
     * `ssh.bastion.hostKey`) apply without it. Default: only the pinned keys are required.
     */
    readonly sshHostKeys?: Readonly<Record<string, string>>;
}
