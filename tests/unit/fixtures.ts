import * as fs from "fs";
import * as path from "path";
import { ClusterArgs, HostArgs } from "../../components/config";

const PEM_DIR = path.join(__dirname, "fixtures", "pem");
/** A real (test-only) ed25519 key in OpenSSH format, and a real self-signed CA certificate. */
export const TEST_SSH_KEY = fs.readFileSync(path.join(PEM_DIR, "test_ed25519"), "utf8");
export const TEST_SSH_KEY_PATH = path.join(PEM_DIR, "test_ed25519");
export const TEST_CA_PEM = fs.readFileSync(path.join(PEM_DIR, "registry-ca.crt"), "utf8");
export const TEST_CA_PEM_PATH = path.join(PEM_DIR, "registry-ca.crt");
/** A line of each that appears nowhere else: what "no key material" tests look for. */
export const TEST_SSH_KEY_MARK = TEST_SSH_KEY.split("\n")[2];
export const TEST_CA_MARK = TEST_CA_PEM.split("\n")[2];

/** A valid 3-master (stacked etcd, haproxy-keepalived VIP) + 2-worker cluster. */
export function baseCluster(overrides: Partial<ClusterArgs> = {}): ClusterArgs {
    const hosts: HostArgs[] = [
        { name: "m1", address: "10.213.0.11", roles: ["master"] },
        { name: "m2", address: "10.213.0.12", roles: ["master"] },
        { name: "m3", address: "10.213.0.13", roles: ["master"] },
        { name: "w1", address: "10.213.0.21", roles: ["worker"], labels: { tier: "general" } },
        { name: "w2", address: "10.213.0.22", roles: ["worker"], taints: [{ key: "dedicated", value: "batch", effect: "NoSchedule" }] },
    ];
    return {
        clusterName: "lab",
        hosts,
        ssh: { user: "root", privateKey: TEST_SSH_KEY },
        versions: { kubernetes: "1.35.4", etcd: "3.6.5" },
        network: { hostCidr: "10.213.0.0/24" },
        loadBalancer: { mode: "haproxy-keepalived", vip: "10.213.0.100" },
        artifacts: {
            source: "download",
            baseUrl: "http://10.213.0.1:8080/{version}",
            sha256: Object.fromEntries(
                ["etcd", "etcdctl", "etcdutl", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl", "kubelet", "kube-proxy", "flanneld", "flannel"].map(
                    (b, i) => [b, i.toString(16).repeat(64).slice(0, 64)],
                ),
            ),
        },
        ...overrides,
    };
}

/** Hosts replaced wholesale. */
export function withHosts(hosts: HostArgs[], overrides: Partial<ClusterArgs> = {}): ClusterArgs {
    return baseCluster({ hosts, ...overrides });
}

export const noFiles = { fileExists: () => false };
/** Every file exists; an SSH key or CA path reads as the test key or CA, anything else as "". */
export const allFiles = {
    fileExists: () => true,
    readFile: (f: string) => (/key|id_/.test(f) ? TEST_SSH_KEY : /\.(crt|pem)$/.test(f) ? TEST_CA_PEM : ""),
};
