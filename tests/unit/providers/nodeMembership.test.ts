import { drainScript, membershipDiff, NodeMembershipArgs, nodeMembershipProvider as p, readyScript } from "../../../providers/nodeMembership";
import { DRAINED_ANNOTATION } from "../../../lib/nodeScripts";
import { masterConnection, onMaster, recordSsh, runWithStandInKubectl } from "./standInKubectl";

const conn = masterConnection;
const args: NodeMembershipArgs = { ...onMaster, node: "w3", revision: "r1" };

describe("NodeMembership provider", () => {
    it("create waits on the master until the Node is Ready, and records it", async () => {
        const h = recordSsh();
        try {
            const r = await p.create!(args);
            expect(r).toEqual({ id: "node:w3", outs: { ...args, ready: true } });
            expect(h.ran).toEqual([{ what: "waiting for node w3 to be Ready", script: readyScript(args), target: "10.0.0.11" }]);
        } finally {
            h.restore();
        }
    });

    it("a Node that never gets Ready fails the gate with the host and the reason", async () => {
        const h = recordSsh({ code: 1, stderr: "ha-kubernetes: node w3 is not Ready after 120s" });
        try {
            await expect(p.create!(args)).rejects.toThrow(/waiting for node w3 to be Ready on 10.0.0.11 failed .*not Ready after 120s/);
        } finally {
            h.restore();
        }
    });

    it("delete cordons, drains and deletes the Node through the recorded master", async () => {
        const h = recordSsh();
        try {
            await p.delete!("node:w3", { ...args, ready: true });
            expect(h.ran.map((x) => [x.what, x.target])).toEqual([["draining node w3 (through m1)", "10.0.0.11"]]);
            const s = h.ran[0].script;
            const order = ["get --raw=/readyz", "get node 'w3'", "cordon 'w3'", "drain 'w3' --ignore-daemonsets --delete-emptydir-data --force", "delete node 'w3'"].map((x) =>
                s.indexOf(x),
            );
            expect(order.every((i) => i >= 0)).toBe(true);
            expect([...order].sort((a, b) => a - b)).toEqual(order);
        } finally {
            h.restore();
        }
    });

    it("the scripts quote the node name and bound every wait", () => {
        const odd = { ...args, node: "w'3" };
        expect(readyScript(odd)).toContain(`get node 'w'\\''3'`);
        expect(drainScript(odd)).toContain(`drain 'w'\\''3'`);
        expect(drainScript(args)).toContain("--timeout=120s");
        expect(readyScript(args)).toMatch(/deadline=\$\(\( \$\(date \+%s\) \+ 120 \)\)/);
        // an unregistered Node has nothing to drain; an API that does not answer is an error
        expect(drainScript(args)).toMatch(/get --raw=\/readyz[^\n]*exit 1/);
        expect(drainScript(args)).toMatch(/is not registered, nothing to drain'? >&2; exit 0/);
    });

    it("the Ready gate passes on a Ready Node and fails, bounded, on a NotReady one (run with a stand-in kubectl)", () => {
        // the stand-in answers each read for what it asks (Ready, the drain mark), not one word for all
        const run = (ready: string) => runWithStandInKubectl((kubectl) => readyScript({ ...args, kubectl, timeoutSec: 1 }), { ready });
        expect(run("True").status).toBe(0);
        const notReady = run("False");
        expect(notReady.status).toBe(1);
        expect(notReady.stderr).toContain("timed out after 1s waiting for node w3 to be Ready");
    });

    it("after the Ready gate, a node ha-kubernetes cordoned for the restart is uncordoned and unmarked; any other stays as it is", () => {
        const gate = (drainedMark: string) =>
            runWithStandInKubectl((kubectl) => readyScript({ ...args, kubectl, labels: { "node-role.kubernetes.io/control-plane": "" } }), { drainedMark });
        const drained = gate("true");
        expect(drained.status).toBe(0);
        expect(drained.calls.filter((c) => !c.startsWith("get "))).toEqual([
            "label node w3 --overwrite node-role.kubernetes.io/control-plane=",
            "uncordon w3",
            `annotate node w3 ${DRAINED_ANNOTATION}-`,
        ]);
        const untouched = gate("");
        expect(untouched.status).toBe(0);
        expect(untouched.calls.filter((c) => !c.startsWith("get "))).toEqual(["label node w3 --overwrite node-role.kubernetes.io/control-plane="]);
    });

    it("diff: another node replaces (drain first); a restart re-runs the gate; nothing else is no change", () => {
        const olds = { ...args, ready: true };
        expect(membershipDiff(olds, args)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: true });
        expect(membershipDiff(olds, { ...args, revision: "r2" })).toMatchObject({ changes: true, replaces: [] });
        expect(membershipDiff(olds, { ...args, node: "w4" })).toMatchObject({ changes: true, replaces: ["node"], deleteBeforeReplace: true });
        expect(membershipDiff(olds, { ...args, connection: { ...conn, host: "10.0.0.12" } })).toMatchObject({ changes: true, replaces: [] });
    });
});
