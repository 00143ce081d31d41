import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { HostWork, installHost, restartHost } from "./hostWork";
import { CertificateAuthority, issueCert } from "./pki";
import { ClusterHost, reachOf, remoteCommand, restartAndWaitScript, revision, shellQuote, sshTarget, waitScript } from "./remote";
import { ETCD_NAME, renderEtcdEnv, renderEtcdSysusers, renderEtcdUnit } from "./render/etcd";
import { renderEtcdRestoreScript } from "./render/etcdRestore";
import { EtcdJoin } from "../providers/etcdJoin";
import { EtcdLeave } from "../providers/etcdLeave";
import { EtcdSnapshotCopy } from "../providers/etcdSnapshotCopy";
import { PATHS } from "./render/paths";
import { EtcdPlan, EtcdSettings, planEtcd } from "./etcdPlan";
import { hostLookup, InstallInputs, PlannedArgs } from "./planned";
import { HostComponent, HostComponentKind } from "./hostComponent";
import { hostListProblems, Problem, scheduledSnapshotsProblems, validPort } from "./validation";
import { ETCD_SNAPSHOT_UNITS, renderEtcdSnapshotScript, renderEtcdSnapshotService, renderEtcdSnapshotTimer } from "./render/etcdSnapshot";
import { RolloutOrder } from "./rollout";

/** The runtime inputs every form of the arguments takes (running etcd members restart one at a time). */
export interface EtcdClusterInputs extends InstallInputs {
    /** The etcd CA (server, peer and client certificates are issued from it). */
    readonly ca: CertificateAuthority;
}

/** Settings (see EtcdSettings) with the members as ClusterHosts, and the inputs. */
export type EtcdClusterArgs = EtcdSettings<ClusterHost> & EtcdClusterInputs;

/** The ClusterPlan's slice, the hosts it names, and the inputs. */
export type PlannedEtcdClusterArgs = PlannedArgs<EtcdPlan> & EtcdClusterInputs;

export interface EtcdClusterOutputs {
    /** Client URLs of every member (https). */
    readonly endpoints: pulumi.Output<string[]>;
    /** Resolves once every member is healthy over TLS and the member list is complete. */
    readonly ready: pulumi.Output<boolean>;
    /** Expiry (RFC 3339) of each member's server and peer certificate. */
    readonly certificateExpiry: pulumi.Output<Record<string, string>>;
}

/** What a health check on a member runs: etcdctl over TLS with the health-check client cert. Pure. */
export function etcdctlCommand(clientPort: number, args: string): string {
    const p = PATHS.etcd;
    return `ETCDCTL_API=3 ${PATHS.bin.etcdctl} --endpoints=https://127.0.0.1:${clientPort} --cacert=${p.ca} --cert=${p.healthcheckCert} --key=${p.healthcheckKey} --dial-timeout=3s --command-timeout=5s ${args}`;
}

export function validateEtcdMembers(members: readonly ClusterHost[], allowSingle: boolean): Problem[] {
    const problems = hostListProblems(members, "members", "member");
    const n = members.length;
    if (n % 2 === 0) problems.push({ propertyPath: "members", reason: `etcd needs an odd number of members (3, 5 or 7), got ${n}` });
    else if (n < 3 && !allowSingle) problems.push({ propertyPath: "members", reason: `etcd has ${n} member(s): an HA cluster needs 3, 5 or 7` });
    else if (n > 7) problems.push({ propertyPath: "members", reason: `etcd has ${n} members; use 3, 5 or 7` });
    return problems;
}

