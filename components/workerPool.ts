import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { ArtifactSource, fileSha256, uploadFile } from "./artifacts";
import { HostWork, installHost, restartHost } from "./hostWork";
import { PodNetworkMode, RegistryArgs, TaintArgs } from "./config";
import { fileOrTextValue } from "./fileInputs";
import { kubeconfigFor } from "./controlPlane";
import { CertificateAuthority, IssuedCert, issueCert, Validity } from "./pki";
import { ClusterHost, revision, FileSpec, restartAndWaitScript, shellQuote } from "./remote";
import { renderBridgeConflist, renderLoopbackConf } from "./render/cni";
import { FLANNEL_CNI_SCRIPT, FLANNEL_CNI_UNIT, renderFlannelCniScript, renderFlannelCniUnit } from "./render/flannelCni";
import { renderContainerdConfig } from "./render/containerd";
import { renderFlanneldEnv, renderFlanneldUnit, renderFlannelNetConf } from "./render/flannel";
import { renderKubeletConfig, renderKubeletEnv, renderKubeletUnit } from "./render/kubelet";
import { renderKubeProxyConfig, renderKubeProxyEnv, renderKubeProxyUnit } from "./render/kubeProxy";
import { NODE_EXTRA_PATHS, PATHS } from "./render/paths";
import { renderPodRoutesEnv, renderPodRoutesScript, renderPodRoutesUnit } from "./render/podRoutes";
import { registryHostsDir, renderRegistryHostsToml } from "./render/registryHosts";
import { renderModulesLoadConf, renderSysctlConf } from "./render/sysctl";
import { NodeMembership } from "../providers/nodeMembership";
import { PodCidrAllocation } from "../providers/podCidrAllocation";
import { SshTarget } from "../providers/ssh";
import { clusterDnsIp, CONTROL_PLANE_ROLE, DEFAULTS, podRoutesFor } from "./topology";
import { hostListProblems, Problem, validatedProps } from "./validation";
import { maxUnavailableProblem, RolloutOrder, rolloutBatchSize } from "./rollout";
import { NodeDrain } from "../providers/nodeDrain";
import { adopt } from "./outputs";

/** A worker: a host plus its node settings. */
export interface WorkerNode extends ClusterHost {
    readonly labels?: Readonly<Record<string, string>>;
    readonly taints?: readonly TaintArgs[];
    /** Pinned pod CIDR (bridge mode). */
    readonly podCidr?: string;
    /** KubeletConfiguration fields for this node only (over the pool's kubeletExtraConfig). */
    readonly kubeletExtraConfig?: Readonly<Record<string, unknown>>;
    /**
     * The host runs the control plane too (a master as a node, so that apiservers reach pods):
     * the cluster CA file and kubectl, which the control plane installs there, are left to it,
     * and the Node gets the control-plane role label. Default false.
     */
    readonly controlPlane?: boolean;
}

