import * as pulumi from "@pulumi/pulumi";

/**
 * What every dynamic provider of ha-kubernetes shares: plain functions and types, so a provider
 * can capture them.
 */

/** A provider's inputs resolved, as the provider receives them (and records them). */
export type Resolved<T> = { readonly [K in keyof T]: pulumi.Unwrap<T[K]> };

/**
 * Resource options for a dynamic resource of ha-kubernetes: `opts` with `secretOutputs` kept
 * encrypted in the state (the connection, which carries the SSH key, wherever there is one).
 */
export function dynamicOptions(opts: pulumi.CustomResourceOptions | undefined, ...secretOutputs: string[]): pulumi.CustomResourceOptions {
    return { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...secretOutputs] };
}

/** The recorded state of `id`; refuses an import (no state yet): `what` are created, not imported. */
export function recorded<T>(id: string, props: T | undefined, what: string): T {
    if (!props) throw new Error(`cannot import ${id}: ${what} created, not imported`);
    return props;
}

/** The `read` of a resource that only records what it did: its state as it stands (see `recorded`). */
export function recordedRead<T>(what: string): (id: string, props?: T) => Promise<pulumi.dynamic.ReadResult<T>> {
    return async (id, props) => ({ id, props: recorded(id, props, what) });
}
