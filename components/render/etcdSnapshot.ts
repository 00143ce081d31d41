import { shellQuote } from "../../lib/shell";
import { PATHS } from "./paths";
import { renderScriptFile } from "./scriptFile";
import { renderSystemdUnit } from "./systemd";

/** The systemd units of the scheduled snapshots. */
export const ETCD_SNAPSHOT_UNITS = { service: "etcd-snapshot.service", timer: "etcd-snapshot.timer" } as const;

/** What a member's scheduled snapshots are configured with. */
export interface EtcdSnapshotScheduleSpec {
    /** Minutes between snapshots (and after boot before the first). */
    readonly intervalMinutes: number;
    /** Snapshots kept; older ones are deleted after each new one. */
    readonly keep: number;
}

/**
 * /usr/local/sbin/ha-kubernetes-etcd-snapshot: one snapshot of the member's keyspace into
 * PATHS.etcd.scheduledSnapshotDir, keeping the newest `keep`. `etcdctl` is the member's own
 * health-check command (TLS, its client port). Pure but for reading the script file.
 */
export function renderEtcdSnapshotScript(keep: number, etcdctl: string): string {
    if (!Number.isInteger(keep) || keep < 1) throw new Error(`bad snapshot count ${keep}`);
    return renderScriptFile("etcd-snapshot.sh", { DIR: shellQuote(PATHS.etcd.scheduledSnapshotDir), KEEP: String(keep), ETCD_ENV: PATHS.etcd.env, ETCDCTL: etcdctl });
}

/** etcd-snapshot.service: the script once, after etcd, at low CPU and I/O priority. Pure. */
export function renderEtcdSnapshotService(): string {
    return renderSystemdUnit({
        sections: [
            {
                name: "Unit",
                directives: [
                    ["Description", "etcd snapshot (ha-kubernetes, scheduled)"],
                    ["After", "etcd.service"],
                    ["Requisite", "etcd.service"],
                    ["ConditionPathExists", `${PATHS.etcd.dataDir}/member`],
                ],
            },
            {
                name: "Service",
                directives: [
                    ["Type", "oneshot"],
                    ["ExecStart", PATHS.bin.etcdSnapshot],
                    ["Nice", 10],
                    ["IOSchedulingClass", "idle"],
                    ["TimeoutStartSec", "10min"],
                ],
            },
        ],
    });
}

/** etcd-snapshot.timer: every `intervalMinutes`, counted from boot and from the last run. Pure. */
export function renderEtcdSnapshotTimer(spec: EtcdSnapshotScheduleSpec): string {
    if (!Number.isInteger(spec.intervalMinutes) || spec.intervalMinutes < 1) throw new Error(`bad snapshot interval ${spec.intervalMinutes}`);
    return renderSystemdUnit({
        sections: [
            { name: "Unit", directives: [["Description", `etcd snapshot every ${spec.intervalMinutes} min, newest ${spec.keep} kept (ha-kubernetes)`]] },
            {
                name: "Timer",
                directives: [
                    ["OnBootSec", `${spec.intervalMinutes}min`],
                    ["OnUnitActiveSec", `${spec.intervalMinutes}min`],
                    ["AccuracySec", "1min"],
                    ["Unit", ETCD_SNAPSHOT_UNITS.service],
                ],
            },
            { name: "Install", directives: [["WantedBy", "timers.target"]] },
        ],
    });
}