export interface WorkerPoolArgs {
    readonly clusterName: string;
    /**
     * Nodes that ran before this update: they restart in batches of `maxUnavailable`, each batch
     * behind the previous one's Ready gates; the others start in parallel (components/rollout.ts).
     * Default: all of them.
     */
    readonly runningHosts?: readonly string[];
    /** Running nodes restarted at once: a count or a percentage of the nodes ("25%"). Default 1. */
    readonly maxUnavailable?: number | string;
    /** Cordon and drain a running node through the API before its restart, uncordon it after its Ready gate. Default true. */
    readonly drain?: boolean;
    /** The workers (declaration order decides unpinned pod CIDRs at the first `up`; later ones keep theirs). */
    readonly nodes: readonly WorkerNode[];
    readonly clusterCa: CertificateAuthority;
    /** `https://lb:port` of the apiserver. */
    readonly apiserverUrl: pulumi.Input<string>;
    /** The control plane's health gate. */
    readonly controlPlaneReady: pulumi.Input<boolean>;
    /** A master with kubectl and the admin kubeconfig: node-Ready gates and drains run there. */
    readonly kubectlHost: ClusterHost;
    /** `bridge`, `flannel` or `none` (the user's CNI). Default bridge. */
    readonly podNetwork?: PodNetworkMode;
    /** Default 10.244.0.0/16. */
    readonly podCidr?: string;
    /** Default 24. */
    readonly nodeCidrMaskSize?: number;
    /** Default 10.96.0.0/12. */
    readonly serviceCidr?: string;
    /** Default cluster.local. */
    readonly clusterDomain?: string;
    /** Default: 10th address of serviceCidr. */
    readonly clusterDns?: string;
    /** Default vxlan. */
    readonly flannelBackend?: "vxlan" | "host-gw";
    /** User name (cert CN) flanneld authenticates as. Default `ha-kubernetes:flannel`. */
    readonly flannelUser?: string;
    /** A private registry containerd pulls from (its CA given as `caPem` or read from `caPemPath`). */
    readonly registry?: RegistryArgs;
    /** Pod sandbox image. Default: containerd's. */
    readonly sandboxImage?: string;
    /** Default systemd. */
    readonly cgroupDriver?: "systemd" | "cgroupfs";
    /** Default iptables. */
    readonly proxyMode?: "iptables" | "ipvs" | "nftables";
    readonly conntrackMaxPerCore?: number;
    readonly kubeletExtraConfig?: Readonly<Record<string, unknown>>;
    /** Clamp containers' oom_score_adj to containerd's. Default false. */
    readonly restrictOomScoreAdj?: boolean;
    /**
     * Container image archives (OCI or docker `save` tar files on the machine running Pulumi)
     * uploaded to every node and imported into containerd before the kubelet starts: images for
     * air-gapped nodes (pause, CoreDNS, your own). Default none.
     */
    readonly imageArchives?: readonly string[];
    readonly artifacts: ArtifactSource;
    readonly validity: Validity;
    /** Seconds a health gate waits. Default 240. */
    readonly healthTimeoutSec?: number;
}

export interface WorkerPoolOutputs {
    /** Node names. */
    readonly nodeNames: pulumi.Output<string[]>;
    /** Pod CIDR per node (bridge mode; flannel gets them from the controller-manager). */
    readonly podCidrs: pulumi.Output<Record<string, string>>;
    /** Resolves once every node is Ready. */
    readonly ready: pulumi.Output<boolean>;
    readonly certificateExpiry: pulumi.Output<Record<string, string>>;
}

export const FLANNEL_USER = "ha-kubernetes:flannel";

/** The unit that installs the routes to other workers' pod blocks (bridge mode). */
const POD_ROUTES_UNIT = "ha-kubernetes-pod-routes";
/** Files only the pod routes unit reads. */
const ROUTE_FILES = new Set(["pod-routes-env", "pod-routes-script", "pod-routes-unit"]);

/** Debian packages a worker needs. */
export const NODE_PACKAGES = ["containerd", "runc", "containernetworking-plugins", "conntrack", "iptables", "iproute2", "kmod", "curl", "ca-certificates"];

/** Extra packages a kube-proxy mode needs. */
export const PROXY_MODE_PACKAGES: Readonly<Record<string, readonly string[]>> = { iptables: [], ipvs: ["ipset", "ipvsadm"], nftables: ["nftables"] };

/** Where image archives are staged on a node. */
export const IMAGE_STAGING_DIR = "/var/lib/ha-kubernetes/images";

/** An image archive to import on every node. */
interface ImageArchive {
    readonly key: string;
    readonly local: string;
    readonly sha256: string;
    readonly staged: string;
}

/** Shell that imports staged image archives into containerd's k8s.io namespace. Pure. */
export function importImagesScript(staged: readonly string[], host: string): string {
    return staged
        .map(
            (f) =>
                `ctr -n k8s.io images import ${shellQuote(f)} >/dev/null || { echo ${shellQuote(`ha-kubernetes: importing ${f} into containerd failed on ${host}`)} >&2; exit 1; }`,
        )
        .join("\n");
}

