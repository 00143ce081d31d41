import { ArtifactSource } from "./artifacts";
import { Validity } from "./pki";
import { ClusterHost } from "./remote";
import { Problem, throwIfProblems } from "./validation";

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

/** What every component that installs hosts takes besides its settings or plan. */
export interface InstallInputs {
    /**
     * Hosts that ran before this update: they restart in batches behind the previous batch's
     * gates; the others start in parallel (components/rollout.ts). Default: all of them.
     */
    readonly runningHosts?: readonly string[];
    /** Where the binaries come from. */
    readonly artifacts: ArtifactSource;
    /** Leaf certificate validity and early renewal, hours. */
    readonly validity: Validity;
}

/** How a component turns its settings into a plan: the checks, the planning function, the hosts it names. */
export interface Planner<S, P> {
    readonly validate: (settings: S) => Problem[];
    /** `name`: the component's (etcd's default cluster token). */
    readonly plan: (settings: S, name: string) => P;
    readonly hosts: (settings: S) => readonly ClusterHost[];
}

/**
 * A component's arguments in planned form: a plan slice as given, or settings checked (one
 * `InputPropertiesError` with every problem, before anything is registered) and planned.
 */
export function plannedFrom<S extends object, P, I>(what: string, name: string, args: S | (PlannedArgs<P> & I), planner: Planner<S, P>): PlannedArgs<P> & I {
    if (isPlanned<P>(args)) return args as PlannedArgs<P> & I;
    const settings = args as S;
    throwIfProblems(`${what} ${name}`, planner.validate(settings));
    return { ...settings, plan: planner.plan(settings, name), hosts: planner.hosts(settings) } as unknown as PlannedArgs<P> & I;
}
