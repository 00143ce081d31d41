/**
 * The CIS Kubernetes Benchmark 1.12 properties (sections 1, 2 and 4, as kube-bench's
 * cfg/cis-1.12 defines the checks), held against a real host of this layout: systemd units and
 * their env files instead of static pod manifests, kubeconfigs under /etc/kubernetes and
 * /var/lib/kubelet, etcd configured by ETCD_* variables. One place, each check named by its id.
 * Checks this layout deliberately does not meet are listed in README "Security", not here.
 */
import { Inventory, sshOk } from "./lab";

export interface CisCheck {
    readonly id: string;
    readonly what: string;
    /** Shell run as root on the host; its trimmed output must equal `want` (or match it). */
    readonly command: string;
    readonly want: string | RegExp;
}

const mode = (f: string) => `stat -c '%a %U:%G' ${f}`;
const file600 = (id: string, what: string, f: string): CisCheck => ({ id, what: `${what} 600 root:root`, command: mode(f), want: "600 root:root" });
/** The running process's flags, one per line. */
const flagsOf = (proc: string) => `tr '\\0' '\\n' < /proc/$(pidof ${proc})/cmdline`;
const hasFlag = (id: string, proc: string, flag: string): CisCheck => ({ id, what: `${proc} ${flag}`, command: `${flagsOf(proc)} | grep -cxF -- ${flag}`, want: "1" });
const lacksFlag = (id: string, proc: string, re: string): CisCheck => ({ id, what: `${proc} without ${re}`, command: `${flagsOf(proc)} | grep -cE -- '${re}' || true`, want: "0" });
const kubeletField = (id: string, what: string, re: string): CisCheck => ({
    id,
    what: `kubelet config ${what}`,
    command: `grep -cE '${re}' /var/lib/kubelet/config.yaml`,
    want: /^[1-9]/,
});
const etcdVar = (id: string, name: string, value: string): CisCheck => ({
    id,
    what: `etcd ${name}=${value}`,
    command: `grep -cxF '${name}="${value}"' /etc/etcd/etcd.env`,
    want: "1",
});

/** Section 1 (control plane) on a master. */
export const MASTER_CHECKS: readonly CisCheck[] = [
    file600("1.1.1-2", "kube-apiserver unit", "/etc/systemd/system/kube-apiserver.service"),
    file600("1.1.1-2", "kube-apiserver flags", "/etc/kubernetes/kube-apiserver.env"),
    file600("1.1.3-4", "kube-controller-manager unit", "/etc/systemd/system/kube-controller-manager.service"),
    file600("1.1.5-6", "kube-scheduler unit", "/etc/systemd/system/kube-scheduler.service"),
    file600("1.1.5-6", "kube-scheduler config", "/etc/kubernetes/kube-scheduler.yaml"),
    file600("1.1.13-14", "admin kubeconfig", "/etc/kubernetes/admin.kubeconfig"),
    file600("1.1.15-16", "scheduler kubeconfig", "/etc/kubernetes/scheduler.kubeconfig"),
    file600("1.1.17-18", "controller-manager kubeconfig", "/etc/kubernetes/controller-manager.kubeconfig"),
    { id: "1.1.19", what: "PKI directory and files root:root", command: "find /etc/kubernetes/pki \\( -not -user root -o -not -group root \\) | wc -l", want: "0" },
    { id: "1.1.20", what: "PKI certificates 644 or stricter", command: "find /etc/kubernetes/pki -name '*.crt' -perm /133 | wc -l", want: "0" },
    { id: "1.1.21", what: "PKI keys 600", command: "find /etc/kubernetes/pki -name '*.key' -not -perm 600 | wc -l", want: "0" },
    lacksFlag("1.2.2", "kube-apiserver", "^--token-auth-file="),
    {
        id: "1.2.3",
        what: "kube-apiserver DenyServiceExternalIPs",
        command: `${flagsOf("kube-apiserver")} | grep -cE -- '^--enable-admission-plugins=(.*,)?DenyServiceExternalIPs(,|$)'`,
        want: "1",
    },
    hasFlag("1.2.4", "kube-apiserver", "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt"),
    hasFlag("1.2.5", "kube-apiserver", "--kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt"),
    hasFlag("1.2.6-8", "kube-apiserver", "--authorization-mode=Node,RBAC"),
    lacksFlag("1.2.10", "kube-apiserver", "^--enable-admission-plugins=.*AlwaysAdmit"),
    {
        id: "1.2.14",
        what: "kube-apiserver NodeRestriction",
        command: `${flagsOf("kube-apiserver")} | grep -cE -- '^--enable-admission-plugins=(.*,)?NodeRestriction(,|$)'`,
        want: "1",
    },
    hasFlag("1.2.15", "kube-apiserver", "--profiling=false"),
    { id: "1.2.16", what: "kube-apiserver audit log", command: `${flagsOf("kube-apiserver")} | grep -c -- '^--audit-log-path=/'`, want: "1" },
    lacksFlag("1.2.21", "kube-apiserver", "^--service-account-lookup=false"),
    hasFlag("1.2.27", "kube-apiserver", "--encryption-provider-config=/etc/kubernetes/encryption-config.yaml"),
    {
        id: "1.2.29",
        what: "kube-apiserver forward-secret AEAD cipher suites only",
        command: `${flagsOf("kube-apiserver")} | grep -c -- '^--tls-cipher-suites=' ; ${flagsOf("kube-apiserver")} | sed -n 's/^--tls-cipher-suites=//p' | tr ',' '\\n' | grep -cvE '^TLS_ECDHE_(ECDSA|RSA)_WITH_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305)$' || true`,
        want: "1\n0",
    },
    hasFlag("1.3.2", "kube-controller-manager", "--profiling=false"),
    hasFlag("1.3.3", "kube-controller-manager", "--use-service-account-credentials=true"),
    hasFlag("1.4.1", "kube-scheduler", "--profiling=false"),
];

