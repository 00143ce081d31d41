import { renderKubeBenchConfig } from "./render/kubeBenchConfig";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { fileSha256, uploadFile } from "./upload";
import { HostWork, installHost, restartHost } from "./hostWork";
import { RegistryArgs } from "./config";
import { fileOrTextValue } from "./fileInputs";
import { kubeconfigFor } from "./controlPlane";
import { kubectlHostInputs } from "./kubernetesObjects";
import { CertificateAuthority, IssuedCert, issueCert } from "./pki";
import { ClusterHost, reachOf, remoteCommand, revision, FileSpec, restartAndWaitScript, shellQuote } from "./remote";
import { renderBridgeConflist, renderLoopbackConf } from "./render/cni";
import { FLANNEL_CNI_SCRIPT, FLANNEL_CNI_UNIT, renderFlannelCniScript, renderFlannelCniUnit } from "./render/flannelCni";
import { renderContainerdConfig } from "./render/containerd";
import { renderFlanneldEnv, renderFlanneldUnit, renderFlannelNetConf } from "./render/flannel";
import { renderKubeletConfig, renderKubeletEnv, renderKubeletUnit } from "./render/kubelet";
import { isKubeconfigName } from "./render/kubeconfig";
import { renderKubeProxyConfig, renderKubeProxyEnv, renderKubeProxyUnit } from "./render/kubeProxy";
import { NODE_EXTRA_PATHS, PATHS } from "./render/paths";
import { renderPodRoutesEnv, renderPodRoutesScript, renderPodRoutesUnit } from "./render/podRoutes";
import { registryHostsDir, renderRegistryHostsToml } from "./render/registryHosts";
import { renderModulesLoadConf, renderSysctlConf } from "./render/sysctl";
import { NodeMembership } from "../providers/nodeMembership";
import { PodCidrAllocation } from "../providers/podCidrAllocation";
import { CONTROL_PLANE_ROLE, podRoutesFor } from "./topology";
import { NodePoolPlan, NodePoolSettings, NodeSettings, planNodePool, POD_ROUTES_UNIT } from "./nodePoolPlan";
import { hostLookup, InstallInputs, PlannedArgs } from "./planned";
import { HostComponent, HostComponentKind } from "./hostComponent";
import { renderHostsEntries } from "./render/hostsEntries";
import { clusterNameProblems, extraHostsProblems, hostListProblems, Problem, registryProblems } from "./validation";
import { maxUnavailableProblem, RolloutOrder } from "./rollout";
import { NodeDrain } from "../providers/nodeDrain";

/** A node: a host plus its node settings. */
export type WorkerNode = ClusterHost & NodeSettings;

/** The runtime inputs every form of the arguments takes (running nodes restart `maxUnavailable` at a time). */
export interface WorkerPoolInputs extends InstallInputs {
    readonly clusterCa: CertificateAuthority;
    /** `https://lb:port` of the apiserver. */
    readonly apiserverUrl: pulumi.Input<string>;
    /** The control plane's health gate. */
    readonly controlPlaneReady: pulumi.Input<boolean>;
    /** A master with kubectl and the operator kubeconfig: node-Ready gates and drains run there. */
    readonly kubectlHost: ClusterHost;
}

/** Settings (see NodePoolSettings) with the nodes as ClusterHosts, and the inputs. */
export type WorkerPoolArgs = NodePoolSettings<ClusterHost> & WorkerPoolInputs;

/** The ClusterPlan's slice, the hosts it names, and the inputs. */
export type PlannedWorkerPoolArgs = PlannedArgs<NodePoolPlan> & WorkerPoolInputs;

export interface WorkerPoolOutputs {
    /** Node names. */
    readonly nodeNames: pulumi.Output<string[]>;
    /** Pod CIDR per node (bridge mode; flannel gets them from the controller-manager). */
    readonly podCidrs: pulumi.Output<Record<string, string>>;
    /** Resolves once every node is Ready. */
    readonly ready: pulumi.Output<boolean>;
    readonly certificateExpiry: pulumi.Output<Record<string, string>>;
}

/** Files only the pod routes unit reads. */
const ROUTE_FILES = new Set(["pod-routes-env", "pod-routes-script", "pod-routes-unit"]);

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
    const problems = [...clusterNameProblems(args.clusterName), ...hostListProblems(args.nodes, "nodes", "node")];
    const mu = args.maxUnavailable === undefined ? undefined : maxUnavailableProblem(args.maxUnavailable);
    if (mu) problems.push({ propertyPath: "maxUnavailable", reason: mu });
    problems.push(...extraHostsProblems(args.extraHosts, "extraHosts"));
    if (args.registry) problems.push(...registryProblems(args.registry));
    if (args.flannelUser !== undefined && !isKubeconfigName(args.flannelUser))
        problems.push({ propertyPath: "flannelUser", reason: `flannelUser ${JSON.stringify(args.flannelUser)} must be a user name without white space` });
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

