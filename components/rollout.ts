import * as pulumi from "@pulumi/pulumi";
import { lastUpdateOutput, unreadable } from "./lastUpdate";

/**
 * The rollout policy, decided here once for etcd, the load balancers, the control plane and the
 * nodes:
 * - a host that has never run (not in `running`) installs and starts in parallel with every other
 *   new host: nothing it does waits for another host's health gate;
 * - a change to hosts already running rolls in batches of `batchSize` (1 for etcd members, load
 *   balancers and masters; `rollout.maxUnavailable` for nodes), in declaration order: every
 *   restart of batch k+1 waits for the health gates of all of batch k, so that a bad change stops
 *   at the first batch that fails.
 * `running` undefined: every host counts as running (the safe order, for callers that do not
 * know; the program passes what its last deployment reported, see `installedHostsOfLastUpdate`).
 * Call `after(host)` then `passed(host, gate)` for each host in declaration order.
 */
export class RolloutOrder {
    /** The gates of the running hosts passed so far, by batch. */
    private readonly batches: pulumi.Resource[][] = [];
    private passedCount = 0;

    constructor(
        private readonly running: readonly string[] | undefined,
        private readonly batchSize = 1,
    ) {
        if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`rollout batch size must be a positive integer, not ${batchSize}`);
    }

    /** True when `host` was running before this update. */
    isRunning(host: string): boolean {
        return this.running === undefined || this.running.includes(host);
    }

    /**
     * What the restart of `host` (the next host to pass) waits for: the gates of the batch of
     * running hosts before its own, or nothing. Reads only: ask as often as needed.
     */
    after(host: string): pulumi.Resource[] {
        if (!this.isRunning(host)) return [];
        const batch = Math.floor(this.passedCount / this.batchSize);
        return batch === 0 ? [] : [...this.batches[batch - 1]];
    }

    /** `gate` is `host`'s health gate: the next batch of running hosts restarts after it. */
    passed(host: string, gate: pulumi.Resource): void {
        if (!this.isRunning(host)) return;
        const batch = Math.floor(this.passedCount / this.batchSize);
        (this.batches[batch] ??= []).push(gate);
        this.passedCount++;
    }
}

/** Nodes restarted at once during a roll, by default. */
export const DEFAULT_MAX_UNAVAILABLE = 1;

/** `rollout.maxUnavailable` is valid: a whole number of at least 1, or "N%" with N in 1..100. Pure. */
export function maxUnavailableProblem(v: unknown): string | undefined {
    if (typeof v === "number") return Number.isInteger(v) && v >= 1 ? undefined : `maxUnavailable ${v} must be a whole number of at least 1`;
    if (typeof v === "string") {
        const m = /^(\d{1,3})%$/.exec(v);
        return m && Number(m[1]) >= 1 && Number(m[1]) <= 100 ? undefined : `maxUnavailable ${JSON.stringify(v)} must be a count or a percentage from 1% to 100%`;
    }
    return `maxUnavailable must be a count or a percentage ("25%"), not ${JSON.stringify(v)}`;
}

/**
 * The batch size `maxUnavailable` gives for `nodes` nodes: a count as it is (at most the node
 * count), a percentage of the nodes rounded down but at least 1 (a roll always moves). Pure.
 */
export function rolloutBatchSize(maxUnavailable: number | string | undefined, nodes: number): number {
    const v = maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE;
    const n = typeof v === "number" ? v : Math.floor((Number(v.slice(0, -1)) * nodes) / 100);
    return Math.max(1, Math.min(n, Math.max(1, nodes)));
}

/** The stack output that lists every host of a cluster whose deployment passed all its gates. */
export const INSTALLED_HOSTS_OUTPUT = "installedHosts";

/**
 * The hosts the stack's last successful update installed (its own `installedHosts` output):
 * [] for a new stack; undefined when it cannot be read (then every host counts as running). A
 * program calls it before it creates the cluster.
 */
export async function installedHostsOfLastUpdate(): Promise<string[] | undefined> {
    const v = await lastUpdateOutput(INSTALLED_HOSTS_OUTPUT);
    if (v === unreadable) return undefined;
    return Array.isArray(v) ? v.filter((h): h is string => typeof h === "string") : [];
}
