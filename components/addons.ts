import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { isIpv4 } from "../lib/address";
import { adminKubectl } from "./controlPlane";
import { addonSettingProblems, CoreDnsSettings, MetricsServerSettings, resolveAddons } from "./addonSettings";
import { applyObjects, DeferredObject } from "./kubernetesObjects";
import { duplicateObjectProblems, isKubeObject } from "./manifests";
import { CertificateAuthority, issueCert, Validity } from "./pki";
import { ClusterHost, remoteCommand, shellQuote, waitScript } from "./remote";
import { COREDNS, renderCoreDnsObjects } from "./render/coredns";
import { METRICS_SERVER, metricsServerDnsNames, renderMetricsServerApiService, renderMetricsServerObjects, renderMetricsServerSecret } from "./render/metricsServer";
import { Problem, validatedProps } from "./validation";
import { adopt } from "./outputs";

export interface AddonsArgs {
    /** Where kubectl runs: a master with the operator kubeconfig. */
    readonly kubectlHost: ClusterHost;
    /** The control plane's gate: nothing is applied before it. */
    readonly controlPlaneReady: pulumi.Input<boolean>;
    /** The nodes' gate: the cluster's own add-ons (CoreDNS) are applied after it, and removed before the nodes on destroy. */
    readonly nodesReady: pulumi.Input<boolean>;
    /** Cluster DNS domain. */
    readonly clusterDomain: string;
    /** The cluster DNS Service's ClusterIP (what kubelets give pods). */
    readonly clusterDnsIp: string;
    /** Registry host[:port] and path the add-on images come from (`<repository>/coredns/coredns:v1.13.1`, `<repository>/metrics-server/metrics-server:v0.8.0`), e.g. your mirror. Default none (each image's own default). */
    readonly imageRepository?: string;
    /** Cluster DNS; `false` when the user brings their own. Default: CoreDNS with COREDNS_DEFAULTS. */
    readonly coredns?: CoreDnsSettings | false;
    /** metrics-server (`kubectl top`, autoscalers): `true` or settings. Default off. */
    readonly metricsServer?: MetricsServerSettings | boolean;
    /** The CA that issues metrics-server's serving certificate (the cluster CA); needed with metricsServer. */
    readonly ca?: CertificateAuthority;
    /** Validity of the serving certificate; needed with metricsServer. */
    readonly validity?: Validity;
    /** Further objects to apply (e.g. from the user's manifest files), in order. Default none. */
    readonly objects?: readonly Record<string, unknown>[];
    /** Seconds the API and rollout gates wait. Default 300. */
    readonly timeoutSec?: number;
}

export interface AddonsOutputs {
    /** Resolves once every object is applied, CoreDNS has rolled out (all replicas available) and metrics-server's API is available. */
    readonly ready: pulumi.Output<boolean>;
    /** End of validity (RFC 3339) of the add-ons' certificates, by name (`metrics-server`). */
    readonly certificateExpiry: pulumi.Output<Record<string, string>>;
}