function createEtcdCluster(name: string, args: PlannedEtcdClusterArgs, opts: pulumi.CustomResourceOptions): EtcdClusterOutputs {
    const plan = args.plan;
    const { clientPort, healthTimeoutSec: timeout } = plan;
    const host = hostLookup(args.hosts);
    const members = plan.members.map((m) => ({ ...m, ...reachOf(host(m.name)) }));
    const healthcheck = issueCert(`${name}-healthcheck-client`, args.ca, { commonName: "ha-kubernetes-etcd-healthcheck", usages: ["client"] }, args.validity, opts);
    const expiry: Record<string, pulumi.Output<string>> = {};
    const etcdctl = etcdctlCommand(clientPort, "").trimEnd();
    const refs = plan.members.map((p) => ({ name: p.name, peerUrl: p.peerUrl }));
    const order = new RolloutOrder(args.runningHosts);
    let previousJoin: pulumi.Resource | undefined;
    const restarts: command.remote.Command[] = [];
    for (const [i, member] of members.entries()) {
        const prefix = `${name}-${member.name}`;
        const sans = member.sans;
        const server = issueCert(`${prefix}-server`, args.ca, { commonName: member.name, sans, usages: ["server", "client"] }, args.validity, opts);
        const peer = issueCert(`${prefix}-peer`, args.ca, { commonName: member.name, sans, usages: ["server", "client"] }, args.validity, opts);
        expiry[`${member.name}-server`] = server.expiresAt;
        expiry[`${member.name}-peer`] = peer.expiresAt;
        // New cluster, or a member added to a running one through the membership API (one at a time).
        const joined = new EtcdJoin(
            `${prefix}-etcd-join`,
            {
                host: member.name,
                connection: sshTarget(member),
                member: refs[i],
                members: refs,
                etcdctl,
                dataDir: PATHS.etcd.dataDir,
                seeds: members.filter((o) => o.name !== member.name).map((o) => ({ host: o.name, connection: sshTarget(o) })),
            },
            pulumi.mergeOptions(opts, { dependsOn: previousJoin ? [previousJoin] : [] }),
        );
        previousJoin = joined;
        const env = pulumi.all([joined.state, joined.initialCluster]).apply(([initialClusterState, initialCluster]) =>
            renderEtcdEnv({
                name: member.name,
                ip: member.address,
                clientPort,
                peerPort: plan.peerPort,
                initialCluster,
                initialClusterState,
                initialClusterToken: plan.clusterToken,
            }),
        );
        const unit = renderEtcdUnit();
        const p = PATHS.etcd;
        const schedule = plan.scheduledSnapshots;
        const keepData = plan.keepDataOnDestroy;
        const work: HostWork = {
            host: member,
            prefix,
            role: "etcd",
            packages: ["ca-certificates"],
            // (the data directory goes with the base, after the service stopped, unless kept)
            cleanup: `rm -rf -- ${shellQuote(p.pkiDir)}${keepData ? "" : ` ${shellQuote(p.dataDir)} ${shellQuote(p.snapshotDir)}`}`,
            files: [
                { key: "ca-crt", path: p.ca, content: args.ca.certPem },
                { key: "server-crt", path: p.serverCert, content: server.certPem },
                { key: "server-key", path: p.serverKey, content: server.keyPem, mode: "0600" },
                { key: "peer-crt", path: p.peerCert, content: peer.certPem },
                { key: "peer-key", path: p.peerKey, content: peer.keyPem, mode: "0600" },
                { key: "healthcheck-crt", path: p.healthcheckCert, content: healthcheck.certPem },
                { key: "healthcheck-key", path: p.healthcheckKey, content: healthcheck.keyPem, mode: "0600" },
                { key: "env", path: p.env, content: env },
                { key: "sysusers", path: p.sysusers, content: renderEtcdSysusers() },
                { key: "unit", path: PATHS.unit("etcd"), content: unit },
                // the restore helper (README, "etcd snapshots"); not read by etcd, so no restart when it changes
                { key: "restore-script", path: PATHS.bin.etcdRestore, content: renderEtcdRestoreScript(), mode: "0755", restarts: false },
                // scheduled snapshots: not read by etcd, so no restart of etcd when they change
                ...(schedule
                    ? [
                          { key: "snapshot-script", path: PATHS.bin.etcdSnapshot, content: renderEtcdSnapshotScript(schedule.keep, etcdctl), mode: "0755", restarts: false },
                          { key: "snapshot-service", path: PATHS.unit("etcd-snapshot"), content: renderEtcdSnapshotService(), restarts: false },
                          { key: "snapshot-timer", path: PATHS.etcd.snapshotTimer, content: renderEtcdSnapshotTimer(schedule), restarts: false },
                      ]
                    : []),
            ],
            binaries: { names: ["etcd", "etcdctl", "etcdutl"], source: args.artifacts },
            restartOn: [args.artifacts.sha256["etcd"] ?? ""],
            services: ["etcd", ...(schedule ? [ETCD_SNAPSHOT_UNITS.timer] : [])],
        };
        const localHealthy = etcdctlCommand(clientPort, "endpoint health");
        // First start: every member starts without blocking (a new member waits for its peers).
        // Later changes: wait for the whole cluster, restart this member, wait for it: one at a time.
        const roll = [
            "set -u",
            // the etcd user, before its unit (re)starts
            `systemd-sysusers ${shellQuote(p.sysusers)}`,
            `if systemctl is-active --quiet etcd && [ -d ${shellQuote(p.dataDir + "/member")} ]; then`,
            waitScript({ what: `a healthy etcd cluster before restarting ${member.name}`, check: clusterHealthyCheck(clientPort), timeoutSec: timeout }),
            snapshotScript(member.name, clientPort),
            restartAndWaitScript({ unit: "etcd", host: member.name, check: localHealthy, timeoutSec: timeout }),
            "else",
            `  install -d -m 0700 ${shellQuote(p.dataDir)}`,
            "  systemctl daemon-reload",
            "  systemctl restart --no-block etcd",
            "fi",
        ].join("\n");
        const install = installHost(work, opts);
        const restart = restartHost(work, install, { script: roll, after: order.after(member.name) }, opts);
        restarts.push(restart);
        // the timer (re)starts once etcd runs, and again whenever its files change
        if (schedule) {
            const scheduleFiles = install.files.filter((_, i) => work.files[i].key.startsWith("snapshot-"));
            remoteCommand(
                `${prefix}-etcd-snapshot-schedule`,
                member,
                {
                    create: `set -eu\nsystemctl daemon-reload\nsystemctl enable --quiet ${ETCD_SNAPSHOT_UNITS.timer}\nsystemctl restart ${ETCD_SNAPSHOT_UNITS.timer}`,
                    triggers: [revision(scheduleFiles, [])],
                    logging: "stderr",
                },
                pulumi.mergeOptions(opts, { dependsOn: [restart, ...install.services] }),
            );
        }
        order.passed(member.name, restart);
        // a copy of the snapshot this restart took, off the host (when configured)
        if (plan.snapshotCopyDirectory) {
            new EtcdSnapshotCopy(
                `${prefix}-etcd-snapshot-copy`,
                {
                    host: member.name,
                    connection: sshTarget(member),
                    member: member.name,
                    remoteDirectory: PATHS.etcd.snapshotDir,
                    localDirectory: path.resolve(plan.snapshotCopyDirectory),
                    keep: SNAPSHOTS_KEPT,
                    trigger: restart.id,
                },
                pulumi.mergeOptions(opts, { dependsOn: [restart] }),
            );
        }
    }
    const first = members[0];
    const gate = remoteCommand(
        `${name}-${first.name}-etcd-health`,
        first,
        {
            create: [
                "set -u",
                waitScript({
                    what: `etcd cluster ${name} (all ${members.length} members healthy over TLS)`,
                    check: `${clusterHealthyCheck(clientPort)} && list="$(${etcdctlCommand(clientPort, "member list")})" && ${members.map((m) => `echo "$list" | grep -qF ${shellQuote(`, started, ${m.name}, `)}`).join(" && ")}`,
                    timeoutSec: timeout,
                }),
                `echo quorum=${plan.quorum}`,
            ].join("\n"),
            triggers: restarts.map((r) => r.id),
            logging: "stderr",
        },
        pulumi.mergeOptions(opts, { dependsOn: restarts }),
    );
    // Members no longer declared leave through the membership API, once the rest is healthy.
    const leave = new EtcdLeave(
        `${name}-membership`,
        {
            members: refs,
            etcdctl,
            seeds: members.map((o) => ({ host: o.name, connection: sshTarget(o) })),
        },
        pulumi.mergeOptions(opts, { dependsOn: [gate] }),
    );
    return {
        endpoints: pulumi.output(plan.members.map((p) => p.clientUrl)),
        ready: pulumi.all([gate.stdout, leave.removed]).apply(() => true),
        certificateExpiry: pulumi.all(expiry),
    };
}

