import { podCidrAllocationProvider as p, PodCidrAllocationArgs } from "../../../providers/podCidrAllocation";

const range = { podCidr: "10.244.0.0/16", maskSize: 24 };
const nodes = (...names: string[]): PodCidrAllocationArgs => ({ ...range, nodes: names.map((name) => ({ name })) });

describe("PodCidrAllocation provider", () => {
    it("create allocates in declaration order", async () => {
        const r = await p.create!(nodes("w1", "w2"));
        expect(r.outs!.allocations).toEqual({ w1: "10.244.0.0/24", w2: "10.244.1.0/24" });
    });

    it("removing the first worker keeps the others' blocks; diff says so", async () => {
        const first = (await p.create!(nodes("w1", "w2", "w3"))).outs!;
        const news = nodes("w2", "w3");
        expect((await p.diff!("pod-cidrs", first, news)).changes).toBe(true);
        const after = (await p.update!("pod-cidrs", first, news)).outs!;
        expect(after.allocations).toEqual({ w2: "10.244.1.0/24", w3: "10.244.2.0/24" });
        // a new worker then takes the freed lowest block
        const again = (await p.update!("pod-cidrs", after, nodes("w2", "w3", "w4"))).outs!;
        expect(again.allocations).toEqual({ w2: "10.244.1.0/24", w3: "10.244.2.0/24", w4: "10.244.0.0/24" });
    });

    it("reordering the workers is no change", async () => {
        const first = (await p.create!(nodes("w1", "w2"))).outs!;
        expect((await p.diff!("pod-cidrs", first, nodes("w2", "w1"))).changes).toBe(false);
        expect((await p.diff!("pod-cidrs", first, nodes("w1", "w2"))).changes).toBe(false);
    });

    it("pinning a block is a change; check refuses an exhausted range", async () => {
        const first = (await p.create!(nodes("w1", "w2"))).outs!;
        const pinned: PodCidrAllocationArgs = { ...range, nodes: [{ name: "w1", podCidr: "10.244.9.0/24" }, { name: "w2" }] };
        expect((await p.diff!("pod-cidrs", first, pinned)).changes).toBe(true);
        expect((await p.update!("pod-cidrs", first, pinned)).outs!.allocations).toEqual({ w1: "10.244.9.0/24", w2: "10.244.1.0/24" });
        const full = await p.check!({} as PodCidrAllocationArgs, { podCidr: "10.244.0.0/24", maskSize: 25, nodes: [{ name: "a" }, { name: "b" }, { name: "c" }] });
        expect(full.failures).toEqual([{ property: "nodes", reason: expect.stringMatching(/no free \/25 block left for c/) }]);
        expect((await p.check!({} as PodCidrAllocationArgs, nodes("a"))).failures).toEqual([]);
    });

    it("read returns the recorded state (nothing on any host)", async () => {
        const first = (await p.create!(nodes("w1"))).outs!;
        expect(await p.read!("pod-cidrs", first)).toEqual({ id: "pod-cidrs", props: first });
    });
});
