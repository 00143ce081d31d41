import { hashHeader } from "./header";

export interface SysctlSpec {
    /** net.ipv4.ip_forward: nodes route pod traffic. */
    readonly ipForward: boolean;
    /**
     * net.bridge.bridge-nf-call-iptables / -ip6tables = 1: iptables sees bridged pod traffic (kube-proxy
     * needs it with a CNI bridge). The keys exist only with the br_netfilter module loaded (see
     * renderModulesLoadConf); they are written with systemd-sysctl's `-` prefix so a missing key
     * does not fail boot. Default true.
     */
    readonly bridgeNfCall?: boolean;
    /** More settings, e.g. `{ "fs.inotify.max_user_instances": 8192 }`. */
    readonly extra?: Readonly<Record<string, string | number>>;
}

const KEY = /^[a-z0-9_]+(\.[a-z0-9_-]+)+$/;
const VALUE = /^[A-Za-z0-9_.:,/ -]+$/;

function line(key: string, value: string | number, ignoreMissing = false): string {
    if (!KEY.test(key)) throw new Error(`bad sysctl key ${JSON.stringify(key)}`);
    const v = String(value);
    if (!VALUE.test(v) || v.trim() !== v) throw new Error(`bad sysctl value for ${key}: ${JSON.stringify(v)}`);
    return `${ignoreMissing ? "-" : ""}${key} = ${v}`;
}

/** /etc/sysctl.d/90-ha-kubernetes.conf (sysctl.d(5) `key = value` lines). Pure. */
export function renderSysctlConf(spec: SysctlSpec): string {
    if (typeof spec.ipForward !== "boolean") throw new Error("sysctl ipForward must be a boolean");
    const lines = [line("net.ipv4.ip_forward", spec.ipForward ? 1 : 0)];
    if (spec.bridgeNfCall ?? true) {
        lines.push(line("net.bridge.bridge-nf-call-iptables", 1, true), line("net.bridge.bridge-nf-call-ip6tables", 1, true));
    }
    for (const [k, v] of Object.entries(spec.extra ?? {})) lines.push(line(k, v));
    return hashHeader() + lines.join("\n") + "\n";
}

export interface ModulesLoadSpec {
    /** Kernel modules to load at boot. Default ["overlay", "br_netfilter"] (containerd's overlayfs, bridge netfilter sysctls). */
    readonly modules?: ReadonlyArray<string>;
}

/** /etc/modules-load.d/ha-kubernetes.conf (modules-load.d(5): one module per line). Pure. */
export function renderModulesLoadConf(spec: ModulesLoadSpec = {}): string {
    const modules = spec.modules ?? ["overlay", "br_netfilter"];
    for (const m of modules) if (!/^[A-Za-z0-9_-]+$/.test(m)) throw new Error(`bad kernel module name ${JSON.stringify(m)}`);
    return hashHeader() + modules.map((m) => `${m}\n`).join("");
}
