import * as ssh from "../../../providers/ssh";
import { EtcdJoinArgs, etcdJoinProvider as join, joinDiff } from "../../../providers/etcdJoin";
import { EtcdLeaveArgs, etcdLeaveProvider as leave, leaveDiff, leavers } from "../../../providers/etcdLeave";
import { parseHealthy, parseMemberList, parseProbe, quorumOf } from "../../../providers/etcdMembers";

const ETCDCTL = "ETCDCTL_API=3 /usr/local/bin/etcdctl --endpoints=https://127.0.0.1:2379";
const ip = (n: string) => `10.0.0.${n.slice(1)}`;
const ref = (n: string) => ({ name: n, peerUrl: `https://${ip(n)}:2380` });
const onHost = (n: string) => ({ host: n, connection: { host: ip(n), user: "root", privateKey: "SSHKEY", dialErrorLimit: 1 } });
const ID: Record<string, string> = { e1: "8e9e05c52164694d", e2: "91bc3c398fb3c146", e3: "fd422379fda50e48", e4: "a8266ecf031671f3" };

/** A fake cluster: which hosts run etcd, who is a member (started or not), who answers healthy. */
interface Fake {
    running: string[];
    members: string[];
    unstarted?: string[];
    unhealthy?: string[];
}

function listLine(n: string, f: Fake): string {
    const started = !(f.unstarted ?? []).includes(n);
    return `${ID[n]}, ${started ? "started" : "unstarted"}, ${started ? n : ""}, https://${ip(n)}:2380, ${started ? `https://${ip(n)}:2379` : ""}, false`;
}

function probeOutput(f: Fake): string {
    const health = f.members
        .filter((n) => !(f.unstarted ?? []).includes(n))
        .map((n) =>
            (f.unhealthy ?? []).includes(n)
                ? `https://${ip(n)}:2379 is unhealthy: failed to commit proposal: context deadline exceeded`
                : `https://${ip(n)}:2379 is healthy: successfully committed proposal: took = 2.1ms`,
        );
    return ["active", ...f.members.map((n) => listLine(n, f)), "--- ha-kubernetes: end of member list ---", ...health, ""].join("\n");
}

/** Answers probes from `f` and records every script run with sshRun (the changes). */
function fakeHosts(f: Fake) {
    const ran: Array<{ host: string; what: string; script: string }> = [];
    const byIp = (a: string) => Object.keys(ID).find((n) => ip(n) === a)!;
    jest.spyOn(ssh, "sshExec").mockImplementation(async (t, script) => {
        expect(script).toContain("endpoint health --cluster");
        const n = byIp(t.host);
        return { code: 0, stdout: f.running.includes(n) ? probeOutput(f) : "inactive\n", stderr: "" };
    });
    jest.spyOn(ssh, "sshRun").mockImplementation(async (t, what, script) => {
        ran.push({ host: byIp(t.host), what, script });
        return "";
    });
    return { ran };
}

afterEach(() => jest.restoreAllMocks());

const joinArgs = (n: string, all: string[]): EtcdJoinArgs => ({
    ...onHost(n),
    member: ref(n),
    members: all.map(ref),
    seeds: all.filter((o) => o !== n).map(onHost),
    etcdctl: ETCDCTL,
    dataDir: "/var/lib/etcd",
});

describe("etcdctl output parsing", () => {
    it("reads the member list (unstarted members have no name) and the healthy endpoints", () => {
        const f: Fake = { running: ["e1"], members: ["e1", "e2", "e4"], unstarted: ["e4"], unhealthy: ["e2"] };
        const view = parseProbe("e1", probeOutput(f))!;
        expect(view.members).toEqual([
            { id: ID.e1, started: true, name: "e1", peerUrls: ["https://10.0.0.1:2380"], clientUrls: ["https://10.0.0.1:2379"] },
            { id: ID.e2, started: true, name: "e2", peerUrls: ["https://10.0.0.2:2380"], clientUrls: ["https://10.0.0.2:2379"] },
            { id: ID.e4, started: false, name: "", peerUrls: ["https://10.0.0.4:2380"], clientUrls: [] },
        ]);
        expect([...view.healthy]).toEqual(["https://10.0.0.1:2379"]);
        expect(parseProbe("e1", "inactive\n")).toBeUndefined();
        expect(parseMemberList("Error: context deadline exceeded")).toEqual([]);
        expect(parseHealthy("https://a:2379 is unhealthy: x\nError: unhealthy cluster")).toEqual(new Set());
    });

    it("quorum is a strict majority", () => {
        expect([1, 2, 3, 4, 5, 6, 7].map(quorumOf)).toEqual([1, 2, 2, 3, 3, 4, 4]);
    });
});

