import { ClusterArgs, HostArgs } from "../../components/config";

/** A valid 3-master (stacked etcd, haproxy-keepalived VIP) + 2-worker cluster. */
export function baseCluster(overrides: Partial<ClusterArgs> = {}): ClusterArgs {
    const hosts: HostArgs[] = [
        { name: "m1", address: "10.213.0.11", roles: ["master"] },
        { name: "m2", address: "10.213.0.12", roles: ["master"] },
        { name: "m3", address: "10.213.0.13", roles: ["master"] },
        { name: "w1", address: "10.213.0.21", roles: ["worker"], labels: { "tier": "general" } },
        { name: "w2", address: "10.213.0.22", roles: ["worker"], taints: [{ key: "dedicated", value: "batch", effect: "NoSchedule" }] },
    ];
    return {
        clusterName: "lab",
        hosts,
        ssh: { user: "root", privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nSSHKEYMATERIAL\n-----END OPENSSH PRIVATE KEY-----\n" },
        versions: { kubernetes: "1.35.4", etcd: "3.6.5" },
        network: { hostCidr: "10.213.0.0/24" },
        loadBalancer: { mode: "haproxy-keepalived", vip: "10.213.0.100" },
        artifacts: {
            source: "download",
            baseUrl: "http://10.213.0.1:8080/{version}",
            sha256: Object.fromEntries(["etcd", "etcdctl", "etcdutl", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl", "kubelet", "kube-proxy", "flanneld", "flannel"]
                .map((b, i) => [b, i.toString(16).repeat(64).slice(0, 64)])),
        },
        ...overrides,
    };
}

/** Hosts replaced wholesale. */
export function withHosts(hosts: HostArgs[], overrides: Partial<ClusterArgs> = {}): ClusterArgs {
    return baseCluster({ hosts, ...overrides });
}

export const noFiles = { fileExists: () => false };
export const allFiles = { fileExists: () => true };