/** What destroy runs last on a worker: pods, mounts, pod network and kube-proxy rules go. Pure. */
export function nodeCleanupScript(): string {
    const N = PATHS.node;
    return [
        "systemctl stop kubelet kube-proxy flanneld >/dev/null 2>&1 || true",
        "systemctl disable --now containerd >/dev/null 2>&1 || true",
        `for m in $(awk '$2 ~ "^${N.kubeletDir}/" {print $2}' /proc/mounts | sort -r); do umount -l "$m" 2>/dev/null || true; done`,
        `rm -rf -- ${[N.kubeletDir, N.kubeProxyDir, "/var/lib/cni", "/run/flannel", N.flannelConfDir, IMAGE_STAGING_DIR].map(shellQuote).join(" ")}`,
        "ip link delete cni0 >/dev/null 2>&1 || true",
        "ip link delete flannel.1 >/dev/null 2>&1 || true",
        "if command -v iptables-save >/dev/null; then iptables-save | grep -vE -- '(KUBE-|FLANNEL|CNI-)' | iptables-restore || true; fi",
    ].join("\n");
}

export function validateWorkerPool(args: WorkerPoolArgs): Problem[] {
    const problems = hostListProblems(args.nodes, "nodes", "node");
    const mu = args.maxUnavailable === undefined ? undefined : maxUnavailableProblem(args.maxUnavailable);
    if (mu) problems.push({ propertyPath: "maxUnavailable", reason: mu });
    return problems;
}

function nodeCertFiles(kubelet: IssuedCert): Array<FileSpec & { key: string }> {
    return [
        { key: "kubelet-crt", path: PATHS.node.kubeletCert, content: kubelet.certPem },
        { key: "kubelet-key", path: PATHS.node.kubeletKey, content: kubelet.keyPem, mode: "0600" },
    ];
}

function registryFiles(r: RegistryArgs | undefined): Array<FileSpec & { key: string }> {
    if (!r) return [];
    const dir = registryHostsDir(r.server);
    const caPem = fileOrTextValue(r.caPem, r.caPemPath);
    const caFile = caPem ? `${dir}/ca.crt` : undefined;
    const files: Array<FileSpec & { key: string }> = [
        {
            key: "registry-hosts",
            path: `${dir}/hosts.toml`,
            content: renderRegistryHostsToml({ server: r.server, mirrors: [{ url: r.endpoint ?? `https://${r.server}`, capabilities: ["pull", "resolve"], caFile }] }),
        },
    ];
    if (caPem) files.push({ key: "registry-ca", path: caFile!, content: caPem });
    return files;
}

