import * as pulumi from "@pulumi/pulumi";

/**
 * What every dynamic provider of ha-kubernetes shares: plain functions and types, so a provider
 * can capture them.
 */

/** A provider's inputs resolved, as the provider receives them (and records them). */
export type Resolved<T> = { readonly [K in keyof T]: pulumi.Unwrap<T[K]> };

/** Options that keep a resource's `connection` (it carries the SSH key) encrypted in the state: merge them into its own. */
export const SECRET_CONNECTION: pulumi.CustomResourceOptions = { additionalSecretOutputs: ["connection"] };

/** The recorded state of `id`; refuses an import (no state yet): `what` are created, not imported. */
export function recorded<T>(id: string, props: T | undefined, what: string): T {
    if (!props) throw new Error(`cannot import ${id}: ${what} created, not imported`);
    return props;
}

/** The `read` of a resource that only records what it did: its state as it stands (see `recorded`). */
export function recordedRead<T>(what: string): (id: string, props?: T) => Promise<pulumi.dynamic.ReadResult<T>> {
    return async (id, props) => ({ id, props: recorded(id, props, what) });
}
