import * as pulumi from "@pulumi/pulumi";
import { APT_TOKEN, isMirrorUrl } from "./render/aptSource";
import { apiserverExtraArgProblem } from "./render/apiserver";
import { addonSettingProblems, addonSettings } from "./addonSettings";
import { isDnsName, isImageReference } from "./render/references";
import { FileOrText, fileOrTextProblems } from "./fileInputs";
import { manifestProblems } from "./manifests";
import { cidrContains, cidrsOverlap, isIpAddress, isIpv4, parseCidr, subnetCount } from "../lib/address";
import { ClusterArgs, HostArgs, LB_MODES, RegistryArgs, ROLES, SshArgs } from "./config";
import { DEFAULTS, defaultHostCidr, resolveTopology } from "./topology";
import { parseHostKey } from "../lib/hostKeys";
import { BECOME_METHODS } from "../lib/shell";
import { podSecurityProblems } from "./render/admissionConfig";
import { encryptionProblems } from "../lib/encryptionConfig";
import { adminGroupProblem } from "./render/rbac";
import { maxUnavailableProblem } from "./rollout";
import { isHostName } from "./render/hostsEntries";

/** One problem with the input, addressed by its path in the stack configuration. */
export interface Problem {
    readonly propertyPath: string;
    readonly reason: string;
}

/** What validation may look at outside the configuration (injectable for tests). */
export interface ValidationEnv {
    readonly fileExists: (path: string) => boolean;
    /** Reads a text file (manifests). Default: from disk. */
    readonly readFile?: (path: string) => string;
}

