import { NodeDrainArgs, nodeDrainDiff, nodeDrainProvider as p, restartDrainScript } from "../../../providers/nodeDrain";
import { DRAINED_ANNOTATION } from "../../../lib/nodeScripts";
import { masterConnection, onMaster, recordSsh, runWithStandInKubectl } from "./standInKubectl";

const conn = masterConnection;
const args: NodeDrainArgs = { ...onMaster, node: "w1", revision: "r1" };

const run = (view: Parameters<typeof runWithStandInKubectl>[1]) => runWithStandInKubectl((kubectl) => restartDrainScript({ ...args, kubectl }), view);
const verbs = (calls: string[]) => calls.filter((c) => !c.startsWith("get ")).map((c) => c.split(" ").slice(0, 3).join(" "));

describe("NodeDrain provider", () => {
    it("create and delete touch no host: a new node has no pods, a removed one is drained by its NodeMembership", async () => {
        const h = recordSsh();
        try {
            expect(await p.create!(args)).toEqual({ id: "drain:w1", outs: args });
            await p.delete!("drain:w1", args);
            expect(h.ran).toEqual([]);
        } finally {
            h.restore();
        }
    });

    it("an update drains only for a new revision (the node's restart), through the kubectl host", async () => {
        const h = recordSsh();
        try {
            await p.update!("drain:w1", args, { ...args, timeoutSec: 300 });
            expect(h.ran).toEqual([]);
            const news = { ...args, revision: "r2" };
            expect(await p.update!("drain:w1", args, news)).toEqual({ outs: news });
            expect(h.ran).toEqual([{ what: "draining node w1 before its restart (through m1)", script: restartDrainScript(news), target: "10.0.0.11" }]);
        } finally {
            h.restore();
        }
    });

    it("a Ready, schedulable node is marked, cordoned and drained, in that order, with the drain bounded", () => {
        const r = run({});
        expect(r.status).toBe(0);
        expect(verbs(r.calls)).toEqual([`annotate node w1`, "cordon w1", "drain w1 --ignore-daemonsets"]);
        expect(r.calls).toContain(`annotate node w1 --overwrite ${DRAINED_ANNOTATION}=true`);
        expect(r.calls.find((c) => c.startsWith("drain "))).toBe("drain w1 --ignore-daemonsets --delete-emptydir-data --force --grace-period=30 --timeout=120s");
    });

    it("a node the user cordoned is drained but not marked, so its Ready gate leaves it cordoned", () => {
        const r = run({ unschedulable: "true" });
        expect(r.status).toBe(0);
        expect(verbs(r.calls)).toEqual(["drain w1 --ignore-daemonsets"]);
    });

    it("a NotReady node is cordoned, not drained (its pods cannot stop; the restart may repair it)", () => {
        const r = run({ ready: "False" });
        expect(r.status).toBe(0);
        expect(verbs(r.calls)).toEqual(["annotate node w1", "cordon w1"]);
        expect(r.stderr).toContain("node w1 is not Ready: cordoned, not drained");
    });

    it("an unregistered node has nothing to drain; an API that does not answer, or a failed drain, stops the roll", () => {
        const unregistered = run({ registered: false });
        expect(unregistered.status).toBe(0);
        expect(verbs(unregistered.calls)).toEqual([]);
        const down = run({ api: false });
        expect(down.status).toBe(1);
        expect(down.stderr).toContain("cannot drain w1 before its restart: the API does not answer");
        expect(verbs(down.calls)).toEqual([]);
        const blocked = run({ drainSucceeds: false });
        expect(blocked.status).toBe(1);
        expect(blocked.stderr).toContain("draining w1 failed");
    });

    it("the script quotes the node name", () => {
        expect(restartDrainScript({ ...args, node: "w'1" })).toContain(`drain 'w'\\''1'`);
        expect(restartDrainScript({ ...args, node: "w'1" })).toContain(`cordon 'w'\\''1'`);
    });

    it("diff: another node replaces; any other change updates (the update itself decides whether to drain)", () => {
        expect(nodeDrainDiff(args, args)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: true });
        expect(nodeDrainDiff(args, { ...args, revision: "r2" })).toMatchObject({ changes: true, replaces: [] });
        expect(nodeDrainDiff(args, { ...args, node: "w2" })).toMatchObject({ changes: true, replaces: ["node"] });
        expect(nodeDrainDiff(args, { ...args, connection: { ...conn, host: "10.0.0.12" } })).toMatchObject({ changes: true, replaces: [] });
    });
});
