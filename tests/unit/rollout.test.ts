import * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import { DEFAULT_MAX_UNAVAILABLE, maxUnavailableProblem, RolloutOrder, rolloutBatchSize } from "../../components/rollout";

/** A stand-in gate: RolloutOrder only passes resources along. */
const gate = (name: string) => ({ name }) as unknown as pulumi.Resource;
const names = (rs: pulumi.Resource[]) => rs.map((r) => (r as unknown as { name: string }).name);

/** Walks `hosts` as the components do; returns what each host's restart waits for. */
function walk(hosts: string[], running: string[] | undefined, batch: number): Record<string, string[]> {
    const order = new RolloutOrder(running, batch);
    const waits: Record<string, string[]> = {};
    for (const h of hosts) {
        waits[h] = names(order.after(h));
        order.passed(h, gate(`${h}-gate`));
    }
    return waits;
}

describe("RolloutOrder", () => {
    it("new hosts wait for nobody; running ones roll one at a time by default", () => {
        expect(walk(["a", "b", "c"], [], 1)).toEqual({ a: [], b: [], c: [] });
        expect(walk(["a", "b", "c"], undefined, 1)).toEqual({ a: [], b: ["a-gate"], c: ["b-gate"] });
        // a new host among running ones neither waits nor is waited for
        expect(walk(["a", "n", "b"], ["a", "b"], 1)).toEqual({ a: [], n: [], b: ["a-gate"] });
    });

    it("batches: every restart of batch k+1 waits for all the gates of batch k", () => {
        expect(walk(["a", "b", "c", "d", "e"], undefined, 2)).toEqual({ a: [], b: [], c: ["a-gate", "b-gate"], d: ["a-gate", "b-gate"], e: ["c-gate", "d-gate"] });
    });

    it("property: with any running set and batch size, each running host waits for exactly the previous batch of running hosts", () => {
        fc.assert(
            fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 5 }), (isRunning, batch) => {
                const hosts = isRunning.map((_, i) => `h${i}`);
                const running = hosts.filter((_, i) => isRunning[i]);
                const waits = walk(hosts, running, batch);
                hosts.forEach((h, i) => {
                    if (!isRunning[i]) return expect(waits[h]).toEqual([]);
                    const k = Math.floor(running.indexOf(h) / batch);
                    expect(waits[h]).toEqual(k === 0 ? [] : running.slice((k - 1) * batch, k * batch).map((r) => `${r}-gate`));
                });
            }),
        );
    });

    it("after() only reads: asking twice (a drain and a restart) gives the same answer and moves nothing", () => {
        const order = new RolloutOrder(undefined, 2);
        for (const h of ["a", "b"]) {
            expect(order.after(h)).toEqual([]);
            order.passed(h, gate(`${h}-gate`));
        }
        expect(names(order.after("c"))).toEqual(["a-gate", "b-gate"]);
        expect(names(order.after("c"))).toEqual(["a-gate", "b-gate"]);
        order.passed("c", gate("c-gate"));
        expect(names(order.after("d"))).toEqual(["a-gate", "b-gate"]);
        order.passed("d", gate("d-gate"));
        expect(names(order.after("e"))).toEqual(["c-gate", "d-gate"]);
    });

    it("refuses a batch size that is not a positive whole number", () => {
        expect(() => new RolloutOrder([], 0)).toThrow(/positive integer/);
        expect(() => new RolloutOrder([], 1.5)).toThrow(/positive integer/);
    });
});

describe("rollout.maxUnavailable", () => {
    it("accepts counts and percentages, and says what is wrong otherwise", () => {
        for (const ok of [1, 3, "1%", "25%", "100%"]) expect(maxUnavailableProblem(ok)).toBeUndefined();
        expect(maxUnavailableProblem(0)).toMatch(/whole number of at least 1/);
        expect(maxUnavailableProblem(-1)).toMatch(/whole number of at least 1/);
        expect(maxUnavailableProblem("25")).toMatch(/count or a percentage from 1% to 100%/);
        expect(maxUnavailableProblem("101%")).toMatch(/from 1% to 100%/);
        expect(maxUnavailableProblem(null)).toMatch(/not null/);
    });

    it("gives batch sizes: default 1, a count capped at the node count, a percentage rounded down but at least 1", () => {
        expect(rolloutBatchSize(undefined, 5)).toBe(DEFAULT_MAX_UNAVAILABLE);
        expect(rolloutBatchSize(2, 5)).toBe(2);
        expect(rolloutBatchSize(9, 5)).toBe(5);
        expect(rolloutBatchSize("40%", 5)).toBe(2);
        expect(rolloutBatchSize("10%", 5)).toBe(1);
        expect(rolloutBatchSize("100%", 5)).toBe(5);
        expect(rolloutBatchSize(3, 0)).toBe(1);
    });

    it("property: every valid setting gives a batch from 1 to the node count (or 1 with no nodes)", () => {
        const setting = fc.oneof(
            fc.integer({ min: 1, max: 50 }),
            fc.integer({ min: 1, max: 100 }).map((p) => `${p}%`),
        );
        fc.assert(
            fc.property(setting, fc.integer({ min: 0, max: 60 }), (v, nodes) => {
                expect(maxUnavailableProblem(v)).toBeUndefined();
                const b = rolloutBatchSize(v, nodes);
                expect(Number.isInteger(b)).toBe(true);
                expect(b).toBeGreaterThanOrEqual(1);
                expect(b).toBeLessThanOrEqual(Math.max(1, nodes));
            }),
        );
    });
});
