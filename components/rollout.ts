import * as pulumi from "@pulumi/pulumi";

/**
 * The rollout policy, decided here once for the control plane and the nodes:
 * - a host that has never run (not in `running`) installs and starts in parallel with every other
 *   new host: nothing it does waits for another host's health gate;
 * - a change to hosts already running rolls: one host after the other, each restart behind the
 *   previous running host's gate, so that a bad change stops at the first host that fails.
 * `running` undefined: every host counts as running (the safe order, for callers that do not
 * know; the program passes what its last deployment reported, see `installedHostsOfLastUpdate`).
 */
export class RolloutOrder {
    private last: pulumi.Resource | undefined;

    constructor(private readonly running: readonly string[] | undefined) {}

    /** True when `host` was running before this update. */
    isRunning(host: string): boolean {
        return this.running === undefined || this.running.includes(host);
    }

    /** What the restart of `host` waits for: the gate of the running host before it, or nothing. */
    after(host: string): pulumi.Resource[] {
        return this.isRunning(host) && this.last ? [this.last] : [];
    }

    /** `gate` is `host`'s health gate: the next running host restarts after it. */
    passed(host: string, gate: pulumi.Resource): void {
        if (this.isRunning(host)) this.last = gate;
    }
}

/** The stack output that lists every host of a cluster whose deployment passed all its gates. */
export const INSTALLED_HOSTS_OUTPUT = "installedHosts";

/**
 * The hosts the stack's last successful update installed (its own `installedHosts` output, read
 * through a StackReference to itself): [] for a new stack; undefined when it cannot be read
 * (then every host counts as running). A program calls it before it creates the cluster.
 */
export async function installedHostsOfLastUpdate(): Promise<string[] | undefined> {
    try {
        const self = new pulumi.StackReference(`${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`);
        const d = await self.getOutputDetails(INSTALLED_HOSTS_OUTPUT);
        const v = d.value ?? d.secretValue;
        return Array.isArray(v) ? v.filter((h): h is string => typeof h === "string") : [];
    } catch {
        return undefined;
    }
}
