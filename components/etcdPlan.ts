import { EtcdSnapshotScheduleSpec } from "./render/etcdSnapshot";
import { DEFAULTS, EtcdPeer, etcdMemberSans, etcdPeers, etcdQuorum, Member, member, Sans } from "./topology";

/** What an etcd cluster is configured with; `H` is the host type (a ClusterHost for the component). */
export interface EtcdSettings<H extends Member = Member> {
    /** Members in declaration order; `name` is the stable member name. 3, 5 or 7. */
    readonly members: readonly H[];
    /** `--initial-cluster-token`. Default: the component name. */
    readonly clusterToken?: string;
    /** Client port. Default 2379. */
    readonly clientPort?: number;
    /** Peer port. Default 2380. */
    readonly peerPort?: number;
    /** Keep /var/lib/etcd when the cluster is destroyed. Default true. */
    readonly keepDataOnDestroy?: boolean;
    /** Allow one member (labs only). Default false. */
    readonly allowSingleMember?: boolean;
    /** Seconds a health gate waits. Default 180. */
    readonly healthTimeoutSec?: number;
    /**
     * Directory on the machine running Pulumi that each member's pre-restart snapshot is copied
     * into (`<dir>/<member>/`). Default: none (snapshots stay on the hosts).
     */
    readonly snapshotCopyDirectory?: string;
    /** Scheduled snapshots on every member (a systemd timer). Default: on, every 360 min, newest 12 kept. */
    readonly scheduledSnapshots?: EtcdScheduledSnapshotsArgs;
}

/** Scheduled etcd snapshots (etcd-snapshot.timer on each member), besides those taken before restarts. */
export interface EtcdScheduledSnapshotsArgs {
    /** Default true. */
    readonly enabled?: boolean;
    /** Minutes between snapshots. Default 360 (6 hours). */
    readonly intervalMinutes?: number;
    /** Snapshots kept on each member. Default 12. */
    readonly keep?: number;
}

/** Defaults of the scheduled snapshots. */
export const SCHEDULED_SNAPSHOT_DEFAULTS = { intervalMinutes: 360, keep: 12 } as const;

/** A member as decided: its URLs and the SANs of its server and peer certificates. */
export interface EtcdMemberPlan extends EtcdPeer {
    readonly sans: Sans;
}

/** The etcd cluster as decided, every default applied. */
export interface EtcdPlan {
    readonly members: readonly EtcdMemberPlan[];
    readonly clusterToken: string;
    readonly clientPort: number;
    readonly peerPort: number;
    readonly keepDataOnDestroy: boolean;
    readonly allowSingleMember: boolean;
    readonly healthTimeoutSec: number;
    readonly snapshotCopyDirectory?: string;
    /** The scheduled snapshots' timer; undefined: off. */
    readonly scheduledSnapshots?: EtcdSnapshotScheduleSpec;
    /** Members that must stay healthy. */
    readonly quorum: number;
}

/** The one derivation of etcd's decisions (`token`: the default cluster token). Pure. */
export function planEtcd(s: EtcdSettings, token: string): EtcdPlan {
    const clientPort = s.clientPort ?? DEFAULTS.etcdClientPort;
    const peerPort = s.peerPort ?? DEFAULTS.etcdPeerPort;
    const members = s.members.map(member);
    return {
        members: etcdPeers(members, peerPort, clientPort).map((p) => ({ ...p, sans: etcdMemberSans(p) })),
        clusterToken: s.clusterToken ?? token,
        clientPort,
        peerPort,
        keepDataOnDestroy: s.keepDataOnDestroy ?? true,
        allowSingleMember: s.allowSingleMember ?? false,
        healthTimeoutSec: s.healthTimeoutSec ?? 180,
        snapshotCopyDirectory: s.snapshotCopyDirectory,
        scheduledSnapshots:
            s.scheduledSnapshots?.enabled === false
                ? undefined
                : {
                      intervalMinutes: s.scheduledSnapshots?.intervalMinutes ?? SCHEDULED_SNAPSHOT_DEFAULTS.intervalMinutes,
                      keep: s.scheduledSnapshots?.keep ?? SCHEDULED_SNAPSHOT_DEFAULTS.keep,
                  },
        quorum: etcdQuorum(members.length),
    };
}
