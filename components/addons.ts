import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { isIpv4 } from "./cidr";
import { adminKubectl } from "./controlPlane";
import { applyObjects, identityOf, objectKey } from "./kubernetesObjects";
import { ClusterHost, shellQuote, waitScript } from "./remote";
import { COREDNS, coreDnsSettingProblems, renderCoreDnsObjects } from "./render/coredns";
import { Problem, validatedProps } from "./validation";

/** CoreDNS settings (cluster DNS); see AddonsArgs.coredns. */
export interface CoreDnsSettings {
    /** Image. Default `coredns/coredns:1.13.1` (the CoreDNS project's image; mirror it when air-gapped). */
    readonly image?: string;
    /** Replicas. Default 2. */
    readonly replicas?: number;
    /** Resolvers for names outside the cluster (IPv4[:port] or a resolv.conf path). Default `["/etc/resolv.conf"]` (the nodes'); `[]` answers cluster names only. */
    readonly upstreams?: readonly string[];
    /** Cache time, seconds. Default 30. */
    readonly cacheSeconds?: number;
}

export const COREDNS_DEFAULTS = { image: "coredns/coredns:1.13.1", replicas: 2, upstreams: ["/etc/resolv.conf"], cacheSeconds: 30 } as const;

export interface AddonsArgs {
    /** Where kubectl runs: a master with the admin kubeconfig. */
    readonly kubectlHost: ClusterHost;
    /** The control plane's gate: nothing is applied before it. */
    readonly controlPlaneReady: pulumi.Input<boolean>;
    /** The nodes' gate: the cluster's own add-ons (CoreDNS) are applied after it, and removed before the nodes on destroy. */
    readonly nodesReady: pulumi.Input<boolean>;
    /** Cluster DNS domain. */
    readonly clusterDomain: string;
    /** The cluster DNS Service's ClusterIP (what kubelets give pods). */
    readonly clusterDnsIp: string;
    /** Cluster DNS; `false` when the user brings their own. Default: CoreDNS with COREDNS_DEFAULTS. */
    readonly coredns?: CoreDnsSettings | false;
    /** Further objects to apply (e.g. from the user's manifest files), in order. Default none. */
    readonly objects?: readonly Record<string, unknown>[];
    /** Seconds the API and rollout gates wait. Default 300. */
    readonly timeoutSec?: number;
}

export interface AddonsOutputs {
    /** Resolves once every object is applied and CoreDNS has rolled out (all replicas available). */
    readonly ready: pulumi.Output<boolean>;
}

export function validateAddons(args: AddonsArgs): Problem[] {
    const problems: Problem[] = [];
    if (!isIpv4(args.clusterDnsIp)) problems.push({ propertyPath: "clusterDnsIp", reason: `cluster DNS ${JSON.stringify(args.clusterDnsIp)} is not IPv4` });
    if (args.coredns) problems.push(...coreDnsSettingProblems(args.coredns, "coredns"));
    const seen = new Map<string, number>();
    for (const [i, o] of (args.objects ?? []).entries()) {
        const meta = (o?.metadata ?? {}) as { name?: unknown };
        if (!o || typeof o.apiVersion !== "string" || typeof o.kind !== "string" || typeof meta.name !== "string" || !meta.name) {
            problems.push({ propertyPath: `objects[${i}]`, reason: "every object needs apiVersion, kind and metadata.name" });
            continue;
        }
        const key = objectKey(identityOf(o));
        if (seen.has(key)) problems.push({ propertyPath: `objects[${i}]`, reason: `${o.kind} ${meta.name} appears twice (also objects[${seen.get(key)}])` });
        else seen.set(key, i);
    }
    return problems;
}

/**
 * Shell that waits until a Deployment has rolled out — its newest generation observed, every
 * replica updated and available, no old replica left — failing with its pods' state. Pure.
 */
export function rolloutGateScript(namespace: string, deployment: string, timeoutSec: number): string {
    const ns = shellQuote(namespace);
    const fields = "{.metadata.generation} {.status.observedGeneration} {.spec.replicas} {.status.updatedReplicas} {.status.availableReplicas} {.status.replicas}";
    const check = `${adminKubectl(`-n ${ns} get deployment ${shellQuote(deployment)} -o jsonpath=${shellQuote(fields)}`)} | awk 'NF == 6 && $1 == $2 && $3 == $4 && $3 == $5 && $3 == $6 { ok = 1 } END { exit !ok }'`;
    return [
        "set -u",
        `if ! ( ${waitScript({ what: `${namespace}/${deployment} to roll out`, check, timeoutSec })} ); then`,
        `  ${adminKubectl(`-n ${ns} get pods -o wide`)} >&2 || true`,
        "  exit 1",
        "fi",
    ].join("\n");
}

function createAddons(name: string, args: AddonsArgs, opts: pulumi.CustomResourceOptions): AddonsOutputs {
    const timeoutSec = args.timeoutSec ?? 300;
    const host = args.kubectlHost;
    const afterControlPlane: ClusterHost = { ...host, connection: pulumi.all([host.connection, args.controlPlaneReady]).apply(([c]) => c) };
    // The cluster's own add-ons come once every node is Ready: the scheduler then spreads the
    // replicas over all nodes (not onto the first one Ready), and on destroy they go before any
    // node is drained (a drain of every node at once could never satisfy their disruption budget).
    const afterNodes: ClusterHost = { ...host, connection: pulumi.all([afterControlPlane.connection, args.nodesReady]).apply(([c]) => c) };
    const gates: pulumi.Output<unknown>[] = [];
    if (args.coredns !== false) {
        const c = args.coredns ?? {};
        const objects = renderCoreDnsObjects({
            image: c.image ?? COREDNS_DEFAULTS.image, replicas: c.replicas ?? COREDNS_DEFAULTS.replicas,
            upstreams: c.upstreams ?? COREDNS_DEFAULTS.upstreams, cacheSeconds: c.cacheSeconds ?? COREDNS_DEFAULTS.cacheSeconds,
            clusterIp: args.clusterDnsIp, clusterDomain: args.clusterDomain,
        });
        const applied = applyObjects(`${name}-coredns`, objects, { kubectlHost: afterNodes, timeoutSec }, opts);
        // CoreDNS answers once its replicas are available.
        const gate = new command.remote.Command(`${name}-${host.name}-coredns-rollout`, {
            connection: afterNodes.connection,
            create: rolloutGateScript(COREDNS.namespace, COREDNS.name, timeoutSec),
            triggers: [JSON.stringify(objects)],
            logging: "stderr",
        }, pulumi.mergeOptions(opts, { dependsOn: applied }));
        gates.push(gate.stdout);
    }
    // The user's objects need only the API: a CNI among them (podNetwork none) is what makes the nodes Ready.
    if (args.objects?.length) gates.push(...applyObjects(`${name}-manifest`, args.objects, { kubectlHost: afterControlPlane, timeoutSec }, opts).map((o) => o.present));
    return { ready: pulumi.all(gates).apply(() => true) };
}

/** Add-ons applied through the API: cluster DNS (CoreDNS) and the user's own manifests. */
export class Addons extends pulumi.ComponentResource implements AddonsOutputs {
    public readonly ready: pulumi.Output<boolean>;

    constructor(name: string, args: AddonsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ha-kubernetes:components:Addons", name, validatedProps(`Addons ${name}`, validateAddons(args)), opts);
        const o = createAddons(name, args, { parent: this });
        this.ready = o.ready;
        this.registerOutputs({ ready: o.ready });
    }
}