describe("EtcdJoin provider", () => {
    it("first bootstrap (etcd runs nowhere): state new with every declared member, nothing added", async () => {
        const h = fakeHosts({ running: [], members: [] });
        const r = await join.create!(joinArgs("e2", ["e1", "e2", "e3"]));
        expect(r.outs).toMatchObject({ state: "new", initialCluster: ["e1", "e2", "e3"].map(ref) });
        expect(h.ran).toEqual([]);
    });

    it("a member added to a running healthy cluster: stale data moved aside, member add through a running member, state existing", async () => {
        const h = fakeHosts({ running: ["e1", "e2", "e3"], members: ["e1", "e2", "e3"] });
        const r = await join.create!(joinArgs("e4", ["e1", "e2", "e4"]));
        expect(r.outs).toMatchObject({ state: "existing", initialCluster: ["e1", "e2", "e3", "e4"].map(ref) });
        expect(h.ran.map((x) => [x.host, x.what])).toEqual([
            ["e4", "preparing e4 to join etcd"],
            ["e1", "adding etcd member e4 (through e1)"],
        ]);
        expect(h.ran[0].script).toContain("mv -- '/var/lib/etcd' '/var/lib/etcd'.ha-kubernetes-stale-");
        expect(h.ran[1].script).toContain(`${ETCDCTL} member add 'e4' --peer-urls='https://10.0.0.4:2380'`);
    });

    it("refuses to add a member when the cluster with it would have no quorum to spare", async () => {
        const h = fakeHosts({ running: ["e1", "e2", "e3"], members: ["e1", "e2", "e3"], unhealthy: ["e3"] });
        await expect(join.create!(joinArgs("e4", ["e1", "e2", "e4"]))).rejects.toThrow(
            "refusing to add etcd member e4: the cluster would have 4 members and needs 3 healthy for quorum, but only 2 of 3 are healthy (e1, e2)",
        );
        expect(h.ran).toEqual([]);
    });

    it("asks the next member when the first does not run etcd; a member already started keeps state new", async () => {
        const h = fakeHosts({ running: ["e3"], members: ["e1", "e2", "e3"] });
        const r = await join.create!(joinArgs("e2", ["e1", "e2", "e3"]));
        expect(r.outs).toMatchObject({ state: "new", initialCluster: ["e1", "e2", "e3"].map(ref) });
        expect(h.ran).toEqual([]);
    });

    it("a member added earlier that never started joins as existing without a second member add", async () => {
        const h = fakeHosts({ running: ["e1", "e2", "e3"], members: ["e1", "e2", "e3", "e4"], unstarted: ["e4"] });
        const r = await join.create!(joinArgs("e4", ["e1", "e2", "e3", "e4"]));
        expect(r.outs).toMatchObject({ state: "existing", initialCluster: ["e1", "e2", "e3", "e4"].map(ref) });
        expect(h.ran).toEqual([]);
    });

    it("other members coming and going do not touch a member's join; another address replaces it", () => {
        const a = joinArgs("e1", ["e1", "e2", "e3"]);
        const olds = { ...a, state: "new" as const, initialCluster: a.members };
        expect(joinDiff(olds, joinArgs("e1", ["e1", "e2", "e4"]))).toEqual({ changes: false, replaces: [], deleteBeforeReplace: true });
        expect(joinDiff(olds, { ...a, member: { name: "e1", peerUrl: "https://10.0.0.9:2380" } }).replaces).toEqual(["member"]);
    });
});

describe("EtcdLeave provider", () => {
    const leaveArgs = (all: string[]): EtcdLeaveArgs => ({ members: all.map(ref), seeds: all.map(onHost), etcdctl: ETCDCTL });
    const olds = { ...leaveArgs(["e1", "e2", "e3"]), removed: [] };

    it("an undeclared member is removed by id through a declared running member, after the quorum check", async () => {
        const h = fakeHosts({ running: ["e1", "e2", "e3", "e4"], members: ["e1", "e2", "e3", "e4"] });
        const r = await leave.update!("etcd-members", olds, leaveArgs(["e1", "e2", "e4"]));
        expect(r.outs!.removed).toEqual(["e3"]);
        expect(h.ran).toEqual([{ host: "e1", what: "removing etcd member e3 (through e1)", script: `set -eu\n${ETCDCTL} member remove ${ID.e3}` }]);
    });

    it("refuses a removal that would lose quorum, and never removes the last member", async () => {
        const h = fakeHosts({ running: ["e1", "e2", "e3"], members: ["e1", "e2", "e3"], unhealthy: ["e2"] });
        await expect(leave.update!("etcd-members", olds, leaveArgs(["e1", "e2"]))).rejects.toThrow(
            "refusing to remove etcd member e3: the 2 members left need 2 healthy for quorum, but only 1 are healthy (e1)",
        );
        expect(h.ran).toEqual([]);
        jest.restoreAllMocks();
        fakeHosts({ running: ["e1"], members: ["e1"] });
        await expect(leave.update!("etcd-members", { ...leaveArgs(["e1"]), removed: [] }, { ...leaveArgs([]), seeds: [onHost("e1")] })).rejects.toThrow(
            "refusing to remove etcd member e1: it is the last member",
        );
    });

    it("a member already gone is skipped; creating and destroying remove nobody", async () => {
        const h = fakeHosts({ running: ["e1", "e2"], members: ["e1", "e2"] });
        expect((await leave.update!("etcd-members", olds, leaveArgs(["e1", "e2"]))).outs!.removed).toEqual([]);
        await leave.create!(leaveArgs(["e1", "e2", "e3"]));
        await leave.delete!("etcd-members", olds);
        expect(h.ran).toEqual([]);
    });

    it("diff: an update exactly when the declared member list changed", () => {
        expect(leaveDiff(olds, leaveArgs(["e3", "e2", "e1"])).changes).toBe(false);
        expect(leaveDiff(olds, leaveArgs(["e1", "e2", "e4"])).changes).toBe(true);
        expect(leavers(olds.members, leaveArgs(["e1", "e2", "e4"]).members)).toEqual([ref("e3")]);
    });
});