function createWorkerPool(name: string, args: PlannedWorkerPoolArgs, opts: pulumi.CustomResourceOptions): WorkerPoolOutputs {
    const plan = args.plan;
    const { podCidr, clusterName, healthTimeoutSec: timeout } = plan;
    const mode = plan.podNetwork.mode;
    const host = hostLookup(args.hosts);
    const nodes = plan.nodes.map((n) => ({ ...n, ...reachOf(host(n.name)) }));
    // bridge mode: blocks kept in state, so nodes coming and going never move another's
    const podCidrs: pulumi.Output<Record<string, string>> =
        mode === "bridge"
            ? new PodCidrAllocation(
                  `${name}-pod-cidrs`,
                  { nodes: nodes.map((n) => (n.podCidr ? { name: n.name, podCidr: n.podCidr } : { name: n.name })), podCidr, maskSize: plan.nodeCidrMaskSize },
                  opts,
              ).allocations
            : pulumi.output<Record<string, string>>({});
    const v = args.validity;
    const N = PATHS.node;
    const kubeProxyCert = issueCert(`${name}-kube-proxy`, args.clusterCa, { commonName: "system:kube-proxy", usages: ["client"] }, v, opts);
    const flannel = plan.podNetwork.mode === "flannel" ? plan.podNetwork : undefined;
    const flannelCert = flannel ? issueCert(`${name}-flanneld`, args.clusterCa, { commonName: flannel.user, usages: ["client"] }, v, opts) : undefined;
    type Auth = Array<{ host: string; username: string; password: string }> | undefined;
    const registry = plan.registry;
    const registryAuth: pulumi.Output<Auth> = registry?.username
        ? pulumi.secret(registry.password!).apply((password): Auth => [{ host: registry.server, username: registry.username!, password }])
        : pulumi.output<Auth>(undefined);
    const containerdConfig = pulumi.secret(
        registryAuth.apply((auth) =>
            renderContainerdConfig({
                sandboxImage: plan.sandboxImage,
                systemdCgroup: plan.cgroupDriver === "systemd",
                registryAuth: auth,
                restrictOomScoreAdj: plan.restrictOomScoreAdj,
            }),
        ),
    );
    const expiry: Record<string, pulumi.Output<string>> = { "kube-proxy": kubeProxyCert.expiresAt };
    const archives: ImageArchive[] = plan.imageArchives.map((local) => {
        const sha256 = fileSha256(local);
        const key = `image-${path
            .basename(local)
            .replace(/\.tar$/, "")
            .toLowerCase()
            .replace(/[^a-z0-9.-]+/g, "-")}`;
        return { key, local, sha256, staged: `${IMAGE_STAGING_DIR}/${key}-${sha256.slice(0, 16)}.tar` };
    });
    const memberships: NodeMembership[] = [];
    const order = new RolloutOrder(args.runningHosts, plan.batchSize);
    const drain = plan.drain;
    const onKubectlHost = kubectlHostInputs(args.kubectlHost, timeout);
    for (const node of nodes) {
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
        const files: Array<FileSpec & { key: string; restarts?: boolean }> = [
            { key: "modules-load", path: NODE_EXTRA_PATHS.modulesLoad, content: renderModulesLoadConf({ modules: plan.kernelModules }) },
            { key: "sysctl", path: N.sysctl, content: renderSysctlConf({ ipForward: true, bridgeNfCall: true }) },
            ...(node.controlPlane ? [] : [{ key: "ca-crt", path: PATHS.kubernetes.ca, content: args.clusterCa.certPem }]),
            ...nodeCertFiles(kubelet),
            { key: "containerd-config", path: N.containerdConfig, content: containerdConfig, mode: "0600" },
            ...registryFiles(registry),
            {
                key: "kubelet-kubeconfig",
                path: N.kubeletKubeconfig,
                content: apiserver.apply((url) => kubeconfigFor(clusterName, url, args.clusterCa.certPem, `system:node:${node.name}`, kubelet)),
                mode: "0600",
            },
            {
                key: "kubelet-config",
                path: N.kubeletConfig,
                content: podCidrs.apply((c) =>
                    renderKubeletConfig({
                        clusterDns: [plan.clusterDns],
                        clusterDomain: plan.clusterDomain,
                        cgroupDriver: plan.cgroupDriver,
                        podCidr: mode === "bridge" ? c[node.name] : undefined,
                        extra: node.kubeletExtraConfig,
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
                content: apiserver.apply((url) => kubeconfigFor(clusterName, url, args.clusterCa.certPem, "system:kube-proxy", kubeProxyCert)),
                mode: "0600",
            },
            {
                key: "kube-proxy-config",
                path: N.kubeProxyConfig,
                content: renderKubeProxyConfig({
                    clusterCidr: podCidr,
                    mode: plan.proxyMode,
                    hostnameOverride: node.name,
                    conntrackMaxPerCore: plan.conntrackMaxPerCore,
                }),
            },
            { key: "kube-proxy-env", path: N.kubeProxyEnv, content: renderKubeProxyEnv({ hostnameOverride: node.name }) },
            { key: "kube-proxy-unit", path: PATHS.unit("kube-proxy"), content: renderKubeProxyUnit() },
            { key: "kube-bench-config", path: PATHS.kubeBenchConfig, content: renderKubeBenchConfig(), restarts: false },
            // with podNetwork none the user's CNI writes its own configuration
            ...(mode === "none" ? [] : [{ key: "cni-loopback", path: N.cniLoopback, content: renderLoopbackConf() }]),
        ];
        if (mode === "bridge") {
            files.push(
                { key: "cni-conflist", path: N.cniConflist, content: podCidrs.apply((c) => renderBridgeConflist({ podCidr: c[node.name] })) },
                {
                    key: "pod-routes-env",
                    path: N.podRoutesEnv,
                    content: podCidrs.apply((c) => renderPodRoutesEnv({ routes: podRoutesFor(node.name, nodes, new Map(Object.entries(c))) })),
                },
                { key: "pod-routes-script", path: N.podRoutesScript, content: renderPodRoutesScript(), mode: "0755" },
                { key: "pod-routes-unit", path: PATHS.unit(POD_ROUTES_UNIT), content: renderPodRoutesUnit() },
            );
        } else if (flannel) {
            files.push(
                { key: "flannel-cni-script", path: FLANNEL_CNI_SCRIPT, content: renderFlannelCniScript(), mode: "0755" },
                { key: "flannel-cni-unit", path: PATHS.unit(FLANNEL_CNI_UNIT), content: renderFlannelCniUnit() },
                {
                    key: "flannel-net-conf",
                    path: N.flannelNetConf,
                    content: renderFlannelNetConf({ network: podCidr, subnetLen: plan.nodeCidrMaskSize, backend: flannel.backend }),
                },
                {
                    key: "flanneld-kubeconfig",
                    path: N.flanneldKubeconfig,
                    content: apiserver.apply((url) => kubeconfigFor(clusterName, url, args.clusterCa.certPem, flannel.user, flannelCert!)),
                    mode: "0600",
                },
                { key: "flanneld-env", path: N.flanneldEnv, content: renderFlanneldEnv({ nodeName: node.name, iface: node.address }) },
                { key: "flanneld-unit", path: PATHS.unit("flanneld"), content: renderFlanneldUnit() },
            );
        }
        const binaries = node.binaries;
        const work: HostWork = {
            host: node,
            prefix,
            role: "node",
            packages: plan.packages,
            cleanup: nodeCleanupScript(),
            // Pod routes change whenever a worker comes or goes: only the routes service restarts then.
            files: files.map((f) => (ROUTE_FILES.has(f.key) ? { ...f, restarts: false } : f)),
            // New kubelet/kube-proxy binaries only once the control plane passed its gate (version skew).
            binaries: { names: binaries, source: args.artifacts, via: { ...node, connection: pulumi.all([node.connection, args.controlPlaneReady]).apply(([c]) => c) } },
            restartOn: [...binaries.map((b) => args.artifacts.sha256[b] ?? ""), ...archives.map((a) => a.sha256)],
            services: plan.units,
            etcHosts: plan.extraHosts.length ? renderHostsEntries(plan.extraHosts) : undefined,
        };
        const install = installHost(work, opts);
        const images = archives.map((a) => uploadFile(prefix, a.key, node, a.local, a.staged, a.sha256, install.onBase));
        const isRoute = (i: number) => ROUTE_FILES.has(files[i].key);
        const routes =
            mode === "bridge"
                ? [
                      remoteCommand(
                          `${prefix}-routes-restart`,
                          node,
                          {
                              create: restartAndWaitScript({
                                  unit: POD_ROUTES_UNIT,
                                  host: node.name,
                                  check: `systemctl is-active --quiet ${shellQuote(POD_ROUTES_UNIT)}`,
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
                    ...plan.restartOrder.flatMap((u) => [
                        restartAndWaitScript({ unit: u, host: node.name, check: `systemctl is-active --quiet ${shellQuote(u)}`, timeoutSec: timeout }),
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
    const names = nodes.map((n) => n.name);
    return {
        nodeNames: pulumi.output(names),
        podCidrs,
        ready: pulumi.all(memberships.map((m) => m.ready)).apply((r) => r.every((x) => x === true)),
        certificateExpiry: pulumi.all(expiry),
    };
}

/** The component: how settings become a plan, and what it creates. */
const KIND: HostComponentKind<WorkerPoolArgs, NodePoolPlan, WorkerPoolInputs, WorkerPoolOutputs> = {
    kind: "WorkerPool",
    validate: validateWorkerPool,
    plan: planNodePool,
    hosts: (a) => a.nodes,
    create: createWorkerPool,
};

/** Workers: containerd, kubelet, kube-proxy and pod networking (bridge + routes, or flannel). */
export class WorkerPool extends HostComponent<WorkerPoolArgs, NodePoolPlan, WorkerPoolInputs, WorkerPoolOutputs> implements WorkerPoolOutputs {
    declare public readonly nodeNames: pulumi.Output<string[]>;
    declare public readonly podCidrs: pulumi.Output<Record<string, string>>;

    /** `args`: settings (library users) or the ClusterPlan's slice (components/cluster.ts). */
    constructor(name: string, args: WorkerPoolArgs | PlannedWorkerPoolArgs, opts?: pulumi.ComponentResourceOptions) {
        super(KIND, name, args, opts);
    }
}
