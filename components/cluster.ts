import * as pulumi from "@pulumi/pulumi";
import { resolveArtifactSource } from "./artifacts";
import { ClusterPki, clusterTrust } from "./clusterPki";
import { ClusterArgs } from "./config";
import { assertPlanned, ClusterPlan, planCluster } from "./plan";
import { clusterHosts } from "./connection";
import { ControlPlane } from "./controlPlane";
import { EtcdCluster } from "./etcdCluster";
import { LoadBalancer } from "./loadBalancer";
import { packageSourceOf } from "./packageSource";
import { Connection, sshTarget } from "./remote";
import { HostPreflight } from "../providers/hostPreflight";
import { UpgradePolicy } from "../providers/upgradePolicy";
import { ValidationEnv } from "./validation";
import { WorkerPool } from "./workerPool";
import { Addons } from "./addons";
import { addonSettings } from "./addonSettings";
import { parseManifest } from "./manifests";
import * as fs from "fs";
import { adopt } from "./outputs";

export interface ClusterOutputs {
    /**
     * Admin kubeconfig through the load balancer: user `ha-kubernetes-admin` in
     * `controlPlane.adminGroup`, cluster-admin while ClusterRoleBinding `ha-kubernetes:cluster-admins` exists. Secret.
     */
    readonly kubeconfig: pulumi.Output<string>;
    /** The break-glass (`system:masters`) kubeconfig through the load balancer, only with `controlPlane.exportBreakGlassKubeconfig`. Secret. */
    readonly breakGlassKubeconfig?: pulumi.Output<string>;
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

/** The executor: turns a plan into the cluster's components, in dependency order. */
function createCluster(name: string, plan: ClusterPlan, parent: pulumi.Resource): ClusterOutputs {
    const opts = { parent };
    const raw = clusterHosts(plan.hosts, plan.ssh, undefined, plan.sshHostKeys, packageSourceOf(plan.packages));
    // Version steps and CA replacement are checked against the last deployment before anything else.
    const policy = new UpgradePolicy(
        `${name}-upgrade-policy`,
        {
            kubernetesVersion: plan.versions.kubernetes,
            etcdVersion: plan.versions.etcd,
            caSettings: { clusterName: plan.clusterName, caValidityHours: String(plan.certificates.caValidityHours) },
        },
        opts,
    );
    const afterPolicy = pulumi.mergeOptions(opts, { dependsOn: [policy] });
    // Every remote resource reaches its host through a connection that waits on the preflight.
    const preflight = new HostPreflight(
        `${name}-preflight`,
        {
            hosts: raw.map((h) => ({ name: h.name, connection: sshTarget(h), requires: plan.preflight.hosts[h.name] })),
            maxClockSkewMs: plan.preflight.maxClockSkewMs,
        },
        afterPolicy,
    );
    const hosts = raw.map((h) => ({ ...h, connection: afterPreflight(preflight, h.connection) }));
    const kubectlHost = hosts.find((h) => h.name === plan.kubectlHost)!;
    const artifacts = resolveArtifactSource(plan.artifacts, plan.versions);
    const { caValidityHours, ...validity } = plan.certificates;
    // every component gets its slice of the plan and the hosts (it looks up those the slice names)
    const planned = <P>(slice: P) => ({ plan: slice, hosts, runningHosts: plan.runningHosts, artifacts, validity });

    const pki = new ClusterPki(`${name}-pki`, { clusterName: plan.clusterName, caValidityHours, encryptionKey: plan.controlPlane.encryption }, afterPolicy);
    const etcd = new EtcdCluster(`${name}-etcd`, { ...planned(plan.etcd), ca: pki.etcdCa }, opts);
    const lb = new LoadBalancer(`${name}-lb`, planned(plan.loadBalancer), opts);
    const controlPlane = new ControlPlane(
        `${name}-cp`,
        { ...planned(plan.controlPlane), ...clusterTrust(pki), etcdEndpoints: etcd.endpoints, etcdReady: etcd.ready, loadBalancerReady: lb.ready },
        opts,
    );
    const workers = new WorkerPool(
        `${name}-workers`,
        { ...planned(plan.nodes), clusterCa: pki.clusterCa, apiserverUrl: controlPlane.apiserverUrl, controlPlaneReady: controlPlane.ready, kubectlHost },
        opts,
    );
    const addons = new Addons(
        `${name}-addons`,
        {
            kubectlHost,
            controlPlaneReady: controlPlane.ready,
            nodesReady: workers.ready,
            clusterDomain: plan.nodes.clusterDomain,
            clusterDnsIp: plan.nodes.clusterDns,
            ...addonSettings(plan.addons),
            ca: pki.clusterCa,
            validity,
            objects: (plan.addons.manifests ?? []).flatMap((f) => parseManifest(fs.readFileSync(f, "utf8"), f)),
        },
        opts,
    );
    const prefixed = (p: string, o: pulumi.Output<Record<string, string>>) => o.apply((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [`${p}/${k}`, v])));
    return {
        kubeconfig: controlPlane.kubeconfig,
        ...(controlPlane.breakGlassKubeconfig ? { breakGlassKubeconfig: controlPlane.breakGlassKubeconfig } : {}),
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
    declare public readonly breakGlassKubeconfig?: pulumi.Output<string>;
    declare public readonly apiserverUrl: pulumi.Output<string>;
    declare public readonly etcdEndpoints: pulumi.Output<string[]>;
    declare public readonly nodeNames: pulumi.Output<string[]>;
    declare public readonly podCidrs: pulumi.Output<Record<string, string>>;
    declare public readonly certificateExpiry: pulumi.Output<Record<string, string>>;
    declare public readonly ready: pulumi.Output<boolean>;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions, env?: ValidationEnv) {
        // nothing is registered, not even this component, when the configuration has a problem
        const plan = assertPlanned("ha-kubernetes configuration", planCluster(args, env));
        super("ha-kubernetes:components:Cluster", name, {}, opts);
        this.registerOutputs(adopt(this, createCluster(name, plan, this)));
    }
}