export function validateAddons(args: AddonsArgs): Problem[] {
    const problems: Problem[] = [];
    if (!isIpv4(args.clusterDnsIp)) problems.push({ propertyPath: "clusterDnsIp", reason: `cluster DNS ${JSON.stringify(args.clusterDnsIp)} is not IPv4` });
    problems.push(...addonSettingProblems(args, ""));
    if (args.metricsServer && (!args.ca || !args.validity))
        problems.push({ propertyPath: "metricsServer", reason: "metrics-server needs ca and validity (its serving certificate)" });
    const objects = args.objects ?? [];
    for (const [i, o] of objects.entries()) if (!isKubeObject(o)) problems.push({ propertyPath: `objects[${i}]`, reason: "every object needs apiVersion, kind and metadata.name" });
    problems.push(...duplicateObjectProblems(objects.flatMap((object, i) => (isKubeObject(object) ? [{ path: `objects[${i}]`, where: `objects[${i}]`, object }] : []))));
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

/**
 * Shell that waits until an aggregated API's APIService reports Available, failing with its
 * conditions. Pure.
 */
export function apiServiceGateScript(apiService: string, timeoutSec: number): string {
    const get = (jsonpath: string) => adminKubectl(`get apiservice ${shellQuote(apiService)} -o jsonpath=${shellQuote(jsonpath)}`);
    const check = `[ "$(${get('{.status.conditions[?(@.type=="Available")].status}')})" = True ]`;
    return [
        "set -u",
        `if ! ( ${waitScript({ what: `APIService ${apiService} to be available`, check, timeoutSec })} ); then`,
        `  ${get('{range .status.conditions[*]}{.type}={.status} {.reason}: {.message}{"\\n"}{end}')} >&2 || true`,
        "  exit 1",
        "fi",
    ].join("\n");
}

/** A gate Command on the kubectl host that runs `script` once `dependsOn` is applied (again whenever `trigger` changes). */
function gateCommand(
    name: string,
    host: ClusterHost,
    script: string,
    trigger: pulumi.Input<string>,
    dependsOn: pulumi.Resource[],
    opts: pulumi.CustomResourceOptions,
): command.remote.Command {
    return remoteCommand(name, host, { create: script, triggers: [trigger], logging: "stderr" }, pulumi.mergeOptions(opts, { dependsOn }));
}

function createAddons(name: string, args: AddonsArgs, opts: pulumi.CustomResourceOptions): AddonsOutputs {
    const timeoutSec = args.timeoutSec ?? 300;
    const host = args.kubectlHost;
    const resolved = resolveAddons(args);
    const afterControlPlane: ClusterHost = { ...host, connection: pulumi.all([host.connection, args.controlPlaneReady]).apply(([c]) => c) };
    // The cluster's own add-ons come once every node is Ready: the scheduler then spreads the
    // replicas over all nodes (not onto the first one Ready), and on destroy they go before any
    // node is drained (a drain of every node at once could never satisfy their disruption budget).
    const afterNodes: ClusterHost = { ...host, connection: pulumi.all([afterControlPlane.connection, args.nodesReady]).apply(([c]) => c) };
    const apply = { kubectlHost: afterNodes, timeoutSec };
    const gates: pulumi.Output<unknown>[] = [];
    let certificateExpiry: pulumi.Output<Record<string, string>> = pulumi.output({} as Record<string, string>);
    if (resolved.coredns) {
        const objects = renderCoreDnsObjects({ ...resolved.coredns, clusterIp: args.clusterDnsIp, clusterDomain: args.clusterDomain });
        const applied = applyObjects(`${name}-coredns`, objects, apply, opts);
        // CoreDNS answers once its replicas are available.
        const gate = gateCommand(
            `${name}-${host.name}-coredns-rollout`,
            afterNodes,
            rolloutGateScript(COREDNS.namespace, COREDNS.name, timeoutSec),
            JSON.stringify(objects),
            applied,
            opts,
        );
        gates.push(gate.stdout);
    }
    if (resolved.metricsServer) {
        // Served with a certificate from the cluster CA; the APIService verifies it with that CA.
        const cert = issueCert(
            `${name}-metrics-server-serving`,
            args.ca!,
            {
                commonName: metricsServerDnsNames(args.clusterDomain)[0],
                sans: { dnsNames: metricsServerDnsNames(args.clusterDomain), ipAddresses: [] },
                usages: ["server"],
            },
            args.validity!,
            opts,
        );
        const objects = renderMetricsServerObjects(resolved.metricsServer);
        const secret: DeferredObject = {
            identity: { apiVersion: "v1", kind: "Secret", namespace: METRICS_SERVER.namespace, name: METRICS_SERVER.certSecret },
            object: pulumi.all([cert.certPem, cert.keyPem]).apply(([c, k]) => renderMetricsServerSecret(c, k)),
        };
        const apiService: DeferredObject = {
            identity: { apiVersion: "apiregistration.k8s.io/v1", kind: "APIService", name: METRICS_SERVER.apiService },
            object: pulumi.output(args.ca!.certPem).apply(renderMetricsServerApiService),
        };
        const applied = applyObjects(`${name}-metrics-server`, [secret, ...objects], apply, opts);
        const rollout = gateCommand(
            `${name}-${host.name}-metrics-server-rollout`,
            afterNodes,
            rolloutGateScript(METRICS_SERVER.namespace, METRICS_SERVER.name, timeoutSec),
            pulumi.concat(JSON.stringify(objects), cert.certPem),
            applied,
            opts,
        );
        // the API group is registered once its pods serve (an unavailable one disturbs discovery and
        // namespace deletion); on destroy it goes first
        const registered = applyObjects(`${name}-metrics-server`, [apiService], apply, pulumi.mergeOptions(opts, { dependsOn: [rollout] }));
        const available = gateCommand(
            `${name}-${host.name}-metrics-server-api`,
            afterNodes,
            apiServiceGateScript(METRICS_SERVER.apiService, timeoutSec),
            pulumi.concat(JSON.stringify(objects), args.ca!.certPem),
            registered,
            opts,
        );
        gates.push(available.stdout);
        certificateExpiry = cert.expiresAt.apply((e): Record<string, string> => ({ "metrics-server": e }));
    }
    // The user's objects need only the API: a CNI among them (podNetwork none) is what makes the nodes Ready.
    if (args.objects?.length) gates.push(...applyObjects(`${name}-manifest`, args.objects, { kubectlHost: afterControlPlane, timeoutSec }, opts).map((o) => o.present));
    return { ready: pulumi.all(gates).apply(() => true), certificateExpiry };
}

/** Add-ons applied through the API: cluster DNS (CoreDNS) and the user's own manifests. */
export class Addons extends pulumi.ComponentResource implements AddonsOutputs {
    declare public readonly ready: pulumi.Output<boolean>;
    declare public readonly certificateExpiry: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: AddonsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ha-kubernetes:components:Addons", name, validatedProps(`Addons ${name}`, validateAddons(args)), opts);
        this.registerOutputs(adopt(this, createAddons(name, args, { parent: this })));
    }
}