const defaultEnv: ValidationEnv = {
    fileExists: (p) => require("fs").existsSync(p),
    readFile: (p) => require("fs").readFileSync(p, "utf8"),
};

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** A network interface name (keepalived's VIP interface). */
export const IFACE = /^[A-Za-z0-9_.@-]{1,15}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const HOST_PORT = /^[A-Za-z0-9.-]+(:\d{1,5})?$/;

/** Binaries every deployment needs, by role. */
export const REQUIRED_BINARIES = {
    etcd: ["etcd", "etcdctl", "etcdutl"],
    master: ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"],
    worker: ["kubelet", "kube-proxy"],
    flannel: ["flanneld"],
} as const;

export function validPort(p: unknown): boolean {
    return Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;
}

function checkCidr(problems: Problem[], path: string, value: string | undefined): boolean {
    if (value === undefined) return false;
    try {
        parseCidr(value);
        return true;
    } catch (e) {
        problems.push({ propertyPath: path, reason: (e as Error).message });
        return false;
    }
}

function pushFileOrText(problems: Problem[], input: FileOrText, env: ValidationEnv): void {
    for (const [propertyPath, reason] of fileOrTextProblems(input, env)) problems.push({ propertyPath, reason });
}

function hasKey(ssh: SshArgs | undefined): boolean {
    return !!ssh && (ssh.privateKey !== undefined || ssh.privateKeyPath !== undefined);
}

/** Why `become` is not a way to become root, if it is not (undefined: log in as root). */
export function becomeProblem(become: unknown): string | undefined {
    if (become === undefined || BECOME_METHODS.includes(become as never)) return undefined;
    return `unknown become ${JSON.stringify(become)} (known: ${BECOME_METHODS.join(", ")}; leave it out to log in as root)`;
}

function checkSsh(problems: Problem[], path: string, ssh: SshArgs | undefined, env: ValidationEnv): void {
    if (!ssh) return;
    const become = becomeProblem(ssh.become);
    if (become) problems.push({ propertyPath: `${path}.become`, reason: become });
    if (ssh.port !== undefined && !validPort(ssh.port)) problems.push({ propertyPath: `${path}.port`, reason: `SSH port ${ssh.port} is not in 1..65535` });
    if (ssh.user !== undefined && !/^[a-z_][a-z0-9_-]*$/.test(ssh.user))
        problems.push({ propertyPath: `${path}.user`, reason: `SSH user ${JSON.stringify(ssh.user)} is not a valid user name` });
    pushFileOrText(problems, { kind: "sshPrivateKey", textPath: `${path}.privateKey`, filePath: `${path}.privateKeyPath`, text: ssh.privateKey, file: ssh.privateKeyPath }, env);
    if (ssh.bastion) {
        if (!isIpv4(ssh.bastion.address) && !/^[A-Za-z0-9.-]+$/.test(ssh.bastion.address))
            problems.push({ propertyPath: `${path}.bastion.address`, reason: `bastion address ${JSON.stringify(ssh.bastion.address)} is neither an IPv4 address nor a host name` });
        if (ssh.bastion.port !== undefined && !validPort(ssh.bastion.port))
            problems.push({ propertyPath: `${path}.bastion.port`, reason: `bastion port ${ssh.bastion.port} is not in 1..65535` });
        checkHostKey(problems, `${path}.bastion.hostKey`, ssh.bastion.hostKey);
        pushFileOrText(
            problems,
            {
                kind: "sshPrivateKey",
                textPath: `${path}.bastion.privateKey`,
                filePath: `${path}.bastion.privateKeyPath`,
                text: ssh.bastion.privateKey,
                file: ssh.bastion.privateKeyPath,
            },
            env,
        );
    }
}

/** A pinned SSH host key, when given, is `<type> <base64>` of a key of that type. */
function checkHostKey(problems: Problem[], propertyPath: string, key: unknown): void {
    if (key === undefined) return;
    const parsed = parseHostKey(key);
    if (typeof parsed === "string") problems.push({ propertyPath, reason: `the SSH host key ${parsed}` });
}

function checkHosts(problems: Problem[], args: ClusterArgs, env: ValidationEnv): void {
    if (!Array.isArray(args.hosts) || args.hosts.length === 0) {
        problems.push({ propertyPath: "hosts", reason: "at least one host is required" });
        return;
    }
    const names = new Map<string, number>();
    const addrs = new Map<string, string>();
    args.hosts.forEach((h: HostArgs, i) => {
        const p = `hosts[${i}]`;
        if (typeof h.name !== "string" || !DNS_LABEL.test(h.name))
            problems.push({ propertyPath: `${p}.name`, reason: `host name ${JSON.stringify(h.name)} must be a lower-case DNS label ([a-z0-9-], at most 63)` });
        else if (names.has(h.name)) problems.push({ propertyPath: `${p}.name`, reason: `duplicate host name ${h.name} (also hosts[${names.get(h.name)}])` });
        else names.set(h.name, i);
        if (!isIpv4(h.address)) problems.push({ propertyPath: `${p}.address`, reason: `address ${JSON.stringify(h.address)} is not an IPv4 address` });
        else if (addrs.has(h.address)) problems.push({ propertyPath: `${p}.address`, reason: `duplicate address ${h.address} (also host ${addrs.get(h.address)})` });
        else addrs.set(h.address, h.name);
        if (!Array.isArray(h.roles) || h.roles.length === 0)
            problems.push({ propertyPath: `${p}.roles`, reason: `host ${h.name} has no roles (one or more of ${ROLES.join(", ")})` });
        else
            for (const r of h.roles)
                if (!ROLES.includes(r)) problems.push({ propertyPath: `${p}.roles`, reason: `unknown role ${JSON.stringify(r)} (known: ${ROLES.join(", ")})` });
        if (!hasKey(h.ssh) && !hasKey(args.ssh))
            problems.push({ propertyPath: `${p}.ssh`, reason: `no SSH credentials for host ${h.name}: set ssh.privateKey (secret) or ssh.privateKeyPath` });
        checkSsh(problems, `${p}.ssh`, h.ssh, env);
        checkHostKey(problems, `${p}.sshHostKey`, h.sshHostKey);
        for (const [ti, t] of (h.taints ?? []).entries()) {
            if (!["NoSchedule", "PreferNoSchedule", "NoExecute"].includes(t.effect))
                problems.push({ propertyPath: `${p}.taints[${ti}].effect`, reason: `unknown taint effect ${JSON.stringify(t.effect)}` });
            if (!/^[A-Za-z0-9./_-]+$/.test(t.key ?? "")) problems.push({ propertyPath: `${p}.taints[${ti}].key`, reason: `bad taint key ${JSON.stringify(t.key)}` });
        }
        for (const k of Object.keys(h.labels ?? {}))
            if (!/^([a-z0-9.-]+\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/.test(k))
                problems.push({ propertyPath: `${p}.labels`, reason: `bad label key ${JSON.stringify(k)}` });
    });
    checkSsh(problems, "ssh", args.ssh, env);
    for (const [endpoint, key] of Object.entries(args.sshHostKeys ?? {})) checkHostKey(problems, `sshHostKeys[${endpoint}]`, key);
}

function checkVersions(problems: Problem[], args: ClusterArgs): void {
    const k = args.versions?.kubernetes;
    const m = /^1\.(\d+)\.(\d+)$/.exec(k ?? "");
    if (!m) problems.push({ propertyPath: "versions.kubernetes", reason: `Kubernetes version ${JSON.stringify(k)} must look like 1.MINOR.PATCH` });
    // 1.32: anonymous requests limited to the health endpoints by the authentication configuration
    else if (Number(m[1]) < 32) problems.push({ propertyPath: "versions.kubernetes", reason: `Kubernetes ${k} is not supported (1.32 or newer)` });
    const e = args.versions?.etcd;
    const em = /^3\.(\d+)\.(\d+)$/.exec(e ?? "");
    if (!em) problems.push({ propertyPath: "versions.etcd", reason: `etcd version ${JSON.stringify(e)} must look like 3.MINOR.PATCH` });
    else if (Number(em[1]) < 5) problems.push({ propertyPath: "versions.etcd", reason: `etcd ${e} is too old for current Kubernetes (3.5 or newer)` });
}

function checkTopology(problems: Problem[], args: ClusterArgs): void {
    const t = resolveTopology(args);
    if (t.masters.length === 0) problems.push({ propertyPath: "hosts", reason: "no host has role master" });
    if (t.workers.length === 0) problems.push({ propertyPath: "hosts", reason: "no host has role worker" });
    const topo = args.etcd?.topology ?? DEFAULTS.etcdTopology;
    if (topo !== "stacked" && topo !== "dedicated") {
        problems.push({ propertyPath: "etcd.topology", reason: `unknown etcd topology ${JSON.stringify(topo)} (stacked or dedicated)` });
        return;
    }
    if (topo === "stacked") {
        for (const h of args.hosts)
            if (h.roles?.includes("etcd") && !h.roles.includes("master"))
                problems.push({
                    propertyPath: "etcd.topology",
                    reason: `host ${h.name} has role etcd but the topology is stacked (etcd runs on the masters); use etcd.topology: dedicated`,
                });
    } else {
        for (const h of t.etcdMembers)
            if (h.roles.includes("master"))
                problems.push({ propertyPath: "etcd.topology", reason: `dedicated etcd host ${h.name} is also a master; use etcd.topology: stacked or give it its own host` });
    }
    const n = t.etcdMembers.length;
    if (n % 2 === 0) problems.push({ propertyPath: topo === "stacked" ? "hosts" : "etcd", reason: `etcd needs an odd number of members (3, 5 or 7); ${topo} topology gives ${n}` });
    else if (n < 3 && !args.etcd?.allowSingleMember)
        problems.push({ propertyPath: "etcd", reason: `etcd has ${n} member(s): an HA cluster needs 3, 5 or 7 (set etcd.allowSingleMember for a throw-away lab)` });
    else if (n > 7) problems.push({ propertyPath: "etcd", reason: `etcd has ${n} members: more than 7 slows every write; use 3, 5 or 7` });
    for (const [key, v] of [
        ["clientPort", args.etcd?.clientPort],
        ["peerPort", args.etcd?.peerPort],
    ] as const)
        if (v !== undefined && !validPort(v)) problems.push({ propertyPath: `etcd.${key}`, reason: `port ${v} is not in 1..65535` });
    problems.push(...scheduledSnapshotsProblems(args.etcd?.scheduledSnapshots, "etcd.scheduledSnapshots"));
    const copyDir = args.etcd?.snapshotCopyDirectory;
    if (copyDir !== undefined && (typeof copyDir !== "string" || copyDir.trim() === "" || /[\0\n]/.test(copyDir)))
        problems.push({ propertyPath: "etcd.snapshotCopyDirectory", reason: `${JSON.stringify(copyDir)} is not a directory path` });
}

function checkNetwork(problems: Problem[], args: ClusterArgs): void {
    const net = args.network ?? {};
    const service = net.serviceCidr ?? DEFAULTS.serviceCidr;
    const pod = net.podCidr ?? DEFAULTS.podCidr;
    const okService = checkCidr(problems, "network.serviceCidr", service);
    const okPod = checkCidr(problems, "network.podCidr", pod);
    const okHost = net.hostCidr !== undefined && checkCidr(problems, "network.hostCidr", net.hostCidr);
    if (okService && okPod && cidrsOverlap(service, pod)) problems.push({ propertyPath: "network.podCidr", reason: `pod range ${pod} overlaps service range ${service}` });
    if (okHost && okService && cidrsOverlap(net.hostCidr!, service))
        problems.push({ propertyPath: "network.serviceCidr", reason: `service range ${service} overlaps host network ${net.hostCidr}` });
    if (okHost && okPod && cidrsOverlap(net.hostCidr!, pod)) problems.push({ propertyPath: "network.podCidr", reason: `pod range ${pod} overlaps host network ${net.hostCidr}` });
    for (const h of args.hosts ?? []) {
        if (!isIpv4(h.address)) continue;
        if (okService && cidrContains(service, h.address))
            problems.push({ propertyPath: "network.serviceCidr", reason: `host ${h.name} (${h.address}) is inside the service range ${service}` });
        if (okPod && cidrContains(pod, h.address)) problems.push({ propertyPath: "network.podCidr", reason: `host ${h.name} (${h.address}) is inside the pod range ${pod}` });
        if (okHost && !cidrContains(net.hostCidr!, h.address))
            problems.push({ propertyPath: "network.hostCidr", reason: `host ${h.name} (${h.address}) is outside the host network ${net.hostCidr}` });
    }
    if (okService && parseCidr(service).prefix > 28) problems.push({ propertyPath: "network.serviceCidr", reason: `service range ${service} is too small (at most /28)` });
    if (net.clusterDns !== undefined && (!isIpv4(net.clusterDns) || (okService && !cidrContains(service, net.clusterDns))))
        problems.push({ propertyPath: "network.clusterDns", reason: `cluster DNS ${JSON.stringify(net.clusterDns)} must be an address inside the service range ${service}` });
    const mode = net.podNetwork ?? DEFAULTS.podNetwork;
    if (mode !== "bridge" && mode !== "flannel" && mode !== "none")
        problems.push({ propertyPath: "network.podNetwork", reason: `unknown pod network ${JSON.stringify(mode)} (bridge, flannel or none)` });
    if (net.flannelBackend !== undefined && net.flannelBackend !== "vxlan" && net.flannelBackend !== "host-gw")
        problems.push({ propertyPath: "network.flannelBackend", reason: `unknown flannel backend ${JSON.stringify(net.flannelBackend)} (vxlan or host-gw)` });
    if (net.clusterDomain !== undefined && !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(net.clusterDomain))
        problems.push({ propertyPath: "network.clusterDomain", reason: `bad cluster domain ${JSON.stringify(net.clusterDomain)}` });
    const mask = net.nodeCidrMaskSize ?? DEFAULTS.nodeCidrMaskSize;
    if (!okPod) return;
    const podPrefix = parseCidr(pod).prefix;
    if (!Number.isInteger(mask) || mask < podPrefix || mask > 28) {
        problems.push({ propertyPath: "network.nodeCidrMaskSize", reason: `node pod block /${mask} must be between the pod range's /${podPrefix} and /28` });
        return;
    }
    // every master is a node too
    const t = resolveTopology(args);
    const nodes = new Set([...t.masters, ...t.workers].map((h) => h.name)).size;
    if (BigInt(nodes) > subnetCount(pod, mask))
        problems.push({
            propertyPath: "network.nodeCidrMaskSize",
            reason: `pod range ${pod} holds only ${subnetCount(pod, mask)} blocks of /${mask} for ${nodes} nodes (masters and workers)`,
        });
    const pinned = new Map<string, string>();
    args.hosts.forEach((h, i) => {
        if (h.podCidr === undefined) return;
        const path = `hosts[${i}].podCidr`;
        if (!checkCidr(problems, path, h.podCidr)) return;
        if (parseCidr(h.podCidr).prefix !== mask || !cidrContains(pod, h.podCidr.split("/")[0]))
            problems.push({ propertyPath: path, reason: `pinned pod block ${h.podCidr} must be a /${mask} inside ${pod}` });
        if (pinned.has(h.podCidr)) problems.push({ propertyPath: path, reason: `pod block ${h.podCidr} is pinned by ${pinned.get(h.podCidr)} too` });
        pinned.set(h.podCidr, h.name);
    });
}

function checkLoadBalancer(problems: Problem[], args: ClusterArgs): void {
    const lb = args.loadBalancer ?? {};
    const mode = lb.mode ?? DEFAULTS.lbMode;
    if (!LB_MODES.includes(mode)) {
        problems.push({ propertyPath: "loadBalancer.mode", reason: `unknown load balancer mode ${JSON.stringify(mode)} (${LB_MODES.join(", ")})` });
        return;
    }
    if (lb.port !== undefined && !validPort(lb.port)) problems.push({ propertyPath: "loadBalancer.port", reason: `port ${lb.port} is not in 1..65535` });
    if (lb.maxConnections !== undefined && (!Number.isInteger(lb.maxConnections) || lb.maxConnections < 1))
        problems.push({ propertyPath: "loadBalancer.maxConnections", reason: `maxConnections must be a positive whole number, got ${lb.maxConnections}` });
    const t = resolveTopology(args);
    const lbHosts = t.lbHosts;
    if (mode === "haproxy-keepalived") {
        if (lb.port === DEFAULTS.apiserverPort)
            problems.push({
                propertyPath: "loadBalancer.port",
                reason: `haproxy runs on the masters beside kube-apiserver (:${DEFAULTS.apiserverPort}); pick another port (default ${DEFAULTS.haproxyPort})`,
            });
        if (lbHosts.length)
            problems.push({ propertyPath: "hosts", reason: `hosts ${lbHosts.map((h) => h.name).join(", ")} have role lb, but haproxy-keepalived runs on the masters` });
        if (lb.vip === undefined) problems.push({ propertyPath: "loadBalancer.vip", reason: "mode haproxy-keepalived needs a virtual IP (loadBalancer.vip)" });
        else if (!isIpv4(lb.vip)) problems.push({ propertyPath: "loadBalancer.vip", reason: `VIP ${JSON.stringify(lb.vip)} is not an IPv4 address` });
        else {
            const hostCidr = args.network?.hostCidr ?? (t.masters[0] && isIpv4(t.masters[0].address) ? defaultHostCidr(t.masters[0].address) : undefined);
            let okHostCidr = false;
            try {
                if (hostCidr) {
                    parseCidr(hostCidr);
                    okHostCidr = true;
                }
            } catch {
                /* reported by checkNetwork */
            }
            if (okHostCidr) {
                const c = parseCidr(hostCidr!);
                const n = BigInt(lb.vip.split(".").reduce((a, o) => a * 256 + Number(o), 0));
                if (!cidrContains(hostCidr!, lb.vip)) problems.push({ propertyPath: "loadBalancer.vip", reason: `VIP ${lb.vip} is outside the host network ${hostCidr}` });
                else if (c.prefix < 31 && (n === c.network || n === c.network + c.size - 1n))
                    problems.push({ propertyPath: "loadBalancer.vip", reason: `VIP ${lb.vip} is the network or broadcast address of ${hostCidr}` });
                for (const m of t.masters)
                    if (m.address && isIpv4(m.address) && !cidrContains(hostCidr!, m.address))
                        problems.push({
                            propertyPath: "loadBalancer.vip",
                            reason: `master ${m.name} (${m.address}) is outside the VIP's network ${hostCidr}: VRRP needs one L2 segment`,
                        });
            }
            const owner = args.hosts.find((h) => h.address === lb.vip);
            if (owner) problems.push({ propertyPath: "loadBalancer.vip", reason: `VIP ${lb.vip} collides with host ${owner.name}'s address` });
        }
        if (lb.virtualRouterId !== undefined && (!Number.isInteger(lb.virtualRouterId) || lb.virtualRouterId < 1 || lb.virtualRouterId > 255))
            problems.push({ propertyPath: "loadBalancer.virtualRouterId", reason: `VRRP router id ${lb.virtualRouterId} is not in 1..255` });
        if (lb.interface !== undefined && !IFACE.test(lb.interface))
            problems.push({ propertyPath: "loadBalancer.interface", reason: `bad interface name ${JSON.stringify(lb.interface)}` });
        if (t.masters.length === 1) problems.push({ propertyPath: "hosts", reason: "haproxy-keepalived needs at least 2 masters to fail over; use 3" });
    } else if (mode === "nginx") {
        if (lbHosts.length !== 1) problems.push({ propertyPath: "hosts", reason: `mode nginx needs exactly one host with role lb (found ${lbHosts.length})` });
        for (const h of lbHosts)
            if (h.roles.includes("master") && (lb.port ?? DEFAULTS.apiserverPort) === DEFAULTS.apiserverPort)
                problems.push({
                    propertyPath: "loadBalancer.port",
                    reason: `nginx on master ${h.name} cannot listen on :${DEFAULTS.apiserverPort} beside kube-apiserver; give it its own host or another port`,
                });
        if (lb.vip !== undefined) problems.push({ propertyPath: "loadBalancer.vip", reason: "mode nginx has no VIP: clients use the lb host's address" });
    } else {
        if (!isHostAddress(lb.address))
            problems.push({ propertyPath: "loadBalancer.address", reason: "mode external needs loadBalancer.address (IP or DNS name of your load balancer)" });
        if (lbHosts.length) problems.push({ propertyPath: "hosts", reason: `hosts ${lbHosts.map((h) => h.name).join(", ")} have role lb, but the load balancer is external` });
    }
}

function checkArtifacts(problems: Problem[], args: ClusterArgs, env: ValidationEnv): void {
    const a = args.artifacts ?? {};
    const source = a.source ?? "download";
    if (source !== "download" && source !== "local") {
        problems.push({ propertyPath: "artifacts.source", reason: `unknown artifact source ${JSON.stringify(source)} (download or local)` });
        return;
    }
    for (const [k, v] of Object.entries(a.sha256 ?? {}))
        if (!SHA256.test(v)) problems.push({ propertyPath: `artifacts.sha256.${k}`, reason: `sha256 of ${k} must be 64 lower-case hex digits` });
    if (source === "download") {
        if (!a.baseUrl || !/^https?:\/\/[^\s'"]+$/.test(a.baseUrl))
            problems.push({ propertyPath: "artifacts.baseUrl", reason: "artifact source download needs baseUrl (http or https URL)" });
        for (const b of neededBinaries(args)) if (!a.sha256?.[b]) problems.push({ propertyPath: `artifacts.sha256.${b}`, reason: `download needs the sha256 of ${b}` });
    } else {
        if (!a.directory) problems.push({ propertyPath: "artifacts.directory", reason: "artifact source local needs a directory" });
        else if (!env.fileExists(a.directory))
            problems.push({ propertyPath: "artifacts.directory", reason: `directory ${a.directory} does not exist (examples/fetch-release.sh makes one)` });
        else {
            const missing = neededBinaries(args).filter((b) => !env.fileExists(`${a.directory}/${b}`));
            if (missing.length > 0) problems.push({ propertyPath: "artifacts.directory", reason: `${a.directory} lacks ${missing.join(", ")}` });
            if (!a.sha256 && !env.fileExists(`${a.directory}/SHA256SUMS`))
                problems.push({ propertyPath: "artifacts.sha256", reason: `no checksums: set artifacts.sha256 or put SHA256SUMS in ${a.directory}` });
        }
    }
}

/** The binaries this configuration installs somewhere. */
export function neededBinaries(args: ClusterArgs): string[] {
    const set = new Set<string>([...REQUIRED_BINARIES.etcd, ...REQUIRED_BINARIES.master, ...REQUIRED_BINARIES.worker]);
    if ((args.network?.podNetwork ?? DEFAULTS.podNetwork) === "flannel") for (const b of REQUIRED_BINARIES.flannel) set.add(b);
    return [...set];
}

function checkRest(problems: Problem[], args: ClusterArgs, env: ValidationEnv): void {
    problems.push(...clusterNameProblems(args.clusterName));
    if (args.registry) problems.push(...registryProblems(args.registry, env));
    const c = args.certificates ?? {};
    const validity = c.validityHours ?? DEFAULTS.validityHours;
    const early = c.earlyRenewalHours ?? DEFAULTS.earlyRenewalHours;
    const caValidity = c.caValidityHours ?? DEFAULTS.caValidityHours;
    for (const [k, v] of [
        ["caValidityHours", caValidity],
        ["validityHours", validity],
        ["earlyRenewalHours", early],
    ] as const)
        if (!Number.isInteger(v) || v < (k === "earlyRenewalHours" ? 0 : 1)) problems.push({ propertyPath: `certificates.${k}`, reason: `${k} must be a whole number of hours` });
    if (early >= validity)
        problems.push({ propertyPath: "certificates.earlyRenewalHours", reason: `early renewal (${early} h) must be shorter than the validity (${validity} h)` });
    if (c.renewal !== undefined && (typeof c.renewal !== "string" || !/^[A-Za-z0-9._:-]{1,64}$/.test(c.renewal)))
        problems.push({ propertyPath: "certificates.renewal", reason: `renewal ${JSON.stringify(c.renewal)} must be a short word ([A-Za-z0-9._:-], at most 64), e.g. a date` });
    if (validity > caValidity) problems.push({ propertyPath: "certificates.validityHours", reason: `leaf validity (${validity} h) exceeds the CA's (${caValidity} h)` });
    const cp = args.controlPlane ?? {};
    for (const [k, v] of Object.entries(cp.apiserverExtraArgs ?? {})) {
        const problem = apiserverExtraArgProblem(k, v);
        if (problem) problems.push({ propertyPath: `controlPlane.apiserverExtraArgs.${k}`, reason: problem });
    }
    if (cp.auditLogMaxAgeDays !== undefined && (!Number.isSafeInteger(cp.auditLogMaxAgeDays) || cp.auditLogMaxAgeDays < 0))
        problems.push({
            propertyPath: "controlPlane.auditLogMaxAgeDays",
            reason: `auditLogMaxAgeDays must be a whole number of days, got ${JSON.stringify(cp.auditLogMaxAgeDays)}`,
        });
    const ports = /^(\d+)-(\d+)$/.exec(cp.serviceNodePortRange ?? "1-2");
    if (!ports || Number(ports[1]) >= Number(ports[2]) || Number(ports[2]) > 65535)
        problems.push({
            propertyPath: "controlPlane.serviceNodePortRange",
            reason: `NodePort range ${JSON.stringify(cp.serviceNodePortRange)} must be "first-last" within 1-65535`,
        });
    for (const [k, reason] of podSecurityProblems(cp.podSecurity ?? {})) problems.push({ propertyPath: `controlPlane.podSecurity.${k}`, reason });
    for (const [k, reason] of encryptionProblems(cp.encryption ?? {})) problems.push({ propertyPath: `controlPlane.encryption.${k}`, reason });
    problems.push(...adminCredentialProblems(cp, "controlPlane."));
    const n = args.nodes ?? {};
    if (n.cgroupDriver !== undefined && n.cgroupDriver !== "systemd" && n.cgroupDriver !== "cgroupfs")
        problems.push({ propertyPath: "nodes.cgroupDriver", reason: `unknown cgroup driver ${JSON.stringify(n.cgroupDriver)}` });
    if (n.proxyMode !== undefined && !["iptables", "ipvs", "nftables"].includes(n.proxyMode))
        problems.push({ propertyPath: "nodes.proxyMode", reason: `unknown kube-proxy mode ${JSON.stringify(n.proxyMode)}` });
    if (n.sandboxImage !== undefined && !isImageReference(n.sandboxImage))
        problems.push({ propertyPath: "nodes.sandboxImage", reason: `bad image reference ${JSON.stringify(n.sandboxImage)}` });
    problems.push(...extraHostsProblems(n.extraHosts, "nodes.extraHosts"));
    if (n.imageArchives !== undefined && !Array.isArray(n.imageArchives))
        problems.push({ propertyPath: "nodes.imageArchives", reason: "imageArchives must be a list of file paths" });
    if (n.kernelModules !== undefined && !(Array.isArray(n.kernelModules) && n.kernelModules.every((m) => typeof m === "string" && /^[A-Za-z0-9_-]+$/.test(m))))
        problems.push({ propertyPath: "nodes.kernelModules", reason: `kernelModules must be a list of module names, not ${JSON.stringify(n.kernelModules)}` });
    else
        for (const [i, f] of (n.imageArchives ?? []).entries())
            if (typeof f !== "string" || !env.fileExists(f))
                problems.push({ propertyPath: `nodes.imageArchives[${i}]`, reason: `image archive ${JSON.stringify(f)} does not exist` });
    const manifests = args.addons?.manifests;
    if (manifests !== undefined && !Array.isArray(manifests)) problems.push({ propertyPath: "addons.manifests", reason: "manifests must be a list of file paths" });
    else if (manifests?.length) {
        const read = env.readFile ?? defaultEnv.readFile!;
        problems.push(
            ...manifestProblems(
                manifests.map((f, i) => {
                    if (typeof f !== "string" || !env.fileExists(f)) return { path: `addons.manifests[${i}]`, file: String(f), text: undefined };
                    return { path: `addons.manifests[${i}]`, file: f, text: read(f) };
                }),
            ),
        );
    }
    const dns = args.addons?.coredns;
    if (dns?.enabled !== undefined && typeof dns.enabled !== "boolean")
        problems.push({ propertyPath: "addons.coredns.enabled", reason: `enabled must be true or false, got ${JSON.stringify(dns.enabled)}` });
    problems.push(...addonSettingProblems(addonSettings(args.addons), "addons"));
}

/** Every problem with the configuration, in a stable order. Pure but for `env`. */
export function validateCluster(args: ClusterArgs, env: ValidationEnv = defaultEnv): Problem[] {
    const problems: Problem[] = [];
    if (!args || typeof args !== "object") return [{ propertyPath: "", reason: "no configuration" }];
    checkRest(problems, args, env);
    checkHosts(problems, args, env);
    checkVersions(problems, args);
    if (Array.isArray(args.hosts)) {
        checkTopology(problems, args);
        checkNetwork(problems, args);
        checkLoadBalancer(problems, args);
    }
    checkArtifacts(problems, args, env);
    checkRollout(problems, args);
    checkPreflight(problems, args);
    checkPackages(problems, args, env);
    return problems;
}

/** Problems of the scheduled etcd snapshots' settings (the stack's `etcd.scheduledSnapshots`, an EtcdCluster's `scheduledSnapshots`). */
export function scheduledSnapshotsProblems(v: unknown, property: string): Problem[] {
    if (v === undefined) return [];
    if (v === null || typeof v !== "object" || Array.isArray(v))
        return [{ propertyPath: property, reason: "scheduledSnapshots must be a mapping (enabled, intervalMinutes, keep)" }];
    const problems: Problem[] = [];
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o))
        if (!["enabled", "intervalMinutes", "keep"].includes(k))
            problems.push({ propertyPath: `${property}.${k}`, reason: `unknown setting (known: enabled, intervalMinutes, keep)` });
    if (o.enabled !== undefined && typeof o.enabled !== "boolean")
        problems.push({ propertyPath: `${property}.enabled`, reason: `enabled must be true or false, not ${JSON.stringify(o.enabled)}` });
    if (o.intervalMinutes !== undefined && !(Number.isInteger(o.intervalMinutes) && (o.intervalMinutes as number) >= 5 && (o.intervalMinutes as number) <= 44640))
        problems.push({
            propertyPath: `${property}.intervalMinutes`,
            reason: `intervalMinutes must be a whole number from 5 to 44640 (31 days), not ${JSON.stringify(o.intervalMinutes)}`,
        });
    if (o.keep !== undefined && !(Number.isInteger(o.keep) && (o.keep as number) >= 1 && (o.keep as number) <= 1000))
        problems.push({ propertyPath: `${property}.keep`, reason: `keep must be a whole number from 1 to 1000, not ${JSON.stringify(o.keep)}` });
    return problems;
}

/** Problems of a package mirror's URL, suite and components (stack `packages`, or a host's `packages` given by a library caller). */
export function mirrorProblems(p: { readonly url?: unknown; readonly suite?: unknown; readonly components?: unknown }, property: string): Problem[] {
    const problems: Problem[] = [];
    if (!isMirrorUrl(p.url))
        problems.push({
            propertyPath: `${property}.url`,
            reason: `url must be the archive's http:// or https:// URL (the directory holding dists/), not ${JSON.stringify(p.url)}`,
        });
    if (p.suite !== undefined && !(typeof p.suite === "string" && APT_TOKEN.test(p.suite)))
        problems.push({ propertyPath: `${property}.suite`, reason: `suite must be a suite name such as bookworm, not ${JSON.stringify(p.suite)}` });
    if (p.components !== undefined && !(Array.isArray(p.components) && p.components.length > 0 && p.components.every((c) => typeof c === "string" && APT_TOKEN.test(c))))
        problems.push({
            propertyPath: `${property}.components`,
            reason: `components must be a non-empty list of archive components such as [main], not ${JSON.stringify(p.components)}`,
        });
    return problems;
}

/** `packages`: the host's own sources, or a signed (or Debian-keyring-trusted) mirror. */
function checkPackages(problems: Problem[], args: ClusterArgs, env: ValidationEnv): void {
    const p = args.packages as Record<string, unknown> | undefined;
    if (!knownMapping(problems, "packages", p, ["source", "url", "suite", "components", "signedBy", "signedByPath"]) || !p) return;
    if (p.source === undefined || p.source === "host") {
        for (const k of ["url", "suite", "components", "signedBy", "signedByPath"])
            if (p[k] !== undefined) problems.push({ propertyPath: `packages.${k}`, reason: `${k} is a setting of source: mirror (the host's own apt sources take none)` });
        return;
    }
    if (p.source !== "mirror") {
        problems.push({ propertyPath: "packages.source", reason: `unknown package source ${JSON.stringify(p.source)} (known: host, mirror)` });
        return;
    }
    problems.push(...mirrorProblems(p, "packages"));
    pushFileOrText(
        problems,
        {
            kind: "pgpPublicKey",
            textPath: "packages.signedBy",
            filePath: "packages.signedByPath",
            text: p.signedBy as string | undefined,
            file: p.signedByPath as string | undefined,
        },
        env,
    );
}

/**
 * A settings group `key` that must be a mapping of the `known` settings: pushes what is wrong
 * with its shape and its unknown keys; true when its settings can be checked one by one.
 */
function knownMapping(problems: Problem[], key: string, value: unknown, known: readonly string[]): boolean {
    if (value === undefined) return false;
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        problems.push({ propertyPath: key, reason: `${key} must be a mapping (${known.join(", ")})` });
        return false;
    }
    for (const k of Object.keys(value)) if (!known.includes(k)) problems.push({ propertyPath: `${key}.${k}`, reason: `unknown ${key} setting (known: ${known.join(", ")})` });
    return true;
}

function checkPreflight(problems: Problem[], args: ClusterArgs): void {
    const p = args.preflight;
    if (!knownMapping(problems, "preflight", p, ["allowSwap", "minMemoryMiB", "minVarLibFreeMiB", "maxClockSkewMs"]) || !p) return;
    if (p.allowSwap !== undefined && typeof p.allowSwap !== "boolean")
        problems.push({ propertyPath: "preflight.allowSwap", reason: `allowSwap must be true or false, not ${JSON.stringify(p.allowSwap)}` });
    for (const k of ["minMemoryMiB", "minVarLibFreeMiB", "maxClockSkewMs"] as const) {
        const v = p[k];
        if (v !== undefined && !(typeof v === "number" && Number.isInteger(v) && v >= 0))
            problems.push({ propertyPath: `preflight.${k}`, reason: `${k} must be a whole number, 0 or more, not ${JSON.stringify(v)}` });
    }
}

function checkRollout(problems: Problem[], args: ClusterArgs): void {
    const r = args.rollout;
    if (!knownMapping(problems, "rollout", r, ["maxUnavailable", "drain"]) || !r) return;
    const mu = r.maxUnavailable === undefined ? undefined : maxUnavailableProblem(r.maxUnavailable);
    if (mu) problems.push({ propertyPath: "rollout.maxUnavailable", reason: mu });
    if (r.drain !== undefined && typeof r.drain !== "boolean")
        problems.push({ propertyPath: "rollout.drain", reason: `drain must be true or false, not ${JSON.stringify(r.drain)}` });
}

/** The admin group and the break-glass export flag (`prefix`: where they sit, `controlPlane.` in the stack). Pure. */
export function adminCredentialProblems(s: { readonly adminGroup?: unknown; readonly exportBreakGlassKubeconfig?: unknown }, prefix = ""): Problem[] {
    const problems: Problem[] = [];
    const group = s.adminGroup === undefined ? undefined : adminGroupProblem(s.adminGroup);
    if (group) problems.push({ propertyPath: `${prefix}adminGroup`, reason: group });
    if (s.exportBreakGlassKubeconfig !== undefined && typeof s.exportBreakGlassKubeconfig !== "boolean")
        problems.push({
            propertyPath: `${prefix}exportBreakGlassKubeconfig`,
            reason: `exportBreakGlassKubeconfig must be true or false, not ${JSON.stringify(s.exportBreakGlassKubeconfig)}`,
        });
    return problems;
}

/** Problems of `nodes.extraHosts` (or a WorkerPool's `extraHosts`): each an IP address and host names. */
export function extraHostsProblems(entries: unknown, property: string): Problem[] {
    if (entries === undefined) return [];
    if (!Array.isArray(entries)) return [{ propertyPath: property, reason: "extraHosts must be a list of {address, names}" }];
    const problems: Problem[] = [];
    entries.forEach((e: { address?: unknown; names?: unknown }, i) => {
        if (typeof e?.address !== "string" || !isIpAddress(e.address))
            problems.push({ propertyPath: `${property}[${i}].address`, reason: `${JSON.stringify(e?.address)} is not an IP address` });
        if (!Array.isArray(e?.names) || e.names.length === 0 || !e.names.every((n) => typeof n === "string" && isHostName(n)))
            problems.push({ propertyPath: `${property}[${i}].names`, reason: `names must be a non-empty list of host names (RFC 1123), not ${JSON.stringify(e?.names)}` });
    });
    return problems;
}

/** The cluster name (kubeconfigs, the controller-manager), for the stack and the components alike. Pure. */
export function clusterNameProblems(name: unknown): Problem[] {
    return typeof name === "string" && DNS_LABEL.test(name) ? [] : [{ propertyPath: "clusterName", reason: `cluster name ${JSON.stringify(name)} must be a lower-case DNS label` }];
}

/** An address clients reach the apiservers at (the load balancer's): IPv4 or a DNS name. Pure. */
export function isHostAddress(s: unknown): s is string {
    return typeof s === "string" && (isIpv4(s) || /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(s));
}

/** A private registry's settings, `registry.*` for the stack and for a WorkerPool alike: credentials only over https. Pure but for `env`. */
export function registryProblems(r: RegistryArgs, env: ValidationEnv = defaultEnv): Problem[] {
    const problems: Problem[] = [];
    if (!HOST_PORT.test(r.server ?? "")) problems.push({ propertyPath: "registry.server", reason: `registry server ${JSON.stringify(r.server)} must be host[:port]` });
    if (r.endpoint !== undefined && !/^https?:\/\/[^\s'"]+$/.test(r.endpoint))
        problems.push({ propertyPath: "registry.endpoint", reason: `registry endpoint ${JSON.stringify(r.endpoint)} must be an http(s) URL` });
    pushFileOrText(problems, { kind: "certificate", textPath: "registry.caPem", filePath: "registry.caPemPath", text: r.caPem, file: r.caPemPath }, env);
    if (r.username !== undefined && /^http:/.test(r.endpoint ?? ""))
        problems.push({ propertyPath: "registry.endpoint", reason: "registry credentials over plain http would travel in clear text: use an https endpoint" });
    if ((r.username === undefined) !== (r.password === undefined)) problems.push({ propertyPath: "registry", reason: "registry username and password go together" });
    return problems;
}

/**
 * One host of a component (`path`): its name a lower-case DNS name (it names resources, the Node
 * and the etcd member, and reaches the hosts' shells), its address IPv4.
 */
export function hostProblems(h: { readonly name: string; readonly address: string }, path: string, noun: string): Problem[] {
    const problems: Problem[] = [];
    if (!isDnsName(h.name)) problems.push({ propertyPath: `${path}.name`, reason: `${noun} name ${JSON.stringify(h.name)} must be a lower-case DNS name ([a-z0-9.-])` });
    if (!isIpv4(h.address)) problems.push({ propertyPath: `${path}.address`, reason: `${noun} ${JSON.stringify(h.name)} address ${JSON.stringify(h.address)} is not IPv4` });
    return problems;
}

/** A component's host list (`property`): at least one, each a valid host (hostProblems), names and addresses unique, a known `become`. */
export function hostListProblems(
    hosts: readonly { readonly name: string; readonly address: string; readonly become?: unknown; readonly packages?: { readonly url?: unknown; readonly signedBy?: unknown } }[],
    property: string,
    noun: string,
): Problem[] {
    const problems: Problem[] = [];
    if (hosts.length === 0) problems.push({ propertyPath: property, reason: `at least one ${noun} is required` });
    const names = new Set<string>();
    const addresses = new Set<string>();
    hosts.forEach((h, i) => {
        if (names.has(h.name)) problems.push({ propertyPath: `${property}[${i}].name`, reason: `duplicate ${noun} ${h.name}` });
        if (addresses.has(h.address)) problems.push({ propertyPath: `${property}[${i}].address`, reason: `duplicate address ${h.address}` });
        problems.push(...hostProblems(h, `${property}[${i}]`, noun));
        const become = becomeProblem(h.become);
        if (become) problems.push({ propertyPath: `${property}[${i}].become`, reason: become });
        if (h.packages !== undefined) {
            problems.push(...mirrorProblems(h.packages, `${property}[${i}].packages`));
            for (const [at, reason] of fileOrTextProblems({
                kind: "pgpPublicKey",
                textPath: `${property}[${i}].packages.signedBy`,
                filePath: "-",
                text: h.packages.signedBy as string | undefined,
                file: undefined,
            }))
                problems.push({ propertyPath: at, reason });
        }
        names.add(h.name);
        addresses.add(h.address);
    });
    return problems;
}

/** Throws one `pulumi.InputPropertiesError` listing every problem; returns otherwise. */
export function assertValidCluster(args: ClusterArgs, env?: ValidationEnv): void {
    throwIfProblems("ha-kubernetes configuration", validateCluster(args, env));
}

export function throwIfProblems(what: string, problems: readonly Problem[]): void {
    if (problems.length > 0) throw problemsError(what, problems);
}

/** One `pulumi.InputPropertiesError` naming `what` and listing every problem. */
export function problemsError(what: string, problems: readonly Problem[]): pulumi.InputPropertiesError {
    const lines = problems.map((p) => `  - ${p.propertyPath || "(root)"}: ${p.reason}`).join("\n");
    return new pulumi.InputPropertiesError({
        message: `${what} is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was changed on any host:\n${lines}`,
        errors: problems.map((p) => ({ propertyPath: p.propertyPath, reason: p.reason })),
    });
}

/**
 * For a component constructor's `super(...)` props: throws before the component (or anything
 * under it) is registered when there are problems, else gives the empty props object.
 */
export function validatedProps(what: string, problems: readonly Problem[]): Record<string, never> {
    throwIfProblems(what, problems);
    return {};
}
