import { deployCluster, dependsOnNames, installMocks, outputResourceNames, Recorded } from "./mocks";
import { EtcdScheduledSnapshotsArgs } from "../../components/etcdPlan";
import { baseCluster } from "./fixtures";

const seen = installMocks();
const deploy = async (scheduledSnapshots?: EtcdScheduledSnapshotsArgs) => (await deployCluster(seen, baseCluster(scheduledSnapshots ? { etcd: { scheduledSnapshots } } : {}))).res;
const MEMBERS = ["m1", "m2", "m3"];

describe("scheduled etcd snapshots (etcd.scheduledSnapshots)", () => {
    let byDefault: Map<string, Recorded>;
    let hourly: Map<string, Recorded>;
    let off: Map<string, Recorded>;
    beforeAll(async () => {
        byDefault = await deploy();
        hourly = await deploy({ intervalMinutes: 60, keep: 48 });
        off = await deploy({ enabled: false });
    }, 600_000);

    it("on by default: every member gets the script, the service and a timer every 360 min keeping 12, the timer enabled and drift-checked", () => {
        for (const m of MEMBERS) {
            const timer = byDefault.get(`lab-etcd-${m}-etcd-snapshot-timer`)!;
            expect(timer.inputs.path).toBe("/etc/systemd/system/etcd-snapshot.timer");
            expect(timer.inputs.content).toMatch(/^OnUnitActiveSec=360min$/m);
            const script = byDefault.get(`lab-etcd-${m}-etcd-snapshot-script`)!;
            expect(script.inputs.content).toMatch(/^keep=12$/m);
            expect(script.inputs.mode).toBe("0755");
            expect(byDefault.get(`lab-etcd-${m}-etcd-snapshot-service`)!.inputs.path).toBe("/etc/systemd/system/etcd-snapshot.service");
            expect(byDefault.get(`lab-etcd-${m}-etcd-snapshot.timer-unit`)!.inputs.unit).toBe("etcd-snapshot.timer");
        }
    });

    it("starts each member's timer after its etcd (re)start, and again whenever its files are (re)written", async () => {
        for (const m of MEMBERS) {
            const schedule = byDefault.get(`lab-etcd-${m}-etcd-snapshot-schedule`)!;
            expect(schedule.inputs.create).toContain("systemctl restart etcd-snapshot.timer");
            expect(dependsOnNames(schedule)).toEqual(expect.arrayContaining([`lab-etcd-${m}-etcd-restart`, `lab-etcd-${m}-etcd-snapshot.timer-unit`]));
            // the trigger is the snapshot files' write count: exactly those three files
            expect((await outputResourceNames(schedule.props!.triggers)).sort()).toEqual(
                [`lab-etcd-${m}-etcd-snapshot-script`, `lab-etcd-${m}-etcd-snapshot-service`, `lab-etcd-${m}-etcd-snapshot-timer`].sort(),
            );
        }
    });

    it("a changed interval or count rewrites the timer and the script, and never restarts etcd", () => {
        for (const m of MEMBERS) {
            expect(hourly.get(`lab-etcd-${m}-etcd-snapshot-timer`)!.inputs.content).toMatch(/^OnUnitActiveSec=60min$/m);
            expect(hourly.get(`lab-etcd-${m}-etcd-snapshot-script`)!.inputs.content).toMatch(/^keep=48$/m);
            expect(hourly.get(`lab-etcd-${m}-etcd-restart`)!.inputs.triggers).toEqual(byDefault.get(`lab-etcd-${m}-etcd-restart`)!.inputs.triggers);
        }
    });

    it("off: no timer, service, script or schedule on any member; etcd itself unchanged", () => {
        const snapshotResources = [...off.keys()].filter((n) => n.includes("etcd-snapshot"));
        expect(snapshotResources).toEqual([]);
        for (const m of MEMBERS) expect(off.get(`lab-etcd-${m}-etcd-restart`)!.inputs).toEqual(byDefault.get(`lab-etcd-${m}-etcd-restart`)!.inputs);
    });
});
