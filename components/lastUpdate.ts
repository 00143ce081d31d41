import * as pulumi from "@pulumi/pulumi";

/** What `lastUpdateOutput` gives when the stack's outputs cannot be read. */
export const unreadable = Symbol("unreadable");

let self: pulumi.StackReference | undefined;

/**
 * One output of this stack's last completed update, read through a StackReference to itself
 * (secret or not): undefined for a new stack or an output it did not have, `unreadable` when the
 * backend cannot be asked. A program reads it before it creates the cluster.
 */
export async function lastUpdateOutput(name: string): Promise<unknown> {
    try {
        // one reference per program (a second one of the same name would be a duplicate resource)
        self ??= new pulumi.StackReference(`${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`);
        const d = await self.getOutputDetails(name);
        return d.value ?? d.secretValue;
    } catch {
        return unreadable;
    }
}
