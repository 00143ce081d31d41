import * as pulumi from "@pulumi/pulumi";
import { resolveArtifactSource } from "./artifacts";
import { ClusterPki } from "./clusterPki";
import { ClusterArgs } from "./config";
import { clusterHosts } from "./connection";
import { ControlPlane } from "./controlPlane";
import { EtcdCluster } from "./etcdCluster";
import { LoadBalancer, LoadBalancerArgs } from "./loadBalancer";
import { ClusterHost, Connection } from "./remote";
import { HostPreflight } from "../providers/hostPreflight";
import { SshTarget } from "../providers/ssh";
import { UpgradePolicy } from "../providers/upgradePolicy";
import { clusterDnsIp, DEFAULTS, defaultHostCidr, prefixLength, resolveTopology } from "./topology";
import { validateCluster, validatedProps, ValidationEnv } from "./validation";
import { CONTROL_PLANE_TAINT, FLANNEL_USER, WorkerPool } from "./workerPool";
import { Addons } from "./addons";
import { addonSettings } from "./addonSettings";
import { parseManifest } from "./manifests";
import * as fs from "fs";
import { adopt } from "./outputs";

export interface ClusterOutputs {
    /** Admin kubeconfig through the load balancer. Secret. */
    readonly kubeconfig: pulumi.Output<string>;
    readonly apiserverUrl: pulumi.Output<string>;
    readonly etcdEndpoints: pulumi.Output<string[]>;
    readonly nodeNames: pulumi.Output<string[]>;
    readonly podCidrs: pulumi.Output<Record<string, string>>;
    /** Every certificate's expiry (RFC 3339), keyed `<component>/<cert>`. */
    readonly certificateExpiry: pulumi.Output<Record<string, string>>;
    /** Resolves once etcd, the load balancer, the control plane, every node and the add-ons passed their health gates. */
    readonly ready: pulumi.Output<boolean>;
}

/** The connection, available only once the preflight passed (an implicit dependency). */
function afterPreflight(preflight: HostPreflight, connection: pulumi.Input<Connection>): pulumi.Output<Connection> {
    return pulumi.all([preflight.facts, connection]).apply(([, c]) => c as Connection);
}

