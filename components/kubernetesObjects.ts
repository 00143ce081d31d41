import * as pulumi from "@pulumi/pulumi";
import { identityOfObject, KubernetesObject, ObjectIdentity } from "../providers/kubernetesObject";
import { KubectlHostInputs } from "../providers/kubectlHost";
import { SshTarget } from "../providers/ssh";
import { PATHS } from "./render/paths";
import { ClusterHost, sshTarget } from "./remote";

/** The server-side apply field manager of every object ha-kubernetes applies. */
export const FIELD_MANAGER = "ha-kubernetes";

/** Kinds other objects of the same set may need first (their namespace, their type). */
const FOUNDATION_KINDS = new Set(["Namespace", "CustomResourceDefinition"]);

/** A stable resource-name suffix for an object: kind, namespace and name, lower-case. Pure. */
export function objectKey(o: ObjectIdentity): string {
    return [o.kind, o.namespace, o.name]
        .filter(Boolean)
        .join("-")
        .toLowerCase()
        .replace(/[^a-z0-9.-]+/g, "-");
}

/** The identity of a plain object (apiVersion, kind, metadata.name/namespace); the provider's own reading. Pure. */
export function identityOf(o: Record<string, unknown>): ObjectIdentity {
    return identityOfObject(o);
}

/** An object whose content is known only at deployment (it carries a certificate or a key); its identity is known now. */
export interface DeferredObject {
    readonly identity: ObjectIdentity;
    readonly object: pulumi.Output<Record<string, unknown>>;
}

/** What applyObjects takes: a plain object, or a deferred one. */
export type ObjectSource = Record<string, unknown> | DeferredObject;

const isDeferred = (o: ObjectSource): o is DeferredObject => pulumi.Output.isInstance((o as DeferredObject).object) && typeof (o as DeferredObject).identity === "object";

/** The identity of a plain or deferred object. Pure. */
export function sourceIdentity(o: ObjectSource): ObjectIdentity {
    return isDeferred(o) ? o.identity : identityOf(o);
}

/** The inputs of a provider acting through the API with kubectl on `host` (a master with the kubeconfig at PATHS.kubernetes.adminKubeconfig: ha-kubernetes' operator credential, cluster-admin through ClusterRoleBinding `ha-kubernetes:operators`). */
export function kubectlHostInputs(host: ClusterHost, timeoutSec: number): KubectlHostInputs & { readonly connection: pulumi.Output<SshTarget> } {
    return {
        host: host.name,
        connection: pulumi.output(sshTarget(host)),
        kubectl: PATHS.bin.kubectl,
        kubeconfig: PATHS.kubernetes.adminKubeconfig,
        timeoutSec,
    };
}

export interface ApplyObjectsOptions {
    /** Where kubectl runs (a master with the operator kubeconfig). */
    readonly kubectlHost: ClusterHost;
    /** Seconds to wait for the API before applying. */
    readonly timeoutSec: number;
}

/**
 * Applies `objects` through the API, one KubernetesObject each (`${prefix}-${objectKey}`).
 * Namespaces and CustomResourceDefinitions go first; the rest of the set waits for them.
 * A Secret's manifest is kept encrypted in the state.
 */
export function applyObjects(prefix: string, objects: readonly ObjectSource[], o: ApplyObjectsOptions, opts: pulumi.CustomResourceOptions): KubernetesObject[] {
    const onKubectlHost = kubectlHostInputs(o.kubectlHost, o.timeoutSec);
    const make = (obj: ObjectSource, extra: pulumi.CustomResourceOptions) => {
        const id = sourceIdentity(obj);
        // the provider checks that the manifest declares this identity (a deferred one's too)
        const manifest = isDeferred(obj) ? obj.object.apply((x) => JSON.stringify(x)) : JSON.stringify(obj);
        return new KubernetesObject(
            `${prefix}-${objectKey(id)}`,
            { ...onKubectlHost, identity: id, manifest, fieldManager: FIELD_MANAGER },
            { ...pulumi.mergeOptions(opts, extra), secretManifest: id.kind === "Secret" },
        );
    };
    const foundation = (x: ObjectSource) => FOUNDATION_KINDS.has(sourceIdentity(x).kind);
    const first = objects.filter(foundation).map((x) => make(x, {}));
    const rest = objects.filter((x) => !foundation(x)).map((x) => make(x, first.length ? { dependsOn: first } : {}));
    return [...first, ...rest];
}