function createWorkerPool(name: string, args: WorkerPoolArgs, opts: pulumi.CustomResourceOptions): WorkerPoolOutputs {
    const mode = args.podNetwork ?? DEFAULTS.podNetwork;
    const podCidr = args.podCidr ?? DEFAULTS.podCidr;
    const serviceCidr = args.serviceCidr ?? DEFAULTS.serviceCidr;
    const clusterDomain = args.clusterDomain ?? DEFAULTS.clusterDomain;
    const cgroupDriver = args.cgroupDriver ?? DEFAULTS.cgroupDriver;
    const timeout = args.healthTimeoutSec ?? 240;
    // bridge mode: blocks kept in state, so workers coming and going never move another's
    const podCidrs: pulumi.Output<Record<string, string>> =
        mode === "bridge"
            ? new PodCidrAllocation(
                  `${name}-pod-cidrs`,
                  {
                      nodes: args.nodes.map((n) => (n.podCidr ? { name: n.name, podCidr: n.podCidr } : { name: n.name })),
                      podCidr,
                      maskSize: args.nodeCidrMaskSize ?? DEFAULTS.nodeCidrMaskSize,
                  },
                  opts,
              ).allocations
            : pulumi.output<Record<string, string>>({});
    const v = args.validity;
    const N = PATHS.node;
    const kubeProxyCert = issueCert(`${name}-kube-proxy`, args.clusterCa, { commonName: "system:kube-proxy", usages: ["client"] }, v, opts);
    const flannelCert =
        mode === "flannel" ? issueCert(`${name}-flanneld`, args.clusterCa, { commonName: args.flannelUser ?? FLANNEL_USER, usages: ["client"] }, v, opts) : undefined;
    type Auth = Array<{ host: string; username: string; password: string }> | undefined;
    const registryAuth: pulumi.Output<Auth> = args.registry?.username
        ? pulumi.output(args.registry.password!).apply((password): Auth => [{ host: args.registry!.server, username: args.registry!.username!, password }])
        : pulumi.output<Auth>(undefined);
    const containerdConfig = pulumi.secret(
        registryAuth.apply((auth) =>
            renderContainerdConfig({
                sandboxImage: args.sandboxImage,
                systemdCgroup: cgroupDriver === "systemd",
                registryAuth: auth,
                restrictOomScoreAdj: args.restrictOomScoreAdj,
            }),
        ),
    );
    const expiry: Record<string, pulumi.Output<string>> = { "kube-proxy": kubeProxyCert.expiresAt };
    const archives: ImageArchive[] = (args.imageArchives ?? []).map((local) => {
        const sha256 = fileSha256(local);
        const key = `image-${path
            .basename(local)
            .replace(/\.tar$/, "")
            .toLowerCase()
            .replace(/[^a-z0-9.-]+/g, "-")}`;
        return { key, local, sha256, staged: `${IMAGE_STAGING_DIR}/${key}-${sha256.slice(0, 16)}.tar` };
    });
    const memberships: NodeMembership[] = [];
    const order = new RolloutOrder(args.runningHosts, rolloutBatchSize(args.maxUnavailable, args.nodes.length));
    const drain = args.drain ?? true;
    const onKubectlHost = {
        host: args.kubectlHost.name,
        connection: pulumi.output(args.kubectlHost.connection) as pulumi.Output<SshTarget>,
        kubectl: PATHS.bin.kubectl,
        kubeconfig: PATHS.kubernetes.adminKubeconfig,
        timeoutSec: timeout,
    };
    for (const node of args.nodes) {
        const prefix = `${name}-${node.name}`;
        const kubelet = issueCert(
            `${prefix}-kubelet`,
            args.clusterCa,
            {
                commonName: `system:node:${node.name}`,
                organization: "system:nodes",
                sans: { dnsNames: [node.name], ipAddresses: [node.address] },
                usages: ["server", "client"],
            },
            v,
            opts,
        );
        expiry[`${node.name}-kubelet`] = kubelet.expiresAt;
        const apiserver = pulumi.output(args.apiserverUrl);
        const files: Array<FileSpec & { key: string }> = [
            { key: "modules-load", path: NODE_EXTRA_PATHS.modulesLoad, content: renderModulesLoadConf() },
            { key: "sysctl", path: N.sysctl, content: renderSysctlConf({ ipForward: true, bridgeNfCall: true }) },
            ...(node.controlPlane ? [] : [{ key: "ca-crt", path: PATHS.kubernetes.ca, content: args.clusterCa.certPem }]),
            ...nodeCertFiles(kubelet),
            { key: "containerd-config", path: N.containerdConfig, content: containerdConfig, mode: "0600" },
            ...registryFiles(args.registry),
            {
                key: "kubelet-kubeconfig",
                path: N.kubeletKubeconfig,
                content: apiserver.apply((url) => kubeconfigFor(args.clusterName, url, args.clusterCa.certPem, `system:node:${node.name}`, kubelet)),
                mode: "0600",
            },
            {
                key: "kubelet-config",
                path: N.kubeletConfig,
                content: podCidrs.apply((c) =>
                    renderKubeletConfig({
                        clusterDns: [clusterDnsIp(serviceCidr, args.clusterDns)],
                        clusterDomain,
                        cgroupDriver,
                        podCidr: mode === "bridge" ? c[node.name] : undefined,
                        extra: { ...(args.kubeletExtraConfig ?? {}), ...(node.kubeletExtraConfig ?? {}) },
                    }),
                ),
            },
            {
                key: "kubelet-env",
                path: N.kubeletEnv,
                content: renderKubeletEnv({ hostnameOverride: node.name, nodeIp: node.address, nodeLabels: node.labels, registerWithTaints: node.taints }),
            },
            { key: "kubelet-unit", path: PATHS.unit("kubelet"), content: renderKubeletUnit() },
            {
                key: "kube-proxy-kubeconfig",
                path: N.kubeProxyKubeconfig,
                content: apiserver.apply((url) => kubeconfigFor(args.clusterName, url, args.clusterCa.certPem, "system:kube-proxy", kubeProxyCert)),
                mode: "0600",
            },
            {
                key: "kube-proxy-config",
                path: N.kubeProxyConfig,
                content: renderKubeProxyConfig({
                    clusterCidr: podCidr,
                    mode: args.proxyMode ?? DEFAULTS.proxyMode,
                    hostnameOverride: node.name,
                    conntrackMaxPerCore: args.conntrackMaxPerCore,
                }),
            },
            { key: "kube-proxy-env", path: N.kubeProxyEnv, content: renderKubeProxyEnv({ hostnameOverride: node.name }) },
            { key: "kube-proxy-unit", path: PATHS.unit("kube-proxy"), content: renderKubeProxyUnit() },
            // with podNetwork none the user's CNI writes its own configuration
            ...(mode === "none" ? [] : [{ key: "cni-loopback", path: N.cniLoopback, content: renderLoopbackConf() }]),
        ];
        const services = ["containerd", "kubelet", "kube-proxy"];
        if (mode === "bridge") {
            files.push(
                { key: "cni-conflist", path: N.cniConflist, content: podCidrs.apply((c) => renderBridgeConflist({ podCidr: c[node.name] })) },
                {
                    key: "pod-routes-env",
                    path: N.podRoutesEnv,
                    content: podCidrs.apply((c) => renderPodRoutesEnv({ routes: podRoutesFor(node.name, args.nodes, new Map(Object.entries(c))) })),
                },
                { key: "pod-routes-script", path: N.podRoutesScript, content: renderPodRoutesScript(), mode: "0755" },
                { key: "pod-routes-unit", path: PATHS.unit(POD_ROUTES_UNIT), content: renderPodRoutesUnit() },
            );
        } else if (mode === "flannel") {
            files.push(
                { key: "flannel-cni-script", path: FLANNEL_CNI_SCRIPT, content: renderFlannelCniScript(), mode: "0755" },
                { key: "flannel-cni-unit", path: PATHS.unit(FLANNEL_CNI_UNIT), content: renderFlannelCniUnit() },
                {
                    key: "flannel-net-conf",
                    path: N.flannelNetConf,
                    content: renderFlannelNetConf({ network: podCidr, subnetLen: args.nodeCidrMaskSize, backend: args.flannelBackend ?? "vxlan" }),
                },
                {
                    key: "flanneld-kubeconfig",
                    path: N.flanneldKubeconfig,
                    content: apiserver.apply((url) => kubeconfigFor(args.clusterName, url, args.clusterCa.certPem, args.flannelUser ?? FLANNEL_USER, flannelCert!)),
                    mode: "0600",
                },
                { key: "flanneld-env", path: N.flanneldEnv, content: renderFlanneldEnv({ nodeName: node.name, iface: node.address }) },
                { key: "flanneld-unit", path: PATHS.unit("flanneld"), content: renderFlanneldUnit() },
            );
            // flanneld leases the subnet of its Node object, which exists once kubelet registered.
            services.push("flanneld", FLANNEL_CNI_UNIT);
        }
        const binaries = ["kubelet", "kube-proxy", ...(node.controlPlane ? [] : ["kubectl"]), ...(mode === "flannel" ? ["flanneld"] : [])];
        const work: HostWork = {
            host: node,
            prefix,
            role: "node",
            packages: [...NODE_PACKAGES, ...PROXY_MODE_PACKAGES[args.proxyMode ?? DEFAULTS.proxyMode]],
            cleanup: nodeCleanupScript(),
            // Pod routes change whenever a worker comes or goes: only the routes service restarts then.
            files: files.map((f) => (ROUTE_FILES.has(f.key) ? { ...f, restarts: false } : f)),
            // New kubelet/kube-proxy binaries only once the control plane passed its gate (version skew).
            binaries: { names: binaries, source: args.artifacts, via: { ...node, connection: pulumi.all([node.connection, args.controlPlaneReady]).apply(([c]) => c) } },
            restartOn: [...binaries.map((b) => args.artifacts.sha256[b] ?? ""), ...archives.map((a) => a.sha256)],
            services: [...services.filter((s) => s !== "containerd"), ...(mode === "bridge" ? [POD_ROUTES_UNIT] : [])],
        };
        const install = installHost(work, opts);
        const images = archives.map((a) => uploadFile(prefix, a.key, node, a.local, a.staged, a.sha256, install.onBase));
        const isRoute = (i: number) => ROUTE_FILES.has(files[i].key);
        const routes =
            mode === "bridge"
                ? [
                      new command.remote.Command(
                          `${prefix}-routes-restart`,
                          {
                              connection: node.connection,
                              create: restartAndWaitScript({
                                  unit: POD_ROUTES_UNIT,
                                  host: node.name,
                                  check: `systemctl is-active --quiet ${POD_ROUTES_UNIT}`,
                                  timeoutSec: timeout,
                              }),
                              triggers: [revision(install.files.filter((_, i) => isRoute(i)))],
                              logging: "stderr",
                          },
                          pulumi.mergeOptions(opts, { dependsOn: [...install.services] }),
                      ),
                  ]
                : [];
        // a running node's pods leave through the API before its restart (its Ready gate uncordons it)
        const drained = drain
            ? [
                  new NodeDrain(
                      `${prefix}-node-drain`,
                      { ...onKubectlHost, node: node.name, revision: install.digest },
                      pulumi.mergeOptions(opts, { dependsOn: order.after(node.name) }),
                  ),
              ]
            : [];
        const restart = restartHost(
            work,
            install,
            {
                script: [
                    "set -u",
                    `systemctl restart systemd-modules-load >/dev/null 2>&1 || true`,
                    `sysctl -q -p ${shellQuote(N.sysctl)} >/dev/null 2>&1 || echo ${shellQuote(`ha-kubernetes: some sysctls could not be set on ${node.name}`)} >&2`,
                    "systemctl enable containerd >/dev/null 2>&1",
                    ...services.flatMap((u) => [
                        restartAndWaitScript({ unit: u, host: node.name, check: `systemctl is-active --quiet ${u}`, timeoutSec: timeout }),
                        // images are in containerd before the kubelet starts pods
                        ...(u === "containerd" && archives.length
                            ? [
                                  importImagesScript(
                                      archives.map((a) => a.staged),
                                      node.name,
                                  ),
                              ]
                            : []),
                    ]),
                ].join("\n"),
                triggers: [pulumi.output(args.controlPlaneReady).apply(() => "ready")],
                after: [...routes, ...images, ...(drain ? drained : order.after(node.name))],
            },
            opts,
        );
        // Ready gate after every restart (a running node's successor restarts after it); on
        // removal, drained through the API before its services stop
        const membership = new NodeMembership(
            `${prefix}-node-ready`,
            {
                ...onKubectlHost,
                node: node.name,
                revision: restart.id,
                labels: node.controlPlane ? { [CONTROL_PLANE_ROLE]: "" } : {},
            },
            pulumi.mergeOptions(opts, { dependsOn: [restart] }),
        );
        memberships.push(membership);
        order.passed(node.name, membership);
    }
    const names = args.nodes.map((n) => n.name);
    return {
        nodeNames: pulumi.output(names),
        podCidrs,
        ready: pulumi.all(memberships.map((m) => m.ready)).apply((r) => r.every((x) => x === true)),
        certificateExpiry: pulumi.all(expiry),
    };
}

/** Workers: containerd, kubelet, kube-proxy and pod networking (bridge + routes, or flannel). */
export class WorkerPool extends pulumi.ComponentResource implements WorkerPoolOutputs {
    declare public readonly nodeNames: pulumi.Output<string[]>;
    declare public readonly podCidrs: pulumi.Output<Record<string, string>>;
    declare public readonly ready: pulumi.Output<boolean>;
    declare public readonly certificateExpiry: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: WorkerPoolArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ha-kubernetes:components:WorkerPool", name, validatedProps(`WorkerPool ${name}`, validateWorkerPool(args)), opts);
        this.registerOutputs(adopt(this, createWorkerPool(name, args, { parent: this })));
    }
}