function createCluster(name: string, args: ClusterArgs, parent: pulumi.Resource): ClusterOutputs {
    const opts = { parent };
    const t = resolveTopology(args);
    const net = args.network ?? {};
    const raw = clusterHosts(args.hosts, args.ssh);
    const certs = args.certificates ?? {};
    // Version steps and CA replacement are checked against the last deployment before anything else.
    const policy = new UpgradePolicy(
        `${name}-upgrade-policy`,
        {
            kubernetesVersion: args.versions.kubernetes,
            etcdVersion: args.versions.etcd,
            caSettings: { clusterName: args.clusterName, caValidityHours: String(certs.caValidityHours ?? DEFAULTS.caValidityHours) },
        },
        opts,
    );
    const afterPolicy = pulumi.mergeOptions(opts, { dependsOn: [policy] });
    // Every remote resource reaches its host through a connection that waits on the preflight.
    const preflight = new HostPreflight(
        `${name}-preflight`,
        {
            hosts: raw.map((h) => ({ name: h.name, connection: h.connection as pulumi.Input<SshTarget> })),
        },
        afterPolicy,
    );
    const hosts = new Map<string, ClusterHost>(raw.map((h) => [h.name, { ...h, connection: afterPreflight(preflight, h.connection) }]));
    const pick = (list: readonly { name: string }[]) => list.map((h) => hosts.get(h.name)!);
    const masters = pick(t.masters);
    const artifacts = resolveArtifactSource(args.artifacts, args.versions);
    const validity = {
        validityHours: certs.validityHours ?? DEFAULTS.validityHours,
        earlyRenewalHours: certs.earlyRenewalHours ?? DEFAULTS.earlyRenewalHours,
        renewal: certs.renewal,
    };
    const podNetwork = net.podNetwork ?? DEFAULTS.podNetwork;

    const pki = new ClusterPki(`${name}-pki`, { clusterName: args.clusterName, caValidityHours: certs.caValidityHours }, afterPolicy);
    const etcd = new EtcdCluster(
        `${name}-etcd`,
        {
            members: pick(t.etcdMembers),
            runningHosts: args.runningHosts,
            ca: pki.etcdCa,
            artifacts,
            validity,
            clusterToken: args.clusterName,
            clientPort: args.etcd?.clientPort,
            peerPort: args.etcd?.peerPort,
            keepDataOnDestroy: args.etcd?.keepDataOnDestroy,
            allowSingleMember: args.etcd?.allowSingleMember,
            snapshotCopyDirectory: args.etcd?.snapshotCopyDirectory,
        },
        opts,
    );
    const lbCommon = { backends: masters, runningHosts: args.runningHosts, port: t.apiserverPort, maxConnections: args.loadBalancer?.maxConnections };
    // validated before any resource: the mode's own setting is there (the component checks it again)
    const lbArgs: LoadBalancerArgs =
        t.lbMode === "haproxy-keepalived"
            ? {
                  ...lbCommon,
                  mode: t.lbMode,
                  vip: args.loadBalancer?.vip ?? "",
                  vipPrefixLength: prefixLength(net.hostCidr ?? defaultHostCidr(masters[0].address)),
                  interface: args.loadBalancer?.interface,
                  virtualRouterId: args.loadBalancer?.virtualRouterId,
              }
            : t.lbMode === "nginx"
              ? { ...lbCommon, mode: t.lbMode, lbHost: hosts.get(t.lbHosts[0]?.name)! }
              : { ...lbCommon, mode: t.lbMode, externalAddress: args.loadBalancer?.address ?? "" };
    const lb = new LoadBalancer(`${name}-lb`, lbArgs, opts);
    const controlPlane = new ControlPlane(
        `${name}-cp`,
        {
            clusterName: args.clusterName,
            runningHosts: args.runningHosts,
            masters,
            clusterCa: pki.clusterCa,
            etcdCa: pki.etcdCa,
            frontProxyCa: pki.frontProxyCa,
            serviceAccountKeyPem: pki.serviceAccountKeyPem,
            serviceAccountPublicKeyPem: pki.serviceAccountPublicKeyPem,
            encryptionKeyBase64: pki.encryptionKeyBase64,
            etcdEndpoints: etcd.endpoints,
            etcdReady: etcd.ready,
            endpointHost: t.apiserverHost,
            endpointPort: t.apiserverPort,
            loadBalancerReady: lb.ready,
            serviceCidr: net.serviceCidr,
            podCidr: net.podCidr ?? DEFAULTS.podCidr,
            clusterDomain: net.clusterDomain,
            // flannel and the CNIs users bring (podNetwork none) take node.spec.podCIDR; bridge blocks are Pulumi's
            allocateNodeCidrs: podNetwork !== "bridge",
            nodeCidrMaskSize: net.nodeCidrMaskSize,
            flannelUser: podNetwork === "flannel" ? FLANNEL_USER : undefined,
            apiserver: {
                extraArgs: args.controlPlane?.apiserverExtraArgs,
                auditLogMaxAgeDays: args.controlPlane?.auditLogMaxAgeDays,
                serviceNodePortRange: args.controlPlane?.serviceNodePortRange,
            },
            artifacts,
            validity,
        },
        opts,
    );
    // Every master is a node too (tainted unless it also has role worker), so that apiservers
    // reach pods: webhooks, aggregated APIs, exec/logs/port-forward, Services backed by pods.
    const nodeHosts = [...t.masters, ...t.workers.filter((w) => !w.roles.includes("master"))];
    const workers = new WorkerPool(
        `${name}-workers`,
        {
            clusterName: args.clusterName,
            runningHosts: args.runningHosts,
            maxUnavailable: args.rollout?.maxUnavailable,
            drain: args.rollout?.drain,
            nodes: nodeHosts.map((h) => {
                const master = h.roles.includes("master");
                const taints = master && !h.roles.includes("worker") ? [CONTROL_PLANE_TAINT, ...(h.taints ?? [])] : h.taints;
                return { ...hosts.get(h.name)!, labels: h.labels, taints, podCidr: h.podCidr, kubeletExtraConfig: h.kubeletExtraConfig, controlPlane: master };
            }),
            clusterCa: pki.clusterCa,
            apiserverUrl: controlPlane.apiserverUrl,
            controlPlaneReady: controlPlane.ready,
            kubectlHost: masters[0],
            podNetwork,
            podCidr: net.podCidr,
            nodeCidrMaskSize: net.nodeCidrMaskSize,
            serviceCidr: net.serviceCidr,
            clusterDomain: net.clusterDomain,
            clusterDns: net.clusterDns,
            flannelBackend: net.flannelBackend,
            registry: args.registry,
            sandboxImage: args.nodes?.sandboxImage,
            cgroupDriver: args.nodes?.cgroupDriver,
            proxyMode: args.nodes?.proxyMode,
            conntrackMaxPerCore: args.nodes?.conntrackMaxPerCore,
            kubeletExtraConfig: args.nodes?.kubeletExtraConfig,
            restrictOomScoreAdj: args.nodes?.restrictOomScoreAdj,
            imageArchives: args.nodes?.imageArchives,
            artifacts,
            validity,
        },
        opts,
    );
    const addons = new Addons(
        `${name}-addons`,
        {
            kubectlHost: masters[0],
            controlPlaneReady: controlPlane.ready,
            nodesReady: workers.ready,
            clusterDomain: net.clusterDomain ?? DEFAULTS.clusterDomain,
            clusterDnsIp: clusterDnsIp(net.serviceCidr ?? DEFAULTS.serviceCidr, net.clusterDns),
            ...addonSettings(args.addons),
            ca: pki.clusterCa,
            validity,
            objects: (args.addons?.manifests ?? []).flatMap((f) => parseManifest(fs.readFileSync(f, "utf8"), f)),
        },
        opts,
    );
    const prefixed = (p: string, o: pulumi.Output<Record<string, string>>) => o.apply((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [`${p}/${k}`, v])));
    return {
        kubeconfig: controlPlane.kubeconfig,
        apiserverUrl: controlPlane.apiserverUrl,
        etcdEndpoints: etcd.endpoints,
        nodeNames: workers.nodeNames,
        podCidrs: workers.podCidrs,
        certificateExpiry: pulumi
            .all([
                prefixed("ca", pki.caExpiry),
                prefixed("etcd", etcd.certificateExpiry),
                prefixed("control-plane", controlPlane.certificateExpiry),
                prefixed("workers", workers.certificateExpiry),
                prefixed("addons", addons.certificateExpiry),
            ])
            .apply((parts): Record<string, string> => Object.assign({}, ...parts)),
        ready: pulumi.all([etcd.ready, lb.ready, controlPlane.ready, workers.ready, addons.ready]).apply((r) => r.every(Boolean)),
    };
}

/** A whole HA cluster from one configuration object: PKI, etcd, load balancer, control plane, workers. */
export class HaKubernetesCluster extends pulumi.ComponentResource implements ClusterOutputs {
    declare public readonly kubeconfig: pulumi.Output<string>;
    declare public readonly apiserverUrl: pulumi.Output<string>;
    declare public readonly etcdEndpoints: pulumi.Output<string[]>;
    declare public readonly nodeNames: pulumi.Output<string[]>;
    declare public readonly podCidrs: pulumi.Output<Record<string, string>>;
    declare public readonly certificateExpiry: pulumi.Output<Record<string, string>>;
    declare public readonly ready: pulumi.Output<boolean>;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions, env?: ValidationEnv) {
        super("ha-kubernetes:components:Cluster", name, validatedProps("ha-kubernetes configuration", validateCluster(args, env)), opts);
        this.registerOutputs(adopt(this, createCluster(name, args, this)));
    }
}
