import * as pulumi from "@pulumi/pulumi";
import { recordedRead } from "./dynamic";
import { allocatePodCidrs } from "../lib/podCidrs";

/**
 * The pod CIDR of every worker (bridge mode), kept in the stack's state. A Node's podCIDR cannot
 * change, so allocation must not depend on where a worker sits in the list: the first `up`
 * allocates in declaration order, every later one keeps each remaining worker's recorded block
 * and gives new workers the lowest free ones. Nothing on any host; pure math over the state.
 */

/** What the program passes. */
export interface PodCidrAllocationInputs {
    /** Workers, in declaration order, with their pinned block if any. */
    readonly nodes: pulumi.Input<ReadonlyArray<{ readonly name: string; readonly podCidr?: string }>>;
    /** The pod range, e.g. 10.244.0.0/16. */
    readonly podCidr: pulumi.Input<string>;
    /** Prefix length of a node's block, e.g. 24. */
    readonly maskSize: pulumi.Input<number>;
}

/** The same, resolved, as the provider receives it. */
export interface PodCidrAllocationArgs {
    readonly nodes: ReadonlyArray<{ readonly name: string; readonly podCidr?: string }>;
    readonly podCidr: string;
    readonly maskSize: number;
}

/** What the provider records. */
export interface PodCidrAllocationState extends PodCidrAllocationArgs {
    /** Node name → its pod block. */
    readonly allocations: Record<string, string>;
}

/** The allocation for `args`, keeping what `previous` recorded. */
function allocate(args: PodCidrAllocationArgs, previous: Readonly<Record<string, string>> = {}): Record<string, string> {
    return Object.fromEntries(allocatePodCidrs(args.nodes, args.podCidr, args.maskSize, previous));
}

function sameAllocations(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>>): boolean {
    const ka = Object.keys(a ?? {}).sort();
    const kb = Object.keys(b).sort();
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a![k] === b[k]);
}

/** The dynamic provider; captures nothing but the pure allocator (serialized with it). */
export const podCidrAllocationProvider: pulumi.dynamic.ResourceProvider<PodCidrAllocationArgs, PodCidrAllocationState> = {
    async check(_olds, news) {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        try {
            allocate(news);
        } catch (e) {
            failures.push({ property: "nodes", reason: (e as Error).message });
        }
        return { inputs: news, failures };
    },
    async diff(_id, olds, news) {
        // changes only when some worker's block would change (a worker came, went, or was pinned)
        return { changes: !sameAllocations(olds.allocations, allocate(news, olds.allocations ?? {})), replaces: [], deleteBeforeReplace: false };
    },
    async create(inputs) {
        return { id: "pod-cidrs", outs: { ...inputs, allocations: allocate(inputs) } };
    },
    async update(_id, olds, news) {
        return { outs: { ...news, allocations: allocate(news, olds.allocations ?? {}) } };
    },
    read: recordedRead("the pod CIDR allocation is"),
};

/** Pod CIDRs per worker, stable across adding and removing workers. */
export class PodCidrAllocation extends pulumi.dynamic.Resource {
    declare public readonly allocations: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: PodCidrAllocationInputs, opts?: pulumi.CustomResourceOptions) {
        super(podCidrAllocationProvider, name, { ...args, allocations: undefined }, opts, "ha-kubernetes", "PodCidrAllocation");
    }
}