/** Snapshots kept per member in PATHS.etcd.snapshotDir. */
export const SNAPSHOTS_KEPT = 5;

/**
 * Shell that saves a snapshot of the running member's keyspace before it restarts (a changed
 * setting, certificate or version), into PATHS.etcd.snapshotDir (mode 0700), keeping the newest
 * SNAPSHOTS_KEPT. A failed snapshot stops the roll. Pure.
 */
export function snapshotScript(member: string, clientPort: number): string {
    const dir = shellQuote(PATHS.etcd.snapshotDir);
    return [
        `install -d -m 0700 ${dir}`,
        `snap=${dir}/${shellQuote(member)}-$(date -u +%Y%m%dT%H%M%SZ).db`,
        `${etcdctlCommand(clientPort, '--command-timeout=120s snapshot save "$snap.part"')} >/dev/null 2>&1 && mv "$snap.part" "$snap" || { rm -f "$snap.part"; echo ${shellQuote(`ha-kubernetes: etcd snapshot on ${member} failed; not restarting it`)} >&2; exit 1; }`,
        `ls -1t ${dir}/*.db | tail -n +${SNAPSHOTS_KEPT + 1} | xargs -r rm -f --`,
    ].join("\n");
}

/** Shell that succeeds when every member etcd lists answers its health check over TLS. */
function clusterHealthyCheck(clientPort: number): string {
    return etcdctlCommand(clientPort, "endpoint health --cluster");
}