/** Section 1.1 and 2 on an etcd member. */
export const ETCD_CHECKS: readonly CisCheck[] = [
    file600("1.1.7-8", "etcd unit", "/etc/systemd/system/etcd.service"),
    file600("1.1.7-8", "etcd settings", "/etc/etcd/etcd.env"),
    { id: "1.1.11-12", what: "etcd data directory 700 etcd:etcd", command: mode("/var/lib/etcd"), want: "700 etcd:etcd" },
    { id: "1.1.12", what: "etcd runs as the etcd user", command: "ps -o user= -C etcd", want: "etcd" },
    etcdVar("2.1", "ETCD_CERT_FILE", "/run/etcd/pki/server.crt"),
    etcdVar("2.2", "ETCD_CLIENT_CERT_AUTH", "true"),
    etcdVar("2.3", "ETCD_AUTO_TLS", "false"),
    etcdVar("2.4", "ETCD_PEER_CERT_FILE", "/run/etcd/pki/peer.crt"),
    etcdVar("2.5", "ETCD_PEER_CLIENT_CERT_AUTH", "true"),
    etcdVar("2.6", "ETCD_PEER_AUTO_TLS", "false"),
];

/** Section 4 on a node (masters are nodes too). */
export const NODE_CHECKS: readonly CisCheck[] = [
    file600("4.1.1-2", "kubelet unit", "/etc/systemd/system/kubelet.service"),
    file600("4.1.3-4", "kube-proxy kubeconfig", "/var/lib/kube-proxy/kubeconfig"),
    file600("4.1.5-6", "kubelet kubeconfig", "/var/lib/kubelet/kubeconfig"),
    file600("4.1.9-10", "kubelet config", "/var/lib/kubelet/config.yaml"),
    kubeletField("4.2.1", "anonymous auth off", "^    enabled: false"),
    kubeletField("4.2.2", "authorization Webhook", "^  mode: Webhook$"),
    kubeletField("4.2.3", "client CA", "^    clientCAFile: /etc/kubernetes/pki/ca.crt$"),
    kubeletField("4.2.4", "no read-only port", "^readOnlyPort: 0$"),
    kubeletField("4.2.12", "strong ciphers", "^  - TLS_ECDHE_(ECDSA|RSA)_WITH_AES_128_GCM_SHA256$"),
    kubeletField("4.2.13", "pod PID limit", "^podPidsLimit: [0-9]+$"),
    kubeletField("4.2.14", "seccomp default", "^seccompDefault: true$"),
    { id: "4.3.1", what: "kube-proxy metrics on localhost", command: "grep -c '^metricsBindAddress: 127.0.0.1:' /var/lib/kube-proxy/config.yaml", want: "1" },
];

/** Runs `checks` on `host`; returns the failures as `id what: got …` (empty when all pass). */
export function cisFailures(inv: Inventory, host: string, checks: readonly CisCheck[]): string[] {
    return checks.flatMap((c) => {
        const got = sshOk(inv, host, `${c.command} 2>&1 || true`).trim();
        const ok = typeof c.want === "string" ? got === c.want : c.want.test(got);
        return ok ? [] : [`${host}: CIS ${c.id} ${c.what}: got ${JSON.stringify(got)}`];
    });
}
