import { cidrContains, formatCidr, parseCidr, subnetAt, subnetCount } from "./address";

/**
 * Pod CIDR of every worker: pinned ones keep theirs; a worker that already had a block
 * (`previous`, as recorded in the stack's state) keeps it while it is still inside the pod
 * range and not pinned by another; the others take the lowest free `/maskSize` block in
 * declaration order. So adding or removing workers never moves another worker's block (a
 * Node's podCIDR cannot change). Throws when the pod range is exhausted. Pure.
 */
export function allocatePodCidrs(
    workers: readonly { readonly name: string; readonly podCidr?: string }[],
    podCidr: string,
    maskSize: number,
    previous: Readonly<Record<string, string>> = {},
): Map<string, string> {
    const result = new Map<string, string>();
    const taken = new Set<string>();
    const total = subnetCount(podCidr, maskSize);
    for (const w of workers)
        if (w.podCidr) {
            result.set(w.name, w.podCidr);
            taken.add(w.podCidr);
        }
    const usable = (block: string): boolean => {
        try {
            const c = parseCidr(block);
            return c.prefix === maskSize && cidrContains(podCidr, formatCidr(c).split("/")[0]);
        } catch {
            return false;
        }
    };
    for (const w of workers) {
        const had = previous[w.name];
        if (w.podCidr || !had || taken.has(had) || !usable(had)) continue;
        result.set(w.name, had);
        taken.add(had);
    }
    let next = 0;
    for (const w of workers) {
        if (result.has(w.name)) continue;
        while (BigInt(next) < total && taken.has(subnetAt(podCidr, maskSize, next))) next++;
        if (BigInt(next) >= total) throw new Error(`pod range ${podCidr} has no free /${maskSize} block left for ${w.name}`);
        const block = subnetAt(podCidr, maskSize, next++);
        taken.add(block);
        result.set(w.name, block);
    }
    return new Map([...workers].map((w) => [w.name, result.get(w.name)!]));
}