/** The settings' problems: the members, the ports (they reach the members' shells in etcdctl's URL), the token. */
export function validateEtcd(a: EtcdClusterArgs): Problem[] {
    const problems = validateEtcdMembers(a.members, !!a.allowSingleMember);
    if (a.clusterToken !== undefined && !ETCD_NAME.test(a.clusterToken))
        problems.push({ propertyPath: "clusterToken", reason: `the cluster token ${JSON.stringify(a.clusterToken)} must be letters, digits and ._- (a letter or digit first)` });
    for (const k of ["clientPort", "peerPort"] as const)
        if (a[k] !== undefined && !validPort(a[k])) problems.push({ propertyPath: k, reason: `${k} ${JSON.stringify(a[k])} is not in 1..65535` });
    problems.push(...scheduledSnapshotsProblems(a.scheduledSnapshots, "scheduledSnapshots"));
    return problems;
}

/** The component: how settings become a plan, and what it creates. */
const KIND: HostComponentKind<EtcdClusterArgs, EtcdPlan, EtcdClusterInputs, EtcdClusterOutputs> = {
    kind: "EtcdCluster",
    validate: validateEtcd,
    plan: planEtcd,
    hosts: (a) => a.members,
    create: createEtcdCluster,
};

/** An etcd cluster with TLS peer and client authentication, one systemd unit per member. */
export class EtcdCluster extends HostComponent<EtcdClusterArgs, EtcdPlan, EtcdClusterInputs, EtcdClusterOutputs> implements EtcdClusterOutputs {
    declare public readonly endpoints: pulumi.Output<string[]>;

    /** `args`: settings (library users) or the ClusterPlan's slice (components/cluster.ts). */
    constructor(name: string, args: EtcdClusterArgs | PlannedEtcdClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super(KIND, name, args, opts);
    }
}
