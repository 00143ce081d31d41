import { ClusterHost } from "./remote";

/**
 * A component's arguments as the cluster executor gives them: the component's slice of the
 * ClusterPlan (components/plan.ts), decided there once, and the hosts that slice names, with
 * their connections. Library users give settings instead; the component plans them with the same
 * pure function the ClusterPlan used.
 */
export interface PlannedArgs<P> {
    readonly plan: P;
    /** Every host the plan names (more are ignored). */
    readonly hosts: readonly ClusterHost[];
    /** Hosts that ran before this update (components/rollout.ts). Default: all of them. */
    readonly runningHosts?: readonly string[];
}

/** True for arguments that carry a plan. */
export function isPlanned<P>(args: object): args is PlannedArgs<P> {
    return "plan" in args;
}

/** Looks a planned host up by name; a name the hosts lack is the caller's bug. */
export function hostLookup(hosts: readonly ClusterHost[]): (name: string) => ClusterHost {
    const byName = new Map(hosts.map((h) => [h.name, h]));
    return (name) => {
        const h = byName.get(name);
        if (!h) throw new Error(`the plan names host ${name}, which is not among the hosts given (${[...byName.keys()].join(", ")})`);
        return h;
    };
}
